import { randomBytes, randomUUID } from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { createSqlStore, type SqlConnectionStore } from '../../src/store/sql-store.js';
import type { Decimal } from '../../src/domain/decimal.js';
import type { ConnectionRecord } from '../../src/store/store.js';
import { newConnection } from './store-suite.js';

/**
 * The hot reads and the webhook record go to the database as one statement for all concurrent
 * callers (src/store/sql/batch.ts): counted here with a Kysely plugin on a second store over the
 * same database. What each caller gets back is checked on both drivers in store-suite.ts.
 */
const cipher = createTokenCipher(randomBytes(32));
let base: SqlConnectionStore;
let counted: SqlConnectionStore;
let statements = 0;
// Counted when a result comes back: once per statement executed (a query builder embedded in a
// raw statement is transformed, but not executed, on its own). BEGIN and COMMIT are not counted.
const counter: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    statements++;
    return args.result;
  },
};

beforeAll(async () => {
  base = await openPgliteStore({ dataDir: null, cipher });
  await base.migrate();
  counted = createSqlStore(base.db.withPlugin(counter), { cipher });
});
afterAll(async () => {
  await base?.close();
});

async function statementsFor(work: () => Promise<unknown>): Promise<number> {
  statements = 0;
  await work();
  return statements;
}

