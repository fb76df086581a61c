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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createSqlStore(db, { cipher: opts.cipher });
}
