// One behavioural suite for every ConnectionStore driver (PGlite, PostgreSQL).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus, ProviderName } from '../../src/domain/connection.js';
import { TokenDecryptionError } from '../../src/store/crypto.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { InvalidCursorError, type SqlConnectionStore } from '../../src/store/sql-store.js';
import { accountRowId, type ProviderAccount } from '../../src/domain/account.js';
import type { Decimal } from '../../src/domain/decimal.js';
import { transactionRowId, type ProviderTransaction } from '../../src/domain/transaction.js';
import {
  ConnectionConflictError,
  DuplicateConnectionError,
  type ConnectionPage,
  type ConnectionRecord,
  type ConnectionStore,
  type NewConnection,
} from '../../src/store/store.js';

/** One connection's secret; a row that does not decrypt throws its TokenDecryptionError. */
const credentialOf = async (s: Pick<ConnectionStore, 'getCredentials'>, id: string) => {
  const v = (await s.getCredentials([id]))[0] ?? null;
  if (v instanceof Error) throw v;
  return v;
};

export interface StoreSuiteHarness {
  /** Opens a store over a database of its own, not yet migrated (the suite's shared one, and the close test's). */
  open(): Promise<SqlConnectionStore>;
  teardown?(): Promise<void>;
  /** Opens `n` stores over one brand-new, empty database (concurrent migration test). */
  openFresh?(n: number): Promise<{ stores: SqlConnectionStore[]; dispose(): Promise<void> }>;
}

export function newConnection(over: Partial<NewConnection> = {}): NewConnection {
  return {
    provider: 'PLAID',
    providerConnectionId: `item-${randomUUID()}`,
    providerUserId: null,
    userId: `user-${randomUUID()}`,
    sandbox: true,
    status: 'CONNECTED',
    error: null,
    institution: null,
    products: ['transactions'],
    consentExpiresAt: null,
    expiringUntil: null,
    lastSyncedAt: null,
    credential: `access-sandbox-${randomUUID()}`,
    ...over,
  };
}

