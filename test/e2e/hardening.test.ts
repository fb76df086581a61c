import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/** Contract 5b over real loopback HTTP: limits, CSRF, production defaults, masking, metrics. */

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** POST over a socket; `chunks` are written one by one without content-length (chunked). */
function post(url: string, chunks: (string | Buffer)[], headers: Record<string, string>, opts: { chunked: boolean }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const body = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, ...(opts.chunked ? {} : { 'content-length': String(body.length) }) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    if (opts.chunked) for (const c of chunks) req.write(c);
    else req.write(body);
    req.end();
  });
}

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startHarness();
  token = await h.token('hardy');
});
afterAll(async () => {
  await h?.close();
});

const gqlHeaders = () => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
const health = async () => expect((await fetch(`${h.url}/health`)).status).toBe(200);

describe('body size limit (1 MB, before parsing)', () => {
  const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024 + 10) } });

  it('refuses a declared content-length over the limit with 413', async () => {
    const r = await post(`${h.url}/graphql`, [big], gqlHeaders(), { chunked: false });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    await health();
  });

  it('refuses a chunked body without content-length once it passes the limit', async () => {
    const chunks: string[] = [];
    for (let i = 0; i < big.length; i += 64 * 1024) chunks.push(big.slice(i, i + 64 * 1024));
    const r = await post(`${h.url}/graphql`, chunks, gqlHeaders(), { chunked: true });
    expect(r.status).toBe(413);
    expect(r.headers['x-request-id']).toBeTruthy();
    await health();
  });

  it('accepts a chunked body under the limit', async () => {
    const small = JSON.stringify({ query: '{ connections(first: 1) { totalCount } }' });
    const r = await post(`${h.url}/graphql`, [small.slice(0, 10), small.slice(10)], gqlHeaders(), { chunked: true });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).data.connections.totalCount).toBe(0);
  });

  it('applies to webhooks too', async () => {
    const r = await post(`${h.url}/webhooks/plaid`, ['{"a":"', 'y'.repeat(1024 * 1024 + 10), '"}'], { 'content-type': 'application/json' }, { chunked: true });
    expect(r.status).toBe(413);
  });
});

describe('document limits', () => {
  it('refuses a query nested 50 deep before execution', async () => {
    // 50 levels through the self-nesting introspection type (__Type.ofType).
    const nested = `{ __schema { queryType { ${'ofType { '.repeat(48)}name${' }'.repeat(48)} } } }`;
    const res = await h.gql(token, nested);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    await health();
  });

  /** `__schema { queryType { ofType x k { name } } }`: 2 + k levels of selection sets. */
  const ofTypes = (k: number) => `queryType { ${'ofType { '.repeat(k)}name${' }'.repeat(k)} }`;

  it('counts levels exactly: 16 pass, 17 are refused', async () => {
    const ok = await h.gql(token, `{ __schema { ${ofTypes(14)} } }`);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.__schema.queryType).toEqual({ ofType: null }); // Query is a named type: no ofType
    const deep = await h.gql(token, `{ __schema { ${ofTypes(15)} } }`);
    expect(deep.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  it.each([
    ['a named fragment', `query { __schema { ...S } } fragment S on __Schema { ${ofTypes(15)} }`],
    ['nested named fragments', `query { __schema { ...S } } fragment S on __Schema { queryType { ...T } } fragment T on __Type { ${'ofType { '.repeat(15)}name${' }'.repeat(15)} }`],
    ['an inline fragment', `query { __schema { ... on __Schema { ${ofTypes(15)} } } }`],
  ])('counts the levels inside %s (17 deep is refused)', async (_name, q) => {
    const res = await h.gql(token, q);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  it('lets the standard introspection query through (15 deep)', async () => {
    const res = await h.gql(token, getIntrospectionQuery());
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses more than 30 aliases', async () => {
    const q = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const res = await h.gql(token, q);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');
    const ok = await h.gql(token, `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
    expect(ok.body.errors).toBeUndefined();
  });

  it('refuses a document over the token limit before validation', async () => {
    // Under the body limit and shallow, but 20 000 tokens of work.
    const q = `{ ${'__typename '.repeat(20_000)} }`;
    const res = await h.gql(token, q);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/tokens/);
  });
});

describe('CSRF prevention for browser requests', () => {
  const query = JSON.stringify({ query: '{ __typename }' });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses a simple %s POST without a preflight header', async (type) => {
    const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body: query });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('CSRF_REJECTED');
  });

  it('refuses a GET operation without a preflight header, allows it with one', async () => {
    const url = `${h.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    expect((await fetch(url)).status).toBe(403);
    // With the header it reaches authentication (no token: 401), not the CSRF check.
    expect((await fetch(url, { headers: { 'x-graphql-csrf': '1' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
  });

  it('lets JSON POSTs through', async () => {
    const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: gqlHeaders(), body: query });
    expect(res.status).toBe(200);
  });
});

describe('operability', () => {
  it('serves Prometheus metrics: requests, latency, webhook verification failures', async () => {
    await fetch(`${h.url}/graphql`, { method: 'POST', headers: gqlHeaders(), body: JSON.stringify({ query: '{ __typename }' }) });
    const bad = await fetch(`${h.url}/webhooks/plaid`, { method: 'POST', headers: { 'content-type': 'application/json', 'plaid-verification': 'not.a.jwt' }, body: '{}' });
    expect(bad.status).toBe(401);
    const res = await fetch(`${h.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE gateway_http_requests_total counter');
    expect(text).toMatch(/gateway_http_requests_total\{method="POST",route="\/graphql",status="200"\} [1-9]/);
    // prom-client writes `le` first; label order carries no meaning in the exposition format.
    expect(text).toMatch(/gateway_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/graphql"\} [1-9]/);
    expect(text).toMatch(/gateway_webhook_verification_failures_total\{provider="PLAID"\} [1-9]/);
    expect(text).toContain('gateway_provider_circuit_state{provider="PLAID",state="closed"} 1');
  });

  it('/health and /ready answer', async () => {
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    const ready = await fetch(`${h.url}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).toBe('ok');
  });

  it('logs one JSON line per request with its request id, and never a secret', async () => {
    await fetch(`${h.url}/graphql`, { method: 'POST', headers: { ...gqlHeaders(), 'x-request-id': 'trace-me-123' }, body: JSON.stringify({ query: '{ __typename }' }) });
    const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'trace-me-123' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'POST', route: '/graphql', status: 200 });
    const all = h.logs.join('\n');
    for (const s of h.secrets) expect(all).not.toContain(s);
    expect(all).not.toContain(token);
  });
});

describe('production defaults', () => {
  let p: Harness;
  const metricsToken = randomBytes(16).toString('hex');
  beforeAll(async () => {
    p = await startHarness({ env: { NODE_ENV: 'production', ENCRYPTION_KEY: randomBytes(32).toString('base64'), METRICS_TOKEN: metricsToken } });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('turns introspection and GraphiQL off', async () => {
    const t = await p.token('prod');
    const res = await p.gql(t, getIntrospectionQuery());
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/introspection/i);
    const page = await fetch(`${p.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    const ok = await p.gql(t, '{ connections(first: 1) { totalCount } }');
    expect(ok.body.errors).toBeUndefined();
  });

  it('requires the metrics token when one is set', async () => {
    expect((await fetch(`${p.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('gateway_http_requests_total');
  });
});
