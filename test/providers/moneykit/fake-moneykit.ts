import { MockAgent } from 'undici';
import { expect } from 'vitest';
import { parseRecordedBody } from '../../../src/emulators/kit/index.js';
import { createMoneyKitAdapter, type MoneyKitAdapter, type MoneyKitAdapterSettings } from '../../../src/providers/moneykit/index.js';
import { loadMoneyKitSpec } from '../../emulators/moneykit/spec.js';
import { offSpecViolation } from '../../helpers/specs.js';

/**
 * A recording MoneyKit stand-in on undici's MockAgent (unit level). Every request is recorded
 * (method, path, headers, body) so tests assert what MoneyKit received. /auth/token issues
 * tok-1, tok-2, ...; a token can be made "expired" so the server answers the documented 401.
 *
 * Every request is checked against the rebuilt spec (specs/moneykit), and every reply against the
 * response schema it gives for the operation and status, so a request the adapter gets wrong or a
 * shape the fake invents fails the test at `close()`. A reply that is
 * off the spec on purpose (provider garbage, a status MoneyKit does not document) says so with
 * `offSpec: '<why>'`, and must then really be off the spec.
 */

export const ORIGIN = 'https://api.moneykit.test';
export const CLIENT_ID = 'sandbox_client_123';
export const CLIENT_SECRET = 'mk-secret-DO-NOT-LEAK-42';

export interface RecordedCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
  json: unknown;
}

export interface Reply {
  status: number;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Why this reply deliberately breaks the spec; without it the reply must conform. */
  offSpec?: string;
}

type Handler = (call: RecordedCall) => Reply;

export function link(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    link_id: 'mk_link1',
    institution_id: 'chase',
    institution_name: 'Chase (link)',
    institution_avatar: 'https://cdn.moneykit.test/chase.png',
    state: 'connected',
    error_code: null,
    last_synced_at: '2023-02-16T09:14:11Z',
    provider: 'mx',
    link_tags: ['team:blue', 'user_type:admin'],
    webhook: 'https://old.example/hook',
    products: { accounts: { refreshed_at: '2023-02-16T09:14:11Z' }, transactions: { has_history: true }, identity: null },
    available_products: ['investments'],
    ...overrides,
  };
}

export function mkError(status: number, code: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>, offSpec?: string): Reply {
  return {
    status,
    body: { error_code: code, error_message: `message for ${code}`, documentation_url: null, ...extra },
    ...(headers ? { headers } : {}),
    ...(offSpec ? { offSpec } : {}),
  };
}

/** A plain createLinkToken input (one product, one country). */
export const LINK_TOKEN_INPUT = {
  userId: 'user-1',
  products: ['transactions'],
  redirectUri: 'https://app.example/done',
  androidPackageName: null,
  language: 'en',
  countryCodes: ['US'],
  webhookUrl: 'https://gw.example/webhooks/moneykit',
};

/** An institution as GET /institutions/{institution_id} answers it (every required field). */
export function institution(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { institution_id: 'chase', institution_id_aliases: [], name: 'Chase', country: 'US', color: '#117ACA', is_featured: true, ...overrides };
}

/**
 * What is wrong with `reply` as MoneyKit's answer to `method path` (empty = conforms), judged by
 * the spec's response schema for that operation and status. A raw body must be JSON to conform.
 */
function offSpecProblems(method: string, path: string, reply: Reply): string[] {
  let body: unknown = reply.body ?? null;
  if (reply.raw !== undefined) {
    try {
      body = reply.raw === '' ? null : JSON.parse(reply.raw);
    } catch {
      return ['the body is not JSON'];
    }
  }
  try {
    return loadMoneyKitSpec().validateResponse(method, path, reply.status, body);
  } catch (e) {
    return [(e as Error).message];
  }
}