const byNewest = (a: ConnectionRecord, b: ConnectionRecord): number =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function describeStoreSuite(name: string, harness: StoreSuiteHarness): void {
  describe(`ConnectionStore (${name})`, () => {
    let store: SqlConnectionStore;
    let versionBeforeMigrate = -1;
    let firstRun: number[] = [];
    let secondRun: number[] = [];

    beforeAll(async () => {
      store = await harness.open();
      versionBeforeMigrate = await store.schemaVersion();
      firstRun = await migrate(store.db);
      secondRun = await migrate(store.db);
      await store.migrate(); // the port method, a third time
    });

    afterAll(async () => {
      await store?.close();
      await harness.teardown?.();
    });

    const count = async (table: 'connections' | 'webhook_events' | 'schema_migrations'): Promise<number> => {
      const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(store.db);
      return r.rows[0]!.n;
    };

    describe('migrations', () => {
      it('applies every migration once, then nothing', async () => {
        expect(versionBeforeMigrate).toBe(0);
        expect(firstRun).toEqual(MIGRATIONS.map((m) => m.version));
        expect(secondRun).toEqual([]);
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        expect(await count('schema_migrations')).toBe(MIGRATIONS.length);
        await store.ping();
      });

      it('runs pending migrations in one transaction: a failing one leaves nothing behind', async () => {
        const broken = {
          version: LATEST_SCHEMA_VERSION + 1000,
          name: 'broken',
          async up(db: Parameters<(typeof MIGRATIONS)[number]['up']>[0]) {
            await sql`create table suite_half_done (x int)`.execute(db);
            throw new Error('boom');
          },
        };
        await expect(migrate(store.db, [...MIGRATIONS, broken])).rejects.toThrow('boom');
        const t = await sql<{ t: string | null }>`select to_regclass('suite_half_done')::text as t`.execute(store.db);
        expect(t.rows[0]!.t).toBeNull();
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      });

      it.skipIf(!harness.openFresh)('several instances migrating at once migrate exactly once', async () => {
        const { stores, dispose } = await harness.openFresh!(4);
        try {
          const ran = await Promise.all(stores.map((s) => migrate(s.db)));
          // Exactly one instance applied the migrations; the others found them done.
          expect(ran.filter((r) => r.length > 0)).toEqual([MIGRATIONS.map((m) => m.version)]);
          for (const s of stores) expect(await s.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
          const n = await sql<{ n: number }>`select count(*)::int as n from schema_migrations`.execute(stores[0]!.db);
          expect(n.rows[0]!.n).toBe(MIGRATIONS.length);
        } finally {
          await dispose();
        }
      });
    });

    describe('insert and read', () => {
      it('round-trips every field; version 1 and timestamps default to now', async () => {
        const before = Date.now();
        const input = newConnection({
          provider: 'MONEYKIT',
          providerUserId: 'mk-user-1',
          sandbox: false,
          status: 'LOGIN_REQUIRED',
          error: { providerCode: 'auth_expired', providerType: null, message: 'expired', displayMessage: 'Log in again' },
          institution: { id: 'ins_1', name: 'Bank "One"', logoUrl: 'https://x/logo.png', primaryColor: '#112233' },
          products: ['transactions', 'identity', 'a,b', 'quo"te', ''],
          consentExpiresAt: new Date('2030-01-02T03:04:05.678Z'),
          expiringUntil: new Date('2030-01-01T00:00:00.001Z'),
          lastSyncedAt: new Date('2024-05-06T07:08:09.010Z'),
        });
        const rec = await store.insertConnection(input);
        const after = Date.now();
        expect(rec).toMatchObject({
          provider: 'MONEYKIT',
          providerConnectionId: input.providerConnectionId,
          providerUserId: 'mk-user-1',
          userId: input.userId,
          sandbox: false,
          status: 'LOGIN_REQUIRED',
          error: input.error,
          institution: input.institution,
          products: input.products,
          consentExpiresAt: input.consentExpiresAt,
          expiringUntil: input.expiringUntil,
          lastSyncedAt: input.lastSyncedAt,
          lastEventAt: null,
          version: 1,
          accountsUpdatedAt: null,
          transactionsUpdatedAt: null,
        });
        expect(rec.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(rec).not.toHaveProperty('credential');
        expect(JSON.stringify(rec)).not.toContain(input.credential!);
        for (const d of [rec.createdAt, rec.statusChangedAt, rec.stateRefreshedAt]) {
          expect(d).toBeInstanceOf(Date);
          expect(d.getTime()).toBeGreaterThanOrEqual(before - 2000);
          expect(d.getTime()).toBeLessThanOrEqual(after + 2000);
        }
        const [again] = await store.getConnections([rec.id]);
        expect(again).toEqual(rec);
        expect(await store.findByProviderId('MONEYKIT', input.providerConnectionId)).toEqual(rec);
        expect(await store.findByProviderId('PLAID', input.providerConnectionId)).toBeNull();
        expect(await store.findByProviderId('MONEYKIT', 'nope')).toBeNull();
      });

      it('rejects a second connection with the same provider id, but not for another provider', async () => {
        const a = newConnection();
        await store.insertConnection(a);
        const before = await count('connections');
        await expect(store.insertConnection({ ...a, userId: 'someone-else' })).rejects.toBeInstanceOf(DuplicateConnectionError);
        expect(await count('connections')).toBe(before);
        const other = await store.insertConnection({ ...a, provider: 'MONEYKIT' });
        expect(other.provider).toBe('MONEYKIT');
      });

      it('refuses invalid input without writing', async () => {
        const before = await count('connections');
        await expect(store.insertConnection(newConnection({ status: 'BOGUS' as ConnectionStatus }))).rejects.toThrow();
        await expect(store.insertConnection(newConnection({ provider: 'NOPE' as ProviderName }))).rejects.toThrow();
        expect(await count('connections')).toBe(before);
      });

      it('getConnections batches in the order asked, with null for missing and malformed ids', async () => {
        const a = await store.insertConnection(newConnection());
        const b = await store.insertConnection(newConnection());
        const missing = randomUUID();
        const ids = [b.id, 'not-a-uuid', a.id, missing, '', "x'; drop table connections; --", a.id.toUpperCase(), b.id, '{' + a.id + '}'];
        const got = await store.getConnections(ids);
        expect(got.map((r) => r?.id ?? null)).toEqual([b.id, null, a.id, null, null, null, a.id, b.id, null]);
        expect(await store.getConnections([])).toEqual([]);
        expect(await store.getConnections(['zzz', '123'])).toEqual([null, null]);
      });
    });

    describe('credentials', () => {
      it('returns the decrypted secret, stores only ciphertext bound to its row', async () => {
        const input = newConnection();
        const rec = await store.insertConnection(input);
        expect(await credentialOf(store, rec.id)).toBe(input.credential);

        const raw = await store.db.selectFrom('connections').select('credential_ciphertext').where('id', '=', rec.id).executeTakeFirstOrThrow();
        expect(raw.credential_ciphertext).toMatch(/^v1:/);
        expect(raw.credential_ciphertext).not.toContain(input.credential!);

        // A ciphertext copied onto another row must not decrypt there.
        const victim = await store.insertConnection(newConnection());
        await store.db.updateTable('connections').set({ credential_ciphertext: raw.credential_ciphertext }).where('id', '=', victim.id).execute();
        const err = await credentialOf(store, victim.id).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TokenDecryptionError);
        expect(String((err as Error).message)).not.toContain(input.credential!);
      });

      it('is null without a credential, for a missing or a malformed id', async () => {
        const rec = await store.insertConnection(newConnection({ credential: null }));
        expect(await credentialOf(store, rec.id)).toBeNull();
        expect(await credentialOf(store, randomUUID())).toBeNull();
        expect(await credentialOf(store, 'not-a-uuid')).toBeNull();
      });

      it('getCredentials reads several in one call, in the order asked', async () => {
        const a = newConnection();
        const b = newConnection({ credential: null });
        const ra = await store.insertConnection(a);
        const rb = await store.insertConnection(b);
        expect(await store.getCredentials([rb.id, 'not-a-uuid', ra.id, randomUUID(), ra.id])).toEqual([null, null, a.credential, null, a.credential]);
        expect(await store.getCredentials([])).toEqual([]);
      });

      it('getConnectionWithCredential returns the record and its secret in one read', async () => {
        const input = newConnection();
        const rec = await store.insertConnection(input);
        expect(await store.getConnectionWithCredential(rec.id)).toEqual({ record: rec, credential: input.credential });
        const bare = await store.insertConnection(newConnection({ credential: null }));
        expect(await store.getConnectionWithCredential(bare.id)).toEqual({ record: bare, credential: null });
        expect(await store.getConnectionWithCredential(randomUUID())).toBeNull();
        expect(await store.getConnectionWithCredential('not-a-uuid')).toBeNull();
      });
    });

    describe('concurrent callers, batched into one statement', () => {
      it('concurrent reads (one batched statement) each get their own record and secret; a bad row fails only its reader', async () => {
        const inputs = Array.from({ length: 30 }, (_, i) => newConnection({ credential: i % 7 === 0 ? null : `access-sandbox-batch-${i}` }));
        const recs = [];
        for (const c of inputs) recs.push(await store.insertConnection(c));
        const broken = await store.insertConnection(newConnection({ credential: 'access-sandbox-to-break' }));
        // A ciphertext moved from another row: it is bound to that row and must not decrypt here.
        const moved = await store.db.selectFrom('connections').select('credential_ciphertext').where('id', '=', recs[1]!.id).executeTakeFirstOrThrow();
        await store.db.updateTable('connections').set({ credential_ciphertext: moved.credential_ciphertext }).where('id', '=', broken.id).execute();

        const asked = [...recs.map((r) => r.id).reverse(), randomUUID(), recs[3]!.id.toUpperCase(), broken.id, 'not-a-uuid', recs[5]!.id];
        const got = await Promise.allSettled(asked.map((id) => store.getConnectionWithCredential(id)));
        const value = (i: number) => (got[i] as PromiseFulfilledResult<{ record: ConnectionRecord; credential: string | null } | null>).value;
        for (let i = 0; i < 30; i++) {
          const k = 29 - i;
          expect(got[i]!.status).toBe('fulfilled');
          expect(value(i)).toEqual({ record: recs[k], credential: k % 7 === 0 ? null : `access-sandbox-batch-${k}` });
        }
        expect(value(30)).toBeNull();
        expect(value(31)).toEqual({ record: recs[3], credential: 'access-sandbox-batch-3' });
        expect(got[32]!.status).toBe('rejected');
        expect((got[32] as PromiseRejectedResult).reason).toBeInstanceOf(TokenDecryptionError);
        expect(value(33)).toBeNull();
        expect(value(34)).toEqual({ record: recs[5], credential: 'access-sandbox-batch-5' });
      });

      it('concurrent findByProviderId calls each get their own connection, per provider', async () => {
        const pcid = `item-${randomUUID()}`;
        const plaid = await store.insertConnection(newConnection({ provider: 'PLAID', providerConnectionId: pcid }));
        const mk = await store.insertConnection(newConnection({ provider: 'MONEYKIT', providerConnectionId: pcid }));
        const others = [];
        for (let i = 0; i < 5; i++) others.push(await store.insertConnection(newConnection()));
        const got = await Promise.all([
          store.findByProviderId('MONEYKIT', pcid),
          store.findByProviderId('PLAID', pcid),
          ...others.map((o) => store.findByProviderId('PLAID', o.providerConnectionId)),
          store.findByProviderId('MONEYKIT', others[0]!.providerConnectionId),
          store.findByProviderId('PLAID', `item-${randomUUID()}`),
          store.findByProviderId('PLAID', pcid),
        ]);
        expect(got).toEqual([mk, plaid, ...others, null, null, plaid]);
      });
    });

    describe('listConnections', () => {
      async function seedUser(n: number, over: (i: number) => Partial<NewConnection> = () => ({})): Promise<{ userId: string; recs: ConnectionRecord[] }> {
        const userId = `user-${randomUUID()}`;
        const recs: ConnectionRecord[] = [];
        for (let i = 0; i < n; i++) recs.push(await store.insertConnection(newConnection({ userId, ...over(i) })));
        return { userId, recs };
      }

      it('skips the count when not asked for it', async () => {
        // Its own rows: the test must not depend on what earlier tests left behind.
        const { userId, recs } = await seedUser(2);
        const page = await store.listConnections({ userId }, { first: 1, after: null, withTotalCount: false });
        expect(page).toMatchObject({ totalCount: null, hasNextPage: true });
        expect(page.items).toHaveLength(1);
        expect(recs.map((r) => r.id)).toContain(page.items[0]!.id);
        expect((await store.listConnections({ userId }, { first: 1, after: null })).totalCount).toBe(2);
      });

      async function pageAll(filter: Parameters<SqlConnectionStore['listConnections']>[0], first: number) {
        const seen: ConnectionRecord[] = [];
        const totals: number[] = [];
        let after: { createdAt: Date; id: string } | null = null;
        for (let guard = 0; guard < 1000; guard++) {
          const page = await store.listConnections(filter, { first, after });
          totals.push(page.totalCount!);
          expect(page.items.length).toBeLessThanOrEqual(first);
          seen.push(...page.items);
          if (!page.hasNextPage) break;
          expect(page.items.length).toBe(first);
          const last = page.items.at(-1)!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        return { seen, totals };
      }

      it('pages newest first with a keyset cursor and a stable totalCount', async () => {
        const { userId, recs } = await seedUser(5);
        const { seen, totals } = await pageAll({ userId }, 2);
        expect(seen.map((r) => r.id)).toEqual([...recs].sort(byNewest).map((r) => r.id));
        expect(totals).toEqual([5, 5, 5]);
        // Another user's connections never show up.
        expect(seen.every((r) => r.userId === userId)).toBe(true);
      });

      it('breaks createdAt ties by id, without skipping or repeating rows', async () => {
        const { userId, recs } = await seedUser(5);
        const tie = new Date('2021-06-01T00:00:00.000Z');
        await sql`update connections set created_at = ${tie} where user_id = ${userId}`.execute(store.db);
        const { seen } = await pageAll({ userId }, 2);
        expect(seen.map((r) => r.id)).toEqual(recs.map((r) => r.id).sort().reverse());
        expect(seen.every((r) => r.createdAt.getTime() === tie.getTime())).toBe(true);
      });

      it('filters by status set and provider; totalCount follows the filter', async () => {
        const statuses: ConnectionStatus[] = ['CONNECTED', 'LOGIN_REQUIRED', 'DISCONNECTED', 'LOGIN_REQUIRED'];
        const { userId, recs } = await seedUser(4, (i) => ({ status: statuses[i]!, provider: i % 2 === 0 ? 'PLAID' : 'MONEYKIT' }));
        const login = await store.listConnections({ userId, status: ['LOGIN_REQUIRED'] }, { first: 10, after: null });
        expect(login.totalCount).toBe(2);
        expect(login.items.map((r) => r.id)).toEqual([recs[3]!, recs[1]!].sort(byNewest).map((r) => r.id));
        const two = await store.listConnections({ userId, status: ['CONNECTED', 'DISCONNECTED'] }, { first: 10, after: null });
        expect(new Set(two.items.map((r) => r.status))).toEqual(new Set(['CONNECTED', 'DISCONNECTED']));
        const mk = await store.listConnections({ userId, provider: 'MONEYKIT' }, { first: 1, after: null });
        expect(mk).toMatchObject({ totalCount: 2, hasNextPage: true });
        expect(mk.items[0]!.provider).toBe('MONEYKIT');
        const both = await store.listConnections({ userId, provider: 'PLAID', status: ['DISCONNECTED'] }, { first: 10, after: null });
        expect(both.items.map((r) => r.id)).toEqual([recs[2]!.id]);
        expect(await store.listConnections({ userId, status: [] }, { first: 10, after: null })).toEqual({ items: [], hasNextPage: false, totalCount: 0 });
        const none = await store.listConnections({ userId: `user-${randomUUID()}` }, { first: 10, after: null });
        expect(none).toEqual({ items: [], hasNextPage: false, totalCount: 0 });
      });

      it('a page past the last row is empty and still counts every match', async () => {
        const { userId, recs } = await seedUser(3, (i) => ({ status: i === 0 ? 'LOGIN_REQUIRED' : 'CONNECTED' }));
        const oldest = [...recs].sort(byNewest).at(-1)!;
        const past = await store.listConnections({ userId }, { first: 10, after: { createdAt: oldest.createdAt, id: oldest.id } });
        expect(past).toEqual({ items: [], hasNextPage: false, totalCount: 3 });
        const filtered = await store.listConnections({ userId, status: ['CONNECTED'] }, { first: 10, after: { createdAt: oldest.createdAt, id: oldest.id } });
        expect(filtered).toEqual({ items: [], hasNextPage: false, totalCount: 2 });
      });

      it('first: 0 returns no items but tells whether any exist', async () => {
        const { userId } = await seedUser(1);
        expect(await store.listConnections({ userId }, { first: 0, after: null })).toEqual({ items: [], hasNextPage: true, totalCount: 1 });
      });

      it('without a user filter lists everyone, consistently with a direct count', async () => {
        await seedUser(2);
        const total = await count('connections');
        const { seen, totals } = await pageAll({}, 7);
        expect(new Set(totals)).toEqual(new Set([total]));
        expect(seen).toHaveLength(total);
        expect(new Set(seen.map((r) => r.id)).size).toBe(total);
        expect(seen).toEqual([...seen].sort(byNewest));
      });

      it('concurrent pages (one batched statement) each get their own rows, in list order, with their own counts', async () => {
        const a = await seedUser(4, (i) => ({ status: i % 2 ? 'LOGIN_REQUIRED' : 'CONNECTED' }));
        const b = await seedUser(3);
        // Ties on createdAt: the order must still break them by id, within each page.
        const tie = new Date('2022-02-02T00:00:00.000Z');
        await sql`update connections set created_at = ${tie} where user_id = ${a.userId}`.execute(store.db);
        const aRecs = a.recs.map((r) => ({ ...r, createdAt: tie })).sort(byNewest);
        const bRecs = [...b.recs].sort(byNewest);
        const [p1, p2, p3, p4, p5, p6] = await Promise.all([
          store.listConnections({ userId: a.userId }, { first: 3, after: null }),
          store.listConnections({ userId: b.userId }, { first: 10, after: null, withTotalCount: false }),
          store.listConnections({ userId: a.userId }, { first: 2, after: { createdAt: tie, id: aRecs[1]!.id } }),
          store.listConnections({ userId: a.userId, status: ['LOGIN_REQUIRED'] }, { first: 10, after: null }),
          store.listConnections({ userId: b.userId }, { first: 0, after: null }),
          store.listConnections({ userId: b.userId }, { first: 5, after: { createdAt: bRecs[2]!.createdAt, id: bRecs[2]!.id } }),
        ]);
        const ids = (p: ConnectionPage) => p.items.map((r) => r.id);
        expect([ids(p1), p1.hasNextPage, p1.totalCount]).toEqual([aRecs.slice(0, 3).map((r) => r.id), true, 4]);
        expect([ids(p2), p2.hasNextPage, p2.totalCount]).toEqual([bRecs.map((r) => r.id), false, null]);
        expect([ids(p3), p3.hasNextPage, p3.totalCount]).toEqual([aRecs.slice(2, 4).map((r) => r.id), false, 4]);
        expect([ids(p4), p4.totalCount]).toEqual([aRecs.filter((r) => r.status === 'LOGIN_REQUIRED').map((r) => r.id), 2]);
        expect(p5).toEqual({ items: [], hasNextPage: true, totalCount: 3 });
        expect(p6).toEqual({ items: [], hasNextPage: false, totalCount: 3 });
        expect(p1.items[0]).toEqual(aRecs[0]);
      });

      it('rejects a malformed cursor with a typed error, not a database error', async () => {
        await expect(store.listConnections({}, { first: 1, after: { createdAt: new Date(), id: 'nope' } })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.listConnections({}, { first: 1, after: { createdAt: new Date('x'), id: randomUUID() } })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('updateState', () => {
      it('writes only the given fields and increments the version', async () => {
        const rec = await store.insertConnection(
          newConnection({ institution: { id: 'ins_9', name: 'N', logoUrl: null, primaryColor: null }, lastSyncedAt: new Date('2024-01-01T00:00:00Z') }),
        );
        const at = new Date('2025-02-03T04:05:06.789Z');
        const err = { providerCode: 'ITEM_LOGIN_REQUIRED', providerType: 'ITEM_ERROR', message: 'm', displayMessage: null };
        const u = await store.updateState(rec.id, { status: 'LOGIN_REQUIRED', error: err, statusChangedAt: at, lastEventAt: at });
        expect(u).toEqual({ ...rec, status: 'LOGIN_REQUIRED', error: err, statusChangedAt: at, lastEventAt: at, version: 2 });
        const v = await store.updateState(rec.id, { error: null, products: [], consentExpiresAt: at, stateRefreshedAt: at, transactionsUpdatedAt: at });
        expect(v).toEqual({ ...u, error: null, products: [], consentExpiresAt: at, stateRefreshedAt: at, transactionsUpdatedAt: at, version: 3 });
        expect((await store.getConnections([rec.id]))[0]).toEqual(v);
        // The credential survives state writes.
        expect(await credentialOf(store, rec.id)).not.toBeNull();
      });

      it('with expectedVersion is a compare-and-set', async () => {
        const rec = await store.insertConnection(newConnection());
        const ok = await store.updateState(rec.id, { status: 'EXPIRING' }, 1);
        expect(ok?.version).toBe(2);
        await expect(store.updateState(rec.id, { status: 'DISCONNECTED' }, 1)).rejects.toBeInstanceOf(ConnectionConflictError);
        expect((await store.getConnections([rec.id]))[0]).toMatchObject({ status: 'EXPIRING', version: 2 });
      });

      it('lets exactly one of two racing writers win', async () => {
        const rec = await store.insertConnection(newConnection());
        const results = await Promise.allSettled([
          store.updateState(rec.id, { status: 'LOGIN_REQUIRED' }, 1),
          store.updateState(rec.id, { status: 'DISCONNECTED' }, 1),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionConflictError);
        const final = (await store.getConnections([rec.id]))[0]!;
        expect(final.version).toBe(2);
        expect(final.status).toBe((won[0] as PromiseFulfilledResult<ConnectionRecord>).value.status);
      });

      it('returns null for a missing or malformed id, with or without expectedVersion', async () => {
        expect(await store.updateState(randomUUID(), { status: 'CONNECTED' })).toBeNull();
        expect(await store.updateState(randomUUID(), { status: 'CONNECTED' }, 1)).toBeNull();
        expect(await store.updateState('bad-id', { status: 'CONNECTED' }, 1)).toBeNull();
      });

      it("writes a webhook event's outcome with the state it caused, and never without it", async () => {
        const rec = await store.insertConnection(newConnection());
        const event = async () =>
          (await store.recordWebhookEvent({ provider: rec.provider, dedupeKey: null, eventType: 'ITEM.ERROR', providerConnectionId: rec.providerConnectionId, occurredAt: null, payload: {} }))!;
        const outcomeOf = async (id: string) => (await store.listWebhookEvents({ providerConnectionId: rec.providerConnectionId, limit: 100 })).find((e) => e.id === id)!.outcome;
        const applied = await event();
        const u = await store.updateState(rec.id, { status: 'LOGIN_REQUIRED' }, 1, { eventId: applied.id, outcome: 'applied' });
        expect(u).toMatchObject({ status: 'LOGIN_REQUIRED', version: 2 });
        expect(await outcomeOf(applied.id)).toBe('applied');
        // A lost compare-and-set writes neither the state nor the outcome.
        const lost = await event();
        await expect(store.updateState(rec.id, { status: 'DISCONNECTED' }, 1, { eventId: lost.id, outcome: 'applied' })).rejects.toBeInstanceOf(ConnectionConflictError);
        expect(await outcomeOf(lost.id)).toBeNull();
        expect((await store.getConnections([rec.id]))[0]).toMatchObject({ status: 'LOGIN_REQUIRED', version: 2 });
        // A connection deleted meanwhile: no state, no outcome.
        const gone = await event();
        await store.deleteConnection(rec.id);
        expect(await store.updateState(rec.id, { status: 'CONNECTED' }, 2, { eventId: gone.id, outcome: 'applied' })).toBeNull();
        expect(await outcomeOf(gone.id)).toBeNull();
      });

      it('concurrent writers (batched statements) each get their own write, columns and outcome', async () => {
        const recs: ConnectionRecord[] = [];
        for (let i = 0; i < 6; i++) recs.push(await store.insertConnection(newConnection()));
        const gone = recs[5]!;
        await store.deleteConnection(gone.id);
        const events = [];
        for (let i = 0; i < 6; i++) {
          events.push((await store.recordWebhookEvent({ provider: 'PLAID', dedupeKey: null, eventType: 'ITEM.ERROR', providerConnectionId: recs[i]!.providerConnectionId, occurredAt: null, payload: { i } }))!);
        }
        const at = new Date('2026-01-02T03:04:05.006Z');
        const err = { providerCode: 'ITEM_LOGIN_REQUIRED', providerType: 'ITEM_ERROR', message: 'log in', displayMessage: null };
        const inst = { id: 'ins_7', name: 'Bank 7', logoUrl: null, primaryColor: '#000000' };
        const got = await Promise.allSettled([
          store.updateState(recs[0]!.id, { status: 'LOGIN_REQUIRED', error: err, statusChangedAt: at }, 1, { eventId: events[0]!.id, outcome: 'applied' }),
          store.updateState(recs[1]!.id, { products: ['auth', 'transactions'] }),
          store.updateState(recs[2]!.id, { institution: inst, consentExpiresAt: at, lastEventAt: null }, 1, { eventId: events[2]!.id, outcome: 'unchanged' }),
          // A stale expected version: conflict, and no outcome.
          store.updateState(recs[3]!.id, { status: 'DISCONNECTED' }, 7, { eventId: events[3]!.id, outcome: 'applied' }),
          store.updateState(recs[4]!.id, { status: 'LOGIN_REQUIRED', error: err, statusChangedAt: at }, 1),
          store.updateState(gone.id, { status: 'LOGIN_REQUIRED' }, 1, { eventId: events[5]!.id, outcome: 'applied' }),
        ]);
        const value = (i: number) => (got[i] as PromiseFulfilledResult<ConnectionRecord | null>).value;
        expect(got.map((g) => g.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(value(0)).toEqual({ ...recs[0], status: 'LOGIN_REQUIRED', error: err, statusChangedAt: at, version: 2 });
        expect(value(1)).toEqual({ ...recs[1], products: ['auth', 'transactions'], version: 2 });
        expect(value(2)).toEqual({ ...recs[2], institution: inst, consentExpiresAt: at, lastEventAt: null, version: 2 });
        expect((got[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionConflictError);
        expect(value(4)).toEqual({ ...recs[4], status: 'LOGIN_REQUIRED', error: err, statusChangedAt: at, version: 2 });
        expect(value(5)).toBeNull();
        expect((await store.getConnections([recs[3]!.id]))[0]).toEqual(recs[3]);
        const outcomes = await Promise.all(events.map(async (e) => (await store.listWebhookEvents({ providerConnectionId: e.providerConnectionId! }))[0]!.outcome));
        expect(outcomes).toEqual(['applied', null, 'unchanged', null, null, null]);
      });

      it('two writes of one connection in one turn land in the order asked', async () => {
        const rec = await store.insertConnection(newConnection());
        // Same columns (one statement shape) and a third of another shape in between.
        const [a, c, b] = await Promise.all([
          store.updateState(rec.id, { status: 'LOGIN_REQUIRED' }),
          store.updateState(rec.id, { products: ['a'] }),
          store.updateState(rec.id, { status: 'DISCONNECTED' }),
        ]);
        expect(a).toMatchObject({ status: 'LOGIN_REQUIRED', products: ['transactions'], version: 2 });
        expect(c).toMatchObject({ products: ['a'] });
        expect(b).toMatchObject({ status: 'DISCONNECTED', version: a!.version + 2 });
        expect((await store.getConnections([rec.id]))[0]).toMatchObject({ status: 'DISCONNECTED', products: ['a'], version: 4 });
      });

      it('a write the database refuses fails alone; its neighbours in the batch are written', async () => {
        const ok = await store.insertConnection(newConnection());
        const bad = await store.insertConnection(newConnection());
        // jsonb refuses the NUL character.
        const nul = { providerCode: 'X', providerType: null, message: 'a\u0000b', displayMessage: null };
        const fine = { providerCode: 'X', providerType: null, message: 'ab', displayMessage: null };
        // Same columns: one statement, which the database refuses as a whole.
        const got = await Promise.allSettled([
          store.updateState(ok.id, { status: 'LOGIN_REQUIRED', error: fine }, 1),
          store.updateState(bad.id, { status: 'LOGIN_REQUIRED', error: nul }, 1),
        ]);
        expect(got.map((g) => g.status)).toEqual(['fulfilled', 'rejected']);
        expect((await store.getConnections([ok.id, bad.id])).map((r) => [r!.status, r!.version])).toEqual([['LOGIN_REQUIRED', 2], ['CONNECTED', 1]]);
      });

      it('refuses an invalid status', async () => {
        const rec = await store.insertConnection(newConnection());
        await expect(store.updateState(rec.id, { status: 'WHATEVER' as ConnectionStatus })).rejects.toThrow();
        expect((await store.getConnections([rec.id]))[0]!.status).toBe('CONNECTED');
      });
    });

    describe('deleteConnection', () => {
      it('deletes once, then reports false', async () => {
        const rec = await store.insertConnection(newConnection());
        expect(await store.deleteConnection(rec.id)).toBe(true);
        expect(await store.deleteConnection(rec.id)).toBe(false);
        expect(await store.deleteConnection('nope')).toBe(false);
        expect(await store.getConnections([rec.id])).toEqual([null]);
        expect(await credentialOf(store, rec.id)).toBeNull();
        // The provider id is free again.
        await expect(store.insertConnection(newConnection({ providerConnectionId: rec.providerConnectionId }))).resolves.toBeTruthy();
      });
    });

    describe('accounts', () => {
      const acct = (providerAccountId: string, over: Partial<ProviderAccount> = {}): ProviderAccount => ({
        providerAccountId,
        name: `Account ${providerAccountId}`,
        officialName: null,
        mask: '0000',
        type: 'DEPOSITORY',
        subtype: 'checking',
        providerType: 'depository/checking',
        balances: { current: '100.00' as Decimal, available: null, limit: null, currency: 'USD', asOf: new Date('2026-01-02T03:04:05.678Z') },
        ...over,
      });

      it('replaces a connection\'s accounts atomically with ids stable per provider account, status in the same write', async () => {
        const rec = await store.insertConnection(newConnection());
        expect(rec.accountsUpdatedAt).toBeNull();
        const at1 = new Date('2026-02-01T00:00:00.000Z');
        const exact = '12345678901234567890.12345678' as Decimal;
        const r1 = await store.replaceAccounts(rec.id, [
          acct('a1', { balances: { current: exact, available: '-0.30000000000000004' as Decimal, limit: '5000' as Decimal, currency: 'BTC', asOf: at1 } }),
          acct('a2', { type: 'CREDIT', subtype: 'credit card', providerType: 'credit/credit card', officialName: 'Gold' }),
        ], { at: at1, patch: { status: 'CONNECTED', stateRefreshedAt: at1 } });
        expect(r1?.record).toMatchObject({ accountsUpdatedAt: at1, stateRefreshedAt: at1, version: 2 });
        expect(r1?.accountsChanged).toBe(true);
        const [first] = await store.listAccounts([rec.id]);
        expect(first!.map((a) => a.providerAccountId)).toEqual(['a1', 'a2']);
        expect(first![0]).toMatchObject({
          id: accountRowId(rec.id, 'a1'),
          connectionId: rec.id,
          balances: { current: exact, available: '-0.30000000000000004', limit: '5000', currency: 'BTC', asOf: at1 },
        });
        expect(first![1]).toMatchObject({ type: 'CREDIT', subtype: 'credit card', providerType: 'credit/credit card', officialName: 'Gold' });

        // a1 gone, a2 kept with its id and new values, a3 new; order as given.
        const at2 = new Date('2026-02-02T00:00:00.000Z');
        const r2 = await store.replaceAccounts(rec.id, [acct('a3'), acct('a2', { name: 'Renamed' })], { at: at2 });
        expect(r2?.record).toMatchObject({ accountsUpdatedAt: at2, status: 'CONNECTED', version: 3 });
        expect(r2?.accountsChanged).toBe(true);
        const [second] = await store.listAccounts([rec.id]);
        expect(second!.map((a) => [a.providerAccountId, a.id, a.name])).toEqual([
          ['a3', accountRowId(rec.id, 'a3'), 'Account a3'],
          ['a2', accountRowId(rec.id, 'a2'), 'Renamed'],
        ]);
        expect(await store.getAccounts([accountRowId(rec.id, 'a1'), accountRowId(rec.id, 'a2'), 'nope'])).toEqual([null, second![1], null]);

        // An empty read empties the list.
        expect((await store.replaceAccounts(rec.id, [], { at: at2 }))?.accountsChanged).toBe(true);
        expect(await store.listAccounts([rec.id])).toEqual([[]]);
        expect((await store.replaceAccounts(rec.id, [], { at: at2 }))?.accountsChanged).toBe(false);
      });

      it('says whether the accounts changed as a client sees them (a new read time alone is no change)', async () => {
        const rec = await store.insertConnection(newConnection());
        const t1 = new Date('2026-03-01T00:00:00.000Z');
        const t2 = new Date('2026-03-02T00:00:00.000Z');
        const bal = (current: string, asOf: Date) => ({ current: current as Decimal, available: null, limit: null, currency: 'USD', asOf });
        const changed = async (accounts: ProviderAccount[], at: Date) => (await store.replaceAccounts(rec.id, accounts, { at }))!.accountsChanged;
        expect(await changed([acct('a', { balances: bal('1.00', t1) }), acct('b')], t1)).toBe(true);
        // The same accounts read again a day later: only asOf and accountsUpdatedAt move.
        expect(await changed([acct('a', { balances: bal('1.00', t2) }), acct('b')], t2)).toBe(false);
        const [stored] = await store.listAccounts([rec.id]);
        expect(stored![0]!.balances.asOf).toEqual(t2);
        expect((await store.getConnections([rec.id]))[0]!.accountsUpdatedAt).toEqual(t2);
        // "1.0" is another text than "1.00" (exact decimals are compared as written).
        expect(await changed([acct('a', { balances: bal('1.0', t2) }), acct('b')], t2)).toBe(true);
        expect(await changed([acct('a', { balances: bal('1.0', t2), mask: '9999' }), acct('b')], t2)).toBe(true);
        expect(await changed([acct('b'), acct('a', { balances: bal('1.0', t2), mask: '9999' })], t2)).toBe(true); // order
        expect(await changed([acct('b'), acct('a', { balances: { ...bal('1.0', t2), limit: '5' as Decimal } , mask: '9999' })], t2)).toBe(true);
        expect(await changed([acct('b')], t2)).toBe(true); // one gone
      });

      it('with expectedVersion, the same accounts read again: state and read times in one compare-and-set', async () => {
        const rec = await store.insertConnection(newConnection());
        const t1 = new Date('2026-04-01T00:00:00.000Z');
        const t2 = new Date('2026-04-02T00:00:00.000Z');
        const t3 = new Date('2026-04-03T00:00:00.000Z');
        const read = (asOf: Date) => [acct('a', { balances: { current: '5.00' as Decimal, available: null, limit: null, currency: 'USD', asOf } }), acct('b')];
        const first = await store.replaceAccounts(rec.id, read(t1), { at: t1, expectedVersion: 1 });
        expect(first).toMatchObject({ accountsChanged: true, record: { version: 2, accountsUpdatedAt: t1 } });
        // Same accounts, a day later, with a status change: both written, the accounts unchanged.
        const again = await store.replaceAccounts(rec.id, read(t2), { at: t2, patch: { status: 'LOGIN_REQUIRED', stateRefreshedAt: t2 }, expectedVersion: 2 });
        expect(again).toEqual({ accountsChanged: false, record: { ...first!.record, status: 'LOGIN_REQUIRED', stateRefreshedAt: t2, accountsUpdatedAt: t2, version: 3 } });
        expect((await store.listAccounts([rec.id]))[0]!.map((a) => [a.providerAccountId, a.balances.asOf, a.updatedAt])).toEqual([['a', t2, t2], ['b', acct('b').balances.asOf, t2]]);
        // A stale version with the same accounts: a conflict, and neither the state nor a read time moves.
        await expect(store.replaceAccounts(rec.id, read(t3), { at: t3, patch: { status: 'DISCONNECTED' }, expectedVersion: 2 })).rejects.toBeInstanceOf(ConnectionConflictError);
        expect((await store.getConnections([rec.id]))[0]).toEqual(again!.record);
        expect((await store.listAccounts([rec.id]))[0]!.map((a) => a.balances.asOf)).toEqual([t2, acct('b').balances.asOf]);
        // Accounts another writer changed since the caller's read: the caller's version is stale, so it conflicts
        // even when its accounts are the ones now stored.
        const changedByOther = [acct('a', { name: 'Renamed', balances: { current: '5.00' as Decimal, available: null, limit: null, currency: 'USD', asOf: t3 } })];
        expect((await store.replaceAccounts(rec.id, changedByOther, { at: t3, expectedVersion: 3 }))?.accountsChanged).toBe(true);
        await expect(store.replaceAccounts(rec.id, changedByOther, { at: t3, patch: { status: 'CONNECTED' }, expectedVersion: 3 })).rejects.toBeInstanceOf(ConnectionConflictError);
        expect((await store.getConnections([rec.id]))[0]).toMatchObject({ status: 'LOGIN_REQUIRED', version: 4 });
        // A connection deleted meanwhile: null.
        await store.deleteConnection(rec.id);
        expect(await store.replaceAccounts(rec.id, changedByOther, { at: t3, expectedVersion: 4 })).toBeNull();
      });

      it('concurrent re-reads of unchanged accounts (batched compare-and-sets) each write only their own state and read times', async () => {
        const recs: ConnectionRecord[] = [];
        for (let i = 0; i < 5; i++) recs.push(await store.insertConnection(newConnection()));
        const t0 = new Date('2026-06-01T00:00:00.000Z');
        const at = new Date('2026-06-02T10:00:00.000Z');
        const bal = (current: string, asOf: Date) => ({ current: current as Decimal, available: null, limit: null, currency: 'USD', asOf });
        // Each connection's accounts differ, so a read time written to the wrong row would show.
        const read = (i: number, asOf: (k: number) => Date) => [acct(`c${i}-a`, { balances: bal(`${i}.00`, asOf(0)) }), acct(`c${i}-b`, { balances: bal(`${i}.50`, asOf(1)) })];
        for (const [i, r] of recs.entries()) await store.replaceAccounts(r.id, read(i, () => t0), { at: t0, expectedVersion: 1 });
        await store.deleteConnection(recs[4]!.id);
        const newTime = (i: number) => (k: number) => new Date(Date.UTC(2026, 5, 2, i, k, 0, 123));
        const got = await Promise.allSettled(
          recs.map((r, i) =>
            store.replaceAccounts(r.id, read(i, newTime(i)), {
              at,
              patch: i === 1 ? { status: 'LOGIN_REQUIRED', statusChangedAt: at, stateRefreshedAt: at } : { stateRefreshedAt: at },
              // Connection 2 was read at a version another writer has since passed: a conflict.
              expectedVersion: i === 2 ? 1 : 2,
            }),
          ),
        );
        expect(got.map((g) => g.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect((got[2] as PromiseRejectedResult).reason).toBeInstanceOf(ConnectionConflictError);
        const value = (i: number) => (got[i] as PromiseFulfilledResult<{ record: ConnectionRecord; accountsChanged: boolean } | null>).value;
        expect(value(0)).toEqual({ accountsChanged: false, record: { ...recs[0], stateRefreshedAt: at, accountsUpdatedAt: at, version: 3 } });
        expect(value(1)).toEqual({ accountsChanged: false, record: { ...recs[1], status: 'LOGIN_REQUIRED', statusChangedAt: at, stateRefreshedAt: at, accountsUpdatedAt: at, version: 3 } });
        expect(value(3)!.record).toMatchObject({ status: 'CONNECTED', version: 3 });
        expect(value(4)).toBeNull();
        const times = await store.listAccounts(recs.map((r) => r.id));
        const asOfs = times.map((l) => l.map((a) => [a.providerAccountId, a.balances.asOf.toISOString(), a.updatedAt.toISOString()]));
        expect(asOfs).toEqual([
          [['c0-a', '2026-06-02T00:00:00.123Z', '2026-06-02T10:00:00.000Z'], ['c0-b', '2026-06-02T00:01:00.123Z', '2026-06-02T10:00:00.000Z']],
          [['c1-a', '2026-06-02T01:00:00.123Z', '2026-06-02T10:00:00.000Z'], ['c1-b', '2026-06-02T01:01:00.123Z', '2026-06-02T10:00:00.000Z']],
          // The conflicting re-read moved nothing.
          [['c2-a', '2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'], ['c2-b', '2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']],
          [['c3-a', '2026-06-02T03:00:00.123Z', '2026-06-02T10:00:00.000Z'], ['c3-b', '2026-06-02T03:01:00.123Z', '2026-06-02T10:00:00.000Z']],
          [],
        ]);
        expect((await store.getConnections([recs[2]!.id]))[0]).toMatchObject({ version: 2, accountsUpdatedAt: t0 });
      });

      it('lists the accounts of many connections in the order asked', async () => {
        const a = await store.insertConnection(newConnection());
        const b = await store.insertConnection(newConnection());
        const at = new Date();
        await store.replaceAccounts(a.id, [acct('x1'), acct('x2')], { at });
        await store.replaceAccounts(b.id, [acct('x1')], { at });
        const lists = await store.listAccounts([b.id, 'bad', a.id, randomUUID()]);
        expect(lists.map((l) => l.map((x) => x.id))).toEqual([
          [accountRowId(b.id, 'x1')],
          [],
          [accountRowId(a.id, 'x1'), accountRowId(a.id, 'x2')],
          [],
        ]);
        // Same provider account id on two connections: two accounts.
        expect(accountRowId(a.id, 'x1')).not.toBe(accountRowId(b.id, 'x1'));
      });

      it('refuses bad input and a stale version without writing anything', async () => {
        const rec = await store.insertConnection(newConnection());
        const at = new Date();
        await store.replaceAccounts(rec.id, [acct('keep')], { at });
        const float = acct('f', { balances: { current: 1.1 as unknown as Decimal, available: null, limit: null, currency: null, asOf: at } });
        await expect(store.replaceAccounts(rec.id, [float], { at })).rejects.toThrow();
        await expect(store.replaceAccounts(rec.id, [acct('e', { balances: { current: '1e5' as Decimal, available: null, limit: null, currency: null, asOf: at } })], { at })).rejects.toThrow();
        await expect(store.replaceAccounts(rec.id, [acct('d'), acct('d')], { at })).rejects.toThrow();
        await expect(store.replaceAccounts(rec.id, [acct('other')], { at, patch: { status: 'DISCONNECTED' }, expectedVersion: 1 })).rejects.toBeInstanceOf(ConnectionConflictError);
        const [list] = await store.listAccounts([rec.id]);
        expect(list!.map((a) => a.providerAccountId)).toEqual(['keep']);
        expect((await store.getConnections([rec.id]))[0]).toMatchObject({ status: 'CONNECTED', version: 2 });
        // The database refuses a non-canonical amount written around the port.
        await expect(sql`update accounts set balance_current = '1.5e3' where connection_id = ${rec.id}`.execute(store.db)).rejects.toThrow();
        expect(await store.replaceAccounts(randomUUID(), [acct('z')], { at })).toBeNull();
        expect(await store.replaceAccounts('not-a-uuid', [acct('z')], { at })).toBeNull();
      });
    });

    describe('transactions and sync cursors', () => {
      const tx = (providerTransactionId: string, over: Partial<ProviderTransaction> = {}): ProviderTransaction => ({
        providerTransactionId,
        providerAccountId: 'acc-1',
        amount: '-4.50' as Decimal,
        currency: 'USD',
        date: '2026-03-01',
        authorizedDate: null,
        pending: false,
        description: 'Coffee',
        merchantName: null,
        providerCategory: null,
        ...over,
      });
      const state = (providerCursor: string | null, knownPending: string[] = []) => ({ providerCursor, knownPending, runPending: [], runSeen: [] });

      it('saves a page and its cursor in one write; upserts, removes, and keeps every cursor', async () => {
        const rec = await store.insertConnection(newConnection());
        const c1 = await store.saveTransactionsPage(rec.id, {
          upsert: [tx('t1', { pending: true, authorizedDate: '2026-02-28', merchantName: 'Cafe', providerCategory: 'FOOD_AND_DRINK_COFFEE' }), tx('t2', { amount: '0.00000001' as Decimal, currency: 'BTC' })],
          removed: [],
          cursor: { providerCursor: 'p-1', knownPending: ['t1'], runPending: ['x'], runSeen: ['y'] },
        });
        expect(c1).toMatchObject({ connectionId: rec.id, providerCursor: 'p-1', knownPending: ['t1'], runPending: ['x'], runSeen: ['y'] });
        expect(await store.getSyncCursor(c1!.id)).toEqual(c1);
        const [t1, t2] = await store.getTransactions([transactionRowId(rec.id, 't1'), transactionRowId(rec.id, 't2')]);
        expect(t1).toMatchObject({
          id: transactionRowId(rec.id, 't1'), connectionId: rec.id, accountId: accountRowId(rec.id, 'acc-1'), amount: '-4.50',
          pending: true, date: '2026-03-01', authorizedDate: '2026-02-28', merchantName: 'Cafe', providerCategory: 'FOOD_AND_DRINK_COFFEE',
        });
        expect(t2).toMatchObject({ amount: '0.00000001', currency: 'BTC' });

        const c2 = await store.saveTransactionsPage(rec.id, { upsert: [tx('t2', { description: 'Modified' })], removed: ['t1', 'never-seen'], cursor: state('p-2') });
        expect(c2!.id).not.toBe(c1!.id);
        const after = await store.getTransactions([transactionRowId(rec.id, 't1'), transactionRowId(rec.id, 't2')]);
        expect(after[0]).toBeNull();
        expect(after[1]).toMatchObject({ description: 'Modified' });
        // The older cursor stays valid (a client restarting a run resumes from it).
        expect((await store.getSyncCursor(c1!.id))?.providerCursor).toBe('p-1');
        expect(await store.getSyncCursor(randomUUID())).toBeNull();
        expect(await store.getSyncCursor('not-a-uuid')).toBeNull();
      });

      it('bounds the cursor rows: old ones go except the newest few, and never more than the cap', async () => {
        const rec = await store.insertConnection(newConnection());
        const save = async (connectionId: string, providerCursor: string) => (await store.saveTransactionsPage(connectionId, { upsert: [], removed: [], cursor: state(providerCursor) }))!.id;
        const cursorsOf = async (connectionId: string) =>
          (await sql<{ c: string }>`select provider_cursor as c from transaction_sync_cursors where connection_id = ${connectionId} order by created_at, id`.execute(store.db)).rows.map((r) => r.c);
        // 15 cursors from 40 days ago (beyond the 30-day retention), a second apart, oldest first.
        const old: string[] = [];
        for (let i = 0; i < 15; i++) old.push(await save(rec.id, `old-${i}`));
        for (const [i, id] of old.entries()) {
          await sql`update transaction_sync_cursors set created_at = now() - interval '40 days' + ${i} * interval '1 second' where id = ${id}`.execute(store.db);
        }
        // Another connection's old cursor: this connection's pages must not touch it.
        const other = await store.insertConnection(newConnection());
        const otherId = await save(other.id, 'other');
        await sql`update transaction_sync_cursors set created_at = now() - interval '400 days' where id = ${otherId}`.execute(store.db);
        // Today's page run: the newest 10 stay whatever their age (its 3 and the 7 newest old ones).
        const run: string[] = [];
        for (let i = 0; i < 3; i++) run.push(await save(rec.id, `run-${i}`));
        expect(await cursorsOf(rec.id)).toEqual([...['old-8', 'old-9', 'old-10', 'old-11', 'old-12', 'old-13', 'old-14'], 'run-0', 'run-1', 'run-2']);
        expect(await store.getSyncCursor(old[7]!)).toBeNull();
        expect((await store.getSyncCursor(old[8]!))?.providerCursor).toBe('old-8');
        expect((await store.getSyncCursor(run[0]!))?.providerCursor).toBe('run-0');
        expect(await cursorsOf(other.id)).toEqual(['other']);

        // The cap: at most 1,000 rows, the oldest beyond it go however recent.
        const busy = await store.insertConnection(newConnection());
        await sql`
          insert into transaction_sync_cursors (id, connection_id, provider_cursor, created_at)
          select gen_random_uuid(), ${busy.id}, 'bulk-' || n, now() - interval '1 hour' + n * interval '1 millisecond'
          from generate_series(1, 1000) as n`.execute(store.db);
        await save(busy.id, 'newest');
        const left = await cursorsOf(busy.id);
        expect(left).toHaveLength(1000);
        expect(left.slice(0, 2)).toEqual(['bulk-2', 'bulk-3']);
        expect(left.at(-1)).toBe('newest');
      });

      it('refuses a bad page without writing, and answers null for a missing connection', async () => {
        const rec = await store.insertConnection(newConnection());
        await expect(store.saveTransactionsPage(rec.id, { upsert: [tx('t', { amount: 4.5 as unknown as Decimal })], removed: [], cursor: state('p') })).rejects.toThrow();
        await expect(store.saveTransactionsPage(rec.id, { upsert: [tx('t', { date: '2026-02-30' })], removed: [], cursor: state('p') })).rejects.toThrow();
        const n = await sql<{ n: number }>`select count(*)::int as n from transaction_sync_cursors where connection_id = ${rec.id}`.execute(store.db);
        expect(n.rows[0]!.n).toBe(0);
        expect(await store.getTransactions([transactionRowId(rec.id, 't')])).toEqual([null]);
        expect(await store.saveTransactionsPage(randomUUID(), { upsert: [tx('t')], removed: [], cursor: state('p') })).toBeNull();
      });

      it('removing a connection removes its accounts, transactions and cursors', async () => {
        const rec = await store.insertConnection(newConnection());
        await store.replaceAccounts(rec.id, [{
          providerAccountId: 'gone', name: 'n', officialName: null, mask: null, type: 'OTHER', subtype: null, providerType: 'other',
          balances: { current: null, available: null, limit: null, currency: null, asOf: new Date() },
        }], { at: new Date() });
        const cursor = await store.saveTransactionsPage(rec.id, { upsert: [tx('t')], removed: [], cursor: state('p') });
        expect(await store.deleteConnection(rec.id)).toBe(true);
        expect(await store.listAccounts([rec.id])).toEqual([[]]);
        expect(await store.getAccounts([accountRowId(rec.id, 'gone')])).toEqual([null]);
        expect(await store.getTransactions([transactionRowId(rec.id, 't')])).toEqual([null]);
        expect(await store.getSyncCursor(cursor!.id)).toBeNull();
        for (const table of ['accounts', 'transactions', 'transaction_sync_cursors']) {
          const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where connection_id = ${rec.id}`.execute(store.db);
          expect(r.rows[0]!.n).toBe(0);
        }
      });
    });

    describe('webhook events', () => {
      it('records, de-duplicates by (provider, key), and keeps every keyless delivery', async () => {
        const conn = `conn-${randomUUID()}`;
        const key = `idem-${randomUUID()}`;
        const payload = { type: 'link.state_changed', nested: { list: [1, 'two', null], flag: true } };
        const first = await store.recordWebhookEvent({
          provider: 'MONEYKIT', dedupeKey: key, eventType: 'link.state_changed', providerConnectionId: conn,
          occurredAt: new Date('2025-01-01T00:00:00.123Z'), payload,
        });
        expect(first).toMatchObject({ provider: 'MONEYKIT', dedupeKey: key, providerConnectionId: conn, payload, outcome: null });
        expect(first!.occurredAt).toEqual(new Date('2025-01-01T00:00:00.123Z'));
        expect(first!.receivedAt).toBeInstanceOf(Date);
        expect(await store.recordWebhookEvent({ ...first!, payload: { other: 1 } })).toBeNull();
        // The original delivery can be found by its key (to re-apply one whose first apply failed).
        const byKey = await store.listWebhookEvents({ provider: 'MONEYKIT', dedupeKey: key });
        expect(byKey.map((e) => e.id)).toEqual([first!.id]);
        expect(await store.listWebhookEvents({ provider: 'MONEYKIT', dedupeKey: `missing-${randomUUID()}` })).toEqual([]);
        // The normalized effect is kept (JSON), and events can be found by outcome.
        const held = await store.recordWebhookEvent({
          provider: 'MONEYKIT', dedupeKey: null, eventType: 'link.state_changed', providerConnectionId: conn, occurredAt: null,
          payload: {}, effect: { kind: 'expiring', until: new Date('2030-01-01T00:00:00.000Z') },
        });
        expect(held!.effect).toEqual({ kind: 'expiring', until: '2030-01-01T00:00:00.000Z' });
        await store.setWebhookOutcome(held!.id, 'unknown_connection');
        const found = await store.listWebhookEvents({ providerConnectionId: conn, outcome: 'unknown_connection' });
        expect(found.map((e) => e.id)).toEqual([held!.id]);
        // The same key from another provider is a different event.
        expect(await store.recordWebhookEvent({ ...first!, provider: 'PLAID' })).not.toBeNull();
        const plaid = { provider: 'PLAID' as const, dedupeKey: null, eventType: 'ITEM.ERROR', providerConnectionId: conn, occurredAt: null, payload: ['raw', 1] };
        const p1 = await store.recordWebhookEvent(plaid);
        const p2 = await store.recordWebhookEvent(plaid);
        expect(p1).not.toBeNull();
        expect(p2).not.toBeNull();
        expect(p1!.id).not.toBe(p2!.id);
        expect(p2!.payload).toEqual(['raw', 1]);
      });

      it('racing replays of one key record exactly one event', async () => {
        const e = { provider: 'MONEYKIT' as const, dedupeKey: `race-${randomUUID()}`, eventType: 'x', providerConnectionId: null, occurredAt: null, payload: {} };
        const res = await Promise.all([1, 2, 3, 4].map(() => store.recordWebhookEvent(e)));
        expect(res.filter((r) => r !== null)).toHaveLength(1);
      });

      it('concurrent deliveries are recorded together; one the database refuses fails alone and writes nothing', async () => {
        const conn = `conn-${randomUUID()}`;
        const mk = (i: number, payload: unknown = { i }) =>
          store.recordWebhookEvent({ provider: 'PLAID', dedupeKey: i < 0 ? null : `k-${conn}-${i}`, eventType: `E${i}`, providerConnectionId: conn, occurredAt: null, payload });
        // jsonb refuses the NUL character: the statement carrying it fails, and only that caller must.
        const got = await Promise.allSettled([mk(1), mk(2), mk(-1), mk(3, { text: 'a\u0000b' }), mk(4), mk(2), mk(-1)]);
        expect(got.map((g) => g.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        const values = got.map((g) => (g.status === 'fulfilled' ? g.value : undefined));
        expect(values[0]).toMatchObject({ eventType: 'E1', payload: { i: 1 }, outcome: null });
        // One key twice in one statement: one record, the other a replay (null); which one is not promised.
        expect([values[1], values[5]].filter((v) => v !== null)).toHaveLength(1);
        expect(values[2]).toMatchObject({ eventType: 'E-1', dedupeKey: null });
        expect(values[6]).toMatchObject({ eventType: 'E-1', dedupeKey: null });
        expect(values[2]!.id).not.toBe(values[6]!.id);
        expect(values[4]).toMatchObject({ eventType: 'E4', payload: { i: 4 } });
        const stored = await store.listWebhookEvents({ providerConnectionId: conn });
        expect(stored.map((e) => e.eventType).sort()).toEqual(['E-1', 'E-1', 'E1', 'E2', 'E4']);
      });

      it('sets outcomes and lists newest first with filters and a limit', async () => {
        const conn = `conn-${randomUUID()}`;
        const mk = (eventType: string, provider: ProviderName = 'PLAID', pcid: string | null = conn) =>
          store.recordWebhookEvent({ provider, dedupeKey: null, eventType, providerConnectionId: pcid, occurredAt: null, payload: { eventType } });
        const a = (await mk('A'))!;
        const b = (await mk('B'))!;
        const c = (await mk('C'))!;
        await mk('other-provider', 'MONEYKIT');
        await mk('other-conn', 'PLAID', `conn-${randomUUID()}`);
        await store.setWebhookOutcome(b.id, 'applied');
        await store.setWebhookOutcome('not-a-uuid', 'applied'); // harmless
        const list = await store.listWebhookEvents({ provider: 'PLAID', providerConnectionId: conn });
        expect(list.map((e) => e.eventType)).toEqual(['C', 'B', 'A']);
        expect(list.map((e) => e.outcome)).toEqual([null, 'applied', null]);
        expect(list.map((e) => e.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.listWebhookEvents({ providerConnectionId: conn, limit: 2 })).map((e) => e.eventType)).toEqual(['other-provider', 'C']);
        const mkOnly = await store.listWebhookEvents({ provider: 'MONEYKIT', limit: 1000 });
        expect(mkOnly.every((e) => e.provider === 'MONEYKIT')).toBe(true);
      });
    });

    describe('provider users', () => {
      it('stores, overwrites and separates by provider', async () => {
        const user = `user-${randomUUID()}`;
        expect(await store.getProviderUserId('PLAID', user)).toBeNull();
        await store.setProviderUserId('PLAID', user, 'plaid-u-1');
        expect(await store.getProviderUserId('PLAID', user)).toBe('plaid-u-1');
        expect(await store.getProviderUserId('MONEYKIT', user)).toBeNull();
        await store.setProviderUserId('PLAID', user, 'plaid-u-2');
        await store.setProviderUserId('MONEYKIT', user, 'mk-u-1');
        expect(await store.getProviderUserId('PLAID', user)).toBe('plaid-u-2');
        expect(await store.getProviderUserId('MONEYKIT', user)).toBe('mk-u-1');
      });
    });

    it('closes once however often close() is called, after which queries fail', async () => {
      // A store of its own: tests run shuffled, and the shared one must stay open for the others.
      const own = await harness.open();
      await own.ping();
      await Promise.all([own.close(), own.close()]);
      await expect(own.ping()).rejects.toThrow();
      await own.close();
    });
  });
}
