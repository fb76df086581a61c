import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { z } from 'zod';
import { signDemoToken } from '../src/auth/auth.js';
import { spawnChild, type Child, type Handlers } from './ipc.js';
import { EXCHANGE, LIST, LIST_ACCOUNTS, RESET, STATUS_PAGE, SUBSCRIBE, TRANSACTIONS_SYNC, UPDATE_LINK } from './operations.js';

/**
 * `npm run bench`: emulator, gateway, baselines and load generator each in their own process on
 * loopback; every scenario bounded in time or count; one table and bench/results/latest.json.
 * Runs on the embedded store (PGlite) and, when reachable, on PostgreSQL.
 *
 * Knobs (env): BENCH_DURATION_MS (5000), BENCH_WARMUP_MS (1000), BENCH_CONCURRENCY (50),
 * BENCH_WEBHOOKS (10000), BENCH_SUBSCRIBERS (1000), BENCH_STORES (pglite,postgres),
 * BENCH_SYNC_TRANSACTIONS (1000), BENCH_SYNC_PAGE (500), BENCH_SYNC_CONCURRENCY (8),
 * BENCH_DATABASE_URL / TEST_DATABASE_URL / DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_SCENARIOS (all of: mutation,list,accounts,sync,webhooks,memory,refresh), BENCH_REFRESH_RUNS (3).
 */

const int = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);
const DURATION_MS = int(process.env.BENCH_DURATION_MS, 5_000);
const WARMUP_MS = int(process.env.BENCH_WARMUP_MS, 1_000);
const CONCURRENCY = int(process.env.BENCH_CONCURRENCY, 50);
const WEBHOOKS = int(process.env.BENCH_WEBHOOKS, 10_000);
/** The webhook scenario is bounded by count and by this time. */
const WEBHOOK_MAX_MS = int(process.env.BENCH_WEBHOOK_MAX_MS, 10_000);
const SUBSCRIBERS = int(process.env.BENCH_SUBSCRIBERS, 1_000);
const PROVIDER_CONCURRENCY = int(process.env.PROVIDER_CONCURRENCY, 64);
/** Transaction sync scenario (issue 9): each full sync fetches this many transactions, in pages of this size. */
const SYNC_TRANSACTIONS = int(process.env.BENCH_SYNC_TRANSACTIONS, 1_000);
const SYNC_PAGE = int(process.env.BENCH_SYNC_PAGE, 500);
/** Full syncs in flight, each on its own connection (gateway) or Item (SDK). */
const SYNC_CONCURRENCY = int(process.env.BENCH_SYNC_CONCURRENCY, 8);
const LATENCY_MS = 50;
/** The +50 ms pair again at this concurrency: the latency the gateway adds when the machine is not saturated. */
const LOW_CONCURRENCY = 5;
const REFRESH_COUNT = 100;
/** Refresh queries measured (the median's wall time is reported). */
const REFRESH_RUNS = Math.max(1, int(process.env.BENCH_REFRESH_RUNS, 3));
/** The scenario groups to run (a subset for side-by-side runs of one figure). */
const SCENARIO_GROUPS = ['mutation', 'list', 'accounts', 'sync', 'webhooks', 'memory', 'refresh'] as const;
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? SCENARIO_GROUPS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const s of SCENARIOS) {
  if (!(SCENARIO_GROUPS as readonly string[]).includes(s)) throw new Error(`BENCH_SCENARIOS: unknown scenario "${s}" (known: ${SCENARIO_GROUPS.join(', ')})`);
}
const want = (s: (typeof SCENARIO_GROUPS)[number]) => SCENARIOS.has(s);
const STORES = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',').map((s) => s.trim());
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Hard stop for the whole run: the bench must end by itself whatever happens. */
const DEADLINE_MS = 8 * 60_000;
/** Extra node flags for the gateway process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const GATEWAY_FLAGS = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
/**
 * When set, each measured window of a gateway is profiled on its own (the inspector's CPU profiler,
 * started and stopped over IPC) into this folder as `<n>-<scenario kind>.cpuprofile`; summarise one
 * with `npx tsx bench/profile-summary.ts <file>`. The profiler costs CPU: figures of such a run are
 * not comparable with others.
 */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR ?? '';
let profileSeq = 0;
/**
 * The gateway runs as compiled JavaScript (tsconfig.bench.json: dist/bench/gateway-process.js over
 * dist/src), as `npm start` runs it; BENCH_GATEWAY_RUNTIME=tsx runs the TypeScript through tsx instead.
 */
const GATEWAY_RUNTIME = process.env.BENCH_GATEWAY_RUNTIME === 'tsx' ? 'tsx' : 'dist';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const children = new Set<Child>();
const deadline = setTimeout(() => {
  console.error(`bench: exceeded ${DEADLINE_MS / 1000} s, stopping`);
  for (const c of children) c.proc.kill('SIGKILL');
  process.exit(2);
}, DEADLINE_MS);
deadline.unref();

