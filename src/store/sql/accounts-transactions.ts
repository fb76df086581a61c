// Accounts (replaced per provider read), transactions and the sync cursors that page through them.
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { z } from 'zod';
import { ACCOUNT_TYPES, accountRowId, sameAccounts, type ProviderAccount } from '../../domain/account.js';
import { transactionRowId, type ProviderTransaction } from '../../domain/transaction.js';
import type { SyncCursorState } from '../../domain/transactions-sync.js';
import type { AccountRecord, ConnectionStore } from '../store.js';
import type { AccountsTable, Database } from '../schema.js';
import { turnBatcher } from './batch.js';
import { statePatch, stateSet } from './connections.js';
import { writeState, type stateWriter } from './state-writes.js';
import { ACCOUNT_COLUMNS, calendarDay, decimal, inOrder, isUuid, toAccount, toCursor, toTransaction, uuids } from './rows.js';

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

// Built once: a schema built per call cost more than the parse on the re-read path (profile).
const providerAccounts = z.array(providerAccount);
const providerTransactions = z.array(providerTransaction);
const removedIds = z.array(z.string().min(1));
const readTime = z.date();

const syncCursorState: z.ZodType<SyncCursorState> = z.object({
  providerCursor: z.string().nullable(),
  knownPending: z.array(z.string()),
  runPending: z.array(z.string()),
  runSeen: z.array(z.string()),
});

type AccountTransactionQueries = Pick<
  ConnectionStore,
  'replaceAccounts' | 'listAccounts' | 'getAccounts' | 'saveTransactionsPage' | 'getTransactions' | 'getSyncCursor'
>;

/** Each account's row id and read time, as the VALUES of an update of read times. */
const readTimes = (connectionId: string, accounts: readonly ProviderAccount[]) =>
  sql.join(accounts.map((a) => sql`(${accountRowId(connectionId, a.providerAccountId)}::uuid, ${a.balances.asOf}::timestamptz)`));

export function accountTransactionQueries(db: Kysely<Database>, writeStateBatched: ReturnType<typeof stateWriter>): AccountTransactionQueries {
  /** The accounts of several connections in one read, per connection in the order of `connectionIds`. */
  async function accountsOf(connectionIds: readonly string[]): Promise<AccountRecord[][]> {
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
      const list = byConnection.get(key);
      if (list) list.push(a);
      else byConnection.set(key, [a]);
    }
    return connectionIds.map((id) => (isUuid(id) ? byConnection.get(id.toLowerCase()) ?? [] : []));
  }
  // The stored accounts of concurrent re-reads, one statement for all (batch.ts).
  const storedAccounts = turnBatcher(accountsOf);

  return {
    async replaceAccounts(id, input, opts) {
      if (!isUuid(id)) return null;
      const accounts = providerAccounts.parse(input);
      const set = { ...stateSet(statePatch.parse(opts.patch ?? {})), accounts_updated_at: readTime.parse(opts.at) };
      const providerIds = accounts.map((a) => a.providerAccountId);
      if (new Set(providerIds).size !== providerIds.length) throw new Error('duplicate providerAccountId in one accounts read');
      if (opts.expectedVersion !== undefined && accounts.length > 0) {
        // A re-read that finds the accounts as stored (the common case) writes the state and the
        // accounts' read times in one compare-and-set statement, outside a transaction and batched
        // with concurrent re-reads' and webhooks' state writes (writeStates): every
        // change of a connection's accounts goes through the transaction below and bumps the
        // connection's version, so matching expectedVersion also proves these are still the
        // accounts compared.
        if (sameAccounts(await storedAccounts(id), accounts)) {
          const record = await writeStateBatched({
            id,
            set,
            expectedVersion: opts.expectedVersion,
            accountTimes: { at: opts.at, accounts: accounts.map((a) => ({ id: accountRowId(id, a.providerAccountId), asOf: a.balances.asOf })) },
          });
          return record && { record, accountsChanged: false };
        }
      }
      return db.transaction().execute(async (trx) => {
        // The connection row first: it serialises concurrent replacements of the same accounts.
        const record = await writeState(trx, id, set, opts.expectedVersion);
        if (!record) return null;
        const before = await trx.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('connection_id', '=', id).orderBy('position').execute();
        const accountsChanged = !sameAccounts(before.map(toAccount), accounts);
        if (!accountsChanged) {
          // The same accounts in the same order: only their read times move (asOf is the read
          // time when the provider gives none), in one statement instead of a delete and an upsert.
          if (accounts.length > 0) {
            await sql`update accounts as a set balances_as_of = v.as_of, updated_at = ${opts.at}
                      from (values ${readTimes(id, accounts)}) as v(id, as_of) where a.id = v.id`.execute(trx);
          }
          return { record, accountsChanged };
        }
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

    listAccounts: accountsOf,

    async getAccounts(ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return ids.map(() => null);
      const rows = await db.selectFrom('accounts').select(ACCOUNT_COLUMNS).where('id', 'in', wanted).execute();
      return inOrder(ids, rows.map(toAccount));
    },

    async saveTransactionsPage(connectionId, page) {
      if (!isUuid(connectionId)) return null;
      const upsert = providerTransactions.parse(page.upsert);
      const removed = removedIds.parse(page.removed);
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
  };
}
