import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { newConnection } from './store-suite.js';

// A fresh on-disk directory is created by a child process (initdb), then opened by this one.
describe('PGlite on disk', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('creates a fresh directory, keeps what was written across a reopen, with 16 MB shared_buffers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglite-disk-'));
    dirs.push(dir);
    const cipher = createTokenCipher(randomBytes(32));
    const first = await openPgliteStore({ dataDir: dir, cipher });
    await first.migrate();
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
});