async function start(script: string, opts: Parameters<typeof spawnChild>[1] = {}): Promise<Child> {
  const c = await spawnChild(script, { timeoutMs: DEADLINE_MS, ...opts });
  children.add(c);
  void c.exited.finally(() => children.delete(c)).catch(() => undefined);
  return c;
}
const repoDir = join(benchDir, '..');
function startGateway(env: Record<string, string>, nodeFlags: string[]): Promise<Child> {
  const compiled = GATEWAY_RUNTIME === 'dist' ? { compiled: join(repoDir, 'dist', 'bench', 'gateway-process.js') } : {};
  return start('gateway-process.ts', { env, nodeFlags, ...compiled });
}
/** Compile the gateway (incremental: a no-op when dist/ is up to date). */
function buildGateway(): void {
  if (GATEWAY_RUNTIME !== 'dist') return;
  execFileSync(process.execPath, [join(repoDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(repoDir, 'tsconfig.bench.json')], { stdio: 'inherit' });
}
const urlOf = (c: Child) => z.object({ url: z.string() }).parse(c.ready).url;

interface Cpu { userUs: number; systemUs: number }
/** What every load result carries: the load process's own CPU and, per measured server, its CPU over the same window. */
interface Measured { cpu: Cpu; serverCpu: Record<string, Cpu> }

/**
 * One load-generator process per scenario; its stdout is the result. `measure` names the server
 * processes whose own CPU time is sampled at the edges of the load's measured window.
 */
async function load<T>(scenario: Record<string, unknown>, measure: Record<string, Child> = {}, handlers: Handlers = {}): Promise<T & Measured> {
  const samples: Record<string, NodeJS.CpuUsage[]> = {};
  const profiled = PROFILE_DIR && measure.gateway ? join(PROFILE_DIR, `${++profileSeq}-${String(scenario.kind)}.cpuprofile`) : null;
  const sample = async () => {
    const ending = Object.keys(samples).length > 0;
    if (profiled && ending) await measure.gateway!.call('profile', { file: profiled });
    await Promise.all(Object.entries(measure).map(async ([name, c]) => (samples[name] ??= []).push(await c.call<NodeJS.CpuUsage>('cpu'))));
    if (profiled && !ending) await measure.gateway!.call('profile', { start: true });
  };
  const c = await spawnChild('load.ts', { args: [JSON.stringify(scenario)], handlers: { window: sample, ...handlers }, timeoutMs: 120_000 }, false);
  children.add(c);
  try {
    const out = JSON.parse(await c.exited) as T & Measured;
    out.serverCpu = Object.fromEntries(
      Object.entries(samples).map(([name, [a, b]]) => [name, { userUs: b!.user - a!.user, systemUs: b!.system - a!.system }]),
    );
    return out;
  } finally {
    children.delete(c);
  }
}

interface Timed extends Measured { requests: number; errors: number; firstError: string | null; seconds: number; rps: number; p50Ms: number; p99Ms: number; units: number }

/** CPU µs per request (user + system) of one process over the measured window. */
const perRequest = (c: Cpu | undefined, n: number) => (c && n > 0 ? (c.userUs + c.systemUs) / n : NaN);

// ---- provider-side setup ------------------------------------------------------------------------

const plaidCreds = { clientId: `bench-${randomBytes(4).toString('hex')}`, secret: `benchsecret${randomBytes(12).toString('hex')}` };
const jwtSecret = randomBytes(32).toString('base64url');

async function plaidPost(emuUrl: string, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(emuUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'PLAID-CLIENT-ID': plaidCreds.clientId, 'PLAID-SECRET': plaidCreds.secret },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`emulator ${path}: ${res.status} ${String(json.error_code)}`);
  return json;
}

async function publicToken(emuUrl: string, webhook?: string): Promise<string> {
  const r = await plaidPost(emuUrl, '/sandbox/public_token/create', {
    institution_id: 'ins_109508',
    initial_products: ['transactions'],
    ...(webhook ? { options: { webhook } } : {}),
  });
  return z.string().parse(r.public_token);
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (res.status !== 200 || body.errors) throw new Error(`gateway: ${res.status} ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}

/** Link `n` connections for `user` the way an app does: sandbox public token, then exchangePublicToken. */
async function seed(gwUrl: string, emuUrl: string, user: string, n: number, webhook?: string): Promise<{ id: string; itemId: string }[]> {
  const token = await signDemoToken(jwtSecret, { sub: user, expiresIn: '1h' });
  const out: { id: string; itemId: string }[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async () => {
        const pt = await publicToken(emuUrl, webhook);
        const x = (await gql(gwUrl, token, EXCHANGE, { input: { provider: 'PLAID', publicToken: pt } })).exchangePublicToken;
        if (x.__typename !== 'ExchangePublicTokenPayload') throw new Error(`exchange: ${JSON.stringify(x)}`);
        return { id: x.connection.id as string, itemId: x.connection.providerConnectionId as string };
      }),
    );
    out.push(...batch);
  }
  return out;
}

// ---- stores ---------------------------------------------------------------------------------------

interface StoreTarget {
  name: 'pglite' | 'postgres';
  /** A fresh, empty store each call. */
  fresh(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

async function pgliteTarget(): Promise<StoreTarget> {
  const dirs: string[] = [];
  return {
    name: 'pglite',
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'bench-pglite-'));
      dirs.push(dir);
      return { DATABASE_URL: '', DATA_DIR: dir };
    },
    async cleanup() {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

async function postgresTarget(): Promise<StoreTarget | null> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const schemas: string[] = [];
  return {
    name: 'postgres',
    async fresh() {
      const schema = `bench_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const u = new URL(PG_URL);
      u.searchParams.set('options', `-c search_path=${schema}`);
      return { DATABASE_URL: u.toString(), DATA_DIR: tmpdir() };
    },
    async cleanup() {
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.end();
    },
  };
}

function gatewayEnv(emuUrl: string, store: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    METRICS_TOKEN: randomBytes(16).toString('hex'),
    AUTH_JWT_SECRET: jwtSecret,
    PLAID_CLIENT_ID: plaidCreds.clientId,
    PLAID_SECRET: plaidCreds.secret,
    PLAID_ENV: 'sandbox',
    PLAID_BASE_URL: emuUrl,
    // Inherited settings must not leak into the measured configuration.
    MONEYKIT_CLIENT_ID: '',
    MONEYKIT_CLIENT_SECRET: '',
    REDIS_URL: '',
    PUBLIC_URL: '',
    LOG_LEVEL: 'silent',
    PROVIDER_CONCURRENCY: String(PROVIDER_CONCURRENCY),
    // One bench caller sends what many callers would: the per-caller budget (which still runs on
    // every request) must not turn the measured load into RATE_LIMITED answers.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
    // Likewise the memory scenario opens SUBSCRIBERS streams as one user (the per-user limit is 5).
    MAX_SUBSCRIPTIONS_PER_USER: String(Math.max(SUBSCRIBERS + 10, 1000)),
    MAX_SUBSCRIPTIONS: String(Math.max(SUBSCRIBERS + 10, 1000)),
    ...store,
    ...extra,
  };
}

