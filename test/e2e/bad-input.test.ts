import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { CREATE_LINK_TOKEN, EXCHANGE, GET, LIST, NODE, REFRESH, RESET, RESET_MANY, UPDATE_LINK } from './operations.js';

let h: Harness;
let alice: string;
let conn: { id: string; providerConnectionId: string };
const responses: string[] = [];

async function gql(query: string, variables?: Record<string, unknown>) {
  const res = await h.gql(alice, query, variables);
  responses.push(JSON.stringify(res.body));
  return res;
}

async function countConnections(): Promise<number> {
  return (await h.store.listConnections({}, { first: 1, after: null })).totalCount!;
}

beforeAll(async () => {
  h = await startHarness();
  alice = await h.token('alice');
  const lt = (await gql(CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['transactions'] } })).body.data.createLinkToken.linkToken.token;
  const pt = h.plaid.completeLink(lt).public_token;
  conn = (await gql(EXCHANGE, { input: { provider: 'PLAID', publicToken: pt } })).body.data.exchangePublicToken.connection;
});
afterEach(() => {
  h.plaid.clearFaults();
  h.moneykit.clearFaults();
});
afterAll(async () => {
  await h?.close();
});

describe('input the gateway judges itself: INVALID_INPUT before any provider call', () => {
  const malformed = ['', 'not-an-id', Buffer.from('Connection:42').toString('base64'), Buffer.from("Connection:' OR 1=1 --").toString('base64'), 'x'.repeat(500)];

  it.each(malformed)('mutations answer InvalidInputError for the malformed id %j', async (id) => {
    const before = h.plaid.requests.length;
    for (const [doc, field] of [[RESET, 'resetConnection'], [UPDATE_LINK, 'createUpdateLinkToken'], [REFRESH, 'refreshConnection']] as const) {
      const r = (await gql(doc, { input: { connectionId: id } })).body.data[field];
      expect(r).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    }
    const many = (await gql(RESET_MANY, { input: { connectionIds: [conn.id, id] } })).body.data.resetConnections;
    expect(many).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(h.plaid.requests.length).toBe(before);
  });

  it('queries answer a typed INVALID_INPUT error for a malformed id', async () => {
    for (const doc of [GET, NODE]) {
      const r = await gql(doc, { id: 'not-an-id' });
      expect(r.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    }
    // A well-formed id of another type is simply absent.
    const otherType = Buffer.from('Institution:00000000-0000-4000-8000-000000000000').toString('base64');
    expect((await gql(GET, { id: otherType })).body.data.connection).toBeNull();
    const node = await gql(NODE, { id: otherType });
    expect(node.body).toEqual({ data: { node: null } });
  });

  it.each([
    [{ provider: 'PLAID', products: ['balance'] }, 'products'],
    [{ provider: 'PLAID', products: ['transactions', 'teleportation'] }, 'products'],
    [{ provider: 'PLAID', products: [] }, 'products'],
    [{ provider: 'MONEYKIT', products: ['auth'] }, 'products'],
    [{ provider: 'PLAID', products: ['auth'], redirectUri: 'http://example.com/cb' }, 'redirectUri'],
    [{ provider: 'PLAID', products: ['auth'], redirectUri: 'javascript:alert(1)' }, 'redirectUri'],
    [{ provider: 'PLAID', products: ['auth'], redirectUri: '/relative' }, 'redirectUri'],
    [{ provider: 'PLAID', products: ['auth'], countryCodes: ['usa'] }, 'countryCodes'],
    [{ provider: 'PLAID', products: ['auth'], countryCodes: ['US', 'JP'] }, 'countryCodes'],
    [{ provider: 'MONEYKIT', products: ['transactions'], countryCodes: ['DE'] }, 'countryCodes'],
    [{ provider: 'PLAID', products: ['auth'], language: 'english!' }, 'language'],
    [{ provider: 'PLAID', products: ['auth'], androidPackageName: 'not a package' }, 'androidPackageName'],
  ])('createLinkToken %j -> InvalidInputError on %s', async (input, field) => {
    const before = h.plaid.requests.length + h.moneykit.requests.length;
    const r = (await gql(CREATE_LINK_TOKEN, { input })).body.data.createLinkToken;
    expect(r).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(h.plaid.requests.length + h.moneykit.requests.length).toBe(before);
    const detail = await gql(`mutation($input: CreateLinkTokenInput!) { createLinkToken(input: $input) { ... on InvalidInputError { field } } }`, { input });
    expect(detail.body.data.createLinkToken.field).toBe(field);
  });

  it('loopback http redirect URIs are accepted', async () => {
    const r = (await gql(CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'], redirectUri: 'http://127.0.0.1:3000/oauth' } })).body.data.createLinkToken;
    expect(r.__typename).toBe('CreateLinkTokenPayload');
  });

  it('an empty public token is refused without a provider call', async () => {
    const before = h.plaid.requests.length;
    const r = (await gql(EXCHANGE, { input: { provider: 'PLAID', publicToken: '   ' } })).body.data.exchangePublicToken;
    expect(r).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(h.plaid.requests.length).toBe(before);
  });

  it('pagination arguments are checked', async () => {
    expect((await gql(LIST, { first: 1000 })).body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect((await gql(LIST, { first: 5, after: 'garbage' })).body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });
});

describe('provider failures: typed errors, nothing stored half-way', () => {
  it('a provider 400 (bad public token) is a typed error and stores nothing', async () => {
    const before = await countConnections();
    const r = (await gql(`mutation($input: ExchangePublicTokenInput!) { exchangePublicToken(input: $input) { __typename ... on Error { code message } } }`, { input: { provider: 'PLAID', publicToken: 'public-sandbox-00000000-0000-4000-8000-000000000000' } })).body.data.exchangePublicToken;
    // The provider judged it: the same InvalidInputError the gateway answers itself; Plaid's own
    // code and request id go to the log for support.
    expect(r).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    const logged = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'provider call failed' && l.providerCode === 'INVALID_PUBLIC_TOKEN');
    expect(logged).toMatchObject({ provider: 'PLAID', kind: 'INVALID_INPUT' });
    expect(logged?.providerRequestId).toBeTruthy();
    expect(await countConnections()).toBe(before);
  });

  it('a provider 500 on exchange is PROVIDER_UNAVAILABLE and stores nothing', async () => {
    const lt = (await gql(CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
    const pt = h.plaid.completeLink(lt).public_token;
    h.plaid.injectFault({ path: '/item/public_token/exchange', kind: 'http500' });
    const before = await countConnections();
    const r = (await gql(`mutation($input: ExchangePublicTokenInput!) { exchangePublicToken(input: $input) { __typename ... on ProviderError { code provider providerCode message } } }`, { input: { provider: 'PLAID', publicToken: pt } })).body.data.exchangePublicToken;
    expect(r).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_UNAVAILABLE', provider: 'PLAID' });
    expect(await countConnections()).toBe(before);
  });

  it.each(['http500', 'garbage'] as const)('a provider %s on refresh (the accounts read) is PROVIDER_UNAVAILABLE and the stored status stays', async (kind) => {
    h.plaid.injectFault({ path: '/accounts/get', kind, times: -1 });
    const r = (await gql(REFRESH, { input: { connectionId: conn.id } })).body.data.refreshConnection;
    expect(r).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_UNAVAILABLE', provider: 'PLAID' });
    h.plaid.clearFaults();
    const stored = (await gql(GET, { id: conn.id })).body.data.connection;
    expect(stored.status).toBe('CONNECTED');
  });

  it('a provider rate limit is RATE_LIMITED with retryAfterSeconds', async () => {
    h.plaid.injectFault({ path: '/accounts/get', kind: 'http429', retryAfterSeconds: 30, times: -1 });
    const r = (await gql(REFRESH, { input: { connectionId: conn.id } })).body.data.refreshConnection;
    expect(r).toMatchObject({ __typename: 'ProviderError', code: 'RATE_LIMITED', retryAfterSeconds: 30 });
  });

  it('a MoneyKit outage on link creation is PROVIDER_UNAVAILABLE', async () => {
    h.moneykit.injectFault({ path: '/link-session', kind: 'http500', times: -1 });
    const r = (await gql(CREATE_LINK_TOKEN, { input: { provider: 'MONEYKIT', products: ['transactions'] } })).body.data.createLinkToken;
    expect(r).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_UNAVAILABLE' });
  });
});

describe('secrets', () => {
  it('never appear in any response or log line', async () => {
    // Every access token the provider issued during this file, plus client secrets and the JWT secret.
    const accessTokens = h.plaid.requests
      .map((r) => (r.body as { access_token?: string } | null)?.access_token)
      .filter((t): t is string => typeof t === 'string');
    expect(accessTokens.length).toBeGreaterThan(0);
    const secrets = [...h.secrets, ...new Set(accessTokens)];
    const haystacks = [...responses, ...h.logs];
    expect(h.logs.length).toBeGreaterThan(0);
    for (const s of secrets) for (const text of haystacks) expect(text.includes(s), `secret found in: ${text.slice(0, 200)}`).toBe(false);
  });
});
