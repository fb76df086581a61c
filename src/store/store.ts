import type { TokenDecryptionError } from './crypto.js';
import type { ProviderAccount } from '../domain/account.js';
import type { ProviderTransaction } from '../domain/transaction.js';
import type { SyncCursorState } from '../domain/transactions-sync.js';
import type {
  ConnectionErrorInfo,
  ConnectionRecord,
  ConnectionStatus,
  InstitutionInfo,
  ProviderName,
} from '../domain/connection.js';

// The port speaks in domain records; re-exported for the store's implementations and tests.
export type { ConnectionRecord };

/** A connection to insert: the record's own fields (the store sets id, times and version) and its secret. */
export type NewConnection = Pick<
  ConnectionRecord,
  | 'provider' | 'providerConnectionId' | 'providerUserId' | 'userId' | 'sandbox' | 'status' | 'error'
  | 'institution' | 'products' | 'consentExpiresAt' | 'expiringUntil' | 'lastSyncedAt'
> & {
  /** The time the state above is as of (see ConnectionRecord.lastEventAt); default null. */
  lastEventAt?: Date | null;
  /** Plaintext provider secret; the store encrypts it before it touches disk. */
  credential: string | null;
};

/** The fields a state application may change. Absent fields are left as they are. */
export interface ConnectionStatePatch {
  status?: ConnectionStatus;
  error?: ConnectionErrorInfo | null;
  institution?: InstitutionInfo | null;
  products?: string[];
  consentExpiresAt?: Date | null;
  expiringUntil?: Date | null;
  lastSyncedAt?: Date | null;
  statusChangedAt?: Date;
  stateRefreshedAt?: Date;
  lastEventAt?: Date | null;
  transactionsUpdatedAt?: Date | null;
}

/** One stored account: the provider's account as last read, with its stable id. */
export interface AccountRecord extends ProviderAccount {
  /** Derived from (connectionId, providerAccountId): see domain/account.ts accountRowId. */
  id: string;
  connectionId: string;
  updatedAt: Date;
}

/** One stored transaction: its last known state from a sync, with its stable id. */
export interface TransactionRecord extends ProviderTransaction {
  /** Derived from (connectionId, providerTransactionId): see domain/transaction.ts transactionRowId. */
  id: string;
  connectionId: string;
  /** The id of its account (derived the same way; the account may no longer be listed). */
  accountId: string;
  updatedAt: Date;
}

export interface SyncCursorRecord extends SyncCursorState {
  /** The gateway cursor (opaque to clients once encoded). */
  id: string;
  connectionId: string;
  createdAt: Date;
}

export interface ConnectionListFilter {
  /** Restrict to one owner (always set for non-admin callers). */
  userId?: string;
  status?: ConnectionStatus[];
  provider?: ProviderName;
}

/** Keyset cursor for newest-first paging. */
export interface ListCursor {
  createdAt: Date;
  id: string;
}

export interface ConnectionPage {
  items: ConnectionRecord[];
  hasNextPage: boolean;
  /** null when the caller did not ask for it (page.withTotalCount false). */
  totalCount: number | null;
}

export interface WebhookEventInput {
  provider: ProviderName;
  /** De-duplication key (MoneyKit webhook_idempotency_key, a Plaid signature hash); null: never de-duplicated. */
  dedupeKey: string | null;
  eventType: string; // e.g. ITEM.ERROR, link.state_changed
  providerConnectionId: string | null;
  /** Provider time of the event, when it carries one. */
  occurredAt: Date | null;
  /** The verified raw body, parsed. Never contains provider secrets. */
  payload: unknown;
  /** What the delivery asks of the connection, in the normalized model (JSON); opaque to the store. */
  effect?: unknown;
}

/** A webhook event's outcome, written together with the state it caused (updateState). */
export interface WebhookOutcomeWrite {
  eventId: string;
  outcome: string;
}

export interface WebhookEventRecord extends WebhookEventInput {
  id: string;
  receivedAt: Date;
  /** null until applied; the outcome afterwards (applied, unchanged, stale, ignored, unknown_connection). */
  outcome: string | null;
}

export class ConnectionConflictError extends Error {
  constructor(message = 'connection was changed concurrently') {
    super(message);
    this.name = 'ConnectionConflictError';
  }
}

export class DuplicateConnectionError extends Error {
  constructor() {
    super('a connection with this provider id already exists');
    this.name = 'DuplicateConnectionError';
  }
}

/**
 * The storage port. Two implementations (PGlite embedded, PostgreSQL via pg) pass one shared
 * test suite. Implementations know nothing of provider wire formats.
 */
