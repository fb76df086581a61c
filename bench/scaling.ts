import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { signDemoToken } from '../src/auth/auth.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createTokenCipher } from '../src/store/crypto.js';
import { openStore } from '../src/store/index.js';
import { credentialAad } from '../src/store/sql-store.js';
import type { VerifiedWebhook } from '../src/providers/webhook.js';
import { LIST } from './operations.js';

/**
 * `npm run bench:scaling`: cost as stored work grows, in one process (the figures are the
 * gateway's own; no load generator competes for the cores).
 *
 * - Store reads: `connections(first: 50)` (with totalCount) over HTTP, one at a time, p50 and the
 *   process's CPU per request, with 1k, 10k and 100k stored connections. The reading user owns
 *   100 of them; the rest belong to other users.
 * - Webhooks: verified deliveries recorded and applied through the service (the path after
 *   signature verification), 50 at a time, over 10, 1,000 and 100,000 stored connections.
 *
 * Rows are bulk-inserted by SQL, well-formed and with credentials encrypted under the gateway's
 * key (as the store's own insert writes them). Store: PostgreSQL from BENCH_DATABASE_URL /
 * TEST_DATABASE_URL (a fresh schema, dropped afterwards), or PGlite with BENCH_STORES=pglite.
 */

const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const USE_PGLITE = process.env.BENCH_STORES === 'pglite';
const READ_SIZES = (process.env.BENCH_SCALING_READS ?? '1000,10000,100000').split(',').map(Number);
const HOOK_SIZES = (process.env.BENCH_SCALING_WEBHOOKS ?? '10,1000,100000').split(',').map(Number);
const READS = 200;
const HOOK_MS = 3_000;
const OWN = 100;

const key = randomBytes(32);
const cipher = createTokenCipher(key);
const jwtSecret = randomBytes(32).toString('base64url');

async function openApp() {
  let schema: string | null = null;
  let dataDir: string | null = null;
  const admin = USE_PGLITE ? null : new pg.Client({ connectionString: PG_URL });
  let databaseUrl = '';
  if (admin) {
    await admin.connect();
    schema = `bench_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(PG_URL);
    u.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = u.toString();
  } else dataDir = await mkdtemp(join(tmpdir(), 'bench-scaling-'));
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: url,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir ?? tmpdir(),
    ENCRYPTION_KEY: key.toString('base64'),
    METRICS_TOKEN: randomBytes(16).toString('hex'),
    AUTH_JWT_SECRET: jwtSecret,
    PLAID_CLIENT_ID: 'bench-scaling',
    PLAID_SECRET: 'benchscalingsecret0123456789',
    PLAID_ENV: 'sandbox',
    PLAID_BASE_URL: 'http://127.0.0.1:9',
    MONEYKIT_CLIENT_ID: '',
    MONEYKIT_CLIENT_SECRET: '',
    REDIS_URL: '',
    // No request budget in the way of a measuring loop.
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  // The store opened here (the same driver choice as the gateway's) so the bench can bulk-insert rows.
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, cipher });
  await store.migrate();
  const app = await buildApp(config, createLogger(config.logLevel), { store });
  server.on('request', app.gateway);
  return {
    app,
    db: store.db,
    url,
    async close() {
      server.closeAllConnections();
      server.close();
      await app.close();
      await store.close();
      if (admin) {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type Ctx = Awaited<ReturnType<typeof openApp>>;

/** Grow the connections table to `total` rows, `own` of them for `user`; returns the new item ids. */
async function grow(ctx: Ctx, from: number, total: number, user: string, own: number): Promise<string[]> {
  const items: string[] = [];
  const batch = 1_000;
  for (let i = from; i < total; i += batch) {
    const rows = [];
    for (let j = i; j < Math.min(total, i + batch); j++) {
      const item = `item-${randomUUID()}`;
      items.push(item);
      rows.push({
        id: randomUUID(),
        provider: 'PLAID',
        provider_connection_id: item,
        provider_user_id: null,
        user_id: j < own ? user : `user-${j % 5_000}`,
        sandbox: true,
        status: 'CONNECTED',
        error: null,
        institution: JSON.stringify({ id: 'ins_109508', name: 'First Platypus Bank', logoUrl: null, primaryColor: '#1f4e79' }),
        products: ['transactions'],
        consent_expires_at: null,
        expiring_until: null,
        last_synced_at: new Date(),
        last_event_at: null,
        credential_ciphertext: cipher.encrypt(`access-sandbox-${randomUUID()}`, credentialAad('PLAID', item)),
      });
    }
    await ctx.db.insertInto('connections').values(rows).execute();
  }
  return items;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const cpuUs = (c: NodeJS.CpuUsage) => c.user + c.system;

async function reads(ctx: Ctx, token: string) {
  const body = JSON.stringify({ query: LIST, variables: { first: 50 } });
  const once = async () => {
    const res = await fetch(`${ctx.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const text = await res.text();
    if (res.status !== 200 || !text.includes(`"totalCount":${OWN}`)) throw new Error(`list: ${res.status} ${text.slice(0, 200)}`);
  };
  for (let i = 0; i < 20; i++) await once();
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < READS; i++) {
    const t0 = performance.now();
    await once();
    lat.push(performance.now() - t0);
  }
  return { p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), cpuUsPerRequest: cpuUs(process.cpuUsage(c0)) / READS };
}