// ---- scenarios ------------------------------------------------------------------------------------

const timed = { concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS };
const gqlHeaders = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

interface SdkItem { accessToken: string; itemId: string }

async function runStore(target: StoreTarget, emu: Child, bare: Child, sdkTokens: string[], sdkSyncItems: SdkItem[]) {
  const emuUrl = urlOf(emu);
  const { sinkUrl } = z.object({ sinkUrl: z.string() }).parse(emu.ready);
  const log = (s: string) => console.error(`[${target.name}] ${s}`);
  const result: Record<string, unknown> = {};

  // Gateway A: default freshness (300 s), so reads are served from the store.
  let gw = await startGateway(gatewayEnv(emuUrl, await target.fresh()), ['--expose-gc', ...GATEWAY_FLAGS]);
  let gwUrl = urlOf(gw);
  const memStart = await gw.call<{ rssBytes: number }>('memory');
  log('seeding');
  const listConns = await seed(gwUrl, emuUrl, 'bench-list', 50);
  const hookConns = await seed(gwUrl, emuUrl, 'bench-hooks', 100, sinkUrl);
  const [sseConn] = await seed(gwUrl, emuUrl, 'bench-sse', 1);
  const syncConns = await seed(gwUrl, emuUrl, 'bench-sync', SYNC_CONCURRENCY);
  await emu.call('fill', { itemIds: syncConns.map((c) => c.itemId), total: SYNC_TRANSACTIONS });
  const syncToken = await signDemoToken(jwtSecret, { sub: 'bench-sync', expiresIn: '1h' });
  const listToken = await signDemoToken(jwtSecret, { sub: 'bench-list', expiresIn: '1h' });
  const sseToken = await signDemoToken(jwtSecret, { sub: 'bench-sse', expiresIn: '1h' });
  await emu.call('forget');

  // 1. Provider-bound mutation: gateway vs the plaid SDK, instant and with 50 ms added.
  const mutation = { url: gwUrl, path: '/graphql', headers: gqlHeaders(listToken), expect: '"CreateUpdateLinkTokenPayload"' };
  const sdk = { basePath: emuUrl, clientId: plaidCreds.clientId, secret: plaidCreds.secret, userId: 'bench-sdk', accessTokens: sdkTokens };
  const startFloor = () => start('floor-process.ts', { ...(GATEWAY_RUNTIME === 'dist' ? { compiled: join(repoDir, 'dist', 'bench', 'floor-process.js') } : {}), env: { FLOOR_PROVIDER_URL: emuUrl, FLOOR_CLIENT_ID: plaidCreds.clientId, FLOOR_SECRET: plaidCreds.secret, FLOOR_ACCESS_TOKEN: sdkTokens[0]!, FLOOR_CONNECTIONS: String(PROVIDER_CONCURRENCY) } });
  for (const latency of want('mutation') ? [0, LATENCY_MS] : []) {
    await emu.call('latency', { ms: latency });
    log(`createUpdateLinkToken, provider +${latency} ms`);
    const body = JSON.stringify({ query: UPDATE_LINK, variables: { input: { connectionId: listConns[0]!.id } } });
    const g = await load<Timed>({ kind: 'http', ...timed, ...mutation, body }, { gateway: gw, emulator: emu });
    const s = await load<Timed>({ kind: 'sdk', ...timed, ...sdk }, { emulator: emu });
    // What bounds the ratio: the floor (HTTP in, the same provider call, JSON out; bench/floor-process.ts)
    // for CPU, and the same pair at low concurrency for the latency the gateway itself adds.
    let floor: Timed & Measured & { cpuUsPerRequest: number } | null = null;
    let bareYogaMutation: Timed & Measured & { cpuUsPerRequest: number } | null = null;
    let withoutStoreRead: Timed & Measured & { cpuUsPerRequest: number } | null = null;
    if (latency === 0) {
      const fp = await startFloor();
      const fl = await load<Timed>({ kind: 'http', ...timed, ...mutation, url: urlOf(fp), body }, { floor: fp });
      await fp.stop();
      floor = { ...fl, cpuUsPerRequest: perRequest(fl.serverCpu.floor, fl.requests) };
      // The same provider call behind bare Yoga: the GraphQL framework's share alone.
      await bare.call('setProvider', { url: emuUrl, clientId: plaidCreds.clientId, secret: plaidCreds.secret, accessToken: sdkTokens[0]!, connections: PROVIDER_CONCURRENCY });
      const by = await load<Timed>({ kind: 'http', ...timed, ...mutation, url: urlOf(bare), headers: { 'content-type': 'application/json' }, body }, { bareYoga: bare });
      bareYogaMutation = { ...by, cpuUsPerRequest: perRequest(by.serverCpu.bareYoga, by.requests) };
      // And the gateway itself with its one store read answered from memory.
      await gw.call('memoReads', true);
      const gm = await load<Timed>({ kind: 'http', ...timed, ...mutation, body }, { gateway: gw });
      await gw.call('memoReads', false);
      withoutStoreRead = { ...gm, cpuUsPerRequest: perRequest(gm.serverCpu.gateway, gm.requests) };
    }
    const low = latency === LATENCY_MS
      ? {
          concurrency: LOW_CONCURRENCY,
          gateway: await load<Timed>({ kind: 'http', ...timed, concurrency: LOW_CONCURRENCY, ...mutation, body }, { gateway: gw }),
          sdk: await load<Timed>({ kind: 'sdk', ...timed, concurrency: LOW_CONCURRENCY, ...sdk }),
          // The floor at the same concurrency: what one more loopback hop costs, with no GraphQL,
          // caller check or store read (the part of the added p50 the gateway's own work cannot remove).
          floor: await (async () => {
            const fp = await startFloor();
            try {
              return await load<Timed>({ kind: 'http', ...timed, concurrency: LOW_CONCURRENCY, ...mutation, url: urlOf(fp), body }, { floor: fp });
            } finally {
              await fp.stop();
            }
          })(),
          // And the gateway with its store read answered from memory: the read's round trip's share.
          withoutStoreRead: await (async () => {
            await gw.call('memoReads', true);
            try {
              return await load<Timed>({ kind: 'http', ...timed, concurrency: LOW_CONCURRENCY, ...mutation, body }, { gateway: gw });
            } finally {
              await gw.call('memoReads', false);
            }
          })(),
        }
      : null;
    result[`mutation_${latency}ms`] = {
      gateway: g,
      sdk: s,
      floor,
      bareYoga: bareYogaMutation,
      withoutStoreRead,
      low: low && { ...low, addedP50Ms: low.gateway.p50Ms - low.sdk.p50Ms },
      ratio: g.rps / s.rps,
      addedP50Ms: g.p50Ms - s.p50Ms,
      // The gateway process vs the SDK's client process (the load process in the SDK run).
      cpuUsPerRequest: { gateway: perRequest(g.serverCpu.gateway, g.requests), sdkClient: perRequest(s.cpu, s.requests), emulatorViaGateway: perRequest(g.serverCpu.emulator, g.requests), emulatorViaSdk: perRequest(s.serverCpu.emulator, s.requests) },
    };
    await emu.call('forget');
  }
  await emu.call('latency', { ms: 0 });

  // 2. connections(first: 50) from the store vs bare Yoga with the same 50 objects in memory.
  if (want('list')) {
    log('connections(first: 50)');
    const listBody = JSON.stringify({ query: LIST, variables: { first: 50 } });
    const page = (await gql(gwUrl, listToken, LIST, { first: 50 })).connections;
    if (page.edges.length !== 50) throw new Error(`expected 50 connections, got ${page.edges.length}`);
    await bare.call('setPage', page);
    const gl = await load<Timed>({ kind: 'http', ...timed, url: gwUrl, path: '/graphql', headers: gqlHeaders(listToken), body: listBody, expect: '"totalCount":50' }, { gateway: gw });
    const bl = await load<Timed>({ kind: 'http', ...timed, url: urlOf(bare), path: '/graphql', headers: { 'content-type': 'application/json' }, body: listBody, expect: '"totalCount":50' }, { bareYoga: bare });
    // The bound, by experiment: the same page with the store read answered from memory (gateway-process memoReads).
    await gw.call('memoReads', true);
    const gm = await load<Timed>({ kind: 'http', ...timed, url: gwUrl, path: '/graphql', headers: gqlHeaders(listToken), body: listBody, expect: '"totalCount":50' }, { gateway: gw });
    await gw.call('memoReads', false);
    result.list = {
      gateway: gl,
      bareYoga: bl,
      withoutStoreRead: { ...gm, ratio: gm.rps / bl.rps, cpuUsPerRequest: perRequest(gm.serverCpu.gateway, gm.requests) },
      ratio: gl.rps / bl.rps,
      cpuUsPerRequest: { gateway: perRequest(gl.serverCpu.gateway, gl.requests), bareYoga: perRequest(bl.serverCpu.bareYoga, bl.requests) },
    };
    await emu.call('forget');
  }

  // 2b. The same page with each connection's 3 accounts and their balances (issue 9), same baseline.
  if (want('accounts')) {
    log('connections(first: 50) with accounts');
    const accountsBody = JSON.stringify({ query: LIST_ACCOUNTS, variables: { first: 50 } });
    const accountsPage = (await gql(gwUrl, listToken, LIST_ACCOUNTS, { first: 50 })).connections;
    const accountCounts = new Set(accountsPage.edges.map((e: any) => e.node.accounts.length));
    if (accountsPage.edges.length !== 50 || accountCounts.size !== 1 || !accountCounts.has(3)) throw new Error(`expected 50 connections with 3 accounts each, got ${accountsPage.edges.length} with ${[...accountCounts].join('/')}`);
    await bare.call('setPage', accountsPage);
    // Only a page that carries the accounts counts (the connections alone would not say this).
    const withAccounts = { ...timed, path: '/graphql', body: accountsBody, expect: '"providerType":"depository/checking"' };
    const ga = await load<Timed>({ kind: 'http', ...withAccounts, url: gwUrl, headers: gqlHeaders(listToken) }, { gateway: gw });
    const ba = await load<Timed>({ kind: 'http', ...withAccounts, url: urlOf(bare), headers: { 'content-type': 'application/json' } }, { bareYoga: bare });
    result.listAccounts = { gateway: ga, bareYoga: ba, ratio: ga.rps / ba.rps, cpuUsPerRequest: { gateway: perRequest(ga.serverCpu.gateway, ga.requests), bareYoga: perRequest(ba.serverCpu.bareYoga, ba.requests) } };
    await emu.call('forget');
  }

  // 2c. Full transaction syncs (issue 9): SYNC_TRANSACTIONS in pages of SYNC_PAGE from an empty
  // cursor until hasMore is false, through the gateway vs the plaid SDK, same emulator.
  if (want('sync')) {
    log(`transactionsSync: ${SYNC_TRANSACTIONS} transactions in pages of ${SYNC_PAGE}`);
    const syncTimed = { ...timed, concurrency: SYNC_CONCURRENCY, pageSize: SYNC_PAGE, expectTransactions: SYNC_TRANSACTIONS };
    const gs = await load<Timed>({ kind: 'gatewaySync', ...syncTimed, url: gwUrl, token: syncToken, query: TRANSACTIONS_SYNC, connectionIds: syncConns.map((c) => c.id) }, { gateway: gw, emulator: emu });
    await emu.call('forget');
    const ss = await load<Timed>({ kind: 'sdkSync', ...syncTimed, basePath: emuUrl, clientId: plaidCreds.clientId, secret: plaidCreds.secret, accessTokens: sdkSyncItems.map((i) => i.accessToken) }, { emulator: emu });
    await emu.call('forget');
    // A request is one page; units are the transactions the pages that finished in the window added.
    const rates = (t: Timed) => ({ transactionsPerSecond: t.units / t.seconds, fullSyncsPerSecond: t.units / t.seconds / SYNC_TRANSACTIONS });
    result.sync = {
      transactions: SYNC_TRANSACTIONS,
      pageSize: SYNC_PAGE,
      concurrency: SYNC_CONCURRENCY,
      gateway: { ...gs, ...rates(gs) },
      sdk: { ...ss, ...rates(ss) },
      ratio: gs.units / ss.units,
      cpuUsPerTransaction: { gateway: perRequest(gs.serverCpu.gateway, gs.units), sdkClient: perRequest(ss.cpu, ss.units), emulatorViaGateway: perRequest(gs.serverCpu.emulator, gs.units), emulatorViaSdk: perRequest(ss.serverCpu.emulator, ss.units) },
    };
  }

  // 3. Verified webhooks: real signed deliveries from the emulator, replayed once each.
  if (want('webhooks')) {
    log(`signing ${WEBHOOKS} webhooks`);
    const hookDir = await mkdtemp(join(tmpdir(), 'bench-hooks-'));
    const file = join(hookDir, 'deliveries.json');
    await emu.call('sign', { itemIds: hookConns.map((c) => c.itemId), count: WEBHOOKS, file });
    log('webhooks');
    const hooks = await load<{ accepted: number }>({ kind: 'webhooks', url: gwUrl, file, concurrency: CONCURRENCY, maxMs: WEBHOOK_MAX_MS }, { gateway: gw });
    // The floor: the same deliveries verified and answered with no store (bench/floor-process.ts).
    const fp = await startFloor();
    const floorHooks = await load<{ accepted: number }>({ kind: 'webhooks', url: urlOf(fp), file, concurrency: CONCURRENCY, maxMs: WEBHOOK_MAX_MS }, { floor: fp });
    await fp.stop();
    result.webhooks = {
      ...hooks,
      cpuUsPerRequest: { gateway: perRequest(hooks.serverCpu.gateway, hooks.accepted) },
      floor: { ...floorHooks, cpuUsPerRequest: perRequest(floorHooks.serverCpu.floor, floorHooks.accepted) },
    };
    await rm(hookDir, { recursive: true, force: true });
    await emu.call('forget');
  }

  // 4. Memory idle, then with SUBSCRIBERS open SSE subscriptions; one change must reach all.
  if (want('memory')) {
    log(`${SUBSCRIBERS} SSE subscriptions`);
    const memIdle = await gw.call<{ rssBytes: number }>('memory');
    const memOpen: { value: { rssBytes: number } | null } = { value: null };
    const sse = await load<Record<string, unknown>>(
      {
        kind: 'sse',
        url: gwUrl,
        token: sseToken,
        subscription: SUBSCRIBE,
        count: SUBSCRIBERS,
        trigger: { query: RESET, variables: { input: { connectionId: sseConn!.id } }, expect: 'LOGIN_REQUIRED' },
        timeoutMs: 10_000,
      },
      {},
      { sseOpen: async () => (memOpen.value = await gw.call<{ rssBytes: number }>('memory')) },
    );
    result.memory = { startRssMB: mb(memStart.rssBytes), idleRssMB: mb(memIdle.rssBytes), withSubscribersRssMB: memOpen.value ? mb(memOpen.value.rssBytes) : null, sse };
  }
  await gw.stop();

  // 5. Gateway B: every status stale (STATUS_MAX_AGE_SECONDS=0); one query re-reads 100 connections.
  if (!want('refresh')) return result;
  gw = await startGateway(gatewayEnv(emuUrl, await target.fresh(), { STATUS_MAX_AGE_SECONDS: '0' }), GATEWAY_FLAGS);
  gwUrl = urlOf(gw);
  await seed(gwUrl, emuUrl, 'bench-refresh', REFRESH_COUNT);
  await emu.call('latency', { ms: LATENCY_MS });
  log(`refreshing ${REFRESH_COUNT} stale connections`);
  let mark = 0;
  // A freshness re-read is one /accounts/get: the connection's state and accounts together (issue 9).
  const countReads = () => emu.call<number>('count', { path: '/accounts/get' });
  const refresh = await load<{ runs: { wallMs: number; providerReads: number; nodes: number }[] }>(
    { kind: 'refresh', url: gwUrl, token: await signDemoToken(jwtSecret, { sub: 'bench-refresh', expiresIn: '1h' }), query: STATUS_PAGE, first: REFRESH_COUNT, runs: REFRESH_RUNS },
    { gateway: gw, emulator: emu },
    { mark: async () => (mark = await countReads()), reads: async () => (await countReads()) - mark },
  );
  // What bounds it on this machine: the plaid SDK making the same reads, as many at a time, from one process.
  const sdkRefresh = await load<{ runs: { wallMs: number }[] }>(
    { kind: 'sdkRefresh', basePath: emuUrl, clientId: plaidCreds.clientId, secret: plaidCreds.secret, accessTokens: sdkTokens, reads: REFRESH_COUNT, concurrency: PROVIDER_CONCURRENCY, runs: REFRESH_RUNS },
    { emulator: emu },
  );
  await emu.call('latency', { ms: 0 });
  await emu.call('forget');
  const idealMs = Math.ceil(REFRESH_COUNT / PROVIDER_CONCURRENCY) * LATENCY_MS;
  const median = (runs: { wallMs: number }[]) => runs.map((r) => r.wallMs).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  result.refresh = {
    ...refresh,
    cpuUsPerQuery: perRequest(refresh.serverCpu.gateway, refresh.runs.length),
    emulatorCpuUsPerQuery: perRequest(refresh.serverCpu.emulator, refresh.runs.length),
    providerConcurrency: PROVIDER_CONCURRENCY,
    idealMs,
    medianWallMs: median(refresh.runs),
    ratioToIdeal: median(refresh.runs) / idealMs,
    sdk: { ...sdkRefresh, medianWallMs: median(sdkRefresh.runs), ratioToIdeal: median(sdkRefresh.runs) / idealMs, cpuUsPerRun: perRequest(sdkRefresh.cpu, sdkRefresh.runs.length) },
  };
  await gw.stop();
  return result;
}

