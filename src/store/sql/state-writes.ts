// State writes: the compare-and-set of a connection's state with optimistic versioning, alone
// inside a transaction (writeState) or batched across concurrent writers (stateWriter), with
// what rides along (a webhook's outcome, a re-read's account read times).
import { sql, type Kysely, type Updateable } from 'kysely';
import { ConnectionConflictError, type ConnectionRecord, type WebhookOutcomeWrite } from '../store.js';
import type { ConnectionsTable, Database } from '../schema.js';
import { turnBatcher } from './batch.js';
import { CONNECTION_COLUMNS, toRecord } from './rows.js';

/**
 * Writes `set` and bumps the version, inside a transaction (replaceAccounts; updateState goes
 * through writeStates). With `expectedVersion`, throws ConnectionConflictError when the row moved
 * on. Returns null when the row is gone.
 */
export async function writeState(
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
  return written(db, id, await q.returning(CONNECTION_COLUMNS).executeTakeFirst(), expectedVersion);
}

/** A state write's answer: the record, null when the row is gone, or a conflict when it moved on. */
async function written(db: Kysely<Database>, id: string, row: unknown, expectedVersion: number | undefined): Promise<ConnectionRecord | null> {
  if (row) return toRecord(row);
  if (expectedVersion === undefined) return null;
  // Nothing matched: either the row is gone (null) or it moved on (conflict).
  const exists = await db.selectFrom('connections').select('version').where('id', '=', id).executeTakeFirst();
  if (!exists) return null;
  throw new ConnectionConflictError();
}

/** The SQL type of every column a state write may set (stateSet, and replaceAccounts' accounts_updated_at), for the batched write's VALUES. */
const STATE_COLUMN_TYPES: Readonly<Record<string, string>> = {
  status: 'text',
  error: 'jsonb',
  institution: 'jsonb',
  products: 'text[]',
  consent_expires_at: 'timestamptz',
  expiring_until: 'timestamptz',
  last_synced_at: 'timestamptz',
  status_changed_at: 'timestamptz',
  state_refreshed_at: 'timestamptz',
  last_event_at: 'timestamptz',
  transactions_updated_at: 'timestamptz',
  accounts_updated_at: 'timestamptz',
};

/** A compare-and-set of a connection's state, and what is written only if it is (in the same statement). */
export interface StateWrite {
  id: string;
  set: Updateable<ConnectionsTable>;
  expectedVersion: number | undefined;
  /** The webhook delivery whose outcome this write is. */
  eventOutcome?: WebhookOutcomeWrite;
  /** New read times of the connection's stored accounts (row ids), all stamped `at` (replaceAccounts' re-read of unchanged accounts). */
  accountTimes?: { at: Date; accounts: readonly { id: string; asOf: Date }[] };
}

/** One state write's answer from a batch: the row written (null when none matched), or its error. */
type StateWriteResult = { row: unknown } | { error: unknown };

/**
 * Several state writes (each with its own columns, webhook outcome and account read times) as few
 * statements: one UPDATE ... FROM (VALUES ...) per set of columns. A connection written twice in
 * one batch is written by two statements, in the order asked, so the second sees the first (a
 * compare-and-set then conflicts, as it would unbatched). Never throws: a statement the database
 * refuses is run again item by item, so its error reaches only the write that caused it, and a
 * statement that already succeeded is never run twice.
 */
async function writeStates(db: Kysely<Database>, writes: readonly StateWrite[]): Promise<StateWriteResult[]> {
  const statements: { key: string; columns: string[]; ids: Set<string>; items: number[] }[] = [];
  writes.forEach((w, i) => {
    const columns = Object.keys(w.set).sort();
    const key = columns.join(',');
    const id = w.id.toLowerCase();
    let st = statements.find((x) => x.key === key && !x.ids.has(id));
    if (!st) statements.push((st = { key, columns, ids: new Set(), items: [] }));
    st.ids.add(id);
    st.items.push(i);
  });
  const results: StateWriteResult[] = writes.map(() => ({ row: null }));
  for (const st of statements) {
    try {
      await writeStatement(db, writes, st.columns, st.items, results);
    } catch (e) {
      if (st.items.length === 1) results[st.items[0]!] = { error: e };
      else {
        for (const i of st.items) await writeStatement(db, writes, st.columns, [i], results).catch((err: unknown) => (results[i] = { error: err }));
      }
    }
  }
  return results;
}

