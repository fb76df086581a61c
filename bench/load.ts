import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Configuration, PlaidApi, CountryCode } from 'plaid';
import { Pool } from 'undici';
import { z } from 'zod';
import { askParent } from './ipc.js';

/**
 * The load generator, in its own process: one scenario per run (argv[2], JSON), a fixed
 * concurrency, a warm-up then a fixed measuring window (or a fixed count), and one JSON result on
 * stdout. Every response is checked: a request only counts as a success if the answer says so.
 */

const Timed = z.object({ concurrency: z.number().int().positive(), warmupMs: z.number().int().min(0), durationMs: z.number().int().positive() });
const Scenario = z.discriminatedUnion('kind', [
  Timed.extend({
    kind: z.literal('http'),
    url: z.string(),
    path: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    /** A success answer contains this text. */
    expect: z.string(),
  }),
  Timed.extend({
    kind: z.literal('sdk'),
    basePath: z.string(),
    clientId: z.string(),
    secret: z.string(),
    userId: z.string(),
    accessTokens: z.array(z.string()).min(1),
  }),
  /** Full transaction syncs through the gateway, page by page: worker i syncs connection i from an empty cursor until hasMore is false, again and again. */
  Timed.extend({
    kind: z.literal('gatewaySync'),
    url: z.string(),
    token: z.string(),
    query: z.string(),
    connectionIds: z.array(z.string()).min(1),
    pageSize: z.number().int().positive(),
    /** Every full sync must add exactly this many transactions. */
    expectTransactions: z.number().int().positive(),
  }),
  /** The same with the plaid SDK's transactionsSync: worker i syncs access token i. */
  Timed.extend({
    kind: z.literal('sdkSync'),
    basePath: z.string(),
    clientId: z.string(),
    secret: z.string(),
    accessTokens: z.array(z.string()).min(1),
    pageSize: z.number().int().positive(),
    expectTransactions: z.number().int().positive(),
  }),
  z.object({ kind: z.literal('webhooks'), url: z.string(), file: z.string(), concurrency: z.number().int().positive(), maxMs: z.number().int().positive() }),
  z.object({ kind: z.literal('refresh'), url: z.string(), token: z.string(), query: z.string(), first: z.number().int().positive(), runs: z.number().int().positive() }),
  /** The refresh's baseline: the plaid SDK making the same `reads` /accounts/get calls, `concurrency` at a time. */
  z.object({
    kind: z.literal('sdkRefresh'),
    basePath: z.string(),
    clientId: z.string(),
    secret: z.string(),
    accessTokens: z.array(z.string()).min(1),
    reads: z.number().int().positive(),
    concurrency: z.number().int().positive(),
    runs: z.number().int().positive(),
  }),
  z.object({
    kind: z.literal('sse'),
    url: z.string(),
    token: z.string(),
    subscription: z.string(),
    count: z.number().int().positive(),
    trigger: z.object({ query: z.string(), variables: z.record(z.string(), z.unknown()), expect: z.string() }),
    timeoutMs: z.number().int().positive(),
  }),
]);
type Scenario = z.infer<typeof Scenario>;

/** CPU time (user + system, µs) this process spent inside the measured window. */
export interface Cpu { userUs: number; systemUs: number }

/**
 * The edges of the measured window: this process notes its own CPU time and asks the orchestrator
 * to sample the servers it measures (their own `process.cpuUsage()`, over IPC).
 */
function windowEdge(phase: 'start' | 'end'): Promise<NodeJS.CpuUsage> {
  const own = process.cpuUsage();
  return askParent('window', { phase }).then(() => own);
}

const cpuBetween = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): Cpu => ({ userUs: b.user - a.user, systemUs: b.system - a.system });

export interface TimedResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** What the completed calls carried (transactions, for the sync scenarios), when `once` says. */
  units: number;
  /** The load process's own CPU over the window (the SDK's client process in the SDK scenario). */
  cpu: Cpu;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * `concurrency` workers call `once` back to back; only completions inside the window count.
 * `once` gets a sequence number and the worker's number (0..concurrency-1), and may return how
 * many units (e.g. transactions) its call carried.
 */