const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

// ---- report ---------------------------------------------------------------------------------------

const TARGETS = {
  mutationRatio: 1.0,
  syncRatio: 0.8,
  addedP50Ms: 3,
  listRatio: 0.6,
  refreshRatio: 1.2,
  webhooksPerSecond: 2_000,
  rssMB: 200,
};

/** Cores this machine has: CPU time spread over all of them is a lower bound on wall time. */
const machineCores = cpus().length;

function rows(store: string, r: any): string[][] {
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  // Gateway CPU per request, the baseline's, and how many of the gateway's requests one baseline request's CPU buys.
  const cpuPair = (g: number, b: number) => `${f(g)} / ${f(b)} (${f(b / g, 2)}x)`;
  const m0 = r.mutation_0ms, m50 = r.mutation_50ms, l = r.list, la = r.listAccounts, sy = r.sync, w = r.webhooks, rf = r.refresh, mem = r.memory;
  // Each group only when it ran (BENCH_SCENARIOS).
  const syncLabel = sy && `transactionsSync ${sy.transactions} in pages of ${sy.pageSize}, ${sy.concurrency} concurrent`;
  const readsOk = rf?.runs.every((x: any) => x.providerReads === REFRESH_COUNT && x.nodes === REFRESH_COUNT);
  const allReceived = mem && mem.sse.received === mem.sse.subscriptions;
  return [
    ...(m0 && m50 ? [
      [store, 'createUpdateLinkToken, instant: gateway req/s (p50/p99 ms)', `${f(m0.gateway.rps)} (${f(m0.gateway.p50Ms, 1)}/${f(m0.gateway.p99Ms, 1)})`, '', ''],
      [store, 'createUpdateLinkToken, instant: plaid SDK req/s (p50/p99 ms)', `${f(m0.sdk.rps)} (${f(m0.sdk.p50Ms, 1)}/${f(m0.sdk.p99Ms, 1)})`, '', ''],
      [store, 'createUpdateLinkToken, instant: gateway / SDK', `${f(m0.ratio, 2)}x`, `>= ${TARGETS.mutationRatio.toFixed(1)}x`, met(m0.ratio >= TARGETS.mutationRatio && m0.gateway.errors === 0)],
      [store, 'createUpdateLinkToken, instant: CPU µs/req gateway / SDK client', cpuPair(m0.cpuUsPerRequest.gateway, m0.cpuUsPerRequest.sdkClient), '', ''],
      [store, 'createUpdateLinkToken, instant: floor proxy req/s; CPU µs/req floor / SDK client', m0.floor ? `${f(m0.floor.rps)}; ${cpuPair(m0.floor.cpuUsPerRequest, m0.cpuUsPerRequest.sdkClient)}` : 'n/a', '', ''],
      [store, 'createUpdateLinkToken, instant, store read from memory (experiment): gateway req/s; CPU µs/req it / SDK client', m0.withoutStoreRead ? `${f(m0.withoutStoreRead.rps)}; ${cpuPair(m0.withoutStoreRead.cpuUsPerRequest, m0.cpuUsPerRequest.sdkClient)}` : 'n/a', '', ''],
      [store, 'createUpdateLinkToken, instant: bare Yoga + the provider call req/s; CPU µs/req it / SDK client', m0.bareYoga ? `${f(m0.bareYoga.rps)}; ${cpuPair(m0.bareYoga.cpuUsPerRequest, m0.cpuUsPerRequest.sdkClient)}` : 'n/a', '', ''],
      [store, 'createUpdateLinkToken, instant: CPU µs/req emulator (via gateway / via SDK)', `${f(m0.cpuUsPerRequest.emulatorViaGateway)} / ${f(m0.cpuUsPerRequest.emulatorViaSdk)}`, '', ''],
      [store, 'createUpdateLinkToken, +50 ms: gateway req/s (p50/p99 ms)', `${f(m50.gateway.rps)} (${f(m50.gateway.p50Ms, 1)}/${f(m50.gateway.p99Ms, 1)})`, '', ''],
      [store, 'createUpdateLinkToken, +50 ms: plaid SDK req/s (p50/p99 ms)', `${f(m50.sdk.rps)} (${f(m50.sdk.p50Ms, 1)}/${f(m50.sdk.p99Ms, 1)})`, '', ''],
      [store, 'createUpdateLinkToken, +50 ms: gateway / SDK; p50 added', `${f(m50.ratio, 2)}x; ${f(m50.addedP50Ms, 1)} ms`, `<= ${TARGETS.addedP50Ms} ms`, met(m50.addedP50Ms <= TARGETS.addedP50Ms && m50.gateway.errors === 0)],
      [store, `createUpdateLinkToken, +50 ms, ${m50.low?.concurrency} concurrent: p50 gateway / SDK; added`, m50.low ? `${f(m50.low.gateway.p50Ms, 1)} / ${f(m50.low.sdk.p50Ms, 1)} ms; ${f(m50.low.addedP50Ms, 1)} ms` : 'n/a', `<= ${TARGETS.addedP50Ms} ms`, m50.low ? met(m50.low.addedP50Ms <= TARGETS.addedP50Ms) : ''],
      [store, `createUpdateLinkToken, +50 ms, ${m50.low?.concurrency} concurrent: p50 floor proxy; added over the SDK`, m50.low?.floor ? `${f(m50.low.floor.p50Ms, 1)} ms; ${f(m50.low.floor.p50Ms - m50.low.sdk.p50Ms, 1)} ms` : 'n/a', '', ''],
      [store, `createUpdateLinkToken, +50 ms, ${m50.low?.concurrency} concurrent, store read from memory (experiment): p50; added over the SDK`, m50.low?.withoutStoreRead ? `${f(m50.low.withoutStoreRead.p50Ms, 1)} ms; ${f(m50.low.withoutStoreRead.p50Ms - m50.low.sdk.p50Ms, 1)} ms` : 'n/a', '', ''],
    ] : []),
    ...(l ? [
      [store, 'connections(first: 50): gateway req/s (p50/p99 ms)', `${f(l.gateway.rps)} (${f(l.gateway.p50Ms, 1)}/${f(l.gateway.p99Ms, 1)})`, '', ''],
      [store, 'connections(first: 50): bare Yoga req/s (p50/p99 ms)', `${f(l.bareYoga.rps)} (${f(l.bareYoga.p50Ms, 1)}/${f(l.bareYoga.p99Ms, 1)})`, '', ''],
      [store, 'connections(first: 50): CPU µs/req gateway / bare Yoga', cpuPair(l.cpuUsPerRequest.gateway, l.cpuUsPerRequest.bareYoga), '', ''],
      [store, 'connections(first: 50): gateway / bare Yoga', `${f(l.ratio, 2)}x`, `>= ${TARGETS.listRatio}x`, met(l.ratio >= TARGETS.listRatio && l.gateway.errors === 0)],
      [store, 'connections(first: 50), store read from memory (experiment): gateway / bare Yoga; CPU µs/req', `${f(l.withoutStoreRead.ratio, 2)}x; ${cpuPair(l.withoutStoreRead.cpuUsPerRequest, l.cpuUsPerRequest.bareYoga)}`, '', ''],
    ] : []),
    ...(la ? [
      [store, 'connections(first: 50) + 3 accounts each: gateway req/s (p50/p99 ms)', `${f(la.gateway.rps)} (${f(la.gateway.p50Ms, 1)}/${f(la.gateway.p99Ms, 1)})`, '', ''],
      [store, 'connections(first: 50) + 3 accounts each: bare Yoga req/s (p50/p99 ms)', `${f(la.bareYoga.rps)} (${f(la.bareYoga.p50Ms, 1)}/${f(la.bareYoga.p99Ms, 1)})`, '', ''],
      [store, 'connections(first: 50) + 3 accounts each: CPU µs/req gateway / bare Yoga', cpuPair(la.cpuUsPerRequest.gateway, la.cpuUsPerRequest.bareYoga), '', ''],
      [store, 'connections(first: 50) + 3 accounts each: gateway / bare Yoga', `${f(la.ratio, 2)}x`, '(report)', la.gateway.errors === 0 ? '' : 'errors'],
    ] : []),
    ...(sy ? [
      [store, `${syncLabel}: gateway tx/s (full syncs/s; page p50/p99 ms)`, `${f(sy.gateway.transactionsPerSecond)} (${f(sy.gateway.fullSyncsPerSecond, 1)}; ${f(sy.gateway.p50Ms, 1)}/${f(sy.gateway.p99Ms, 1)})`, '', ''],
      [store, `${syncLabel}: plaid SDK tx/s (full syncs/s; page p50/p99 ms)`, `${f(sy.sdk.transactionsPerSecond)} (${f(sy.sdk.fullSyncsPerSecond, 1)}; ${f(sy.sdk.p50Ms, 1)}/${f(sy.sdk.p99Ms, 1)})`, '', ''],
      [store, 'transactionsSync: gateway / SDK (tx/s)', `${f(sy.ratio, 2)}x`, `>= ${TARGETS.syncRatio}x`, met(sy.ratio >= TARGETS.syncRatio && sy.gateway.errors === 0)],
      [store, 'transactionsSync: CPU µs/transaction gateway / SDK client', cpuPair(sy.cpuUsPerTransaction.gateway, sy.cpuUsPerTransaction.sdkClient), '', ''],
      [store, 'transactionsSync: CPU µs/transaction emulator (via gateway / via SDK)', `${f(sy.cpuUsPerTransaction.emulatorViaGateway, 1)} / ${f(sy.cpuUsPerTransaction.emulatorViaSdk, 1)}`, '', ''],
    ] : []),
    ...(rf ? [
      [store, `refresh ${REFRESH_COUNT} stale, +50 ms: provider reads per query`, rf.runs.map((x: any) => x.providerReads).join(', '), `= ${REFRESH_COUNT}`, met(readsOk)],
      [store, `refresh ${REFRESH_COUNT} stale: CPU ms per query gateway / emulator (both over ${machineCores} cores)`, `${f(rf.cpuUsPerQuery / 1000, 1)} / ${f(rf.emulatorCpuUsPerQuery / 1000, 1)} (${f((rf.cpuUsPerQuery + rf.emulatorCpuUsPerQuery) / 1000 / machineCores, 1)} ms)`, '', ''],
      [store, `refresh ${REFRESH_COUNT} stale: median wall ms (ideal ${rf.idealMs} ms at concurrency ${rf.providerConcurrency})`, `${f(rf.medianWallMs)} (${f(rf.ratioToIdeal, 2)}x ideal)`, `<= ${TARGETS.refreshRatio}x ideal`, met(rf.ratioToIdeal <= TARGETS.refreshRatio)],
      [store, `refresh: the plaid SDK making the same ${REFRESH_COUNT} reads (baseline): median wall ms; CPU ms of its client per ${REFRESH_COUNT}`, rf.sdk ? `${f(rf.sdk.medianWallMs)} (${f(rf.sdk.ratioToIdeal, 2)}x ideal); ${f(rf.sdk.cpuUsPerRun / 1000, 1)}` : 'n/a', '', ''],
    ] : []),
    ...(w ? [
      [store, 'verified webhooks/s stored (applied/s; p50/p99 ms)', `${f(w.perSecond)} (${f(w.appliedPerSecond)}; ${f(w.p50Ms, 1)}/${f(w.p99Ms, 1)})`, `>= ${TARGETS.webhooksPerSecond}/s`, met(w.perSecond >= TARGETS.webhooksPerSecond && w.accepted === w.sent)],
      [store, 'webhooks: gateway CPU µs per delivery', f(w.cpuUsPerRequest.gateway), '', ''],
      [store, 'webhooks floor (HTTP in, Plaid JWT and body hash verified, no store; experiment): deliveries/s; CPU µs each', w.floor ? `${f(w.floor.perSecond)}; ${f(w.floor.cpuUsPerRequest)}` : 'n/a', '', ''],
      [store, 'webhook outcomes', Object.entries(w.outcomes).map(([k, v]) => `${k} ${v}`).join(', '), '', ''],
    ] : []),
    ...(mem ? [
      [store, 'RSS MB: idle', `${f(mem.idleRssMB, 1)}`, '', ''],
      [store, `RSS MB: ${mem.sse.subscriptions} SSE subscriptions open (event reached ${mem.sse.received})`, `${f(mem.withSubscribersRssMB, 1)}`, `<= ${TARGETS.rssMB} MB`, met(mem.withSubscribersRssMB <= TARGETS.rssMB && allReceived)],
    ] : []),
  ];
}

