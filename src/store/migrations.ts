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
      // fails to decrypt it and stops before anything is written (see sql-store verifyKey).
      await sql`
        create table encryption_key_check (
          id integer primary key check (id = 1),
          ciphertext text not null,
          created_at timestamptz not null default now()
        )`.execute(db);
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
