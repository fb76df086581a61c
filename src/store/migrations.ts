// Versioned schema migrations. Append only: never edit a migration that has shipped.
import { sql, type Kysely } from 'kysely';

export interface Migration {
  version: number;
  name: string;
  /** Runs inside the migration transaction. */
  up(db: Kysely<any>): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'connections, webhook events, provider users',
    async up(db) {
      // Timestamps default to millisecond precision: JS Dates (and so keyset cursors) carry
      // milliseconds, and a microsecond created_at would make a cursor skip rows.
      await sql`
        create table connections (
          id uuid primary key,
          provider text not null,
          provider_connection_id text not null,
          provider_user_id text,
          user_id text not null,
          sandbox boolean not null,
          status text not null,
          error jsonb,
          institution jsonb,
          products text[] not null default '{}',
          consent_expires_at timestamptz,
          expiring_until timestamptz,
          last_synced_at timestamptz,
          status_changed_at timestamptz not null default date_trunc('milliseconds', now()),
          state_refreshed_at timestamptz not null default date_trunc('milliseconds', now()),
          last_event_at timestamptz,
          created_at timestamptz not null default date_trunc('milliseconds', now()),
          version integer not null default 1,
          credential_ciphertext text,
          constraint connections_provider_connection_key unique (provider, provider_connection_id)
        )`.execute(db);
      await sql`create index connections_user_created_idx on connections (user_id, created_at desc, id desc)`.execute(db);
      await sql`create index connections_created_idx on connections (created_at desc, id desc)`.execute(db);

      await sql`
        create table webhook_events (
          id uuid primary key,
          -- insertion order, for a stable newest-first listing when received_at ties
          seq bigint generated always as identity,
          provider text not null,
          dedupe_key text,
          event_type text not null,
          provider_connection_id text,
          occurred_at timestamptz,
          received_at timestamptz not null default date_trunc('milliseconds', now()),
          payload jsonb not null,
          outcome text
        )`.execute(db);
      await sql`create unique index webhook_events_dedupe_key on webhook_events (provider, dedupe_key) where dedupe_key is not null`.execute(db);
      await sql`create index webhook_events_connection_idx on webhook_events (provider, provider_connection_id, seq desc)`.execute(db);

      await sql`
        create table provider_users (
          provider text not null,
          user_id text not null,
          provider_user_id text not null,
          updated_at timestamptz not null default now(),
          primary key (provider, user_id)
        )`.execute(db);
    },
  },
  {
    version: 2,
    name: 'webhook events keep their normalized effect',
    async up(db) {
      // A delivery for a connection not stored yet (it races the token exchange) is applied
      // once the connection exists; the effect is what the verified delivery asked for.
      await sql`alter table webhook_events add column effect jsonb`.execute(db);
      await sql`create index webhook_events_held on webhook_events (provider, provider_connection_id) where outcome = 'unknown_connection'`.execute(db);
    },
  },
  {
    version: 3,
    name: 'encryption key check',
    async up(db) {
      // One value encrypted with the key in use when it was written: a start with another key
      // fails to decrypt it and stops before anything is written (see sql/credentials.ts verifyKey).
      await sql`
        create table encryption_key_check (
          id integer primary key check (id = 1),
          ciphertext text not null,
          created_at timestamptz not null default now()
        )`.execute(db);
    },
  },
  {
    version: 4,
    name: 'accounts, transactions and transactions-sync cursors',
    async up(db) {
      // Money is text in the canonical Decimal form (domain/decimal.ts), never a float: written
      // and read back byte for byte. The check keeps anything else out. Dates are YYYY-MM-DD text:
      // a `date` column comes back from pg as a local-time JS Date.
      const decimal = sql.raw(`~ '^-?(0|[1-9][0-9]*)([.][0-9]+)?$'`);
      const day = sql.raw(`~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`);

      await sql`alter table connections add column accounts_updated_at timestamptz`.execute(db);
      await sql`alter table connections add column transactions_updated_at timestamptz`.execute(db);

      // The last known accounts of each connection, replaced as a whole on every successful
      // provider read. `id` is derived from (connection_id, provider_account_id) in code, so an
      // account keeps its id across replacements. No provider secret lives here.
      await sql`
        create table accounts (
          id uuid primary key,
          connection_id uuid not null references connections (id) on delete cascade,
          provider_account_id text not null,
          position integer not null,
          name text not null,
          official_name text,
          mask text,
          type text not null,
          subtype text,
          provider_type text not null,
          balance_current text check (balance_current ${decimal}),
          balance_available text check (balance_available ${decimal}),
          balance_limit text check (balance_limit ${decimal}),
          currency text,
          balances_as_of timestamptz not null,
          updated_at timestamptz not null default date_trunc('milliseconds', now()),
          constraint accounts_connection_provider_key unique (connection_id, provider_account_id)
        )`.execute(db);

      // The last known state of each transaction a sync returned (node(id:) answers from here).
      // `id` is derived from (connection_id, provider_transaction_id) like accounts.
      await sql`
        create table transactions (
          id uuid primary key,
          connection_id uuid not null references connections (id) on delete cascade,
          provider_transaction_id text not null,
          provider_account_id text not null,
          amount text not null check (amount ${decimal}),
          currency text,
          date text not null check (date ${day}),
          authorized_date text check (authorized_date ${day}),
          pending boolean not null,
          description text not null,
          merchant_name text,
          provider_category text,
          updated_at timestamptz not null default date_trunc('milliseconds', now()),
          constraint transactions_connection_provider_key unique (connection_id, provider_transaction_id)
        )`.execute(db);

      // One row per cursor the gateway handed out. The client holds only the row id (opaque),
      // which works only with its connection; the provider's cursor stays here. Rows are never
      // updated, so any cursor a client kept (e.g. the one before a page run that Plaid refused
      // as mutated) can be resumed, by any instance.
      //   provider_cursor: the provider's cursor after the page; null = the beginning.
      //   known_pending:   providers that replace pending transactions wholesale (MoneyKit): the
      //                    provider ids of the pending transactions the client holds once it
      //                    applied every page up to this cursor (as of the last finished run).
      //   run_pending:     pending ids the provider re-sent so far in the page run this cursor is
      //                    in the middle of (becomes known_pending when the run ends).
      //   run_seen:        ids of known_pending the provider mentioned so far in that run; at the
      //                    run's end, the known pending ids it never mentioned are reported removed.
      await sql`
        create table transaction_sync_cursors (
          id uuid primary key,
          connection_id uuid not null references connections (id) on delete cascade,
          provider_cursor text,
          known_pending text[] not null default '{}',
          run_pending text[] not null default '{}',
          run_seen text[] not null default '{}',
          created_at timestamptz not null default date_trunc('milliseconds', now())
        )`.execute(db);
      await sql`create index transaction_sync_cursors_connection_idx on transaction_sync_cursors (connection_id, created_at)`.execute(db);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Arbitrary constant shared by every instance of this service ("aggr-gw" in ASCII). */
const MIGRATION_LOCK_KEY = 0x616767722d6777n;

/**
 * Applies pending migrations in one transaction. The transaction-scoped advisory lock makes
 * instances that start together queue up: the first migrates, the others then see its rows
 * in schema_migrations and do nothing.
 */
export async function migrate(
  db: Kysely<any>,
  migrations: readonly Migration[] = MIGRATIONS,
  /** Runs in the same transaction after the migrations; throwing rolls them back too. */
  verify?: (trx: Kysely<any>) => Promise<void>,
): Promise<number[]> {
  assertOrdered(migrations);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_KEY.toString())}::bigint)`.execute(trx);
    await sql`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`.execute(trx);
    const done = await sql<{ version: number }>`select version from schema_migrations`.execute(trx);
    const applied = new Set(done.rows.map((r) => Number(r.version)));
    const ran: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await m.up(trx);
      await sql`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`.execute(trx);
      ran.push(m.version);
    }
    await verify?.(trx);
    return ran;
  });
}

/** Latest applied version, 0 when nothing was applied yet. */
export async function schemaVersion(db: Kysely<any>): Promise<number> {
  const exists = await sql<{ t: string | null }>`select to_regclass('schema_migrations')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return 0;
  const r = await sql<{ v: number | null }>`select max(version)::int as v from schema_migrations`.execute(db);
  return r.rows[0]?.v ?? 0;
}

function assertOrdered(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new Error(`migrations out of order at version ${migrations[i]!.version}`);
    }
  }
}
