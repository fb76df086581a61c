import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/auth.js';
import { loadConfig } from '../../src/config.js';
import { createBrowserRoutes } from '../../src/console-route.js';
import { member, startHarness, type Harness } from '../helpers/harness.js';
import { linkConnection, settledEvents } from '../webhooks/helpers.js';
import { RESET } from './operations.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const EVENTS = `query Events($id: ID!, $first: Int) { connection(id: $id) { id events(first: $first) { eventType status providerCode outcome receivedAt } } }`;

describe('console configuration', () => {
  // A complete production configuration (explicit provider environment, metrics token, a real key).
  const production = { NODE_ENV: 'production', ENCRYPTION_KEY: randomBytes(32).toString('base64'), AUTH_JWT_SECRET: 'x'.repeat(32), PLAID_CLIENT_ID: 'id', PLAID_SECRET: 's', PLAID_ENV: 'production', METRICS_TOKEN: 'm'.repeat(24) };
  it('is on outside production, off in production unless CONSOLE_ENABLED=true', () => {
    expect(loadConfig({}).console).toBe(true);
    expect(loadConfig({ CONSOLE_ENABLED: 'false' }).console).toBe(false);
    expect(loadConfig(production).console).toBe(false);
    expect(loadConfig({ ...production, CONSOLE_ENABLED: 'true' }).console).toBe(true);
  });
});

describe('console static files', () => {
  let dir: string;
  let route: ReturnType<typeof createBrowserRoutes>;
  const get = (path: string) => route(new Request(`http://gw.test${path}`), new URL(`http://gw.test${path}`));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'export {}');
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    writeFileSync(join(tmpdir(), 'outside-console.html'), 'outside');
    route = createBrowserRoutes({ consoleDir: dir, demoEmulators: null, demoMode: false, authenticator: createAuthenticator({ jwtSecret: 'x'.repeat(32), jwksUrl: null, issuer: null, audience: null }) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the page and hashed assets with a strict CSP', async () => {
    const page = (await get('/console/'))!;
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toBe('<!doctype html><title>console</title>');
    const asset = (await get('/console/assets/app-abc123.js'))!;
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/console'))!.headers.get('location')).toBe('/console/');
  });

  it('serves nothing outside the folder, no dot-files, no unknown types', async () => {
    for (const path of ['/console/.env', '/console/%2e%2e/outside-console.html', '/console/..%2foutside-console.html', '/console/assets//app-abc123.js', '/console/missing.js', '/console/index.txt']) {
      // The URL parser already folds %2e%2e: such a path is then not the console's at all (null).
      const res = await get(path);
      expect(res === null || res.status === 404, path).toBe(true);
      if (res) expect(await res.text()).not.toContain('SECRET');
    }
    expect(await get('/graphql')).toBeNull();
  });

  it('is absent when the console is off', async () => {
    const off = createBrowserRoutes({ consoleDir: null, demoEmulators: null, demoMode: false, authenticator: createAuthenticator({ jwtSecret: 'x'.repeat(32), jwksUrl: null, issuer: null, audience: null }) });
    expect(await off(new Request('http://gw.test/console/'), new URL('http://gw.test/console/'))).toBeNull();
  });
});

describe('the gateway with the console (not demo mode)', () => {
  let h: Harness;
  let off: Harness;
  beforeAll(async () => {
    h = await startHarness();
    off = await startHarness({ store: h.store, env: { CONSOLE_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await off?.close();
    await h?.close();
  });

  it('answers /console/config.json when on, 404 when CONSOLE_ENABLED=false', async () => {
    const on = await h.app.gateway.fetch('http://gw.test/console/config.json');
    expect(on.status).toBe(200);
    expect(on.headers.get('content-security-policy')).toBe(CSP);
    expect(await on.json()).toEqual({ demoMode: false });
    expect((await off.app.gateway.fetch('http://gw.test/console/config.json')).status).toBe(404);
  });

  it('has no demo completion route outside demo mode', async () => {
    const token = await h.token('alice');
    const res = await h.app.gateway.fetch('http://gw.test/demo/link/complete', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ provider: 'PLAID', linkToken: 'link-sandbox-x' }),
    });
    expect(res.status).toBe(404);
  });

  it('Connection.events: the webhook log of a connection, newest first, for whoever may see it', async () => {
    const [alice, bob, admin] = await Promise.all([h.token('alice'), h.token('bob'), h.token('ops', { scope: 'admin' })]);
    const c = await linkConnection(h, alice, 'PLAID');
    const reset = await h.gql(alice, RESET, { input: { connectionId: c.id } });
    member(reset.body.data!.resetConnection, 'ResetConnectionPayload');
    await settledEvents(h, 'PLAID', c.providerConnectionId, 1);

    const mine = await h.gql(alice, EVENTS, { id: c.id });
    expect(mine.body.errors).toBeUndefined();
    const events = mine.body.data.connection.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventType: 'ITEM.ERROR', status: 'LOGIN_REQUIRED', providerCode: 'ITEM_LOGIN_REQUIRED' });
    // The reset's own answer already set LOGIN_REQUIRED: the webhook then finds it applied or, by
    // timing, unchanged or older than that change (stale). Either way it was settled, not pending.
    expect(['applied', 'unchanged', 'stale']).toContain(events[0].outcome);

    expect((await h.gql(admin, EVENTS, { id: c.id })).body.data.connection.events).toHaveLength(1);
    expect((await h.gql(bob, EVENTS, { id: c.id })).body.data.connection).toBeNull();
    const bad = await h.gql(alice, EVENTS, { id: c.id, first: 0 });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });
});
