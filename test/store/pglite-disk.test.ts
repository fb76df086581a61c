import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore, PGLITE_TEMPLATE_DIR } from '../../src/store/pglite.js';
import { newConnection } from './store-suite.js';

// A fresh on-disk directory is a copy of the install's template (made once by initdb in a child process).
describe('PGlite on disk', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('creates a fresh directory, keeps what was written across a reopen, with 16 MB shared_buffers', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'pglite-disk-'));
    dirs.push(parent);
    const dir = join(parent, 'data'); // made by the store, with the process's umask (mkdtemp's would already be 0700)
    const cipher = createTokenCipher(randomBytes(32));
    const first = await openPgliteStore({ dataDir: dir, cipher });
    await first.migrate();
    // Private to the gateway's user: PGlite's own files are world-writable, the directory is not.
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const written = await first.insertConnection(newConnection({ credential: 'access-sandbox-kept' }));
    const buffers = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(first.db);
    expect(buffers.rows[0]!.shared_buffers).toBe('16MB');
    await first.close();

    const again = await openPgliteStore({ dataDir: dir, cipher });
    await again.migrate();
    const read = await again.getConnectionWithCredential(written.id);
    expect(read?.record.providerConnectionId).toBe(written.providerConnectionId);
    expect(read?.credential).toBe('access-sandbox-kept');
    await again.close();
  }, 180_000);

  it('a fresh directory is a copy of the template, not a new initdb: every copy has the template\'s system identifier', async () => {
    const cipher = createTokenCipher(randomBytes(32));
    const systemIdentifier = async (dataDir: string | null) => {
      const store = await openPgliteStore({ dataDir, cipher });
      try {
        return (await sql<{ id: string }>`select system_identifier::text as id from pg_control_system()`.execute(store.db)).rows[0]!.id;
      } finally {
        await store.close();
      }
    };
    const [a, b] = [await mkdtemp(join(tmpdir(), 'pglite-disk-')), await mkdtemp(join(tmpdir(), 'pglite-disk-'))];
    dirs.push(a, b);
    const fromA = await systemIdentifier(a);
    expect(await systemIdentifier(b)).toBe(fromA);
    // initdb gives every new cluster its own identifier (an in-memory database runs initdb).
    expect(await systemIdentifier(null)).not.toBe(fromA);
    expect((await readdir(PGLITE_TEMPLATE_DIR)).sort()).toEqual((await readdir(a)).sort());
    // No file of the template (nor of its copies) is writable by another local user.
    const writableByOthers = async (dir: string): Promise<string[]> => {
      const found: string[] = [];
      for (const name of await readdir(dir, { recursive: true })) if ((await stat(join(dir, name))).mode & 0o022) found.push(name);
      return found;
    };
    expect(await writableByOthers(PGLITE_TEMPLATE_DIR)).toEqual([]);
    expect(await writableByOthers(a)).toEqual([]);
  }, 180_000);
});
