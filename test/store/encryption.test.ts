import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenCipher,
  InvalidEncryptionKeyError,
  loadOrCreateKeyFile,
  parseEncryptionKey,
  TokenDecryptionError,
} from '../../src/store/crypto.js';
import { openStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import type { SqlConnectionStore } from '../../src/store/sql-store.js';
import type { ConnectionStore } from '../../src/store/store.js';
import { newConnection } from './store-suite.js';

/** One connection's secret; a row that does not decrypt throws its TokenDecryptionError. */
const credentialOf = async (s: Pick<ConnectionStore, 'getCredentials'>, id: string) => {
  const v = (await s.getCredentials([id]))[0] ?? null;
  if (v instanceof Error) throw v;
  return v;
};

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const bytes = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(bytes)) hits.push(f);
  return hits;
}

describe('access tokens at rest (on-disk PGlite)', () => {
  let root: string;
  let dataDir: string;
  let store: SqlConnectionStore;
  const key = randomBytes(32);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'store-enc-'));
    dataDir = join(root, 'nested', 'data'); // openStore creates missing folders
    // No databaseUrl: openStore must pick embedded PGlite in dataDir.
    store = await openStore({ databaseUrl: null, dataDir, cipher: createTokenCipher(key) });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('never writes the plaintext token to any file, yet getCredential returns it', async () => {
    const token = `access-sandbox-${randomUUID()}`;
    // A plaintext marker in a non-secret column proves the scan does see freshly written rows.
    const marker = `item-marker-${randomUUID()}`;
    const rec = await store.insertConnection(newConnection({ providerConnectionId: marker, credential: token }));
    expect(await credentialOf(store, rec.id)).toBe(token);

    await store.close(); // flush everything to the data folder
    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('PG_VERSION'))).toBe(true); // really a PGlite data folder
    expect(files.length).toBeGreaterThan(10);
    expect((await filesContaining(dataDir, marker)).length).toBeGreaterThan(0);
    expect(await filesContaining(dataDir, token)).toEqual([]);

    // Reopened with the same key, the secret is still there.
    store = await openPgliteStore({ dataDir, cipher: createTokenCipher(key) });
    expect(await credentialOf(store, rec.id)).toBe(token);

    // With another key it fails with a typed error that leaks nothing.
    await store.close();
    store = await openPgliteStore({ dataDir, cipher: createTokenCipher(randomBytes(32)) });
    const err = await credentialOf(store, rec.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenDecryptionError);
    expect((err as Error).message).not.toContain(token);
    expect((err as Error).message).not.toContain(key.toString('base64'));
  });
});

describe('createTokenCipher', () => {
  const key = randomBytes(32);
  const cipher = createTokenCipher(key);
  const secret = `access-sandbox-${randomUUID()}`;
  const aad = '["connection-credential","PLAID","item-1"]';

  const decryptError = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected decryption to fail');
  };
  const assertSafe = (e: Error): void => {
    expect(e).toBeInstanceOf(TokenDecryptionError);
    for (const s of [secret, key.toString('base64'), key.toString('hex'), key.toString('base64url')]) expect(e.message).not.toContain(s);
  };

  it('round-trips with a versioned, randomized blob', () => {
    const a = cipher.encrypt(secret, aad);
    const b = cipher.encrypt(secret, aad);
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b); // fresh IV per value
    expect(a).not.toContain(secret);
    expect(cipher.decrypt(a, aad)).toBe(secret);
    expect(cipher.decrypt(cipher.encrypt('', undefined))).toBe('');
    expect(cipher.decrypt(cipher.encrypt('ünïcødé ✓'))).toBe('ünïcødé ✓');
  });

  it('detects tampering anywhere in the blob', () => {
    const blob = cipher.encrypt(secret, aad);
    const raw = Buffer.from(blob.slice(3), 'base64url');
    for (const i of [0, 11, 12, 27, 28, raw.length - 1]) {
      const t = Buffer.from(raw);
      t[i]! ^= 0x01;
      assertSafe(decryptError(() => cipher.decrypt(`v1:${t.toString('base64url')}`, aad)));
    }
    assertSafe(decryptError(() => cipher.decrypt(`v1:${raw.subarray(0, 20).toString('base64url')}`, aad)));
    assertSafe(decryptError(() => cipher.decrypt(`v9:${raw.toString('base64url')}`, aad)));
    assertSafe(decryptError(() => cipher.decrypt(secret, aad)));
  });

  it('fails with the wrong key', () => {
    const blob = cipher.encrypt(secret, aad);
    assertSafe(decryptError(() => createTokenCipher(randomBytes(32)).decrypt(blob, aad)));
  });

  it('fails with the wrong or a missing AAD', () => {
    const blob = cipher.encrypt(secret, aad);
    assertSafe(decryptError(() => cipher.decrypt(blob, '["connection-credential","PLAID","item-2"]')));
    assertSafe(decryptError(() => cipher.decrypt(blob)));
    assertSafe(decryptError(() => cipher.decrypt(cipher.encrypt(secret), aad)));
  });

  it('decrypts with a previous key after rotation, encrypts with the new one', () => {
    const oldBlob = cipher.encrypt(secret, aad);
    const rotated = createTokenCipher(randomBytes(32), { previousKeys: [key] });
    expect(rotated.decrypt(oldBlob, aad)).toBe(secret);
    const newBlob = rotated.encrypt(secret, aad);
    assertSafe(decryptError(() => cipher.decrypt(newBlob, aad)));
  });

  it('refuses keys that are not 32 bytes, without echoing them', () => {
    const short = randomBytes(16);
    expect(() => createTokenCipher(short)).toThrow(InvalidEncryptionKeyError);
    const e = (() => { try { parseEncryptionKey('c2hvcnQta2V5'); } catch (x) { return x as Error; } return null; })();
    expect(e).toBeInstanceOf(InvalidEncryptionKeyError);
    expect(e!.message).not.toContain('c2hvcnQta2V5');
    expect(parseEncryptionKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64url')).equals(key)).toBe(true);
  });
});

describe('loadOrCreateKeyFile', () => {
  it('creates one key, reuses it, and agrees under a race', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-key-'));
    try {
      const file = join(dir, 'sub', 'encryption.key');
      const results = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateKeyFile(file)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      for (const r of results) expect(r.key.equals(results[0]!.key)).toBe(true);
      expect(results[0]!.key).toHaveLength(32);
      const again = await loadOrCreateKeyFile(file);
      expect(again).toEqual({ key: results[0]!.key, created: false });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await readdir(join(dir, 'sub'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
