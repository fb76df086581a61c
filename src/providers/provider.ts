import type { ProviderAccountsRead } from '../domain/account.js';
import { ProviderCallError } from './errors.js';
import type { ProviderTransactionsPage } from '../domain/transaction.js';
import type {
  ConnectionErrorInfo,
  LinkTokenInfo,
  ProviderConnectionState,
  ProviderName,
} from '../domain/connection.js';

/**
 * The port every provider adapter implements. Versioned so that adapters written against an
 * older shape fail to compile instead of misbehaving. Every method either resolves with the
 * normalized result or rejects with a ProviderCallError; nothing else escapes an adapter.
 *
 * `credential` is the provider secret that addresses one connection (Plaid access_token).
 * Providers that address connections by id with an app-level token (MoneyKit) get null.
 */
export interface ProviderAdapterV1 {
  readonly specificationVersion: 'v1';
  readonly provider: ProviderName;
  /** True when the configured credentials are sandbox ones: resets are allowed. */
  readonly sandbox: boolean;
  /** Product names accepted by createLinkToken, checked by the gateway before any call. */
  readonly products: readonly string[];
  /** ISO-3166-1 alpha-2 codes the provider accepts for link sessions, checked by the gateway. */
  readonly countryCodes: readonly string[];
  /** The provider needs a redirect URI on every link session (the gateway then uses LINK_REDIRECT_URI). */
  readonly requiresRedirectUri: boolean;

  /** A link token for a brand-new connection. */
  createLinkToken(input: CreateLinkTokenParams): Promise<LinkTokenInfo>;

  /** A link token that relaunches the provider's widget in update mode for an existing connection. */
  createUpdateLinkToken(input: CreateUpdateLinkTokenParams): Promise<LinkTokenInfo>;

  /** Exchange the token the widget returned; returns the new connection's id, secret and state. */
  exchangePublicToken(input: { publicToken: string; userId: string }): Promise<ExchangeResult>;

  /** Read the connection's current state from the provider. */
  getConnection(ref: ConnectionRef): Promise<ProviderConnectionState>;

  /** Sandbox only: force the connection into the login-required state. */
  resetLogin(ref: ConnectionRef): Promise<void>;

  /**
   * Sandbox only: force several connections of one user into login-required, in as few
   * provider calls as the provider allows. Adapters without a batch call loop over resetLogin.
   */
  resetLogins(input: { userId: string; connections: ConnectionRef[] }): Promise<void>;

  /** Remove the connection at the provider (revokes its access). Already-gone is success. */
  removeConnection(ref: ConnectionRef): Promise<void>;
}

/**
 * Version 2 adds what accounts, balances and transactions need (contract section 7). Every V1
 * member keeps its meaning. Same rule as V1: each method resolves with normalized data or
 * rejects with a ProviderCallError; an answer the adapter cannot read (garbage) is kind
 * UNAVAILABLE, and money in results is an exact Decimal read from the provider's JSON text.
 */
export interface ProviderAdapterV2 extends Omit<ProviderAdapterV1, 'specificationVersion'> {
  readonly specificationVersion: 'v2';

  /**
   * The connection's accounts with their balances, together with the connection's state read in
   * the same call where the provider answers both at once (Plaid `/accounts/get` returns the
   * item, MoneyKit `GET /links/{id}/accounts` the link), so status and accounts are updated
   * together from one provider read. Account types are normalized by the provider's table.
   */
  getAccounts(ref: ConnectionRef): Promise<ProviderAccountsRead>;

  /**
   * One page of the provider's own transactions sync, starting at the provider cursor `cursor`
   * (null: from the beginning of the history the provider has), at most `count` (1..500)
   * transactions. The page's `nextCursor` is the provider's; the gateway stores it and never
   * hands it out. Amounts are signed from the account holder's side (negative = money out).
   * The provider saying the data changed during pagination rejects with
   * TransactionsSyncMutationError (kind INVALID_STATE): restart from the cursor held before the
   * first page.
   */
  syncTransactions(ref: ConnectionRef, page: { cursor: string | null; count: number }): Promise<ProviderTransactionsPage>;

