import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenCipher, EncryptionKeyMismatchError, TokenDecryptionError } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { createSqlStore, type SqlConnectionStore } from '../../src/store/sql-store.js';
import { newConnection } from './store-suite.js';

/**
 * Issue 11 item 10: the encryption key is checked against stored data at start (migrate), a wrong
 * key changes nothing, and one undecryptable row fails only its own connection in a batch read.
 * Each case gets its own in-memory database, migrated with key A (cases run shuffled and must not see
 * each other's rows); a second store over the same database stands for a restart with another key.
 */
const keyA = randomBytes(32);
const keyB = randomBytes(32);
let store: SqlConnectionStore;
const withKey = (key: Buffer, previousKeys: Buffer[] = []) => createSqlStore(store.db, { cipher: createTokenCipher(key, { previousKeys }) });
const checkRows = async () => (await sql<{ ciphertext: string }>`select ciphertext from encryption_key_check`.execute(store.db)).rows;
const migrationsApplied = async () => (await sql<{ n: number }>`select count(*)::int as n from schema_migrations`.execute(store.db)).rows[0]!.n;

beforeEach(async () => {
  store = await openPgliteStore({ dataDir: null, cipher: createTokenCipher(keyA) });
  await store.migrate();
});
afterEach(async () => {
  await store?.close();
});

describe('encryption key check at start', () => {
  it('the first migrate writes one check value; the same key passes again', async () => {
    expect(await checkRows()).toHaveLength(1);
    await store.migrate();
    expect(await checkRows()).toHaveLength(1);
  });

  it('another key stops migrate with an error naming ENCRYPTION_KEY, and changes nothing', async () => {
    const rec = await store.insertConnection(newConnection({ credential: 'access-sandbox-kept' }));
    const before = await checkRows();
    const err = await withKey(keyB).migrate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptionKeyMismatchError);
    expect((err as Error).message).toMatch(/^ENCRYPTION_KEY /);
    expect(await checkRows()).toEqual(before);
    expect((await store.getCredentials([rec.id]))[0]).toBe('access-sandbox-kept');
  });

  it('a database from before the check is probed with a stored credential', async () => {
    await store.insertConnection(newConnection({ credential: 'access-sandbox-probe' }));
    await sql`delete from encryption_key_check`.execute(store.db);
    await expect(withKey(keyB).migrate()).rejects.toBeInstanceOf(EncryptionKeyMismatchError);
    expect(await checkRows()).toHaveLength(0);
    // The right key passes and writes the check value.
    await store.migrate();
    expect(await checkRows()).toHaveLength(1);
  });

  it('a rolled-back start leaves pending migrations unapplied', async () => {
    await store.insertConnection(newConnection({ credential: 'access-sandbox-probe' }));
    const applied = await migrationsApplied();
    await sql`delete from schema_migrations where version = 3`.execute(store.db);
    await sql`drop table encryption_key_check`.execute(store.db);
    await expect(withKey(keyB).migrate()).rejects.toBeInstanceOf(EncryptionKeyMismatchError);
    expect(await migrationsApplied()).toBe(applied - 1);
    await store.migrate();
    expect(await migrationsApplied()).toBe(applied);
  });

  it('a rotated key (old one kept as previous) passes', async () => {
    await expect(withKey(keyB, [keyA]).migrate()).resolves.toBeUndefined();
  });
});

describe('per-row decryption failures', () => {
  it('one undecryptable row fails only its own entry of a batch read', async () => {
    const good = await store.insertConnection(newConnection({ credential: 'access-sandbox-good' }));
    const bare = await store.insertConnection(newConnection({ provider: 'MONEYKIT', credential: null }));
    const broken = await store.insertConnection(newConnection({ credential: 'access-sandbox-broken' }));
    // Written with another key: this row alone no longer decrypts.
    const foreign = createTokenCipher(keyB).encrypt('x', 'y');
    await store.db.updateTable('connections').set({ credential_ciphertext: foreign }).where('id', '=', broken.id).execute();

    const out = await store.getCredentials([good.id, bare.id, broken.id]);
    expect(out[0]).toBe('access-sandbox-good');
    expect(out[1]).toBeNull();
    expect(out[2]).toBeInstanceOf(TokenDecryptionError);
    expect(String(out[2])).not.toContain('access-sandbox');
  });
});
