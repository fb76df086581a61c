import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDemoToken } from '../../src/auth/auth.js';

/**
 * The console and the React kit in headless Chromium against the real gateway in demo mode
 * (src/main.ts with no provider credentials: built-in emulators, embedded database). The pages
 * are the ones `npm run build:console` builds, served by the gateway at /console.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// TOOLCHAIN.md: without the background-networking flags Chromium floods the closed network.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = 'test-artifacts/browser';
const WAIT = { timeout: 15_000 };
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) {
  console.warn(`[browser] SKIPPED: no Chromium at ${CHROMIUM}. Install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH.`);
}

// One user journey told in steps (link, watch, repair, act): each step builds on the one before, so
// this file opts out of the suite's shuffling.
describe.skipIf(!hasBrowser)('console and React kit in Chromium (demo mode)', { shuffle: false }, () => {
  let gateway: ChildProcess;
  let base: string;
  let demoToken: string;
  let secret: string;
  let plaidEmulator: string;
  let context: BrowserContext;
  let kitPage: Page;
  let consolePage: Page;
  const dirs: string[] = [];
  const requested: string[] = [];
  const cspViolations: string[] = [];

  const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: any; errors?: unknown[] };
  };
  const myConnections = async () =>
    (await gql(demoToken, '{ connections(first: 50) { edges { node { id provider providerConnectionId status } } } }')).data.connections.edges.map((e: any) => e.node) as {
      id: string;
      provider: string;
      providerConnectionId: string;
      status: string;
    }[];
  /** How many times the gateway called this Plaid API path (the emulator records every request). */
  const plaidCalls = async (path: string) =>
    ((await (await fetch(`${plaidEmulator}/emulator/requests`)).json()) as { requests: { path: string }[] }).requests.filter((r) => r.path === path).length;
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const signIn = async (page: Page, path: string, token: string) => {
    await page.goto(base + path);
    await page.locator('input[name=token]').fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
  };
  const statusIn = (page: Page, providerConnectionId: string, status: string) =>
    page.locator(`[data-connection="${providerConnectionId}"] .badge`, { hasText: new RegExp(`^${status}$`) });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The pages under test are built from source now, exactly as `npm run build:console` does.
    const build = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn'], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);

    const dataDir = mkdtempSync(join(tmpdir(), 'gw-browser-data-'));
    dirs.push(dataDir);
    secret = randomBytes(32).toString('base64url');
    gateway = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_JWT_SECRET: secret, LOG_LEVEL: 'warn', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    gateway.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const url = /GraphiQL: (http:\/\/\S+)\/graphql/.exec(out);
        const token = /Demo token: (\S+)/.exec(out);
        const plaid = /"plaid":"(http:\/\/[^"]+)"/.exec(out);
        if (url && token && plaid) {
          base = url[1]!;
          demoToken = token[1]!;
          plaidEmulator = plaid[1]!;
          resolve();
        }
      };
      gateway.stdout!.on('data', check);
      gateway.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${out}`)));
    });

    const profile = mkdtempSync(join(tmpdir(), 'gw-browser-profile-'));
    dirs.push(profile);
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 900 } });
    context.on('request', (r) => requested.push(r.url()));
    context.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((r) => gateway.once('exit', r));
      gateway.kill('SIGTERM');
      await exited;
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('links a Plaid and a MoneyKit connection through the kit (demo completion, then exchange)', async () => {
    kitPage = await context.newPage();
    await signIn(kitPage, '/console/link.html', demoToken);
    await kitPage.getByRole('button', { name: 'Link a bank with Plaid' }).click();
    await kitPage.getByTestId('linked-PLAID').waitFor(WAIT);
    await kitPage.getByRole('button', { name: 'Link a bank with MoneyKit' }).click();
    await kitPage.getByTestId('linked-MONEYKIT').waitFor(WAIT);

    const mine = await myConnections();
    expect(mine.map((c) => [c.provider, c.status]).sort()).toEqual([
      ['MONEYKIT', 'CONNECTED'],
      ['PLAID', 'CONNECTED'],
    ]);
    for (const c of mine) await statusIn(kitPage, c.providerConnectionId, 'CONNECTED').waitFor(WAIT);
    await shot(kitPage, '1-kit-linked');
  });

  it('shows them in the console; a reset appears as LOGIN_REQUIRED without a reload', async () => {
    const plaid = (await myConnections()).find((c) => c.provider === 'PLAID')!;
    consolePage = await context.newPage();
    await signIn(consolePage, '/console/', demoToken);
    await statusIn(consolePage, plaid.providerConnectionId, 'CONNECTED').waitFor(WAIT);
    expect(await consolePage.getByTestId('count-CONNECTED').locator('.bar-count').textContent()).toBe('2');
    expect(await consolePage.getByTestId('count-PLAID').locator('.bar-count').textContent()).toBe('1');
    let navigations = 0;
    consolePage.on('framenavigated', () => navigations++);
    await shot(consolePage, '2-console-connected');

    // Reset from outside the browser: only the live subscription can bring it to the page.
    const reset = await gql(demoToken, 'mutation($id: ID!) { resetConnection(input: { connectionId: $id }) { __typename } }', { id: plaid.id });
    expect(reset.data.resetConnection.__typename).toBe('ResetConnectionPayload');
    await statusIn(consolePage, plaid.providerConnectionId, 'LOGIN_REQUIRED').waitFor(WAIT);
    await consolePage.locator(`tr[data-connection="${plaid.providerConnectionId}"]`, { hasText: 'ITEM_LOGIN_REQUIRED' }).waitFor(WAIT);
    expect(await consolePage.getByTestId('count-LOGIN_REQUIRED').locator('.bar-count').textContent()).toBe('1');
    expect(navigations).toBe(0);

    // Its detail: the raw error code and the webhook the emulator sent, from the event log.
    await consolePage.locator(`tr[data-connection="${plaid.providerConnectionId}"]`).click();
    const detail = consolePage.getByTestId('detail');
    await detail.getByTestId('provider-error').getByText('ITEM_LOGIN_REQUIRED').waitFor(WAIT);
    await detail.locator('table.history tr', { hasText: 'ITEM.ERROR' }).waitFor(WAIT);
    // A broken login still shows the last known accounts (read when it was linked): Plaid's checking ··0000.
    await detail.getByTestId('accounts').locator('tr', { hasText: '··0000' }).waitFor(WAIT);
    await shot(consolePage, '3-console-login-required');
  });

  it('repairs it through update mode in the kit (no exchange: same connection) and the console sees CONNECTED', async () => {
    const before = await myConnections();
    const plaid = before.find((c) => c.provider === 'PLAID')!;
    await statusIn(kitPage, plaid.providerConnectionId, 'LOGIN_REQUIRED').waitFor(WAIT);
    const exchanges = await plaidCalls('/item/public_token/exchange');
    expect(exchanges).toBe(1);
    await kitPage.locator(`[data-connection="${plaid.providerConnectionId}"]`).getByRole('button', { name: 'Repair (update mode)' }).click();
    await statusIn(consolePage, plaid.providerConnectionId, 'CONNECTED').waitFor(WAIT);
    await statusIn(kitPage, plaid.providerConnectionId, 'CONNECTED').waitFor(WAIT);
    const after = await myConnections();
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    expect(await plaidCalls('/item/public_token/exchange')).toBe(exchanges);
    expect(after.every((c) => c.status === 'CONNECTED')).toBe(true);
    await shot(kitPage, '4-kit-repaired');
    await shot(consolePage, '5-console-repaired');
  });

  it("the console's own actions: reset and update link on the MoneyKit connection; a refused action in words", async () => {
    const mk = (await myConnections()).find((c) => c.provider === 'MONEYKIT')!;
    await consolePage.locator(`tr[data-connection="${mk.providerConnectionId}"]`).click();
    const detail = consolePage.getByTestId('detail');
    await detail.getByRole('button', { name: 'Reset (sandbox)' }).click();
    await statusIn(consolePage, mk.providerConnectionId, 'LOGIN_REQUIRED').waitFor(WAIT);
    await detail.getByRole('button', { name: 'Update link' }).click();
    await statusIn(consolePage, mk.providerConnectionId, 'CONNECTED').waitFor(WAIT);

    // Removed elsewhere, then refreshed here: the typed error is shown in words with its code.
    const removed = await gql(demoToken, 'mutation($id: ID!) { removeConnection(input: { connectionId: $id }) { __typename } }', { id: mk.id });
    expect(removed.data.removeConnection.__typename).toBe('RemoveConnectionPayload');
    await detail.getByRole('button', { name: 'Refresh' }).click();
    await detail.getByRole('alert').filter({ hasText: 'No such connection, or it is not visible to this token.' }).filter({ hasText: 'NOT_FOUND' }).waitFor(WAIT);
    await shot(consolePage, '6-console-action-error');
  });

  it('refuses a bad or expired token with a clear message', async () => {
    const expired = await signDemoToken(secret, { sub: 'demo-user', expiresIn: Math.floor(Date.now() / 1000) - 60 });
    for (const [name, token] of [
      ['garbage', 'not-a-token'],
      ['expired', expired],
    ] as const) {
      const page = await context.newPage();
      await signIn(page, '/console/', token);
      await page.getByRole('alert').filter({ hasText: 'The gateway refused this token' }).waitFor(WAIT);
      expect(await page.locator('table').count()).toBe(0);
      await shot(page, `7-console-bad-token-${name}`);
      await page.close();
    }
  });

  it('admins see every user; the pages load nothing from elsewhere and break no CSP rule', async () => {
    const admin = await signDemoToken(secret, { sub: 'ops', scope: 'admin', expiresIn: '1h' });
    const page = await context.newPage();
    await signIn(page, '/console/', admin);
    // The admin ("ops") owns nothing: the rows it sees are demo-user's.
    await page.locator('tbody tr', { hasText: 'demo-user' }).first().waitFor(WAIT);
    await page.getByTestId('who').getByText('ops (admin: every user)').waitFor(WAIT);
    await shot(page, '8-console-admin');
    await page.close();

    const res = await fetch(`${base}/console/`);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('the demo completion route needs a bearer token', async () => {
    const res = await fetch(`${base}/demo/link/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'PLAID', linkToken: 'x' }) });
    expect(res.status).toBe(401);
  });
});
