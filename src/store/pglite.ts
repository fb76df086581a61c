// Embedded PostgreSQL (PGlite, WASM) for single-instance and demo use.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, chmod, copyFile, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { packageRoot } from '../package-root.js';
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
 * WebAssembly runs on V8's baseline compiler only (no TurboFan tier-up), set before PGlite's
 * module is compiled. Tier-up recompiles PGlite's hot functions and keeps both code and compiler
 * memory: measured on PGlite alone, idle RSS 188-198 -> 147-153 MB, and the CPU per page-of-50
 * query 0.51 -> 0.44 ms (tier-up's own compiling included); a heavy in-database query (GROUP BY
 * over 2,000 rows) costs about 25 % more CPU; initdb (the template's child) 6.0 -> 2.8 s. The flag
 * only concerns WebAssembly.
 */
const WASM_FLAGS = '--liftoff-only';

/**
 * A brand-new data directory is created (initdb) in a short-lived child process: initdb grows the
 * WebAssembly heap to several hundred MB, and that memory would otherwise stay with the gateway
 * for its whole life. The child closes the database cleanly before the gateway opens it.
 */
async function initInChild(dataDir: string): Promise<void> {
  const script = `const { PGlite } = await import(process.env.PGLITE_URL);
    const pg = await PGlite.create(process.env.PGLITE_DIR, JSON.parse(process.env.PGLITE_OPTIONS));
    await pg.close();`;
  await promisify(execFile)(process.execPath, [WASM_FLAGS, '--input-type=module', '-e', script], {
    env: { ...process.env, PGLITE_URL: import.meta.resolve('@electric-sql/pglite'), PGLITE_DIR: dataDir, PGLITE_OPTIONS: JSON.stringify(OPTIONS) },
  });
}

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * initdb takes seconds of WebAssembly work, and its result is the same for every new database of
 * one PGlite version. So it runs once per install, into a template directory under the package
 * root (`npm run build` and `npm start` prepare it; the container image ships it); a fresh data
 * directory is a file copy of it. Keyed by PGlite's version: an upgrade makes a new template.
 */
const PGLITE_VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8')).version;
/** Bumped when what a template holds changes (2: no file writable by group or others), so old ones are made anew. */
const TEMPLATE_LAYOUT = 2;
export const PGLITE_TEMPLATE_DIR = join(packageRoot(import.meta.url), '.cache', 'pglite-template', `${PGLITE_VERSION}-${TEMPLATE_LAYOUT}`);

/** The template directory, created when missing; null when it cannot be written (read-only install). */
export async function preparePgliteTemplate(): Promise<string | null> {
  const dir = PGLITE_TEMPLATE_DIR;
  if (await exists(join(dir, 'PG_VERSION'))) return dir;
  // Built aside and renamed into place: a concurrent start never sees half a template.
  const building = `${dir}.${randomUUID()}`;
  try {
    await mkdir(building, { recursive: true });
  } catch {
    return null;
  }
  try {
    await initInChild(building);
    await withoutOthersWrite(building);
    await rename(building, dir).catch(async (e: unknown) => {
      if (!(await exists(join(dir, 'PG_VERSION')))) throw e; // else another process put one in place first
    });
    return dir;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/**
 * PGlite writes its files writable by everyone; every fresh data directory is a copy of the
 * template, so no other local user may change it (group and others lose write, recursively).
 */
async function withoutOthersWrite(path: string): Promise<void> {
  const st = await stat(path);
  await chmod(path, st.mode & 0o755);
  if (st.isDirectory()) for (const name of await readdir(path)) await withoutOthersWrite(join(path, name));
}

/** PG_VERSION last: it marks a data directory as created, so a copy cut short is redone on the next start. */
async function copyTemplate(template: string, dataDir: string): Promise<void> {
  await cp(template, dataDir, { recursive: true, filter: (src) => src !== join(template, 'PG_VERSION') });
  await copyFile(join(template, 'PG_VERSION'), join(dataDir, 'PG_VERSION'));
}

/** Copies under way, by directory (forgotten once settled: a directory removed later is checked again). */
const preparing = new Map<string, Promise<void>>();

/**
 * Makes `dataDir` hold a database: a copy of the template (initdb the first time) when it has none.
 * Concurrent calls for one directory share the work, so a process can start it early (main.ts
 * copies while the rest of its modules load) and `openPgliteStore` waits for the same copy.
 */
export function preparePgliteDataDir(dataDir: string): Promise<void> {
  let done = preparing.get(dataDir);
  if (!done) {
    done = (async () => {
      await mkdir(dataDir, { recursive: true });
      if (await exists(join(dataDir, 'PG_VERSION'))) return;
      // PGlite writes its files readable and writable by everyone (its own modes, whatever the
      // umask): a database the gateway creates is private to its user, as PostgreSQL requires of
      // its own data directories (the encryption key file beside it is 0600 already).
      await chmod(dataDir, 0o700);
      const template = await preparePgliteTemplate();
      await (template ? copyTemplate(template, dataDir) : initInChild(dataDir));
    })().finally(() => preparing.delete(dataDir));
    preparing.set(dataDir, done);
  }
  return done;
}

/**
 * Opens (creating when needed) a PGlite database. `dataDir: null` keeps it in memory.
 * The caller runs `store.migrate()`. A fresh directory is a copy of the template (initdb the first time).
 */
export async function openPgliteStore(opts: { dataDir: string | null; cipher: TokenCipher }): Promise<SqlConnectionStore> {
  if (opts.dataDir !== null) await preparePgliteDataDir(opts.dataDir);
  setFlagsFromString(WASM_FLAGS);
  const pg = opts.dataDir === null ? await PGlite.create(OPTIONS) : await PGlite.create(opts.dataDir, OPTIONS);
  const db = new Kysely<Database>({ dialect: new PgliteDialect(pg) });
  return createSqlStore(db, { cipher: opts.cipher, sharePageStatements: false });
}
