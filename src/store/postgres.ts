// PostgreSQL through a pg.Pool, for multi-instance deployments.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { TokenCipher } from './crypto.js';
import type { Database } from './schema.js';
import { createSqlStore, type SqlConnectionStore } from './sql-store.js';

const TIMESTAMPTZ = 1184;
const pgTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text');

/**
 * timestamptz as PostgreSQL writes it with DateStyle ISO (`2026-11-29 21:19:04.123456+00`, or an
 * offset `+05:30`), read as ISO 8601 by Date.parse: the same instant as pg's own parser, at a
 * fraction of its cost (its regex match was 6 % of a page of 50 connections, profiled). Anything
 * else (BC, infinity, years past 9999, offsets with seconds) goes to pg's parser.
 */
export function parseTimestamptz(text: string): Date {
  if (text.length >= 22 && text.charCodeAt(4) === 45 && text.charCodeAt(10) === 32) {
    const iso = `${text.slice(0, 10)}T${text.slice(11)}`;
    const sign = text.charCodeAt(text.length - 3);
    const ms = Date.parse(sign === 43 || sign === 45 ? `${iso}:00` : iso);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  return pgTimestamptz(text) as Date;
}

/**
 * No global pg.types changes: other pg users in the process keep their settings; this pool's
 * clients get their own timestamptz parser. int8 would arrive as a string, so counts are cast to
 * int in SQL and no int8 column reaches a record.
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
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMPTZ && format !== 'binary' ? parseTimestamptz : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
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