export interface ConnectionStore extends ProviderUserStore {
  /** Apply pending migrations; safe when several instances start together. */
  migrate(): Promise<void>;
  /** Latest applied migration version (readiness). */
  schemaVersion(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Throws DuplicateConnectionError when (provider, providerConnectionId) exists. */
  insertConnection(c: NewConnection): Promise<ConnectionRecord>;
  /** Batch read in the order of `ids`; null for a missing id (DataLoader-shaped). */
  getConnections(ids: readonly string[]): Promise<(ConnectionRecord | null)[]>;
  findByProviderId(provider: ProviderName, providerConnectionId: string): Promise<ConnectionRecord | null>;
  /**
   * Decrypted secrets of several connections in one read, in the order of `ids` (null: none or
   * missing; a TokenDecryptionError for a row that does not decrypt, so one bad row fails only
   * its own connection). Callers must never put one in a response or log.
   */
  getCredentials(ids: readonly string[]): Promise<(string | null | TokenDecryptionError)[]>;
  /** The record and its decrypted secret in one read, for a provider call. Null when missing. */
  getConnectionWithCredential(id: string): Promise<{ record: ConnectionRecord; credential: string | null } | null>;
  /** Newest first (createdAt desc, id desc), `first` items after `after`. */
  listConnections(filter: ConnectionListFilter, page: { first: number; after: ListCursor | null; withTotalCount?: boolean }): Promise<ConnectionPage>;
  /**
   * Write a state patch. With `expectedVersion`, throws ConnectionConflictError when the row moved
   * on meanwhile. Returns the updated record, or null when the connection no longer exists.
   * `eventOutcome`: the webhook event that caused the patch gets its outcome in the same write,
   * and only if the patch was written (one round trip per applied delivery instead of two).
   */
  updateState(id: string, patch: ConnectionStatePatch, expectedVersion?: number, eventOutcome?: WebhookOutcomeWrite): Promise<ConnectionRecord | null>;
  /** Returns true when a row was deleted. Its accounts, transactions and sync cursors go with it. */
  deleteConnection(id: string): Promise<boolean>;

  /**
   * Replace a connection's accounts with `accounts` (kept in that order; ids stable per
   * provider account, the ones not listed deleted), set accountsUpdatedAt to `at`, and apply
   * `patch`, all in one transaction: status and accounts change together. With
   * `expectedVersion`, ConnectionConflictError as in updateState and nothing is written.
   * Returns the updated record and whether the accounts differ from the stored ones as a client
   * sees them (domain/account.ts sameAccounts), or null when the connection no longer exists.
   */
  replaceAccounts(
    id: string,
    accounts: readonly ProviderAccount[],
    opts: { at: Date; patch?: ConnectionStatePatch; expectedVersion?: number },
  ): Promise<{ record: ConnectionRecord; accountsChanged: boolean } | null>;
  /** The accounts of several connections in one read, per connection in the order of `connectionIds` (DataLoader-shaped). */
  listAccounts(connectionIds: readonly string[]): Promise<AccountRecord[][]>;
  /** Accounts by id in the order of `ids`; null for a missing or malformed id (node(id:)). */
  getAccounts(ids: readonly string[]): Promise<(AccountRecord | null)[]>;

  /**
   * Record one sync page in one transaction: upsert `upsert` (added and modified), delete
   * `removed` (provider transaction ids), and save `cursor` as a new cursor row; the
   * connection's old cursor rows are pruned in the same write (bounds in sql-store.ts). Returns
   * the new cursor, or null when the connection no longer exists (nothing written).
   */
  saveTransactionsPage(
    connectionId: string,
    page: { upsert: readonly ProviderTransaction[]; removed: readonly string[]; cursor: SyncCursorState },
  ): Promise<SyncCursorRecord | null>;
  /** Transactions by id in the order of `ids`; null for a missing or malformed id (node(id:)). */
  getTransactions(ids: readonly string[]): Promise<(TransactionRecord | null)[]>;
  /** A cursor row; null for a missing or malformed id. Callers check its connectionId. */
  getSyncCursor(id: string): Promise<SyncCursorRecord | null>;

  /**
   * Record a verified webhook delivery. Returns null when `dedupeKey` was seen before for this
   * provider (a replay); deliveries without a key are always recorded.
   */
  recordWebhookEvent(e: WebhookEventInput): Promise<WebhookEventRecord | null>;
  setWebhookOutcome(id: string, outcome: string): Promise<void>;
  /** Newest first. */
  listWebhookEvents(filter: { provider?: ProviderName; providerConnectionId?: string; dedupeKey?: string; outcome?: string; limit?: number }): Promise<WebhookEventRecord[]>;
}

/**
 * Provider-side user ids learned for a caller (Plaid returns `user_id` from /link/token/create).
 * Kept so that batch operations keyed by the provider's user (Plaid /sandbox/user/reset_login)
 * can be used for connections made later by the same caller.
 */
export interface ProviderUserStore {
  setProviderUserId(provider: ProviderName, userId: string, providerUserId: string): Promise<void>;
  getProviderUserId(provider: ProviderName, userId: string): Promise<string | null>;
}
