// One ConnectionStore over Kysely, shared by the PGlite and PostgreSQL drivers.
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import { z } from 'zod';
import { ACCOUNT_TYPES, accountRowId, sameAccounts, type ProviderAccount } from '../domain/account.js';
import { CONNECTION_STATUSES, connectionErrorInfoSchema, PROVIDERS, type ProviderName } from '../domain/connection.js';
import { isDecimal, type Decimal } from '../domain/decimal.js';
import { isCalendarDate, transactionRowId, type ProviderTransaction } from '../domain/transaction.js';
import type { SyncCursorState } from '../domain/transactions-sync.js';
import {
  ConnectionConflictError,
  DuplicateConnectionError,
  type AccountRecord,
  type SyncCursorRecord,
  type TransactionRecord,
  type ConnectionListFilter,
  type ConnectionPage,
  type ConnectionRecord,
  type ConnectionStatePatch,
  type ConnectionStore,
  type ListCursor,
  type NewConnection,
  type WebhookEventInput,
  type WebhookEventRecord,
} from './store.js';
import { EncryptionKeyMismatchError, TokenDecryptionError, type TokenCipher } from './crypto.js';
import { MIGRATIONS, migrate, schemaVersion } from './migrations.js';
import type { AccountsTable, ConnectionsTable, Database } from './schema.js';

