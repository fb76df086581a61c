// The emulator kit over real loopback HTTP: routing, body limit, recording with redaction, latency,
// faults, deferred work and the signed webhook queue.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultBook, RequestRecorder, Router, WebhookQueue, jsonBody, startEmulatorServer, type EmulatorServer, type Handler } from '../../../src/emulators/kit/index.js';

type Fault = { path: string; method?: string; times?: number; kind: 'teapot' | 'hang' | 'reset' };

class BadJson extends Error {}

let emu: EmulatorServer;
let latency = 0;
const faults = new FaultBook<Fault>();
const recorder = new RequestRecorder({ keys: ['x-secret', 'password'], values: () => ['s3cr3t-token'], rewrite: { authorization: (v, m) => `${v.split(' ')[0]} ${m}` } });
const order: string[] = [];

beforeAll(async () => {
  const api = new Router<Handler>()
    .add('GET', '/things/{id}', (ctx) => ({ status: 200, body: { id: ctx.params['id'] } }))
    .add('POST', '/echo', (ctx) => {
      ctx.defer(() => order.push('deferred'));
      order.push('handler');
      return { status: 201, body: { got: jsonBody(ctx, () => new BadJson()) } };
    })
    .add('GET', '/raw', () => ({ status: 200, raw: '{"n":1e21}', headers: { 'content-type': 'application/json' } }))
    .add('*', '/any/*', (ctx) => ({ status: 200, body: { method: ctx.method, path: ctx.path } }));
  const control = new Router<Handler>().add('GET', '/emulator/requests', () => ({ status: 200, body: recorder.redacted() }));
  emu = await startEmulatorServer<Fault>({
    bodyLimit: 64,
    api,
    control,
    recorder,
    latencyMs: () => latency,
    faults,
    faultOutcome: (f) => (f.kind === 'teapot' ? { status: 418, body: { fault: true } } : f.kind),
    errorReply: (err) => (err instanceof BadJson ? { status: 400, body: { error: 'bad json' } } : { status: 500, body: { error: 'internal' } }),
    notFound: (method, path, control) => ({ status: 404, body: { notFound: `${method} ${path}`, control } }),
    bodyTooLarge: () => ({ status: 413, body: { error: 'too large' } }),
    jsonSpaces: 2,
  });
});
afterAll(async () => {
  await emu.close();
});