async function timedLoop(s: z.infer<typeof Timed>, once: (seq: number, worker: number) => Promise<number | void>): Promise<TimedResult> {
  const start = performance.now();
  const measureFrom = start + s.warmupMs;
  const end = measureFrom + s.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let units = 0;
  let firstError: string | null = null;
  let seq = 0;
  const at = (t: number, phase: 'start' | 'end') => new Promise<void>((r) => setTimeout(r, t - performance.now())).then(() => windowEdge(phase));
  const edges = Promise.all([at(measureFrom, 'start'), at(end, 'end')]);
  const worker = async (w: number) => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      let failed = false;
      let carried = 0;
      try {
        carried = (await once(seq++, w)) ?? 0;
      } catch (e) {
        failed = true;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        if (failed) errors++;
        else {
          latencies.push(t1 - t0);
          units += carried;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, (_, w) => worker(w)));
  const [c0, c1] = await edges;
  const sorted = Float64Array.from(latencies).sort();
  const seconds = s.durationMs / 1000;
  return { requests: latencies.length, errors, firstError, seconds, rps: latencies.length / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), units, cpu: cpuBetween(c0, c1) };
}

async function runHttp(s: Extract<Scenario, { kind: 'http' }>): Promise<TimedResult> {
  const pool = new Pool(s.url, { connections: s.concurrency, pipelining: 1 });
  try {
    return await timedLoop(s, async () => {
      const res = await pool.request({ method: 'POST', path: s.path, headers: s.headers, body: s.body });
      const text = await res.body.text();
      if (res.statusCode !== 200 || !text.includes(s.expect)) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    });
  } finally {
    await pool.close();
  }
}

async function runSdk(s: Extract<Scenario, { kind: 'sdk' }>): Promise<TimedResult> {
  // The SDK as an application would configure it: keep-alive sockets, one per in-flight call.
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: s.concurrency });
  const client = new PlaidApi(
    new Configuration({ basePath: s.basePath, baseOptions: { httpAgent, headers: { 'PLAID-CLIENT-ID': s.clientId, 'PLAID-SECRET': s.secret } } }),
  );
  try {
    return await timedLoop(s, async (i) => {
      const res = await client.linkTokenCreate({
        client_name: 'aggregator-gateway',
        language: 'en',
        country_codes: [CountryCode.Us],
        user: { client_user_id: s.userId },
        access_token: s.accessTokens[i % s.accessTokens.length]!,
      });
      if (!res.data.link_token) throw new Error('no link_token');
    });
  } finally {
    httpAgent.destroy();
  }
}

/** Workers own one connection (or Item) each: concurrent syncs of one connection would queue on its row lock. */
function ownSyncTargets(concurrency: number, targets: string[]): void {
  if (targets.length < concurrency) throw new Error(`${concurrency} sync workers need as many connections, got ${targets.length}`);
}

/**
 * Per worker: where its full sync stands. One call is one page (so that a window of a few seconds
 * counts every page that finished in it, however long a full sync takes on a loaded machine);
 * the page that ends a full sync checks that it added exactly `expectTransactions`.
 */
function syncState(workers: number, expected: number) {
  const at = Array.from({ length: workers }, () => ({ cursor: null as string | null, added: 0 }));
  return {
    cursor: (w: number) => at[w]!.cursor,
    page(w: number, added: number, nextCursor: string, hasMore: boolean): number {
      const s = at[w]!;
      s.added += added;
      s.cursor = nextCursor;
      if (!hasMore) {
        const total = s.added;
        at[w] = { cursor: null, added: 0 };
        if (total !== expected) throw new Error(`full sync added ${total}, expected ${expected}`);
      }
      return added;
    },
  };
}