const sqlType = (c: string) => {
  const type = STATE_COLUMN_TYPES[c];
  if (!type) throw new Error(`no SQL type for state column ${c}`);
  return sql.raw(type);
};

/**
 * One UPDATE ... FROM (VALUES ...) for `items` (one set of columns, distinct connections). What
 * rides along (outcomes, account read times) is written from the same VALUES, joined on the rows
 * the update returned: nothing for a write that lost its compare-and-set. Account read times go as
 * two arrays per write, so a statement's parameter count does not grow with the accounts.
 */
async function writeStatement(db: Kysely<Database>, writes: readonly StateWrite[], columns: string[], items: number[], results: StateWriteResult[]): Promise<void> {
  const withOutcomes = items.some((i) => writes[i]!.eventOutcome);
  const withTimes = items.some((i) => writes[i]!.accountTimes);
  const values = items.map((i) => {
    const w = writes[i]!;
    const set = w.set as Record<string, unknown>;
    const o = w.eventOutcome;
    const t = w.accountTimes;
    return sql`(${sql.join([
      sql`${i}::int`,
      sql`${w.id}::uuid`,
      sql`${w.expectedVersion ?? null}::int`,
      ...(withOutcomes ? [sql`${o?.eventId ?? null}::uuid`, sql`${o?.outcome ?? null}::text`] : []),
      ...(withTimes
        ? [
            sql`${t ? t.accounts.map((a) => a.id) : null}::uuid[]`,
            sql`${t ? t.accounts.map((a) => a.asOf.toISOString()) : null}::timestamptz[]`,
            sql`${t?.at ?? null}::timestamptz`,
          ]
        : []),
      ...columns.map((c) => sql`${set[c] ?? null}::${sqlType(c)}`),
    ])})`;
  });
  const names = [
    'idx', 'id', 'expected',
    ...(withOutcomes ? ['event_id', 'outcome'] : []),
    ...(withTimes ? ['account_ids', 'account_times', 'accounts_at'] : []),
    ...columns,
  ];
  const valuesCte = sql`v(${sql.join(names.map((c) => sql.ref(c)))}) as (values ${sql.join(values)})`;
  const assignments = [...columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`), sql`version = c.version + 1`];
  const update = sql`update connections as c set ${sql.join(assignments)}
    from v where c.id = v.id and (v.expected is null or c.version = v.expected)
    returning ${sql.join(CONNECTION_COLUMNS.map((c) => sql`c.${sql.ref(c)}`))}, v.idx as batch_idx`;
  const riders = [
    ...(withOutcomes
      ? [sql`recorded as (update webhook_events as e set outcome = v.outcome from written as w join v on v.idx = w.batch_idx where e.id = v.event_id)`]
      : []),
    ...(withTimes
      ? [sql`times as (update accounts as a set balances_as_of = x.as_of, updated_at = v.accounts_at
               from written as w join v on v.idx = w.batch_idx cross join lateral unnest(v.account_ids, v.account_times) as x(id, as_of)
               where a.id = x.id)`]
      : []),
  ];
  const query = riders.length > 0
    ? sql<{ batch_idx: number }>`with ${valuesCte}, written as (${update}), ${sql.join(riders)} select * from written`
    : sql<{ batch_idx: number }>`with ${valuesCte} ${update}`;
  const { rows } = await query.execute(db);
  for (const r of rows) results[Number(r.batch_idx)] = { row: r };
}

/**
 * The batched compare-and-set (writeStates; batch.ts): the record written, null when the row is
 * gone, ConnectionConflictError when it moved on, or the error of its own statement.
 */
export function stateWriter(db: Kysely<Database>): (w: StateWrite) => Promise<ConnectionRecord | null> {
  const batch = turnBatcher((writes: readonly StateWrite[]) => writeStates(db, writes));
  return async (w) => {
    const result = await batch(w);
    if ('error' in result) throw result.error;
    return written(db, w.id, result.row, w.expectedVersion);
  };
}
