// Secrets swept on the paths where they are most at hand: the exchange whose result cannot be
// stored (the gateway holds a fresh access token and must remove the item), and the sweep itself.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCipher, type SqlConnectionStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { eventually, expectNoSecrets, startHarness, type Harness } from '../helpers/harness.js';
import { CREATE_LINK_TOKEN, EXCHANGE } from './operations.js';

let h: Harness;
let store: SqlConnectionStore;
let failInserts = false;

beforeAll(async () => {
  store = await openPgliteStore({ dataDir: null, cipher: createTokenCipher(randomBytes(32)) });
  // Fault injection at the store boundary: the provider exchange succeeds, storing it fails.
  const insert = store.insertConnection.bind(store);
  store.insertConnection = (input) => (failInserts ? Promise.reject(new Error('disk full (injected)')) : insert(input));
  h = await startHarness({ store });
});
afterAll(async () => {
  await h?.close();
  await store?.close();
});

describe('exchange whose connection cannot be stored', () => {
  it('removes the new item at the provider and leaks its access token nowhere', async () => {
    const alice = await h.token('alice-cleanup');
    const lt = (await h.gql(alice, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
    const { public_token, item_id } = h.plaid.completeLink(lt);
    failInserts = true;
    try {
      const res = await h.gql(alice, EXCHANGE, { input: { provider: 'PLAID', publicToken: public_token } });
      // An unexpected failure: masked, with nothing of the cause in the answer.
      expect(res.body.errors?.[0]?.message).toMatch(/^Unexpected error/);
      expect(JSON.stringify(res.body)).not.toContain('disk full');
    } finally {
      failInserts = false;
    }
    // The item was removed at Plaid with the token the exchange returned, and nothing was stored.
    expect(h.plaid.getItem(item_id)?.removed).toBe(true);
    const remove = h.plaid.requests.find((r) => r.path === '/item/remove');
    const accessToken = (remove?.body as { access_token?: string } | undefined)?.access_token;
    expect(accessToken).toMatch(/^access-sandbox-/);
    expect((await store.listConnections({}, { first: 10, after: null })).items).toEqual([]);
    await eventually(async () => h.logs.some((l) => l.includes('unstored provider connection removed')));
    // The sweep knows the token, and finds it in none of the logs and responses.
    expect(await h.allSecrets()).toContain(accessToken);
    await h.assertNoSecretLeaks();
  });
});

describe('the sweep', () => {
  it('finds a secret anywhere in a text, and only whole secrets', () => {
    const secret = 'access-sandbox-0f1e2d3c';
    expect(() => expectNoSecrets([secret], ['{"msg":"ok"}', `prefix ${secret} suffix`])).toThrow(/found in: prefix/);
    expect(() => expectNoSecrets([secret], ['access-sandbox-0f1e2d3', 'nothing'])).not.toThrow();
    // Too short to sweep meaningfully is a mistake in the test setup, not a pass.
    expect(() => expectNoSecrets(['abc'], [])).toThrow(/cannot be swept/);
  });

  it('collects every access token the run issued and records responses and events', async () => {
    const secrets = await h.allSecrets();
    for (const s of h.secrets) expect(secrets).toContain(s);
    const before = h.responses.texts().length;
    await h.gql(await h.token('someone'), '{ connections(first: 1) { totalCount } }');
    expect(h.responses.texts().slice(before)).toEqual(['{"data":{"connections":{"totalCount":0}}}']);
  });
});