async function runGatewaySync(s: Extract<Scenario, { kind: 'gatewaySync' }>): Promise<TimedResult> {
  ownSyncTargets(s.concurrency, s.connectionIds);
  const state = syncState(s.concurrency, s.expectTransactions);
  const pool = new Pool(s.url, { connections: s.concurrency, pipelining: 1 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${s.token}` };
  const Page = z.object({
    data: z.object({
      transactionsSync: z.object({ __typename: z.literal('TransactionsSyncPayload'), added: z.array(z.object({ id: z.string(), amount: z.string() })), nextCursor: z.string(), hasMore: z.boolean() }),
    }),
  });
  try {
    return await timedLoop(s, async (_seq, w) => {
      const variables = { input: { connectionId: s.connectionIds[w]!, cursor: state.cursor(w), count: s.pageSize } };
      const res = await pool.request({ method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query: s.query, variables }) });
      const text = await res.body.text();
      const page = res.statusCode === 200 ? Page.safeParse(JSON.parse(text)) : null;
      if (!page?.success) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      const p = page.data.data.transactionsSync;
      return state.page(w, p.added.length, p.nextCursor, p.hasMore);
    });
  } finally {
    await pool.close();
  }
}

async function runSdkSync(s: Extract<Scenario, { kind: 'sdkSync' }>): Promise<TimedResult> {
  ownSyncTargets(s.concurrency, s.accessTokens);
  const state = syncState(s.concurrency, s.expectTransactions);
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: s.concurrency });
  const client = new PlaidApi(
    new Configuration({ basePath: s.basePath, baseOptions: { httpAgent, headers: { 'PLAID-CLIENT-ID': s.clientId, 'PLAID-SECRET': s.secret } } }),
  );
  try {
    return await timedLoop(s, async (_seq, w) => {
      const cursor = state.cursor(w);
      // The same request the gateway's adapter sends (personal_finance_category asked for).
      const res = await client.transactionsSync({
        access_token: s.accessTokens[w]!,
        count: s.pageSize,
        options: { include_personal_finance_category: true },
        ...(cursor ? { cursor } : {}),
      });
      return state.page(w, res.data.added.length, res.data.next_cursor, res.data.has_more);
    });
  } finally {
    httpAgent.destroy();
  }
}

async function runWebhooks(s: Extract<Scenario, { kind: 'webhooks' }>) {
  const deliveries = z.array(z.object({ body: z.string(), headers: z.record(z.string(), z.string()) })).parse(JSON.parse(await readFile(s.file, 'utf8')));
  const pool = new Pool(s.url, { connections: s.concurrency, pipelining: 1 });
  const outcomes: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  let firstError: string | null = null;
  const c0 = await windowEdge('start');
  const start = performance.now();
  const worker = async () => {
    while (next < deliveries.length && performance.now() - start < s.maxMs) {
      const d = deliveries[next++]!;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: '/webhooks/plaid', headers: d.headers, body: d.body });
        const reply = (await res.body.json()) as { outcome?: string };
        const key = res.statusCode === 200 ? (reply.outcome ?? 'unknown') : `http_${res.statusCode}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        latencies.push(performance.now() - t0);
      } catch (e) {
        firstError ??= (e as Error).message;
        outcomes.error = (outcomes.error ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const c1 = await windowEdge('end');
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  const accepted = Object.entries(outcomes).filter(([k]) => !k.startsWith('http_') && k !== 'error').reduce((n, [, v]) => n + v, 0);
  return { sent: latencies.length + (outcomes.error ?? 0), available: deliveries.length, accepted, outcomes, firstError, seconds, perSecond: accepted / seconds, applied: outcomes.applied ?? 0, appliedPerSecond: (outcomes.applied ?? 0) / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), cpu: cpuBetween(c0, c1) };
}

async function runRefresh(s: Extract<Scenario, { kind: 'refresh' }>) {
  const pool = new Pool(s.url, { connections: 1 });
  const query = async () => {
    await askParent('mark');
    const t0 = performance.now();
    const res = await pool.request({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ query: s.query, variables: { first: s.first } }),
    });
    const body = (await res.body.json()) as { data?: { connections?: { edges?: unknown[] } }; errors?: unknown };
    const wallMs = performance.now() - t0;
    if (res.statusCode !== 200 || body.errors) throw new Error(`refresh query failed: ${JSON.stringify(body).slice(0, 300)}`);
    const providerReads = z.number().parse(await askParent('reads'));
    return { wallMs, providerReads, nodes: body.data?.connections?.edges?.length ?? 0 };
  };
  // One query first, not measured: the other scenarios measure after a warm-up too, and this
  // gateway has served nothing yet (its first query would time the JIT and the pools' first sockets).
  const warmup = await query();
  const runs: { wallMs: number; providerReads: number; nodes: number }[] = [];
  const c0 = await windowEdge('start');
  for (let i = 0; i < s.runs; i++) runs.push(await query());
  const c1 = await windowEdge('end');
  await pool.close();
  return { warmup, runs, cpu: cpuBetween(c0, c1) };
}