function table(all: string[][]): string {
  const head = ['store', 'scenario', 'measured', 'target', 'verdict'];
  const widths = head.map((h, i) => Math.max(h.length, ...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.map(line)].join('\n');
}

// ---- main -----------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  buildGateway();
  const emu = await start('emulator-process.ts', { env: { BENCH_PLAID_CLIENT_ID: plaidCreds.clientId, BENCH_PLAID_SECRET: plaidCreds.secret } });
  const bare = await start('bare-yoga.ts');
  const emuUrl = urlOf(emu);
  // Access tokens for the SDK side: items linked directly at the emulator, as an SDK user would.
  const sdkItems = async (n: number): Promise<SdkItem[]> =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const x = await plaidPost(emuUrl, '/item/public_token/exchange', { public_token: await publicToken(emuUrl) });
        return { accessToken: z.string().parse(x.access_token), itemId: z.string().parse(x.item_id) };
      }),
    );
  const sdkTokens = (await sdkItems(10)).map((i) => i.accessToken);
  // The SDK's sync baseline: its own Items, with the same history size as the gateway's.
  const sdkSyncItems = await sdkItems(SYNC_CONCURRENCY);
  await emu.call('fill', { itemIds: sdkSyncItems.map((i) => i.itemId), total: SYNC_TRANSACTIONS });

  const targets: StoreTarget[] = [];
  if (STORES.includes('pglite')) targets.push(await pgliteTarget());
  if (STORES.includes('postgres')) {
    const p = await postgresTarget();
    if (p) targets.push(p);
    else console.error(`bench: PostgreSQL at ${new URL(PG_URL).host} not reachable; embedded store only`);
  }

  const results: Record<string, unknown> = {};
  try {
    for (const t of targets) results[t.name] = await runStore(t, emu, bare, sdkTokens, sdkSyncItems);
  } finally {
    for (const t of targets) await t.cleanup().catch(() => undefined);
    await Promise.allSettled([...children].map((c) => c.stop()));
  }

  const cpu = cpus()[0]?.model ?? 'unknown';
  const machine = { nproc: cpus().length, cpu, node: process.version, platform: `${process.platform} ${process.arch}` };
  const allRows = Object.entries(results).flatMap(([store, r]) => rows(store, r));
  const out = {
    at: new Date().toISOString(),
    machine,
    settings: { durationMs: DURATION_MS, warmupMs: WARMUP_MS, concurrency: CONCURRENCY, syncTransactions: SYNC_TRANSACTIONS, syncPage: SYNC_PAGE, syncConcurrency: SYNC_CONCURRENCY, webhooks: WEBHOOKS, subscribers: SUBSCRIBERS, providerConcurrency: PROVIDER_CONCURRENCY, emulatorLatencyMs: LATENCY_MS },
    targets: TARGETS,
    results,
    table: allRows,
    totalSeconds: (Date.now() - t0) / 1000,
  };
  await mkdir(join(benchDir, 'results'), { recursive: true });
  await writeFile(join(benchDir, 'results', 'latest.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`\n${machine.nproc} x ${cpu}, Node ${machine.node}; ${CONCURRENCY} concurrent, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s per timed scenario\n`);
  console.log(table(allRows));
  console.log(`\nwritten: bench/results/latest.json (${out.totalSeconds.toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    await Promise.allSettled([...children].map((c) => c.stop()));
    process.exit(1);
  },
);