async function webhooks(ctx: Ctx, items: string[]) {
  let seq = 0;
  let done = 0;
  const outcomes: Record<string, number> = {};
  const one = async () => {
    const n = seq++;
    const item = items[n % items.length]!;
    // Alternate per connection so that every delivery changes a status.
    const effect: VerifiedWebhook['effect'] =
      Math.floor(n / items.length) % 2 === 0
        ? { kind: 'state', status: 'LOGIN_REQUIRED', error: { providerCode: 'ITEM_LOGIN_REQUIRED', providerType: 'ITEM_ERROR', message: 'the login details of this item have changed', displayMessage: null } }
        : { kind: 'repaired' };
    const v: VerifiedWebhook = {
      provider: 'PLAID',
      eventType: effect.kind === 'state' ? 'ITEM.ERROR' : 'ITEM.LOGIN_REPAIRED',
      providerConnectionId: item,
      dedupeKey: `bench-${randomUUID()}`,
      occurredAt: new Date(),
      effect,
      payload: { webhook_type: 'ITEM', item_id: item, bench_seq: n },
    };
    const event = await ctx.app.service.recordWebhook(v);
    if (!event) throw new Error('unexpected duplicate');
    const outcome = await ctx.app.service.applyRecordedWebhook(event, v);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    done++;
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (performance.now() - t0 < HOOK_MS) await one();
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: done / seconds, cpuUsPerDelivery: cpuUs(process.cpuUsage(c0)) / done, outcomes };
}

const results: Record<string, unknown> = { store: USE_PGLITE ? 'pglite' : 'postgres', reads: {}, webhooks: {} };
{
  const ctx = await openApp();
  const user = 'bench-scaling';
  const token = await signDemoToken(jwtSecret, { sub: user, expiresIn: '1h' });
  let have = 0;
  for (const n of READ_SIZES) {
    await grow(ctx, have, n, user, OWN);
    have = n;
    await ctx.db.executeQuery(sql`analyze connections`.compile(ctx.db));
    (results.reads as Record<number, unknown>)[n] = await reads(ctx, token);
    console.error(`reads with ${n} connections: ${JSON.stringify((results.reads as Record<number, unknown>)[n])}`);
  }
  await ctx.close();
}
for (const n of HOOK_SIZES) {
  const ctx = await openApp();
  const items = await grow(ctx, 0, n, 'bench-hooks', 0);
  await ctx.db.executeQuery(sql`analyze connections`.compile(ctx.db));
  (results.webhooks as Record<number, unknown>)[n] = await webhooks(ctx, items);
  console.error(`webhooks with ${n} connections: ${JSON.stringify((results.webhooks as Record<number, unknown>)[n])}`);
  await ctx.close();
}
console.log(JSON.stringify(results, null, 2));
process.exit(0);