describe('emulator kit pipeline', () => {
  it('routes with params, wildcards and methods; unmatched paths get notFound', async () => {
    expect(await (await fetch(`${emu.url}/things/a%20b`)).json()).toEqual({ id: 'a b' });
    expect(await (await fetch(`${emu.url}/any/x/y`, { method: 'DELETE' })).json()).toEqual({ method: 'DELETE', path: '/any/x/y' });
    const miss = await fetch(`${emu.url}/things/a`, { method: 'POST' });
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({ notFound: 'POST /things/a', control: false });
    const ctl = await fetch(`${emu.url}/emulator/nope`);
    expect(await ctl.json()).toEqual({ notFound: 'GET /emulator/nope', control: true });
  });

  it('indents JSON replies and sends raw text verbatim', async () => {
    expect(await (await fetch(`${emu.url}/things/1`)).text()).toBe('{\n  "id": "1"\n}');
    expect(await (await fetch(`${emu.url}/raw`)).text()).toBe('{"n":1e21}');
  });

  it('runs deferred work after the handler, and maps thrown errors', async () => {
    order.length = 0;
    const ok = await fetch(`${emu.url}/echo`, { method: 'POST', body: '{"a":1}' });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ got: { a: 1 } });
    await expect.poll(() => order).toEqual(['handler', 'deferred']);
    const bad = await fetch(`${emu.url}/echo`, { method: 'POST', body: '{"a":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'bad json' });
  });

  it('refuses a body over the limit with the provider reply and changes nothing', async () => {
    order.length = 0;
    const before = recorder.requests.length;
    const res = await fetch(`${emu.url}/echo`, { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(100) }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'too large' });
    expect(recorder.requests.length).toBe(before);
    expect(order).toEqual([]);
  });

  it('records API requests (not control ones) and redacts keys, rewrites and secret values', async () => {
    recorder.clear();
    await fetch(`${emu.url}/echo?q=s3cr3t-token`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc', 'x-secret': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'p', note: 'has s3cr3t-token inside' }),
    });
    expect(recorder.requests).toHaveLength(1);
    expect(recorder.requests[0]?.body).toEqual({ password: 'p', note: 'has s3cr3t-token inside' });
    const listed = (await (await fetch(`${emu.url}/emulator/requests`)).json()) as Array<Record<string, Record<string, string>>>;
    expect(recorder.requests).toHaveLength(1);
    expect(listed[0]?.['headers']?.['authorization']).toBe('Bearer [redacted]');
    expect(listed[0]?.['headers']?.['x-secret']).toBe('[redacted]');
    expect(listed[0]?.['body']).toEqual({ password: '[redacted]', note: 'has [redacted] inside' });
    expect(listed[0]?.['query']).toEqual({ q: '[redacted]' });
  });

  it('applies faults by path and method, counting times, then answers normally', async () => {
    faults.add({ path: '/things/*', method: 'GET', kind: 'teapot', times: 2 });
    expect((await fetch(`${emu.url}/things/1`)).status).toBe(418);
    expect((await fetch(`${emu.url}/any/1`)).status).toBe(200);
    expect((await fetch(`${emu.url}/things/2`)).status).toBe(418);
    expect((await fetch(`${emu.url}/things/3`)).status).toBe(200);
    expect(faults.size).toBe(0);
    faults.add({ path: '/things/1', kind: 'reset' });
    await expect(fetch(`${emu.url}/things/1`)).rejects.toThrow();
    faults.add({ path: '*', kind: 'teapot', times: -1 });
    expect((await fetch(`${emu.url}/any/z`)).status).toBe(418);
    expect((await fetch(`${emu.url}/emulator/requests`)).status).toBe(200); // control routes are never faulted
    expect(faults.list()).toMatchObject([{ path: '*', remaining: -1 }]);
    faults.clear();
  });

  it('delays API requests by the latency, and close() ends hanging requests and pending latency', async () => {
    const own = await startEmulatorServer<Fault>({
      bodyLimit: 1024,
      api: new Router<Handler>().add('GET', '/x', () => ({ status: 200, body: {} })),
      control: new Router<Handler>(),
      recorder: new RequestRecorder(),
      latencyMs: () => 60_000,
      faults: new FaultBook<Fault>(),
      faultOutcome: (f) => (f.kind === 'teapot' ? { status: 418 } : f.kind),
      errorReply: () => ({ status: 500 }),
      notFound: () => ({ status: 404 }),
      bodyTooLarge: () => ({ status: 413 }),
    });
    const pending = fetch(`${own.url}/x`).then(
      () => 'answered',
      () => 'failed',
    );
    const raced = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 50))]);
    expect(raced).toBe('still waiting');
    await own.close();
    expect(await pending).toBe('failed');
  });
});

describe('webhook queue', () => {
  let receiver: Server;
  let url = '';
  const statuses: number[] = [];
  const seen: Array<{ body: string; signature: string | undefined; attempt: string | undefined }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-sig'] as string | undefined, attempt: req.headers['x-attempt'] as string | undefined });
        res.writeHead(statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('sends the exact body with the signer headers, retries non-2xx answers, records each attempt', async () => {
    const q = new WebhookQueue<{ tag: string }>({ sign: (body, attempt) => ({ 'content-type': 'application/json', 'x-sig': `sig(${body.length})`, 'x-attempt': String(attempt) }), maxAttempts: 3, retryDelayMs: 1 });
    seen.length = 0;
    statuses.push(500, 503);
    const body = '{ "amount": 0.30000000000000004 }';
    const { delivery, finished } = q.send(url, body, { tag: 't1' });
    expect(delivery).toMatchObject({ tag: 't1', attempt: 1, done: false, status: null });
    const last = await finished;
    expect(last).toMatchObject({ tag: 't1', attempt: 3, status: 200, done: true });
    expect(q.deliveries.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 503], [3, 200]]);
    expect(seen).toEqual([1, 2, 3].map((a) => ({ body, signature: `sig(${body.length})`, attempt: String(a) })));
    expect(await q.waitFor((d) => d.tag === 't1' && d.status === 200)).toBe(last);
    await q.close();
  });

  it('records network errors, and sends nothing after close()', async () => {
    const q = new WebhookQueue<{ tag: string }>({ sign: () => ({}) });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const failed = await q.send(`http://127.0.0.1:${port}/nothing`, '{}', { tag: 'x' }).finished;
    expect(failed.status).toBeNull();
    expect(failed.error).toBe('ECONNREFUSED');
    await q.close();
    seen.length = 0;
    const after = await q.send(url, '{}', { tag: 'late' }).finished;
    expect(after).toMatchObject({ status: null, error: 'emulator closed', done: true });
    expect(seen).toEqual([]);
  });
});