async function runSdkRefresh(s: Extract<Scenario, { kind: 'sdkRefresh' }>) {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: s.concurrency });
  const client = new PlaidApi(
    new Configuration({ basePath: s.basePath, baseOptions: { httpAgent, headers: { 'PLAID-CLIENT-ID': s.clientId, 'PLAID-SECRET': s.secret } } }),
  );
  const oneRun = async () => {
    const t0 = performance.now();
    let next = 0;
    let accounts = 0;
    // `concurrency` workers share the reads, as the gateway's provider limit shares them.
    await Promise.all(
      Array.from({ length: Math.min(s.concurrency, s.reads) }, async () => {
        while (next < s.reads) {
          const i = next++;
          const res = await client.accountsGet({ access_token: s.accessTokens[i % s.accessTokens.length]! });
          if (res.data.accounts.length === 0) throw new Error('no accounts');
          accounts += res.data.accounts.length;
        }
      }),
    );
    return { wallMs: performance.now() - t0, accounts };
  };
  const runs: { wallMs: number; accounts: number }[] = [];
  try {
    await oneRun(); // warm-up, as the gateway's refresh
    const c0 = await windowEdge('start');
    for (let r = 0; r < s.runs; r++) runs.push(await oneRun());
    const c1 = await windowEdge('end');
    return { runs, cpu: cpuBetween(c0, c1) };
  } finally {
    httpAgent.destroy();
  }
}

async function runSse(s: Extract<Scenario, { kind: 'sse' }>) {
  // One socket per subscription, as 1,000 browsers would hold.
  const pool = new Pool(s.url, { connections: s.count + 10, pipelining: 1, bodyTimeout: 0, headersTimeout: 30_000 });
  let opened = 0;
  let received = 0;
  let onOpen: () => void = () => {};
  let onReceived: () => void = () => {};
  const allOpen = new Promise<void>((r) => (onOpen = r));
  const allReceived = new Promise<void>((r) => (onReceived = r));
  const bodies: { destroy(): void }[] = [];
  const t0 = performance.now();
  const subscribe = async () => {
    const res = await pool.request({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ query: s.subscription }),
    });
    if (res.statusCode !== 200) throw new Error(`subscription answered ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
    bodies.push(res.body);
    let buf = '';
    let open = false;
    let got = false;
    res.body.setEncoding('utf8');
    res.body.on('data', (chunk: string) => {
      buf += chunk;
      // Yoga writes a ":" ping as soon as the stream starts; the event arrives as "event: next".
      if (!open && buf.includes(':\n\n')) {
        open = true;
        if (++opened === s.count) onOpen();
      }
      if (!got && buf.includes('event: next') && buf.includes(s.trigger.expect)) {
        got = true;
        if (++received === s.count) onReceived();
      }
      if (buf.length > 4096) buf = buf.slice(-1024);
    });
    res.body.on('error', () => undefined);
  };
  const failures: string[] = [];
  await Promise.all(Array.from({ length: s.count }, () => subscribe().catch((e: Error) => void failures.push(e.message))));
  if (failures.length) throw new Error(`${failures.length} subscriptions failed: ${failures[0]}`);
  await allOpen;
  const openMs = performance.now() - t0;
  // The orchestrator reads the gateway's memory while every stream is open.
  const memory = await askParent('sseOpen');

  const trigger = new Pool(s.url, { connections: 1 });
  const t1 = performance.now();
  const res = await trigger.request({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify({ query: s.trigger.query, variables: s.trigger.variables }),
  });
  const triggerText = await res.body.text();
  if (!triggerText.includes(s.trigger.expect)) throw new Error(`trigger failed: ${triggerText.slice(0, 300)}`);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allReceived, new Promise<void>((r) => (timer = setTimeout(r, s.timeoutMs)))]);
  clearTimeout(timer);
  const fanOutMs = performance.now() - t1;
  for (const b of bodies) b.destroy();
  await Promise.allSettled([trigger.close(), pool.destroy()]);
  return { subscriptions: s.count, opened, received, openMs, fanOutMs, memory };
}

const scenario = Scenario.parse(JSON.parse(process.argv[2] ?? '{}'));
const handlers = { http: runHttp, sdk: runSdk, gatewaySync: runGatewaySync, sdkSync: runSdkSync, webhooks: runWebhooks, refresh: runRefresh, sdkRefresh: runSdkRefresh, sse: runSse } as const;
const result = await (handlers[scenario.kind] as (s: Scenario) => Promise<unknown>)(scenario);
process.stdout.write(JSON.stringify(result));
process.exit(0);