/** The port plus the Kysely handle (tests and admin tooling read raw rows through it). */
export interface SqlConnectionStore extends ConnectionStore {
  readonly db: Kysely<Database>;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid list cursor');
    this.name = 'InvalidCursorError';
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Only canonical UUIDs reach SQL: anything else cannot exist, and must not raise a cast error. */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

const MAX_PAGE = 500;

/**
 * Sync cursor rows are bounded per connection (one row per page handed out would grow without
 * end). A row older than the retention goes, except the connection's newest SYNC_CURSORS_KEPT
 * (the cursor an app saved after its last sync stays usable however long it waits, unless the
 * connection was synced that many pages since). Beyond SYNC_CURSORS_MAX rows the oldest go
 * whatever their age. A client in the middle of a page run holds rows minutes old, far inside
 * both bounds; a cursor that was pruned answers like an unknown one (INVALID_INPUT: start over).
 */
const SYNC_CURSOR_RETENTION_DAYS = 30;
const SYNC_CURSORS_KEPT = 10;
const SYNC_CURSORS_MAX = 1000;
const DEFAULT_WEBHOOK_LIMIT = 100;
const MAX_WEBHOOK_LIMIT = 1000;

// ---- row validation (the database is a boundary too) ----

const errorInfo = connectionErrorInfoSchema;
const institutionInfo = z.object({
  id: z.string(),
  name: z.string().nullable(),
  logoUrl: z.string().nullable(),
  primaryColor: z.string().nullable(),
});

const connectionRow = z.object({
  id: z.string(),
  provider: z.enum(PROVIDERS),
  provider_connection_id: z.string(),
  provider_user_id: z.string().nullable(),
  user_id: z.string(),
  sandbox: z.boolean(),
  status: z.enum(CONNECTION_STATUSES),
  error: errorInfo.nullable(),
  institution: institutionInfo.nullable(),
  products: z.array(z.string()),
  consent_expires_at: z.date().nullable(),
  expiring_until: z.date().nullable(),
  last_synced_at: z.date().nullable(),
  status_changed_at: z.date(),
  state_refreshed_at: z.date(),
  last_event_at: z.date().nullable(),
  created_at: z.date(),
  version: z.number().int(),
  accounts_updated_at: z.date().nullable(),
  transactions_updated_at: z.date().nullable(),
});

const webhookRow = z.object({
  id: z.string(),
  provider: z.enum(PROVIDERS),
  dedupe_key: z.string().nullable(),
  event_type: z.string(),
  provider_connection_id: z.string().nullable(),
  occurred_at: z.date().nullable(),
  received_at: z.date(),
  payload: z.unknown(),
  effect: z.unknown().optional(),
  outcome: z.string().nullable(),
});

// Inputs are validated too: a bad status or provider must not be written.
const providerName = z.enum(PROVIDERS);
const statusList = z.array(z.enum(CONNECTION_STATUSES));
const optDate = z.date().nullable();
const newConnection = z.object({
  provider: providerName,
  providerConnectionId: z.string().min(1),
  providerUserId: z.string().nullable(),
  userId: z.string().min(1),
  sandbox: z.boolean(),
  status: z.enum(CONNECTION_STATUSES),
  error: errorInfo.nullable(),
  institution: institutionInfo.nullable(),
  products: z.array(z.string()),
  consentExpiresAt: optDate,
  expiringUntil: optDate,
  lastSyncedAt: optDate,
  lastEventAt: optDate.optional(),
  credential: z.string().nullable(),
});
const statePatch = z.object({
  status: z.enum(CONNECTION_STATUSES).optional(),
  error: errorInfo.nullable().optional(),
  institution: institutionInfo.nullable().optional(),
  products: z.array(z.string()).optional(),
  consentExpiresAt: optDate.optional(),
  expiringUntil: optDate.optional(),
  lastSyncedAt: optDate.optional(),
  statusChangedAt: z.date().optional(),
  stateRefreshedAt: z.date().optional(),
  lastEventAt: optDate.optional(),
  transactionsUpdatedAt: optDate.optional(),
});
const webhookInput = z.object({
  provider: providerName,
  dedupeKey: z.string().min(1).nullable(),
  eventType: z.string().min(1),
  providerConnectionId: z.string().nullable(),
  occurredAt: optDate,
  payload: z.unknown(),
  effect: z.unknown().optional(),
});

const CONNECTION_COLUMNS = [
  'id', 'provider', 'provider_connection_id', 'provider_user_id', 'user_id', 'sandbox', 'status',
  'error', 'institution', 'products', 'consent_expires_at', 'expiring_until', 'last_synced_at',
  'status_changed_at', 'state_refreshed_at', 'last_event_at', 'created_at', 'version',
  'accounts_updated_at', 'transactions_updated_at',
] as const;

function toRecord(row: unknown): ConnectionRecord {
  const r = connectionRow.parse(row);
  return {
    id: r.id,
    provider: r.provider,
    providerConnectionId: r.provider_connection_id,
    providerUserId: r.provider_user_id,
    userId: r.user_id,
    sandbox: r.sandbox,
    status: r.status,
    error: r.error,
    institution: r.institution,
    products: r.products,
    consentExpiresAt: r.consent_expires_at,
    expiringUntil: r.expiring_until,
    lastSyncedAt: r.last_synced_at,
    statusChangedAt: r.status_changed_at,
    stateRefreshedAt: r.state_refreshed_at,
    lastEventAt: r.last_event_at,
    createdAt: r.created_at,
    version: r.version,
    accountsUpdatedAt: r.accounts_updated_at,
    transactionsUpdatedAt: r.transactions_updated_at,
  };
}

function toWebhookRecord(row: unknown): WebhookEventRecord {
  const r = webhookRow.parse(row);
  return {
    id: r.id,
    provider: r.provider,
    dedupeKey: r.dedupe_key,
    eventType: r.event_type,
    providerConnectionId: r.provider_connection_id,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    payload: r.payload,
    effect: r.effect ?? null,
    outcome: r.outcome,
  };
}

/** jsonb goes in as JSON text: pg would turn a JS array into a PostgreSQL array literal. */
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Binds a ciphertext to its row: copied to another connection it no longer decrypts. */
export const credentialAad = (provider: string, providerConnectionId: string): string =>
  JSON.stringify(['connection-credential', provider, providerConnectionId]);

/** The plaintext, or the decryption failure as a value (other errors still throw). */
function tryDecrypt(cipher: TokenCipher, blob: string, aad: string): string | TokenDecryptionError {
  try {
    return cipher.decrypt(blob, aad);
  } catch (e) {
    if (e instanceof TokenDecryptionError) return e;
    throw e;
  }
}

const KEY_CHECK_AAD = 'encryption-key-check';

/**
 * Inside the migration transaction: the key must decrypt what is stored. The first start with
 * this schema writes a check value; a database from before the check is probed with one stored
 * credential. A wrong key throws, and the transaction (migrations included) rolls back.
 */
async function verifyKey(trx: Kysely<any>, cipher: TokenCipher): Promise<void> {
  const decrypts = (blob: string, aad: string) => !(tryDecrypt(cipher, blob, aad) instanceof TokenDecryptionError);
  const check = await sql<{ ciphertext: string }>`select ciphertext from encryption_key_check where id = 1`.execute(trx);
  const stored = check.rows[0]?.ciphertext;
  if (stored !== undefined) {
    if (!decrypts(stored, KEY_CHECK_AAD)) throw new EncryptionKeyMismatchError();
    return;
  }
  const probe = await sql<{ provider: string; provider_connection_id: string; credential_ciphertext: string }>`
    select provider, provider_connection_id, credential_ciphertext from connections
    where credential_ciphertext is not null limit 1`.execute(trx);
  const row = probe.rows[0];
  if (row && !decrypts(row.credential_ciphertext, credentialAad(row.provider, row.provider_connection_id))) {
    throw new EncryptionKeyMismatchError();
  }
  await sql`insert into encryption_key_check (id, ciphertext) values (1, ${cipher.encrypt(randomUUID(), KEY_CHECK_AAD)}) on conflict (id) do nothing`.execute(trx);
}

function isUniqueViolation(e: unknown, constraint: string): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { code?: unknown; constraint?: unknown };
  return err.code === '23505' && (err.constraint === undefined || err.constraint === constraint);
}

