// Embedded PostgreSQL (PGlite, WASM) for single-instance and demo use.
import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { TokenCipher } from './crypto.js';
import { PgliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { createSqlStore, type SqlConnectionStore } from './sql-store.js';

/**
 * PostgreSQL's default shared_buffers (128 MB) is sized for a server; the embedded store holds a
 * few thousand rows, and every buffer page touched stays in the WebAssembly heap, which never
 * shrinks. 16 MB halves the resident memory of a reopened store (durability settings unchanged).
 */
const OPTIONS: PGliteOptions = { postgresqlconf: ['shared_buffers=16MB'] };

/**
 * A brand-new data directory is created (initdb) in a short-lived child process: initdb grows the
 * WebAssembly heap to several hundred MB, and that memory would otherwise stay with the gateway
 * for its whole life. The child closes the database cleanly before the gateway opens it.
 */
async function initInChild(dataDir: string): Promise<void> {
  const script = `const { PGlite } = await import(process.env.PGLITE_URL);
    const pg = await PGlite.create(process.env.PGLITE_DIR, JSON.parse(process.env.PGLITE_OPTIONS));
    await pg.close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PGLITE_URL: import.meta.resolve('@electric-sql/pglite'), PGLITE_DIR: dataDir, PGLITE_OPTIONS: JSON.stringify(OPTIONS) },
  });
}

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Opens (creating when needed) a PGlite database. `dataDir: null` keeps it in memory.
 * The caller runs `store.migrate()`. Creating a fresh database takes a few seconds; reopening is fast.
 */
export async function openPgliteStore(opts: { dataDir: string | null; cipher: TokenCipher }): Promise<SqlConnectionStore> {
  if (opts.dataDir !== null) {
    await mkdir(opts.dataDir, { recursive: true });
    if (!(await exists(join(opts.dataDir, 'PG_VERSION')))) await initInChild(opts.dataDir);
  }
  const pg = opts.dataDir === null ? await PGlite.create(OPTIONS) : await PGlite.create(opts.dataDir, OPTIONS);
  const db = new Kysely<Database>({ dialect: new PgliteDialect(pg) });
  return createSqlStore(db, { cipher: opts.cipher });
}
