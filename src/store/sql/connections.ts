// Connections: insert, read (batched, by provider id, with their secrets), list (concurrent pages
// batched), state patches (written by state-writes.ts), delete.
import { randomUUID } from 'node:crypto';
import { sql, type Expression, type Kysely, type Updateable } from 'kysely';
import { z } from 'zod';
import { CONNECTION_STATUSES, type ProviderName } from '../../domain/connection.js';
import {
  DuplicateConnectionError,
  type ConnectionListFilter,
  type ConnectionPage,
  type ConnectionStatePatch,
  type ConnectionStore,
  type ListCursor,
  type NewConnection,
  type WebhookOutcomeWrite,
} from '../store.js';
import { TokenDecryptionError, type TokenCipher } from '../crypto.js';
import type { ConnectionsTable, Database } from '../schema.js';
import { credentialAad, tryDecrypt } from './credentials.js';
import { turnBatcher } from './batch.js';
import type { stateWriter } from './state-writes.js';
import { CONNECTION_COLUMNS, errorInfo, inOrder, institutionInfo, isUuid, json, optDate, providerName, toRecord, uuids } from './rows.js';

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid list cursor');
    this.name = 'InvalidCursorError';
  }
}

const MAX_PAGE = 500;

// Inputs are validated too: a bad status or provider must not be written.
const statusList = z.array(z.enum(CONNECTION_STATUSES));
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
export const statePatch = z.object({
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

function isUniqueViolation(e: unknown, constraint: string): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { code?: unknown; constraint?: unknown };
  return err.code === '23505' && (err.constraint === undefined || err.constraint === constraint);
}

/** A validated state patch as the columns it sets. */
export function stateSet(p: z.infer<typeof statePatch>): Updateable<ConnectionsTable> {
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

type PageRow = { id: string; created_at: Date; total_count: number | null } & Record<string, unknown>;
/** A page's query: the list's columns and its count (or null), in list order. */
type PageQuery = { execute(): Promise<PageRow[]> } & Expression<unknown>;
/** A page to read: its query and the most rows it may answer. */
type PageRead = { query: PageQuery; rows: number };
/** Rows one shared page statement may answer at most: many concurrent large pages go in several, not one huge result. */
const SHARED_PAGE_ROWS = 5_000;

/** The list's order: newest first, then id (PostgreSQL writes uuids in lowercase, whose text order is the uuid order). */
function listOrder(a: PageRow, b: PageRow): number {
  const t = b.created_at.getTime() - a.created_at.getTime();
  return t !== 0 ? t : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

type ConnectionQueries = Pick<
  ConnectionStore,
  | 'insertConnection'
  | 'getConnections'
  | 'findByProviderId'
  | 'getCredentials'
  | 'getConnectionWithCredential'
  | 'listConnections'
  | 'updateState'
  | 'deleteConnection'
>;

export function connectionQueries(
  db: Kysely<Database>,
  cipher: TokenCipher,
  writeStateBatched: ReturnType<typeof stateWriter>,
  sharePageStatements: boolean,
): ConnectionQueries {
  // The two reads every provider-bound request and every webhook delivery make, batched across
  // concurrent callers (batch.ts). Rows are mapped and secrets decrypted per caller, so one bad
  // row fails only its own.
  const withSecret = turnBatcher(async (ids: readonly string[]) =>
    inOrder(ids, await db.selectFrom('connections').select([...CONNECTION_COLUMNS, 'credential_ciphertext']).where('id', 'in', uuids(ids)).execute()),
  );
  const providerKey = (provider: string, providerConnectionId: string) => `${provider} ${providerConnectionId}`;
  const byProviderId = turnBatcher(async (keys: readonly { provider: ProviderName; providerConnectionId: string }[]) => {
    const rows = await db
      .selectFrom('connections')
      .select(CONNECTION_COLUMNS)
      .where(({ eb, refTuple, tuple }) => eb(refTuple('provider', 'provider_connection_id'), 'in', keys.map((k) => tuple(k.provider, k.providerConnectionId))))
      .execute();
    const found = new Map(rows.map((r) => [providerKey(r.provider, r.provider_connection_id), r]));
    return keys.map((k) => found.get(providerKey(k.provider, k.providerConnectionId)) ?? null);
  });

  // Pages of concurrent list requests, one statement for all (batch.ts): each page's own query,
  // tagged with its place, joined by UNION ALL. A page costs a round trip's share, as the reads above.
  const sharedPages = turnBatcher(
    async (reads: readonly PageRead[]): Promise<PageRow[][]> => {
      if (reads.length === 1) return [await reads[0]!.query.execute()];
      const parts = reads.map((r, i) => sql`(select ${i}::int as batch_idx, p.* from (${r.query}) as p)`);
      const { rows } = await sql<PageRow & { batch_idx: number }>`${sql.join(parts, sql` union all `)}`.execute(db);
      const out: PageRow[][] = reads.map(() => []);
      for (const { batch_idx, ...row } of rows) out[batch_idx]!.push(row);
      // UNION ALL promises no order across its parts' rows: each page is put back in list order
      // (checked first: it almost always comes back in order, and a check allocates nothing).
      for (const page of out) if (!page.every((row, i) => i === 0 || listOrder(page[i - 1]!, row) <= 0)) page.sort(listOrder);
      return out;
    },
    { weight: (r) => r.rows, max: SHARED_PAGE_ROWS },
  );
  const pages = sharePageStatements ? sharedPages : (r: PageRead) => r.query.execute();

  return {
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
      const row = await byProviderId({ provider: providerName.parse(provider), providerConnectionId });
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
      const row = await withSecret(id);
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
      const countQuery = base.select(sql<number>`count(*)::int`.as('n'));
      const withCount = page.withTotalCount !== false;
      // The count rides along as a scalar subquery (its own scan, one round trip for both): the
      // round trips, not the scans, were the measured cost of a page (BENCHMARKS.md). Without it
      // the column is null, so every page has one shape and concurrent pages share a statement.
      const rows = await pages({
        query: (after ? base.where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id))) : base)
          .select(CONNECTION_COLUMNS)
          .select(withCount ? countQuery.as('total_count') : sql<number | null>`null::int`.as('total_count'))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(first + 1),
        rows: first + 1,
      });
      const items = rows.slice(0, first).map(toRecord);
      const hasNextPage = rows.length > first;
      let count: number | null = null;
      if (withCount) {
        const inRow = rows[0]?.total_count;
        // An empty page carries no count: with no cursor nothing matches; past a cursor, ask.
        count = inRow !== undefined && inRow !== null ? Number(inRow) : after ? Number((await countQuery.executeTakeFirstOrThrow()).n) : 0;
      }
      return { items, hasNextPage, totalCount: count } satisfies ConnectionPage;
    },

    async updateState(id: string, input: ConnectionStatePatch, expectedVersion?: number, eventOutcome?: WebhookOutcomeWrite) {
      if (!isUuid(id)) return null;
      const set = stateSet(statePatch.parse(input));
      if (eventOutcome && !isUuid(eventOutcome.eventId)) throw new Error('eventOutcome.eventId is not a UUID');
      // Concurrent writers (webhook deliveries above all) share statements: batch.ts, writeStates.
      return writeStateBatched({ id, set, expectedVersion, eventOutcome });
    },

    async deleteConnection(id) {
      if (!isUuid(id)) return false;
      const r = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
