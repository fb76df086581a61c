// Test helpers: a real webhook receiver on loopback and a tiny JSON client for the emulator.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startMoneyKitEmulator, type MoneyKitEmulator, type MoneyKitEmulatorOptions } from '../../../src/emulators/moneykit/index.js';

export const SANDBOX = { clientId: 'sandbox_client_1', clientSecret: 'sandbox-secret-1', env: 'sandbox' as const };
export const LIVE = { clientId: 'live_client_1', clientSecret: 'live-secret-1', env: 'live' as const };
export const OTHER_SANDBOX = { clientId: 'sandbox_client_2', clientSecret: 'sandbox-secret-2', env: 'sandbox' as const };

export function start(extra: Partial<MoneyKitEmulatorOptions> = {}): Promise<MoneyKitEmulator> {
  return startMoneyKitEmulator({ apps: [SANDBOX, LIVE, OTHER_SANDBOX], ...extra });
}

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  json: Record<string, unknown>;
}

/** A real HTTP webhook receiver; `statuses` are answered in order, then 200. */
export async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, json: JSON.parse(raw) as Record<string, unknown> });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
      for (const w of [...waiters]) if (received.length >= w.n) w.resolve();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    /** Resolves once at least n webhooks have arrived. */
    waitFor(n: number): Promise<Received> {
      return new Promise<Received>((resolve) => {
        const done = () => resolve(received[n - 1]!);
        if (received.length >= n) return done();
        waiters.push({ n, resolve: done });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function call(
  emu: MoneyKitEmulator,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers,
    ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export async function getToken(emu: MoneyKitEmulator, app: { clientId: string; clientSecret: string } = SANDBOX): Promise<string> {
  const res = await fetch(`${emu.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }),
  });
  if (res.status !== 201) throw new Error(`token: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Verifies a delivery the way a gateway must: JWKS from the emulator, ES256, iss, body hash. */
export async function verifyWebhook(emu: MoneyKitEmulator, clientId: string, r: { headers: IncomingHttpHeaders; raw: string }) {
  const jwksRes = await fetch(`${emu.url}/.well-known/jwks.json`, { headers: { 'x-client-id': clientId } });
  const jwks = createLocalJWKSet((await jwksRes.json()) as { keys: any[] });
  const signature = r.headers['moneykit-signature'];
  if (typeof signature !== 'string') throw new Error('no MoneyKit-Signature header');
  const { payload, protectedHeader } = await jwtVerify(signature, jwks, {
    algorithms: ['ES256'],
    issuer: 'https://api.moneykit.com',
    maxTokenAge: '5m',
  });
  const bodyHash = createHash('sha256').update(r.raw, 'utf8').digest('hex');
  return { payload, protectedHeader, bodyHashMatches: payload.request_body_sha256 === bodyHash };
}

export async function newConnectedLink(
  emu: MoneyKitEmulator,
  token: string,
  opts: { userId?: string; webhook?: string; link_tags?: string[]; settings?: unknown } = {},
) {
  const session = await call(emu, 'POST', '/link-session', {
    token,
    json: {
      customer_user: { id: opts.userId ?? 'user-0001' },
      redirect_uri: 'https://app.example.com/oauth',
      ...(opts.webhook ? { webhook: opts.webhook } : {}),
      ...(opts.link_tags ? { link_tags: opts.link_tags } : {}),
      ...(opts.settings ? { settings: opts.settings } : {}),
    },
  });
  if (session.status !== 201) throw new Error(`link-session ${session.status} ${JSON.stringify(session.body)}`);
  const done = emu.completeConnect(session.body.link_session_token);
  const ex = await call(emu, 'POST', '/link-session/exchange-token', { token, json: { exchangeable_token: done.exchangeable_token } });
  if (ex.status !== 201) throw new Error(`exchange ${ex.status}`);
  return ex.body.link_id as string;
}
