import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCipher, type SqlConnectionStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { clearFaults, connect, CREATE_LINK_TOKEN, DRIVERS, EXCHANGE } from './drivers.js';

/** Contract 5a: stale connections are re-read on query, once per connection per request, bounded. */
const PLAID = DRIVERS.find((d) => d.provider === 'PLAID')!;
const LIST_TWICE = `query($id: ID!) {
  connections(first: 50) { edges { node { id status } } }
  again: connection(id: $id) { id status }
}`;

let h: Harness;
let token: string;
let ids: string[] = [];
beforeAll(async () => {
  h = await startHarness({ env: { PROVIDER_CONCURRENCY: '2', PROVIDER_RETRIES: '1', PROVIDER_RETRY_BASE_MS: '10' } });
  token = await h.token('fresh');
  for (let i = 0; i < 10; i++) ids.push((await connect(h, PLAID, token)).id);
});
afterEach(() => {
  clearFaults(h);
  h.plaid.setLatency(0);
});
afterAll(async () => {
  await h?.close();
});

/** Age every stored connection past STATUS_MAX_AGE_SECONDS (300 s) without waiting. */
async function makeAllStale() {
  const rows = (await h.store.listConnections({ userId: 'fresh' }, { first: 100, after: null })).items;
  for (const r of rows) await h.store.updateState(r.id, { stateRefreshedAt: new Date(Date.now() - 3600_000) }, r.version);
  return rows;
}

describe('freshness on query', () => {
  it('10 stale connections in one query: exactly 10 provider reads; a second field on the same connection does not re-read', async () => {
    await makeAllStale();
    const reads = PLAID.count(h, 'read');
    const res = await h.gql(token, LIST_TWICE, { id: ids[0] });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.connections.edges).toHaveLength(10);
    expect(res.body.data.again.id).toBe(ids[0]);
    expect(PLAID.count(h, 'read') - reads).toBe(10);

    // Now fresh: the same query reads nothing from the provider.
    await h.gql(token, LIST_TWICE, { id: ids[0] });
    expect(PLAID.count(h, 'read') - reads).toBe(10);
  });

  it('re-reads are concurrency-bounded per provider (PROVIDER_CONCURRENCY=2)', async () => {
    await makeAllStale();
    h.plaid.setLatency(60);
    const t0 = Date.now();
    const res = await h.gql(token, LIST_TWICE, { id: ids[0] });
    expect(res.body.data.connections.edges).toHaveLength(10);
    // 10 reads, 2 at a time, 60 ms each: at least 5 rounds.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5 * 60);
  });

  it('provider down during the freshness read: the stored state is answered, nothing changes', async () => {
    const rows = await makeAllStale();
    const stored = await h.store.getConnections(rows.map((r) => r.id));
    PLAID.inject(h, 'read', 'http500');
    const res = await h.gql(token, LIST_TWICE, { id: ids[0] });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.connections.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(Array(10).fill('CONNECTED'));
    expect(res.body.data.again.status).toBe('CONNECTED');
    const after = await h.store.getConnections(rows.map((r) => r.id));
    expect(after.map((r) => r!.version)).toEqual(stored.map((r) => r!.version));
    expect(h.logs.some((l) => l.includes('freshness re-read failed'))).toBe(true);
  });
});

describe('nothing lost: an exchange whose store write fails', () => {
  let h2: Harness;
  let real: SqlConnectionStore;
  let failInserts = 0;
  beforeAll(async () => {
    real = await openPgliteStore({ dataDir: null, cipher: createTokenCipher(randomBytes(32)) });
    // Fault injection on the real store: the next insert(s) fail as a lost database would.
    const faulty = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'insertConnection' && failInserts > 0) {
          return async () => {
            failInserts--;
            throw new Error('connection to database lost');
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    h2 = await startHarness({ store: faulty, env: { PROVIDER_RETRY_BASE_MS: '10' } });
  });
  afterAll(async () => {
    await h2?.close();
    await real?.close();
  });

  it.each(DRIVERS)('$provider: the provider connection is removed (retried), nothing stored, error masked with a request id', async (d) => {
    const t = await h2.token('lost');
    const lt = await h2.gql(t, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } });
    const publicToken = d.finishLink(h2, lt.body.data.createLinkToken.linkToken.token);
    // The first removal attempt fails too: the cleanup must retry it to completion.
    if (d.provider === 'PLAID') h2.plaid.injectFault({ path: '/item/remove', kind: 'reset', times: 1 });
    else h2.moneykit.injectFault({ method: 'DELETE', path: '/links/{id}', kind: 'reset', times: 1 });
    failInserts = 1;

    const res = await h2.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t}`, 'x-request-id': `exchange-${d.provider}` },
      body: JSON.stringify({ query: EXCHANGE, variables: { input: { provider: d.provider, publicToken } } }),
    });
    const body = (await res.json()) as { errors?: { message: string; extensions: Record<string, string> }[] };
    expect(res.headers.get('x-request-id')).toBe(`exchange-${d.provider}`);
    expect(body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(body.errors?.[0]?.extensions.requestId).toBe(`exchange-${d.provider}`);
    expect(JSON.stringify(body)).not.toContain('database lost');
    // The operator finds the cause from the request id: request id -> error id -> the logged cause.
    const errorId = body.errors?.[0]?.extensions.errorId;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h2.logs.some((l) => l.includes(`"requestId":"exchange-${d.provider}"`) && l.includes(errorId!))).toBe(true);
    expect(h2.logs.some((l) => l.includes(`"errorId":"${errorId}"`) && l.includes('database lost'))).toBe(true);

    expect((await real.listConnections({ userId: 'lost' }, { first: 10, after: null })).items.filter((r) => r.provider === d.provider)).toHaveLength(0);
    if (d.provider === 'PLAID') {
      const exchanged = h2.plaid.requests.filter((r) => r.path === '/item/remove');
      expect(exchanged.length).toBeGreaterThanOrEqual(2);
      const items = h2.plaid.requests.filter((r) => r.path === '/item/public_token/exchange');
      expect(items.length).toBe(1);
    } else {
      const deletes = h2.moneykit.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/links/'));
      expect(deletes.length).toBeGreaterThanOrEqual(2);
      const linkId = deletes[0]!.path.split('/')[2]!;
      expect(h2.moneykit.getLink(linkId)?.state ?? 'deleted').toBe('deleted');
    }
    expect(h2.logs.some((l) => l.includes('unstored provider connection removed'))).toBe(true);
    for (const s of h2.secrets) expect(h2.logs.join('\n')).not.toContain(s);
  });
});
