import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { CREATE_LINK_TOKEN, EXCHANGE, GET, LIST, NODE, REFRESH, REMOVE, RESET, RESET_MANY, UPDATE_LINK } from './operations.js';

let h: Harness;
let alice: string;
let bob: string;
let admin: string;
let aliceConn: string;
let bobConn: string;

async function connect(token: string): Promise<string> {
  const lt = (await h.gql(token, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
  const pt = h.plaid.completeLink(lt).public_token;
  return (await h.gql(token, EXCHANGE, { input: { provider: 'PLAID', publicToken: pt } })).body.data.exchangePublicToken.connection.id;
}

beforeAll(async () => {
  h = await startHarness();
  alice = await h.token('alice');
  bob = await h.token('bob');
  admin = await h.token('ops-tool', { scope: 'read admin' });
  aliceConn = await connect(alice);
  bobConn = await connect(bob);
});
afterAll(async () => {
  await h?.close();
});

describe('caller authentication', () => {
  const cases: [string, () => Promise<string | null>][] = [
    ['no token', async () => null],
    ['an expired token', () => h.token('alice', { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
    ['a wrongly signed token', async () => (await h.token('alice')).slice(0, -4) + 'AAAA'],
    [
      'a token signed with another secret',
      () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(createSecretKey(Buffer.alloc(32, 7))),
    ],
    ['a token without exp', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(createSecretKey(Buffer.from(h.secrets[2]!, 'utf8')))],
    ['an unsigned token (alg none)', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: 9e9 })).toString('base64url')}.`],
  ];

  it.each(cases)('%s gets 401 UNAUTHENTICATED and nothing runs', async (_name, make) => {
    const before = h.plaid.requests.length;
    const token = await make();
    const res = await h.gql(token, RESET, { input: { connectionId: aliceConn } });
    expect(res.status).toBe(401);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.plaid.requests.length).toBe(before);
    expect((await h.gql(alice, GET, { id: aliceConn })).body.data.connection.status).toBe('CONNECTED');
  });

  it('an anonymous invalid document gets 401, not validation hints about field names', async () => {
    const res = await h.gql(null, '{ connectionz { edges { node { id } } } }');
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(res.body)).not.toContain('Did you mean');
    // GET with a query is an operation too; GET without one is the GraphiQL page.
    const get = await h.fetch('http://gateway.test/graphql?query=%7B__typename%7D', { headers: { accept: 'application/json', 'x-graphql-csrf': '1' } });
    expect(get.status).toBe(401);
    const page = await h.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('a malformed Authorization header is 401 too', async () => {
    const res = await h.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6cGFzcw==' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(401);
  });
});

describe('owner scoping', () => {
  it("user B cannot read A's connection: it looks absent", async () => {
    expect((await h.gql(bob, GET, { id: aliceConn })).body.data.connection).toBeNull();
    expect((await h.gql(bob, NODE, { id: aliceConn })).body.data.node).toBeNull();
    const list = (await h.gql(bob, LIST, {})).body.data.connections;
    expect(list.edges.map((e: any) => e.node.id)).toEqual([bobConn]);
    expect(list.totalCount).toBe(1);
  });

  it("user B cannot act on A's connection, and the provider receives no call", async () => {
    const before = h.plaid.requests.length;
    for (const [doc, field] of [
      [RESET, 'resetConnection'],
      [UPDATE_LINK, 'createUpdateLinkToken'],
      [REFRESH, 'refreshConnection'],
      [REMOVE, 'removeConnection'],
    ] as const) {
      const res = (await h.gql(bob, doc, { input: { connectionId: aliceConn } })).body.data[field];
      expect(res).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
    const missing = '00000000-0000-4000-8000-000000000000';
    const absent = (await h.gql(bob, RESET, { input: { connectionId: Buffer.from(`Connection:${missing}`).toString('base64') } })).body.data.resetConnection;
    // Another user's connection and a missing one answer exactly alike.
    expect(absent.message).toBe((await h.gql(bob, RESET, { input: { connectionId: aliceConn } })).body.data.resetConnection.message);
    expect(h.plaid.requests.length).toBe(before);
    expect((await h.gql(alice, GET, { id: aliceConn })).body.data.connection.status).toBe('CONNECTED');
  });

  it("resetConnections with one foreign id resets nothing", async () => {
    const before = h.plaid.requests.length;
    const res = (await h.gql(bob, RESET_MANY, { input: { connectionIds: [bobConn, aliceConn] } })).body.data.resetConnections;
    expect(res).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(h.plaid.requests.length).toBe(before);
    expect((await h.gql(bob, GET, { id: bobConn })).body.data.connection.status).toBe('CONNECTED');
  });

  it('admin sees every connection and may filter by userId; others may not', async () => {
    const all = (await h.gql(admin, LIST, { first: 50 })).body.data.connections;
    const ids = all.edges.map((e: any) => e.node.id);
    expect(ids).toEqual(expect.arrayContaining([aliceConn, bobConn]));
    const onlyAlice = (await h.gql(admin, LIST, { filter: { userId: 'alice' } })).body.data.connections;
    expect(onlyAlice.edges.map((e: any) => e.node.id)).toEqual([aliceConn]);
    expect((await h.gql(admin, GET, { id: bobConn })).body.data.connection.userId).toBe('bob');

    const refused = await h.gql(bob, LIST, { filter: { userId: 'alice' } });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('sandbox-only resets', () => {
  it('a connection stored as production answers SANDBOX_ONLY even behind sandbox credentials, and calls nothing', async () => {
    // Both must be sandbox: the connection was made with production keys (its row says so) and the
    // gateway now runs with sandbox keys. Reset must still be refused.
    const dave = await h.token('dave');
    const lt = (await h.gql(dave, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
    const id = (await h.gql(dave, EXCHANGE, { input: { provider: 'PLAID', publicToken: h.plaid.completeLink(lt).public_token } })).body.data.exchangePublicToken.connection.id;
    const internal = Buffer.from(id, 'base64').toString('utf8').split(':')[1]!;
    await h.store.db.updateTable('connections').set({ sandbox: false }).where('id', '=', internal).execute();
    const before = h.plaid.requests.length;
    expect((await h.gql(dave, RESET, { input: { connectionId: id } })).body.data.resetConnection).toMatchObject({ __typename: 'SandboxOnlyError', code: 'SANDBOX_ONLY' });
    expect((await h.gql(dave, RESET_MANY, { input: { connectionIds: [id] } })).body.data.resetConnections).toMatchObject({ __typename: 'SandboxOnlyError', code: 'SANDBOX_ONLY' });
    expect(h.plaid.requests.length).toBe(before);
  });

  it('a production Plaid environment answers SANDBOX_ONLY and calls nothing', async () => {
    const prod = await startHarness({ plaidEnv: 'production' });
    try {
      const carol = await prod.token('carol');
      const lt = (await prod.gql(carol, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
      const pt = prod.plaid.completeLink(lt).public_token;
      const id = (await prod.gql(carol, EXCHANGE, { input: { provider: 'PLAID', publicToken: pt } })).body.data.exchangePublicToken.connection.id;
      const before = prod.plaid.requests.length;
      const res = (await prod.gql(carol, RESET, { input: { connectionId: id } })).body.data.resetConnection;
      expect(res).toMatchObject({ __typename: 'SandboxOnlyError', code: 'SANDBOX_ONLY' });
      const many = (await prod.gql(carol, RESET_MANY, { input: {} })).body.data.resetConnections;
      expect(many).toMatchObject({ __typename: 'SandboxOnlyError', code: 'SANDBOX_ONLY' });
      expect(prod.plaid.requests.length).toBe(before);
    } finally {
      await prod.close();
    }
  });
});
