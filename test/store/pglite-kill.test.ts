import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { newConnection } from './store-suite.js';

/**
 * Nothing acknowledged is lost when the process dies mid-write: a child (kill-writer.ts) writes
 * connections to an on-disk embedded store from four loops, so a write is always in flight; it is
 * SIGKILLed after 40 acknowledged writes; reopened here, every acknowledged row is there, its
 * credential decrypts, and the store takes new writes.
 */
const ACKED_BEFORE_KILL = 40;
let dir = '';
let child: ReturnType<typeof spawn> | null = null;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('every write acknowledged before a SIGKILL is in the store after reopening', async () => {
  dir = await mkdtemp(join(tmpdir(), 'pglite-kill-'));
  const key = randomBytes(32);
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/store/kill-writer.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, DIR: dir, KEY: key.toString('base64') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));

  const acked: { id: string; providerConnectionId: string; credential: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const j = JSON.parse(line) as { ready?: true; id?: string; providerConnectionId?: string; credential?: string };
      if (!j.id) return;
      acked.push({ id: j.id, providerConnectionId: j.providerConnectionId!, credential: j.credential! });
      if (acked.length === ACKED_BEFORE_KILL) {
        proc.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`writer exited before the kill: ${stderr}`)));
  });
  expect(await exited).toBe('SIGKILL');

  const store = await openPgliteStore({ dataDir: dir, cipher: createTokenCipher(key) });
  try {
    await store.migrate();
    for (const a of acked) {
      const read = await store.getConnectionWithCredential(a.id);
      expect(read?.record.providerConnectionId).toBe(a.providerConnectionId);
      expect(read?.credential).toBe(a.credential);
    }
    const after = await store.insertConnection(newConnection({ credential: 'access-sandbox-after-kill' }));
    expect((await store.getConnectionWithCredential(after.id))?.credential).toBe('access-sandbox-after-kill');
  } finally {
    await store.close();
  }
}, 180_000);