/** A JWT-shaped token with the given claims (unsigned: the adapter never verifies it). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc(claims)}.c2lnbmF0dXJl`;
}

function normalizeHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  const entries: Iterable<[string, unknown]> =
    typeof (h as Headers).entries === 'function' && !(h instanceof Array)
      ? ((h as Headers).entries() as Iterable<[string, unknown]>)
      : Array.isArray(h)
        ? (function* () {
            for (let i = 0; i < h.length; i += 2) yield [String(h[i]), h[i + 1]] as [string, unknown];
          })()
        : Object.entries(h as Record<string, unknown>);
  for (const [k, v] of entries) out[k.toLowerCase()] = String(v);
  return out;
}

export function createFakeMoneyKit(opts: { expiresIn?: number } = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const calls: RecordedCall[] = [];
  const routes: Array<{ method: string; path: RegExp; handler: Handler }> = [];
  const expired = new Set<string>();
  let issued = 0;
  const state = { expiresIn: opts.expiresIn ?? 3600, tokenReply: null as Handler | null };
  /** Requests off the spec; replies that broke it without saying so, or said so and did not. */
  const violations: string[] = [];

  function authorized(call: RecordedCall): Reply | null {
    const auth = call.headers['authorization'] ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!/^tok-\d+$/.test(token)) return mkError(401, 'api_error.auth.unauthorized');
    if (expired.has(token)) return mkError(401, 'api_error.auth.expired_access_token', { error_message: 'Access token expired' });
    return null;
  }

  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((o) => {
      const body = typeof o.body === 'string' ? o.body : o.body == null ? null : String(o.body);
      let json: unknown = undefined;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const call: RecordedCall = { method: o.method, path: o.path, headers: normalizeHeaders(o.headers), body, json };
      calls.push(call);
      const url = new URL(call.path, ORIGIN);
      const request = { method: call.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: call.headers };
      const sent = loadMoneyKitSpec().validateRequest({ ...request, body: parseRecordedBody(Buffer.from(body ?? ''), call.headers['content-type']) });
      if (sent.length > 0) violations.push(`${call.method} ${call.path}: the request is off the spec: ${sent.join('; ')}`);
      let reply: Reply;
      if (call.path === '/auth/token') {
        reply = state.tokenReply
          ? state.tokenReply(call)
          : { status: 201, body: { access_token: `tok-${++issued}`, token_type: 'bearer', expires_in: state.expiresIn } };
      } else {
        const route = routes.find((r) => r.method === call.method && r.path.test(call.path));
        const denied = authorized(call);
        // A call no test set up is a test bug, not a MoneyKit answer.
        if (!denied && !route) violations.push(`${call.method} ${call.path}: no route set up`);
        reply = denied ?? route?.handler(call) ?? mkError(404, 'test.no_route', {}, undefined, 'no route set up');
      }
      const wrong = offSpecViolation(`${call.method} ${call.path} -> ${reply.status}`, offSpecProblems(call.method, call.path, reply), reply.offSpec);
      if (wrong) violations.push(wrong);
      return {
        statusCode: reply.status,
        data: reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)),
        responseOptions: { headers: { 'content-type': 'application/json', ...reply.headers } },
      };
    })
    .persist();

  return {
    agent,
    calls,
    state,
    /** Calls other than /auth/token. */
    apiCalls: () => calls.filter((c) => c.path !== '/auth/token'),
    tokenCalls: () => calls.filter((c) => c.path === '/auth/token'),
    on(method: string, path: RegExp, handler: Handler | Reply) {
      routes.unshift({ method, path, handler: typeof handler === 'function' ? handler : () => handler });
    },
    expire(token: string) {
      expired.add(token);
    },
    adapter(settings: Partial<MoneyKitAdapterSettings> = {}): MoneyKitAdapter {
      return createMoneyKitAdapter({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        env: 'sandbox',
        baseUrl: ORIGIN,
        dispatcher: agent,
        retry: { retries: 0 },
        ...settings,
      });
    },
    /** Closes the agent, then fails the test if any reply broke the spec without saying so. */
    async close() {
      await agent.close();
      expect(violations, 'requests and replies of the fake MoneyKit that break the rebuilt spec').toEqual([]);
    },
  };
}

export type FakeMoneyKit = ReturnType<typeof createFakeMoneyKit>;

/** Awaits a rejection and returns it (fails the test when the promise resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
