// Embedded PostgreSQL (PGlite, WASM) for single-instance and demo use.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { TokenCipher } from './crypto.js';
import { PgliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { createSqlStore, type SqlConnectionStore } from './sql-store.js';

/**
 * Opens (creating when needed) a PGlite database. `dataDir: null` keeps it in memory.
 * The caller runs `store.migrate()`. Creating a fresh database takes a few seconds; reopening is fast.
 */
export async function openPgliteStore(opts: { dataDir: string | null; cipher: TokenCipher }): Promise<SqlConnectionStore> {
  if (opts.dataDir !== null) await mkdir(opts.dataDir, { recursive: true });
  const pg = opts.dataDir === null ? await PGlite.create() : await PGlite.create(opts.dataDir);
  const db = new Kysely<Database>({ dialect: new PgliteDialect(pg) });
  return createSqlStore(db, { cipher: opts.cipher });
}