/** A validated state patch as the columns it sets. */
function stateSet(p: z.infer<typeof statePatch>): Updateable<ConnectionsTable> {
  const set: Updateable<ConnectionsTable> = {};
  if (p.status !== undefined) set.status = p.status;
  if (p.error !== undefined) set.error = json(p.error);
  if (p.institution !== undefined) set.institution = json(p.institution);
  if (p.products !== undefined) set.products = p.products;
  if (p.consentExpiresAt !== undefined) set.consent_expires_at = p.consentExpiresAt;
  if (p.expiringUntil !== undefined) set.expiring_until = p.expiringUntil;
  if (p.lastSyncedAt !== undefined) set.last_synced_at = p.lastSyncedAt;
  if (p.statusChangedAt !== undefined) set.status_changed_at = p.statusChangedAt;
  if (p.stateRefreshedAt !== undefined) set.state_refreshed_at = p.stateRefreshedAt;
  if (p.lastEventAt !== undefined) set.last_event_at = p.lastEventAt;
  if (p.transactionsUpdatedAt !== undefined) set.transactions_updated_at = p.transactionsUpdatedAt;
  return set;
}

/**
 * Writes `set` and bumps the version. With `expectedVersion`, throws ConnectionConflictError
 * when the row moved on. Returns null when the row is gone.
 */
async function writeState(
  db: Kysely<Database>,
  id: string,
  set: Updateable<ConnectionsTable>,
  expectedVersion: number | undefined,
): Promise<ConnectionRecord | null> {
  let q = db
    .updateTable('connections')
    .set(set)
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  const row = await q.returning(CONNECTION_COLUMNS).executeTakeFirst();
  if (row) return toRecord(row);
  if (expectedVersion === undefined) return null;
  // Nothing matched: either the row is gone (null) or it moved on (conflict).
  const exists = await db.selectFrom('connections').select('version').where('id', '=', id).executeTakeFirst();
  if (!exists) return null;
  throw new ConnectionConflictError();
}

// ---- accounts, transactions, sync cursors ----