  /**
   * Bringing existing connections (contract section 8): read a connection made outside the
   * gateway by its credential (Plaid access_token via `/item/get`, MoneyKit link id via
   * `GET /links/{id}`), returning its id, the credential to store (null for MoneyKit) and its
   * state. A credential the provider does not recognise, or one naming a removed/deleted
   * connection, rejects with kind INVALID_INPUT (message without the credential). Reads only.
   */
  lookupConnection(credential: string): Promise<ExchangeResult>;

  /**
   * Point the connection's webhooks at `url` (Plaid `/item/webhook/update`, which acknowledges
   * with WEBHOOK_UPDATE_ACKNOWLEDGED at the new URL; MoneyKit `PATCH /links/{id}`). Idempotent.
   */
  setWebhookUrl(ref: ConnectionRef, url: string): Promise<void>;
}

/** Bounds of `count` in syncTransactions (both providers allow 1..500). */
export const SYNC_PAGE_MIN = 1;
export const SYNC_PAGE_MAX = 500;

/** Adapters refuse a count outside the bounds before any call (the gateway checks it first). */
export function assertSyncCount(provider: ProviderName, count: number): void {
  if (!Number.isInteger(count) || count < SYNC_PAGE_MIN || count > SYNC_PAGE_MAX) {
    throw new ProviderCallError({ provider, kind: 'INVALID_INPUT', message: `count must be ${SYNC_PAGE_MIN}..${SYNC_PAGE_MAX}`, notSent: true });
  }
}

export interface ConnectionRef {
  providerConnectionId: string;
  credential: string | null;
  /** The provider's own user id, when the connection was made under one (Plaid user_id). */
  providerUserId?: string | null;
  /** The institution as last read, when known (saves the adapter a read). */
  institutionId?: string | null;
}

export interface CreateLinkTokenParams {
  /** The caller's `sub`: Plaid user.client_user_id / MoneyKit customer_user.id. */
  userId: string;
  products: string[];
  /** Absolute URI; the gateway fills LINK_REDIRECT_URI in when the caller gave none. */
  redirectUri: string | null;
  androidPackageName: string | null;
  language: string;
  countryCodes: string[];
  /** The gateway's own webhook URL for this provider. */
  webhookUrl: string;
}

export interface CreateUpdateLinkTokenParams {
  userId: string;
  connection: ConnectionRef;
  redirectUri: string | null;
  androidPackageName: string | null;
  language: string;
  /** null: the connection's own countries (the adapter knows them from the item or link). */
  countryCodes: string[] | null;
  accountSelectionEnabled: boolean | null;
  webhookUrl: string;
}

export interface ExchangeResult {
  providerConnectionId: string;
  credential: string | null;
  providerUserId: string | null;
  state: ProviderConnectionState;
}

export type { ConnectionErrorInfo };

/** The port members that call the provider (every method but the data fields and `close`). */
export type ProviderOperation = {
  [K in keyof ProviderAdapterV2]-?: ProviderAdapterV2[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof ProviderAdapterV2];

/**
 * Every provider operation of the port, listed. A new port member that is not listed here is a
 * compile error, so the gateway's per-operation policies (deadline, breaker, metrics) cannot miss it.
 */
export const PROVIDER_OPERATIONS = {
  createLinkToken: true,
  createUpdateLinkToken: true,
  exchangePublicToken: true,
  getConnection: true,
  resetLogin: true,
  resetLogins: true,
  removeConnection: true,
  getAccounts: true,
  syncTransactions: true,
  lookupConnection: true,
  setWebhookUrl: true,
} as const satisfies Record<ProviderOperation, true>;

/**
 * The adapter with each provider operation run through `wrap` (one deadline, the breaker,
 * metrics): a plain object built from the list above, everything else copied as it is.
 */
export function wrapOperations<A extends Pick<ProviderAdapterV2, ProviderOperation>>(
  adapter: A,
  wrap: <T>(operation: ProviderOperation, call: () => Promise<T>) => Promise<T>,
): A {
  const out: Record<string, unknown> = { ...adapter };
  for (const op of Object.keys(PROVIDER_OPERATIONS) as ProviderOperation[]) {
    const fn = adapter[op] as (...args: unknown[]) => Promise<unknown>;
    out[op] = (...args: unknown[]) => wrap(op, () => fn.apply(adapter, args));
  }
  return out as A;
}
