import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { signDemoToken } from '../../src/auth/auth.js';
import { loadConfig } from '../../src/config.js';
import { startMoneyKitEmulator, type MoneyKitEmulator } from '../../src/emulators/moneykit/index.js';
import { startPlaidEmulator, type PlaidEmulator } from '../../src/emulators/plaid/index.js';
import { createLogger } from '../../src/logger.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, createTokenCipher, type SqlConnectionStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { eventually, gatewayTestEnv, gqlClient } from '../helpers/harness.js';
import { linkConnection, subscribeSse, type SseSubscription } from '../webhooks/helpers.js';
import { GET } from './operations.js';

/**
 * Two gateway instances (two buildApp()s, each with its own pair of ioredis clients) sharing one
 * Redis and one database (each its own PostgreSQL pool when TEST_DATABASE_URL is set). Webhooks go
 * to instance 1 (its PUBLIC_URL); subscribers sit on instance 2.
 */
const REDIS_URL = process.env.TEST_REDIS_URL;
const DATABASE_URL = process.env.TEST_DATABASE_URL;
if (!REDIS_URL) console.log('instances.test: skipped, TEST_REDIS_URL is not set (e.g. TEST_REDIS_URL=redis://127.0.0.1:6379)');

const SUB = `subscription Watch($id: ID) { connectionUpdated(id: $id) { id userId status } }`;
const prefix = `agw-test-${randomBytes(6).toString('hex')}:`;

let plaid: PlaidEmulator;
let moneykit: MoneyKitEmulator;
/** One store per instance on PostgreSQL (separate pools, as separate processes would have). */
let stores: SqlConnectionStore[] = [];
let dropSchema: (() => Promise<void>) | null = null;
let server: Server;
let one: App;
let two: App;
let probe: Redis;
let jwtSecret: string;
const subs: SseSubscription[] = [];

describe.skipIf(!REDIS_URL)('two instances over Redis', () => {
  beforeAll(async () => {
    jwtSecret = randomBytes(32).toString('base64url');
    const plaidCreds = { clientId: `client-${randomBytes(4).toString('hex')}`, secret: `plaidsecret${randomBytes(12).toString('hex')}` };
    const mk = { clientId: `sandbox_${randomBytes(4).toString('hex')}`, clientSecret: `mksecret${randomBytes(12).toString('hex')}` };
    plaid = await startPlaidEmulator({ ...plaidCreds, env: 'sandbox' });
    moneykit = await startMoneyKitEmulator({ apps: [{ ...mk, env: 'sandbox' }] });
    const cipher = createTokenCipher(randomBytes(32));
    if (DATABASE_URL) {
      // A fresh schema per run, so this test neither sees nor leaves rows in other runs' tables.
      const schema = `agw_instances_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const u = new URL(DATABASE_URL);
      u.searchParams.set('options', `-c search_path=${schema}`);
      stores = [await openPostgresStore({ connectionString: u.toString(), cipher }), await openPostgresStore({ connectionString: u.toString(), cipher })];
      dropSchema = async () => {
        const c = new pg.Client({ connectionString: DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      };
    } else {
      const only = await openPgliteStore({ dataDir: null, cipher });
      stores = [only, only];
    }
    // Both instances start together: each migrates, the advisory lock lets exactly one apply.
    await Promise.all(stores.map((st) => st.migrate()));

    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({
      ...gatewayTestEnv({ url, jwtSecret, plaid: { ...plaidCreds, url: plaid.url }, moneykit: { ...mk, url: moneykit.url } }),
      REDIS_URL: REDIS_URL!,
      STATUS_MAX_AGE_SECONDS: '3600',
      LOG_LEVEL: 'warn',
    });
    const logger = createLogger('warn', { write: () => undefined });
    one = await buildApp(config, logger, { store: stores[0]!, redisChannelPrefix: prefix });
    two = await buildApp(config, logger, { store: stores[1]!, redisChannelPrefix: prefix });
    server.on('request', one.gateway);
    probe = new Redis(REDIS_URL!);
  });

  afterAll(async () => {
    await Promise.all(subs.map((s) => s.close()));
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await one?.close();
    await two?.close();
    await Promise.all([...new Set(stores)].map((st) => st.close()));
    await dropSchema?.();
    await probe?.quit();
    await plaid?.close();
    await moneykit?.close();
  });

  const gql = (app: App) => gqlClient(app);
  /** Redis itself reports the subscriber: the instance's SUBSCRIBE has reached the server. */
  const redisSubscribers = async () => {
    const [, n] = (await probe.pubsub('NUMSUB', `${prefix}connectionUpdated`)) as [string, number];
    return Number(n);
  };

  it.runIf(DATABASE_URL)('migrations that two instances ran at once were applied exactly once', async () => {
    // version is the primary key, so counting rows per version proves nothing: check instead that
    // exactly the known migrations are recorded, in order, and both instances see the latest.
    const { rows } = await sql<{ version: number }>`select version from schema_migrations order by version`.execute(stores[0]!.db);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    for (const s of stores) expect(await s.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
  });

  it('both instances are ready with Redis', async () => {
    for (const app of [one, two]) {
      const res = await app.gateway.fetch('http://gateway.test/ready');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { checks: Record<string, string> }).checks.redis).toBe('ok');
    }
  });

  it('a connection created through instance 1 is served by instance 2', async () => {
    const alice = await signDemoToken(jwtSecret, { sub: 'alice', expiresIn: '1h' });
    const c = await linkConnection({ plaid, moneykit, gql: gql(one) }, alice, 'PLAID');
    const got = await gql(two)(alice, GET, { id: c.id });
    expect(got.body.data.connection).toMatchObject({ id: c.id, status: 'CONNECTED', userId: 'alice' });
  });

  it('a webhook received by instance 1 reaches a subscriber on instance 2 (owner only)', async () => {
    const alice = await signDemoToken(jwtSecret, { sub: 'alice', expiresIn: '1h' });
    const carol = await signDemoToken(jwtSecret, { sub: 'carol', expiresIn: '1h' });
    const c = await linkConnection({ plaid, moneykit, gql: gql(one) }, alice, 'MONEYKIT');

    const before = await redisSubscribers();
    const sa = await subscribeSse((u, i) => two.gateway.fetch(u, i), alice, SUB, { id: c.id });
    const sc = await subscribeSse((u, i) => two.gateway.fetch(u, i), carol, SUB);
    subs.push(sa, sc);
    await eventually(async () => (await redisSubscribers()) > before);

    const t0 = Date.now();
    moneykit.setLinkState(c.providerConnectionId, 'error', 'auth_expired');
    const e = await sa.next(5_000);
    expect(e.data.connectionUpdated).toMatchObject({ id: c.id, userId: 'alice', status: 'LOGIN_REQUIRED' });
    expect(Date.now() - t0).toBeLessThan(5_000); // contract: within a second; generous against load
    // The delivery went to instance 1 (the only one listening on a port).
    const d = await moneykit.waitForWebhookDelivery((x) => x.linkId === c.providerConnectionId);
    expect(d.url.startsWith(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).toBe(true);
    expect(sc.pending()).toEqual([]);
  });
});
