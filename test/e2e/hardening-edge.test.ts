import { createSecretKey, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { checkRedirectUri } from '../../src/connections/validate.js';
import { InvalidInputError } from '../../src/connections/errors.js';
import { createRateLimiter, RateLimitedError } from '../../src/graphql/rate-limit.js';
import { createTokenCipher, type SqlConnectionStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { CREATE_LINK_TOKEN } from './operations.js';

/** Issue 11 at the HTTP/GraphQL edge: fragment depth, one GraphQL path, hints, CORS, loopback, caller budget, GraphiQL. */

const APP_ORIGIN = 'https://app.example.com';
const ADMIN_ORIGIN = 'https://admin.example.com:8443';

let store: SqlConnectionStore;
let h: Harness; // development defaults, CORS_ORIGINS set, a small caller budget
let p: Harness; // NODE_ENV=production, no CORS_ORIGINS
let token: string;
beforeAll(async () => {
  store = await openPgliteStore({ dataDir: null, cipher: createTokenCipher(randomBytes(32)) });
  h = await startHarness({ store, env: { CORS_ORIGINS: `${APP_ORIGIN}, ${ADMIN_ORIGIN}`, RATE_LIMIT_BURST: '3', RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_ADMIN_FACTOR: '10' } });
  p = await startHarness({ store, env: { NODE_ENV: 'production', ENCRYPTION_KEY: randomBytes(32).toString('base64'), METRICS_TOKEN: randomBytes(16).toString('hex') } });
  token = await h.token('edge-user');
}, 60_000);
afterAll(async () => {
  await h?.close();
  await p?.close();
  await store?.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request over a socket with the path exactly as given (no URL normalization on the way). */
function raw(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const levels = (n: number, line: (i: number, last: boolean) => string) => Array.from({ length: n }, (_, i) => line(i + 1, i + 1 === n)).join('\n');

describe('depth limit through fragments (each fragment measured once)', () => {
  // 40 levels, each fragment spreading the next twice: 2^40 walks for a rule that re-walks
  // fragments at every spread. Valid and shallow, so it must simply be answered.
  it('answers a 40-level doubling fragment chain at once', async () => {
    const doc = `{ ...F1 }\n${levels(40, (i, last) => (last ? `fragment F${i} on Query { __typename }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`))}`;
    const started = performance.now();
    const res = await h.gql(token, doc);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a 40-level doubling chain that nests, at once', async () => {
    const doc = `{ __schema { queryType { ...D1 } } }\n${levels(40, (i, last) => (last ? `fragment D${i} on __Type { name }` : `fragment D${i} on __Type { ofType { ...D${i + 1} ...D${i + 1} } }`))}`;
    const started = performance.now();
    const res = await h.gql(token, doc);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  // { __schema { queryType { ... } } } is 2 levels; each fragment below adds one.
  const hidden = (fragments: number) => `{ __schema { queryType { ...H1 } } }\n${levels(fragments, (i, last) => `fragment H${i} on __Type { ofType { ${last ? 'name' : `...H${i + 1}`} } }`)}`;

  it('counts spreads: 17 levels hidden behind fragments are refused, 16 pass', async () => {
    const deep = await h.gql(token, hidden(15));
    expect(deep.body.data).toBeUndefined();
    expect(deep.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    const ok = await h.gql(token, hidden(14));
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.__schema.queryType.ofType).toBeNull();
  });

  it('counts a fragment spread at two depths by its deepest use', async () => {
    // H1 is 14 deep below a depth-2 spread (16: fine) and below a depth-3 spread (17: refused).
    const doc = `${hidden(14).replace('{ ...H1 }', '{ ...H1 ofType { ...H1 } }')}`;
    const res = await h.gql(token, doc);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  it('counts aliases once per written alias, however often a fragment is spread', async () => {
    const doc = `{ ...A1 }\n${levels(40, (i, last) => `fragment A${i} on Query { a${i}: __typename ${last ? '' : `...A${i + 1} ...A${i + 1}`} }`)}`;
    const started = performance.now();
    const res = await h.gql(token, doc);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');
  });

  it('lets the standard introspection query through (15 deep, fragments included)', async () => {
    const res = await h.gql(token, getIntrospectionQuery());
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('does not hang on a fragment cycle (refused by the standard rules)', async () => {
    const res = await h.gql(token, '{ ...C1 } fragment C1 on Query { ...C2 } fragment C2 on Query { ...C1 }');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/Cannot spread fragment "C1" within itself/);
  });
});

describe('exactly one GraphQL path', () => {
  const lookAlikes = ['/graphql/', '//graphql', '/graphql//', '/%67raphql', '/graphq%6C', '/x/graphql', '/webhooks/../x/graphql', '/GRAPHQL'];
  // An anonymous document with a typo: if it reached Yoga, it would be validated and answer a hint.
  const body = JSON.stringify({ query: '{ connectionz { totalCount } }' });

  it.each(lookAlikes)('%s answers 404 to an anonymous POST and reveals nothing', async (path) => {
    const r = await raw(h.url, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(404);
    expect(r.text).not.toMatch(/Did you mean|connections/);
  });

  it.each(lookAlikes)('%s serves no GraphiQL page', async (path) => {
    const r = await raw(h.url, path, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(404);
    expect(r.text).not.toMatch(/graphiql/i);
  });

  it('/graphql with a query string is the same path, with the same checks', async () => {
    const r = await raw(h.url, '/graphql?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(401);
    expect(r.text).not.toContain('Did you mean');
  });
});

describe('documents of several operations (compiled execution)', () => {
  const post = async (query: string, operationName: string) => {
    const res = await h.app.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, operationName }),
    });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  it('each request runs the operation it names, however often the document was run before', async () => {
    const doc = 'query A { a: __typename } query B { connections(first: 1) { totalCount } }';
    for (let round = 0; round < 3; round++) {
      expect(await post(doc, 'A')).toEqual({ data: { a: 'Query' } });
      expect((await post(doc, 'B')).data).toEqual({ connections: { totalCount: expect.any(Number) } });
    }
  });

  it('a GET naming the query of a document that also holds a mutation never runs the mutation', async () => {
    const doc = 'query Q { q: __typename } mutation M { m: __typename }';
    for (let round = 0; round < 3; round++) expect(await post(doc, 'M')).toEqual({ data: { m: 'Mutation' } });
    const res = await h.app.gateway.fetch(`http://gateway.test/graphql?${new URLSearchParams({ query: doc, operationName: 'Q' })}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { q: 'Query' } });
  });
});

describe('"Did you mean" hints', () => {
  const typo = '{ connectionz { totalCount } }';
  const badEnum = 'mutation($p: Provider!) { createLinkToken(input: { provider: $p, products: ["auth"] }) { __typename } }';

  it('are given in development (introspection on)', async () => {
    const res = await h.gql(token, typo);
    expect(res.body.errors?.[0]?.message).toBe('Cannot query field "connectionz" on type "Query". Did you mean "connection" or "connections"?');
  });

  it('are left out in production, in validation and in variable errors', async () => {
    const t = await p.token('prod-user');
    const res = await p.gql(t, typo);
    expect(res.body.errors?.[0]?.message).toBe('Cannot query field "connectionz" on type "Query".');
    const variable = await p.gql(t, badEnum, { p: 'PLAIDD' });
    expect(variable.body.errors?.length).toBe(1);
    expect(variable.body.errors?.[0]?.message).toMatch(/^Variable "\$p" got invalid value "PLAIDD"; Value "PLAIDD" does not exist in "Provider" enum\.$/);
    const literal = await p.gql(t, '{ connections(first: 1, filter: { provder: PLAID }) { totalCount } }');
    expect(JSON.stringify(literal.body)).not.toMatch(/Did you mean|"provider"/);
  });

  it('are left out whenever introspection is off', () => {
    expect(loadConfig({ ...minimalEnv, INTROSPECTION: 'false' }).suggestions).toBe(false);
    expect(loadConfig(minimalEnv).suggestions).toBe(true);
  });
});

describe('CORS (contract section 9)', () => {
  const preflight = (base: string, origin: string) =>
    raw(base, '/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
  const post = (base: string, origin: string, t: string) =>
    raw(base, '/graphql', { method: 'POST', headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${t}` }, body: JSON.stringify({ query: '{ __typename }' }) });

  it.each([APP_ORIGIN, ADMIN_ORIGIN])('grants a preflight and a request from the listed origin %s, without credentials', async (origin) => {
    const pre = await preflight(h.url, origin);
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers['access-control-allow-origin']).toBe(origin);
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    const r = await post(h.url, origin, token);
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(origin);
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it.each(['https://evil.example', 'null', 'https://app.example.com.evil.example', 'http://app.example.com'])('gives the foreign origin %s no CORS headers', async (origin) => {
    const pre = await preflight(h.url, origin);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    expect(pre.headers['access-control-allow-headers']).toBeUndefined();
    const r = await post(h.url, origin, token);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('without CORS_ORIGINS, no origin gets cross-origin access', async () => {
    const t = await p.token('prod-user');
    for (const origin of [APP_ORIGIN, 'https://evil.example']) {
      const pre = await preflight(p.url, origin);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const r = await post(p.url, origin, t);
      expect(r.status).toBe(200); // a non-browser client with that header still works
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('refuses CORS_ORIGINS entries that are not origins, naming the variable', () => {
    for (const bad of ['*', 'https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://app.example.com']) {
      expect(() => loadConfig({ ...minimalEnv, CORS_ORIGINS: bad }), bad).toThrow(ConfigError);
      try {
        loadConfig({ ...minimalEnv, CORS_ORIGINS: bad });
      } catch (e) {
        expect((e as ConfigError).problems[0]).toMatch(/^CORS_ORIGINS: /);
      }
    }
    expect(loadConfig({ ...minimalEnv, CORS_ORIGINS: 'https://a.example, http://localhost:5173' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(loadConfig(minimalEnv).corsOrigins).toEqual([]);
  });
});

describe('redirectUri: http only on real loopback', () => {
  it.each([
    ['http://127.0.0.1:3000/cb', true],
    ['http://127.8.9.10/cb', true],
    ['http://127.1/cb', true],
    ['http://localhost:8080/cb', true],
    ['http://[::1]:8080/cb', true],
    ['https://app.example.com/cb', true],
    ['http://127.attacker.example/cb', false],
    ['http://127.0.0.1.attacker.example/cb', false],
    ['http://localhost.attacker.example/cb', false],
    ['http://128.0.0.1/cb', false],
    ['http://10.0.0.1/cb', false],
    ['http://app.example.com/cb', false],
  ])('%s allowed: %s', (uri, allowed) => {
    if (allowed) expect(checkRedirectUri(uri)).toBe(uri);
    else expect(() => checkRedirectUri(uri)).toThrow(InvalidInputError);
  });

  it('answers INVALID_INPUT through GraphQL without calling the provider', async () => {
    const before = h.plaid.requests.length;
    const t = await h.token('loopback-user');
    const res = await h.gql(t, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'], redirectUri: 'http://127.attacker.example/cb' } });
    expect(res.body.data.createLinkToken).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(h.plaid.requests.length).toBe(before);
  });
});

describe('caller tokens', () => {
  it('a token issued an hour in the future gets 401', async () => {
    const iat = Math.floor(Date.now() / 1000) + 3600;
    const future = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('edge-user').setIssuedAt(iat).setExpirationTime(iat + 3600).sign(createSecretKey(Buffer.from(h.secrets[2]!, 'utf8')));
    const res = await h.gql(future, '{ __typename }');
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('per-caller budget for provider-bound mutations', () => {
  const RATE_LIMITED = /* GraphQL */ `mutation($input: CreateLinkTokenInput!) {
    createLinkToken(input: $input) { __typename ... on Error { code message } ... on RateLimitedError { retryAfterSeconds } }
  }`;
  const input = { provider: 'PLAID', products: ['auth'] };
  const linkTokenCalls = () => h.plaid.requests.filter((r) => r.path === '/link/token/create').length;

  it('answers the call after the burst RATE_LIMITED with retryAfterSeconds, and calls no provider', async () => {
    const t = await h.token('spender');
    const before = linkTokenCalls();
    for (let i = 0; i < 3; i++) expect((await h.gql(t, RATE_LIMITED, { input })).body.data.createLinkToken.__typename).toBe('CreateLinkTokenPayload');
    expect(linkTokenCalls()).toBe(before + 3);
    const res = await h.gql(t, RATE_LIMITED, { input });
    const r = res.body.data.createLinkToken;
    expect(r).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    // One call per minute refills: the next one is due within 60 s.
    expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(r.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(linkTokenCalls()).toBe(before + 3);
    // Connection-addressed mutations share the budget (refused before the id is even looked at).
    const refresh = await h.gql(t, 'mutation { refreshConnection(input: { connectionId: "x" }) { __typename ... on Error { code } } }');
    expect(refresh.body.data.refreshConnection).toEqual({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
  });

  it('is per caller, and admins have a larger budget', async () => {
    const other = await h.token('someone-else');
    expect((await h.gql(other, RATE_LIMITED, { input })).body.data.createLinkToken.__typename).toBe('CreateLinkTokenPayload');
    const admin = await h.token('spender', { scope: 'admin' });
    for (let i = 0; i < 5; i++) expect((await h.gql(admin, RATE_LIMITED, { input })).body.data.createLinkToken.__typename).toBe('CreateLinkTokenPayload');
  });

  it('refills at the configured rate (token bucket)', () => {
    let now = 0;
    const limiter = createRateLimiter({ perMinute: 6, burst: 2, adminFactor: 10 }, () => now);
    limiter.take('u', false);
    limiter.take('u', false);
    expect(() => limiter.take('u', false)).toThrow(RateLimitedError);
    try {
      limiter.take('u', false);
    } catch (e) {
      expect((e as RateLimitedError).retryAfterSeconds).toBe(10); // 6 per minute: one every 10 s
    }
    now = 9_000;
    expect(() => limiter.take('u', false)).toThrow(RateLimitedError);
    now = 10_000;
    expect(() => limiter.take('u', false)).not.toThrow();
    expect(() => limiter.take('u', false)).toThrow(RateLimitedError);
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', () => {
    const limiter = createRateLimiter({ perMinute: 0, burst: 1, adminFactor: 1 }, () => 0);
    for (let i = 0; i < 100; i++) limiter.take('u', false);
  });
});

describe('GraphiQL works offline', () => {
  it('serves a page that loads no script or style from another host', async () => {
    const r = await raw(h.url, '/graphql', { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/YogaGraphiQL\.renderYogaGraphiQL/);
    expect(r.text).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(r.text).not.toMatch(/<link[^>]*\bhref=["']?(https?:)?\/\//i);
    expect(r.text).not.toMatch(/@import\s+url\(["']?(https?:)?\/\//i);
  });
});

/** The smallest valid configuration (demo mode: no provider credentials). */
const minimalEnv = { NODE_ENV: 'test' };
