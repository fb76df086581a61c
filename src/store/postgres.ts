// PostgreSQL through a pg.Pool, for multi-instance deployments.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { TokenCipher } from './crypto.js';
import type { Database } from './schema.js';
import { createSqlStore, type SqlConnectionStore } from './sql-store.js';

/**
 * No global pg.types changes: other pg users in the process keep their settings. timestamptz
 * already parses to Date; int8 would arrive as a string, so counts are cast to int in SQL and
 * no int8 column reaches a record.
 */
export async function openPostgresStore(opts: {
  connectionString: string;
  cipher: TokenCipher;
  poolSize?: number;
  /** Errors of idle pooled clients (server restart, network); without a listener pg would crash the process. */
  onPoolError?: (err: Error) => void;
}): Promise<SqlConnectionStore> {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => opts.onPoolError?.(err));
  // Fail at start with a line an operator can act on (pg's own names no variable).
  try {
    await pool.query('select 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`DATABASE_URL: cannot connect to PostgreSQL (${pgReason(e)})`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createSqlStore(db, { cipher: opts.cipher });
}

/** The failure without the connection string (pg messages name host, port, user, never the password). */
function pgReason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err.message === 'string' && err.message ? err.message : String(e);
  return typeof err.code === 'string' ? `${err.code}: ${message}` : message;
}