describe('batched statements', () => {
  it('40 concurrent getConnectionWithCredential calls are one SELECT; 3 awaited in turn are three', async () => {
    const recs: ConnectionRecord[] = [];
    for (let i = 0; i < 40; i++) recs.push(await base.insertConnection(newConnection({ credential: `access-sandbox-${i}` })));
    let got: unknown[] = [];
    expect(await statementsFor(async () => (got = await Promise.all(recs.map((r) => counted.getConnectionWithCredential(r.id)))))).toBe(1);
    expect(got[39]).toEqual({ record: recs[39], credential: 'access-sandbox-39' });
    expect(
      await statementsFor(async () => {
        for (const r of recs.slice(0, 3)) await counted.getConnectionWithCredential(r.id);
      }),
    ).toBe(3);
  });

  it('20 concurrent findByProviderId calls over both providers are one SELECT', async () => {
    const recs: ConnectionRecord[] = [];
    for (let i = 0; i < 20; i++) recs.push(await base.insertConnection(newConnection({ provider: i % 2 ? 'MONEYKIT' : 'PLAID' })));
    let got: unknown[] = [];
    expect(await statementsFor(async () => (got = await Promise.all(recs.map((r) => counted.findByProviderId(r.provider, r.providerConnectionId)))))).toBe(1);
    expect(got).toEqual(recs);
  });

  it('10 concurrent webhook deliveries are one INSERT', async () => {
    const conn = `conn-${randomUUID()}`;
    const n = await statementsFor(() =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          counted.recordWebhookEvent({ provider: 'PLAID', dedupeKey: `${conn}-${i}`, eventType: 'ITEM.ERROR', providerConnectionId: conn, occurredAt: null, payload: { i } }),
        ),
      ),
    );
    expect(n).toBe(1);
    expect(await base.listWebhookEvents({ providerConnectionId: conn })).toHaveLength(10);
  });

  it('12 concurrent state writes over 12 connections, in two shapes, are two UPDATEs', async () => {
    const recs: ConnectionRecord[] = [];
    for (let i = 0; i < 12; i++) recs.push(await base.insertConnection(newConnection()));
    const at = new Date('2026-03-04T05:06:07.008Z');
    let got: (ConnectionRecord | null)[] = [];
    const n = await statementsFor(async () => {
      got = await Promise.all(recs.map((r, i) => (i % 2 ? counted.updateState(r.id, { status: 'LOGIN_REQUIRED', statusChangedAt: at }, 1) : counted.updateState(r.id, { products: ['auth'] }))));
    });
    expect(n).toBe(2);
    expect(got.map((r) => [r!.status, r!.products, r!.version])).toEqual(recs.map((_, i) => (i % 2 ? ['LOGIN_REQUIRED', ['transactions'], 2] : ['CONNECTED', ['auth'], 2])));
  });

  it('a re-read that finds the same accounts is two statements (the batched read, one compare-and-set), not a transaction', async () => {
    const rec = await base.insertConnection(newConnection());
    const asOf = new Date('2026-05-01T00:00:00.000Z');
    const accounts = [{ providerAccountId: 'a1', name: 'Checking', officialName: null, mask: '0001', type: 'DEPOSITORY' as const, subtype: 'checking', providerType: 'depository/checking', balances: { current: '1.00' as Decimal, available: null, limit: null, currency: 'USD', asOf } }];
    await base.replaceAccounts(rec.id, accounts, { at: asOf, expectedVersion: 1 });
    let got: unknown = null;
    const n = await statementsFor(async () => {
      got = await counted.replaceAccounts(rec.id, accounts, { at: new Date('2026-05-02T00:00:00.000Z'), expectedVersion: 2 });
    });
    expect(n).toBe(2);
    expect(got).toMatchObject({ accountsChanged: false, record: { version: 3 } });
  });
  it('10 concurrent re-reads that find their accounts unchanged are two statements: one read, one compare-and-set', async () => {
    const asOf = new Date('2026-05-01T00:00:00.000Z');
    const accounts = [{ providerAccountId: 'a1', name: 'Checking', officialName: null, mask: '0001', type: 'DEPOSITORY' as const, subtype: 'checking', providerType: 'depository/checking', balances: { current: '1.00' as Decimal, available: null, limit: null, currency: 'USD', asOf } }];
    const recs: ConnectionRecord[] = [];
    for (let i = 0; i < 10; i++) {
      const rec = await base.insertConnection(newConnection());
      await base.replaceAccounts(rec.id, accounts, { at: asOf, expectedVersion: 1 });
      recs.push(rec);
    }
    let got: unknown[] = [];
    const n = await statementsFor(async () => {
      got = await Promise.all(recs.map((r) => counted.replaceAccounts(r.id, accounts, { at: new Date('2026-05-02T00:00:00.000Z'), expectedVersion: 2 })));
    });
    expect(n).toBe(2);
    expect(got).toEqual(recs.map((r) => expect.objectContaining({ accountsChanged: false, record: expect.objectContaining({ id: r.id, version: 3 }) })));
  });
  it('8 concurrent pages for 8 users are one SELECT, each page its own user\'s rows', async () => {
    const users = Array.from({ length: 8 }, () => `user-${randomUUID()}`);
    for (const [i, userId] of users.entries()) for (let k = 0; k <= i % 3; k++) await base.insertConnection(newConnection({ userId }));
    let got: { items: ConnectionRecord[]; totalCount: number | null }[] = [];
    expect(await statementsFor(async () => (got = await Promise.all(users.map((userId) => counted.listConnections({ userId }, { first: 10, after: null })))))).toBe(1);
    expect(got.map((p) => [p.totalCount, p.items.length, p.items.every((r, k) => r.userId === users[got.indexOf(p)] && k < 3)])).toEqual(
      users.map((_, i) => [(i % 3) + 1, (i % 3) + 1, true]),
    );
  });
  it('with sharePageStatements off (the embedded engine\'s setting), each page is its own statement', async () => {
    const own = createSqlStore(base.db.withPlugin(counter), { cipher, sharePageStatements: false });
    const users = Array.from({ length: 4 }, () => `user-${randomUUID()}`);
    for (const userId of users) await base.insertConnection(newConnection({ userId }));
    let got: { items: ConnectionRecord[] }[] = [];
    expect(await statementsFor(async () => (got = await Promise.all(users.map((userId) => own.listConnections({ userId }, { first: 10, after: null })))))).toBe(4);
    expect(got.map((p) => p.items.map((r) => r.userId))).toEqual(users.map((u) => [u]));
  });
  it('concurrent pages of 500 share statements up to 5,000 rows each: 12 pages are two statements', async () => {
    const users = Array.from({ length: 12 }, () => `user-${randomUUID()}`);
    for (const userId of users) await base.insertConnection(newConnection({ userId }));
    let got: { items: ConnectionRecord[] }[] = [];
    // 501 rows each at most (a page asks one more than it shows): 9 fit in 5,000, the other 3 go in a second.
    expect(await statementsFor(async () => (got = await Promise.all(users.map((userId) => counted.listConnections({ userId }, { first: 500, after: null })))))).toBe(2);
    expect(got.map((p) => p.items.map((r) => r.userId))).toEqual(users.map((u) => [u]));
  });
});