const decimal = z.custom<Decimal>(isDecimal, 'not a canonical decimal');
const calendarDay = z.string().refine(isCalendarDate, 'expected YYYY-MM-DD');

const providerAccount: z.ZodType<ProviderAccount> = z.object({
  providerAccountId: z.string().min(1),
  name: z.string(),
  officialName: z.string().nullable(),
  mask: z.string().nullable(),
  type: z.enum(ACCOUNT_TYPES),
  subtype: z.string().nullable(),
  providerType: z.string().min(1),
  balances: z.object({
    current: decimal.nullable(),
    available: decimal.nullable(),
    limit: decimal.nullable(),
    currency: z.string().nullable(),
    asOf: z.date(),
  }),
});

const providerTransaction: z.ZodType<ProviderTransaction> = z.object({
  providerTransactionId: z.string().min(1),
  providerAccountId: z.string().min(1),
  amount: decimal,
  currency: z.string().nullable(),
  date: calendarDay,
  authorizedDate: calendarDay.nullable(),
  pending: z.boolean(),
  description: z.string(),
  merchantName: z.string().nullable(),
  providerCategory: z.string().nullable(),
});

const syncCursorState: z.ZodType<SyncCursorState> = z.object({
  providerCursor: z.string().nullable(),
  knownPending: z.array(z.string()),
  runPending: z.array(z.string()),
  runSeen: z.array(z.string()),
});

const accountRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider_account_id: z.string(),
  name: z.string(),
  official_name: z.string().nullable(),
  mask: z.string().nullable(),
  type: z.enum(ACCOUNT_TYPES),
  subtype: z.string().nullable(),
  provider_type: z.string(),
  balance_current: decimal.nullable(),
  balance_available: decimal.nullable(),
  balance_limit: decimal.nullable(),
  currency: z.string().nullable(),
  balances_as_of: z.date(),
  updated_at: z.date(),
});

const ACCOUNT_COLUMNS = [
  'id', 'connection_id', 'provider_account_id', 'name', 'official_name', 'mask', 'type', 'subtype', 'provider_type',
  'balance_current', 'balance_available', 'balance_limit', 'currency', 'balances_as_of', 'updated_at',
] as const;

function toAccount(row: unknown): AccountRecord {
  const r = accountRow.parse(row);
  return {
    id: r.id,
    connectionId: r.connection_id,
    providerAccountId: r.provider_account_id,
    name: r.name,
    officialName: r.official_name,
    mask: r.mask,
    type: r.type,
    subtype: r.subtype,
    providerType: r.provider_type,
    balances: { current: r.balance_current, available: r.balance_available, limit: r.balance_limit, currency: r.currency, asOf: r.balances_as_of },
    updatedAt: r.updated_at,
  };
}

const transactionRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider_transaction_id: z.string(),
  provider_account_id: z.string(),
  amount: decimal,
  currency: z.string().nullable(),
  date: calendarDay,
  authorized_date: calendarDay.nullable(),
  pending: z.boolean(),
  description: z.string(),
  merchant_name: z.string().nullable(),
  provider_category: z.string().nullable(),
  updated_at: z.date(),
});

function toTransaction(row: unknown): TransactionRecord {
  const r = transactionRow.parse(row);
  return {
    id: r.id,
    connectionId: r.connection_id,
    accountId: accountRowId(r.connection_id, r.provider_account_id),
    providerTransactionId: r.provider_transaction_id,
    providerAccountId: r.provider_account_id,
    amount: r.amount,
    currency: r.currency,
    date: r.date,
    authorizedDate: r.authorized_date,
    pending: r.pending,
    description: r.description,
    merchantName: r.merchant_name,
    providerCategory: r.provider_category,
    updatedAt: r.updated_at,
  };
}

const cursorRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  provider_cursor: z.string().nullable(),
  known_pending: z.array(z.string()),
  run_pending: z.array(z.string()),
  run_seen: z.array(z.string()),
  created_at: z.date(),
});

function toCursor(row: unknown): SyncCursorRecord {
  const r = cursorRow.parse(row);
  return {
    id: r.id,
    connectionId: r.connection_id,
    providerCursor: r.provider_cursor,
    knownPending: r.known_pending,
    runPending: r.run_pending,
    runSeen: r.run_seen,
    createdAt: r.created_at,
  };
}

/** Canonical, de-duplicated UUIDs of `ids` (anything else cannot exist). */
const uuids = (ids: readonly string[]): string[] => [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];

/** Rows by id in the order of `ids`, null for missing and malformed ones. */
function inOrder<T extends { id: string }>(ids: readonly string[], found: T[]): (T | null)[] {
  const byId = new Map(found.map((r) => [r.id.toLowerCase(), r]));
  return ids.map((id) => (isUuid(id) ? byId.get(id.toLowerCase()) ?? null : null));
}

export function createSqlStore(
  db: Kysely<Database>,
  opts: { cipher: TokenCipher; onClose?: () => Promise<void> },
): SqlConnectionStore {
  const { cipher } = opts;
  let closed: Promise<void> | null = null;

  return {
    db,

    async migrate() {
      await migrate(db, MIGRATIONS, (trx) => verifyKey(trx, cipher));
    },

    schemaVersion: () => schemaVersion(db),

    async ping() {
      await sql`select 1`.execute(db);
    },

    close() {
      closed ??= (async () => {
        await db.destroy();
        await opts.onClose?.();
      })();
      return closed;
    },

    async insertConnection(input: NewConnection) {
      const c = newConnection.parse(input);
      const id = randomUUID();
      try {
        const row = await db
          .insertInto('connections')
          .values({
            id,
            provider: c.provider,
            provider_connection_id: c.providerConnectionId,
            provider_user_id: c.providerUserId,
            user_id: c.userId,
            sandbox: c.sandbox,
            status: c.status,
            error: json(c.error),
            institution: json(c.institution),
            products: c.products,
            consent_expires_at: c.consentExpiresAt,
            expiring_until: c.expiringUntil,
            last_synced_at: c.lastSyncedAt,
            last_event_at: c.lastEventAt ?? null,
            credential_ciphertext:
              c.credential === null ? null : cipher.encrypt(c.credential, credentialAad(c.provider, c.providerConnectionId)),
          })
          .returning(CONNECTION_COLUMNS)
          .executeTakeFirstOrThrow();
        return toRecord(row);
      } catch (e) {
        if (isUniqueViolation(e, 'connections_provider_connection_key')) throw new DuplicateConnectionError();
        throw e;
      }
    },

    async getConnections(ids) {
      const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
      if (wanted.length === 0) return ids.map(() => null);
      const rows = await db.selectFrom('connections').select(CONNECTION_COLUMNS).where('id', 'in', wanted).execute();
      const byId = new Map(rows.map((r) => [String(r.id).toLowerCase(), toRecord(r)]));
      return ids.map((id) => (isUuid(id) ? byId.get(id.toLowerCase()) ?? null : null));
    },

    async findByProviderId(provider: ProviderName, providerConnectionId: string) {
      const row = await db
        .selectFrom('connections')
        .select(CONNECTION_COLUMNS)
        .where('provider', '=', providerName.parse(provider))
        .where('provider_connection_id', '=', providerConnectionId)
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },

    async getCredentials(ids) {
      const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
      if (wanted.length === 0) return ids.map(() => null);
      const rows = await db
        .selectFrom('connections')
        .select(['id', 'provider', 'provider_connection_id', 'credential_ciphertext'])
        .where('id', 'in', wanted)
        .execute();
      // Each row on its own: one undecryptable secret fails its connection, not the batch.
      const byId = new Map<string, string | TokenDecryptionError | null>(
        rows.map((r) => [String(r.id).toLowerCase(), r.credential_ciphertext === null ? null : tryDecrypt(cipher, r.credential_ciphertext, credentialAad(r.provider, r.provider_connection_id))]),
      );
      return ids.map((id) => (isUuid(id) ? (byId.get(id.toLowerCase()) ?? null) : null));
    },

    async getConnectionWithCredential(id) {
      if (!isUuid(id)) return null;
      // One round trip for the record and its secret: every provider-bound mutation needs both.
      const row = await db
        .selectFrom('connections')
        .select([...CONNECTION_COLUMNS, 'credential_ciphertext'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      const credential =
        row.credential_ciphertext === null ? null : cipher.decrypt(row.credential_ciphertext, credentialAad(row.provider, row.provider_connection_id));
      return { record: toRecord(row), credential };
    },

    async listConnections(filter: ConnectionListFilter, page: { first: number; after: ListCursor | null; withTotalCount?: boolean }) {
      const first = Number.isFinite(page.first) ? Math.min(Math.max(Math.trunc(page.first), 0), MAX_PAGE) : 0;
      const statuses = filter.status === undefined ? undefined : statusList.parse(filter.status);
      // An explicit empty status set matches nothing (no query needed).
      if (statuses !== undefined && statuses.length === 0) return { items: [], hasNextPage: false, totalCount: 0 };
      const provider = filter.provider === undefined ? undefined : providerName.parse(filter.provider);
      if (page.after && (!isUuid(page.after.id) || !(page.after.createdAt instanceof Date) || Number.isNaN(page.after.createdAt.getTime()))) {
        throw new InvalidCursorError();
      }

      let base = db.selectFrom('connections');
      if (filter.userId !== undefined) base = base.where('user_id', '=', filter.userId);
      if (provider !== undefined) base = base.where('provider', '=', provider);
      if (statuses !== undefined) base = base.where('status', 'in', statuses);

      const after = page.after;
      const pageQuery = (after
        ? base.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id)))
        : base
      )
        .select(CONNECTION_COLUMNS)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(first + 1);
      const countQuery = base.select(sql<number>`count(*)::int`.as('n'));

      // The count is a second scan: only when asked for.
      const [rows, count] = await Promise.all([
        pageQuery.execute(),
        page.withTotalCount === false ? null : countQuery.executeTakeFirstOrThrow(),
      ]);
      const items = rows.slice(0, first).map(toRecord);
      const hasNextPage = rows.length > first;
      return { items, hasNextPage, totalCount: count ? Number(count.n) : null } satisfies ConnectionPage;
    },

    async updateState(id: string, input: ConnectionStatePatch, expectedVersion?: number) {
      if (!isUuid(id)) return null;
      return writeState(db, id, stateSet(statePatch.parse(input)), expectedVersion);
    },

    async deleteConnection(id) {
      if (!isUuid(id)) return false;
      const r = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async replaceAccounts(id, input, opts) {
      if (!isUuid(id)) return null;
      const accounts = z.array(providerAccount).parse(input);
      const set = { ...stateSet(statePatch.parse(opts.patch ?? {})), accounts_updated_at: z.date().parse(opts.at) };
      const providerIds = accounts.map((a) => a.providerAccountId);
      if (new Set(providerIds).size !== providerIds.length) throw new Error('duplicate providerAccountId in one accounts read');
      return db.transaction().execute(async (trx) => {
        // The connection row first: it serialises concurrent replacements of the same accounts.
        const record = await writeState(trx, id, set, opts.expectedVersion);
        if (!record) return null;
        const before = await trx.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('connection_id', '=', id).orderBy('position').execute();
        const accountsChanged = !sameAccounts(before.map(toAccount), accounts);
        let del = trx.deleteFrom('accounts').where('connection_id', '=', id);
        if (providerIds.length > 0) del = del.where('provider_account_id', 'not in', providerIds);
        await del.execute();
        if (accounts.length > 0) {
          const rows = accounts.map((a, position): Insertable<AccountsTable> => ({
            id: accountRowId(id, a.providerAccountId),
            connection_id: id,
            provider_account_id: a.providerAccountId,
            position,
            name: a.name,
            official_name: a.officialName,
            mask: a.mask,
            type: a.type,
            subtype: a.subtype,
            provider_type: a.providerType,
            balance_current: a.balances.current,
            balance_available: a.balances.available,
            balance_limit: a.balances.limit,
            currency: a.balances.currency,
            balances_as_of: a.balances.asOf,
            updated_at: opts.at,
          }));
          await trx
            .insertInto('accounts')
            .values(rows)
            .onConflict((oc) =>
              oc.column('id').doUpdateSet((eb) => ({
                position: eb.ref('excluded.position'),
                name: eb.ref('excluded.name'),
                official_name: eb.ref('excluded.official_name'),
                mask: eb.ref('excluded.mask'),
                type: eb.ref('excluded.type'),
                subtype: eb.ref('excluded.subtype'),
                provider_type: eb.ref('excluded.provider_type'),
                balance_current: eb.ref('excluded.balance_current'),
                balance_available: eb.ref('excluded.balance_available'),
                balance_limit: eb.ref('excluded.balance_limit'),
                currency: eb.ref('excluded.currency'),
                balances_as_of: eb.ref('excluded.balances_as_of'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        }
        return { record, accountsChanged };
      });
    },

    async listAccounts(connectionIds) {
      const wanted = uuids(connectionIds);
      if (wanted.length === 0) return connectionIds.map(() => []);
      const rows = await db
        .selectFrom('accounts')
        .select(ACCOUNT_COLUMNS)
        .where('connection_id', 'in', wanted)
        .orderBy('connection_id')
        .orderBy('position')
        .execute();
      const byConnection = new Map<string, AccountRecord[]>();
      for (const row of rows) {
        const a = toAccount(row);
        const key = a.connectionId.toLowerCase();
        byConnection.set(key, [...(byConnection.get(key) ?? []), a]);
      }
      return connectionIds.map((id) => (isUuid(id) ? byConnection.get(id.toLowerCase()) ?? [] : []));
    },

    async getAccounts(ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return ids.map(() => null);
      const rows = await db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('id', 'in', wanted).execute();
      return inOrder(ids, rows.map(toAccount));
    },

    async saveTransactionsPage(connectionId, page) {
      if (!isUuid(connectionId)) return null;
      const upsert = z.array(providerTransaction).parse(page.upsert);
      const removed = z.array(z.string().min(1)).parse(page.removed);
      const cursor = syncCursorState.parse(page.cursor);
      // A provider listing one transaction twice in a page: the last mention wins.
      const latest = new Map(upsert.map((t) => [t.providerTransactionId, t]));
      return db.transaction().execute(async (trx) => {
        // Locks the connection row for the page: a concurrent delete cannot leave orphans.
        const conn = await trx.selectFrom('connections').select('id').where('id', '=', connectionId).forUpdate().executeTakeFirst();
        if (!conn) return null;
        if (latest.size > 0) {
          const at = new Date();
          await trx
            .insertInto('transactions')
            .values(
              [...latest.values()].map((t) => ({
                id: transactionRowId(connectionId, t.providerTransactionId),
                connection_id: connectionId,
                provider_transaction_id: t.providerTransactionId,
                provider_account_id: t.providerAccountId,
                amount: t.amount,
                currency: t.currency,
                date: t.date,
                authorized_date: t.authorizedDate,
                pending: t.pending,
                description: t.description,
                merchant_name: t.merchantName,
                provider_category: t.providerCategory,
                updated_at: at,
              })),
            )
            .onConflict((oc) =>
              oc.column('id').doUpdateSet((eb) => ({
                provider_account_id: eb.ref('excluded.provider_account_id'),
                amount: eb.ref('excluded.amount'),
                currency: eb.ref('excluded.currency'),
                date: eb.ref('excluded.date'),
                authorized_date: eb.ref('excluded.authorized_date'),
                pending: eb.ref('excluded.pending'),
                description: eb.ref('excluded.description'),
                merchant_name: eb.ref('excluded.merchant_name'),
                provider_category: eb.ref('excluded.provider_category'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        }
        if (removed.length > 0) {
          await trx
            .deleteFrom('transactions')
            .where('connection_id', '=', connectionId)
            .where('provider_transaction_id', 'in', removed)
            .execute();
        }
        const row = await trx
          .insertInto('transaction_sync_cursors')
          .values({
            id: randomUUID(),
            connection_id: connectionId,
            provider_cursor: cursor.providerCursor,
            known_pending: cursor.knownPending,
            run_pending: cursor.runPending,
            run_seen: cursor.runSeen,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        // Under the connection row's lock, so concurrent pages of one connection prune in turn.
        await sql`
          delete from transaction_sync_cursors
          where connection_id = ${connectionId}
            and ((created_at < now() - ${SYNC_CURSOR_RETENTION_DAYS} * interval '1 day'
                  and id not in (select id from transaction_sync_cursors where connection_id = ${connectionId}
                                 order by created_at desc, id desc limit ${SYNC_CURSORS_KEPT}))
              or created_at < (select created_at from transaction_sync_cursors where connection_id = ${connectionId}
                               order by created_at desc, id desc offset ${SYNC_CURSORS_MAX - 1} limit 1))`.execute(trx);
        return toCursor(row);
      });
    },

    async getTransactions(ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return ids.map(() => null);
      const rows = await db.selectFrom('transactions').selectAll().where('id', 'in', wanted).execute();
      return inOrder(ids, rows.map(toTransaction));
    },

    async getSyncCursor(id) {
      if (!isUuid(id)) return null;
      const row = await db.selectFrom('transaction_sync_cursors').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toCursor(row) : null;
    },

    async recordWebhookEvent(input: WebhookEventInput) {
      const e = webhookInput.parse(input);
      const row = await db
        .insertInto('webhook_events')
        .values({
          id: randomUUID(),
          provider: e.provider,
          dedupe_key: e.dedupeKey,
          event_type: e.eventType,
          provider_connection_id: e.providerConnectionId,
          occurred_at: e.occurredAt,
          payload: JSON.stringify(e.payload ?? null),
          effect: json(e.effect),
          outcome: null,
        })
        // Matches the partial unique index; keyless deliveries never conflict.
        .onConflict((oc) => oc.columns(['provider', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toWebhookRecord(row) : null;
    },

    async setWebhookOutcome(id, outcome) {
      if (!isUuid(id)) return;
      await db.updateTable('webhook_events').set({ outcome }).where('id', '=', id).execute();
    },

    async listWebhookEvents(filter) {
      const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_WEBHOOK_LIMIT), 1), MAX_WEBHOOK_LIMIT);
      let q = db.selectFrom('webhook_events').selectAll();
      if (filter.provider !== undefined) q = q.where('provider', '=', providerName.parse(filter.provider));
      if (filter.providerConnectionId !== undefined) q = q.where('provider_connection_id', '=', filter.providerConnectionId);
      if (filter.dedupeKey !== undefined) q = q.where('dedupe_key', '=', filter.dedupeKey);
      if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
      const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
      return rows.map(toWebhookRecord);
    },

    async setProviderUserId(provider, userId, providerUserId) {
      await db
        .insertInto('provider_users')
        .values({ provider: providerName.parse(provider), user_id: userId, provider_user_id: providerUserId })
        .onConflict((oc) =>
          oc.columns(['provider', 'user_id']).doUpdateSet({ provider_user_id: providerUserId, updated_at: sql`now()` }),
        )
        .execute();
    },

    async getProviderUserId(provider, userId) {
      const row = await db
        .selectFrom('provider_users')
        .select('provider_user_id')
        .where('provider', '=', providerName.parse(provider))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row?.provider_user_id ?? null;
    },
  };
}
