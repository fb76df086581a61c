import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderCallError } from '../../../src/providers/errors.js';
import {
  MONEYKIT_DEFAULT_LINK_TOKEN_TTL_MS,
  createMoneyKitAdapter,
  jwtExpiry,
  type MoneyKitAdapter,
} from '../../../src/providers/moneykit/index.js';
import type { ProviderAdapterV2 } from '../../../src/providers/provider.js';
import { CLIENT_SECRET, createFakeMoneyKit, fakeJwt, institution, link, mkError, rejection, type FakeMoneyKit } from './fake-moneykit.js';

const WEBHOOK = 'https://gw.example/webhooks/moneykit';
const ref = { providerConnectionId: 'mk_link1', credential: null };
const newLink = {
  userId: 'user-1234',
  products: ['accounts', 'transactions', 'identity'],
  redirectUri: 'https://app.example/link/complete',
  androidPackageName: null,
  language: 'en',
  countryCodes: ['GB', 'US', 'FR'],
  webhookUrl: WEBHOOK,
};
const updateLink = {
  userId: 'user-1234',
  connection: ref,
  redirectUri: 'https://app.example/link/complete',
  androidPackageName: null,
  language: 'en',
  countryCodes: ['US'],
  accountSelectionEnabled: true,
  webhookUrl: WEBHOOK,
};

describe('MoneyKit adapter', () => {
  let mk: FakeMoneyKit;
  let adapter: MoneyKitAdapter;
  const T0 = Date.parse('2026-03-01T12:00:00Z');
  beforeEach(() => {
    mk = createFakeMoneyKit();
    adapter = mk.adapter({ now: () => T0 });
    mk.on('GET', /^\/institutions\/chase$/, { status: 200, body: institution() });
  });
  afterEach(async () => {
    await adapter.close();
    await mk.close();
  });

  it('implements the v2 port', () => {
    const port: ProviderAdapterV2 = adapter;
    expect(port.specificationVersion).toBe('v2');
    expect(port.provider).toBe('MONEYKIT');
    expect(port.sandbox).toBe(true);
    expect(port.requiresRedirectUri).toBe(true);
    expect([...port.products].sort()).toEqual(['account_numbers', 'accounts', 'identity', 'investments', 'transactions']);
    expect(mk.adapter({ env: 'production' }).sandbox).toBe(false);
  });

  it('rejects bad settings without echoing the secret', () => {
    expect(() => createMoneyKitAdapter({ clientId: '', clientSecret: CLIENT_SECRET, env: 'sandbox' })).toThrow(/clientId/);
    try {
      createMoneyKitAdapter({ clientId: 'x', clientSecret: CLIENT_SECRET, env: 'staging' as 'sandbox' });
    } catch (e) {
      expect(String(e)).not.toContain(CLIENT_SECRET);
    }
  });

  describe('createLinkToken', () => {
    it('sends user, redirect, webhook, products as required settings and supported countries', async () => {
      const exp = Math.floor(T0 / 1000) + 900;
      const token = fakeJwt({ sub: 'session', exp });
      mk.on('POST', /^\/link-session$/, { status: 201, body: { link_session_token: token } });
      const info = await adapter.createLinkToken(newLink);
      expect(info).toEqual({
        provider: 'MONEYKIT',
        mode: 'CREATE',
        token,
        expiresAt: new Date(exp * 1000),
        hostedLinkUrl: null,
        providerUserId: null,
      });
      const call = mk.apiCalls()[0]!;
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.json).toEqual({
        customer_user: { id: 'user-1234' },
        redirect_uri: 'https://app.example/link/complete',
        webhook: WEBHOOK,
        settings: {
          // accounts is always granted: never sent
          products: { transactions: { required: true }, identity: { required: true } },
          // the caller's order, FR dropped
          countries: ['GB', 'US'],
        },
      });
    });

    it('assumes the documented default lifetime for a token without exp', async () => {
      mk.on('POST', /^\/link-session$/, { status: 201, body: { link_session_token: 'opaque-token' } });
      const info = await adapter.createLinkToken({ ...newLink, products: ['accounts'], countryCodes: ['us'] });
      expect(info.expiresAt).toEqual(new Date(T0 + MONEYKIT_DEFAULT_LINK_TOKEN_TTL_MS));
      expect(mk.apiCalls()[0]!.json).toEqual({
        customer_user: { id: 'user-1234' },
        redirect_uri: 'https://app.example/link/complete',
        webhook: WEBHOOK,
        settings: { countries: ['US'] },
      });
    });

    it('refuses what MoneyKit cannot do before calling it', async () => {
      const e1 = await rejection(adapter.createLinkToken({ ...newLink, countryCodes: ['FR', 'DE'] }));
      expect(e1.kind).toBe('INVALID_INPUT');
      const e2 = await rejection(adapter.createLinkToken({ ...newLink, products: ['auth'] }));
      expect(e2.kind).toBe('INVALID_INPUT');
      const e3 = await rejection(adapter.createLinkToken({ ...newLink, redirectUri: null }));
      expect(e3.kind).toBe('INVALID_INPUT');
      expect(mk.calls).toHaveLength(0);
    });

    it('403 link_session_error.forbidden_config -> REJECTED', async () => {
      mk.on('POST', /^\/link-session$/, mkError(403, 'link_session_error.forbidden_config'));
      const e = await rejection(adapter.createLinkToken(newLink));
      expect(e).toMatchObject({ kind: 'REJECTED', providerCode: 'link_session_error.forbidden_config' });
    });
  });

  describe('createUpdateLinkToken', () => {
    it('re-sends the gateway webhook and the link_tags read from the link', async () => {
      mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link({ state: 'error', error_code: 'auth_expired' }) });
      mk.on('POST', /^\/link-session$/, { status: 201, body: { link_session_token: 'update-token' } });
      const info = await adapter.createUpdateLinkToken(updateLink);
      expect(info).toMatchObject({ provider: 'MONEYKIT', mode: 'UPDATE', token: 'update-token' });
      const [get, post] = mk.apiCalls();
      expect(get).toMatchObject({ method: 'GET', path: '/links/mk_link1' });
      expect(post).toMatchObject({ method: 'POST', path: '/link-session' });
      expect(post!.json).toEqual({
        customer_user: { id: 'user-1234' },
        redirect_uri: 'https://app.example/link/complete',
        existing_link_id: 'mk_link1',
        webhook: WEBHOOK,
        link_tags: ['team:blue', 'user_type:admin'],
      });
    });

    it('falls back to the deprecated `tags` and omits tags a link does not have', async () => {
      mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link({ link_tags: null, tags: ['legacy'] }) });
      mk.on('GET', /^\/links\/mk_link2$/, { status: 200, body: link({ link_id: 'mk_link2', link_tags: null, tags: undefined }) });
      mk.on('POST', /^\/link-session$/, { status: 201, body: { link_session_token: 'update-token' } });
      await adapter.createUpdateLinkToken(updateLink);
      await adapter.createUpdateLinkToken({ ...updateLink, connection: { providerConnectionId: 'mk_link2', credential: null } });
      const posts = mk.apiCalls().filter((c) => c.method === 'POST');
      expect((posts[0]!.json as Record<string, unknown>).link_tags).toEqual(['legacy']);
      expect(posts[1]!.json).not.toHaveProperty('link_tags');
      expect((posts[1]!.json as Record<string, unknown>).webhook).toBe(WEBHOOK);
    });

    it('a deleted link gets no update session', async () => {
      mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link({ state: 'deleted' }) });
      const e = await rejection(adapter.createUpdateLinkToken(updateLink));
      expect(e).toMatchObject({ kind: 'INVALID_STATE', providerCode: 'link_error.deleted' });
      expect(mk.apiCalls().filter((c) => c.method === 'POST')).toHaveLength(0);
    });

    it('410 on the link read -> INVALID_STATE', async () => {
      mk.on('GET', /^\/links\/mk_link1$/, mkError(410, 'link_error.deleted'));
      const e = await rejection(adapter.createUpdateLinkToken(updateLink));
      expect(e.kind).toBe('INVALID_STATE');
    });
  });

  describe('exchangePublicToken', () => {
    it('returns the link id, no credential, and the normalized state', async () => {
      mk.on('POST', /^\/link-session\/exchange-token$/, {
        status: 201,
        body: { link_id: 'mk_new', link: link({ link_id: 'mk_new', state: 'connected' }) },
      });
      const res = await adapter.exchangePublicToken({ publicToken: 'ex-token-1', userId: 'user-1234' });
      expect(mk.apiCalls()[0]!.json).toEqual({ exchangeable_token: 'ex-token-1' });
      expect(res).toMatchObject({ providerConnectionId: 'mk_new', credential: null, providerUserId: null });
      expect(res.state).toMatchObject({
        status: 'CONNECTED',
        error: null,
        institution: { id: 'chase', name: 'Chase', primaryColor: '#117ACA' },
      });
    });

    it('400 invalid_token_exchange -> REJECTED, never sent twice', async () => {
      mk.on('POST', /^\/link-session\/exchange-token$/, mkError(400, 'link_session_error.invalid_token_exchange'));
      const e = await rejection(mk.adapter({ retry: { retries: 3, baseDelayMs: 1 } }).exchangePublicToken({ publicToken: 'x', userId: 'u' }));
      expect(e).toMatchObject({ kind: 'REJECTED', providerCode: 'link_session_error.invalid_token_exchange' });
      expect(mk.apiCalls()).toHaveLength(1);
    });
  });

  describe('getConnection', () => {
    it('reads the link and caches the institution', async () => {
      mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link({ state: 'error', error_code: 'institution_error' }) });
      const a = await adapter.getConnection(ref);
      const b = await adapter.getConnection(ref);
      expect(a.status).toBe('INSTITUTION_ERROR');
      expect(a.error?.providerCode).toBe('institution_error');
      expect(b.institution).toEqual({ id: 'chase', name: 'Chase', logoUrl: 'https://cdn.moneykit.test/chase.png', primaryColor: '#117ACA' });
      expect(mk.apiCalls().filter((c) => c.path.startsWith('/institutions/'))).toHaveLength(1);
    });

    it('institution cache expires after its TTL', async () => {
      let t = T0;
      const a2 = mk.adapter({ now: () => t, institutionTtlMs: 1000 });
      mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link() });
      await a2.getConnection(ref);
      t += 1001;
      await a2.getConnection(ref);
      expect(mk.apiCalls().filter((c) => c.path === '/institutions/chase')).toHaveLength(2);
    });

    it('a failing institution lookup does not fail the read', async () => {
      mk.on('GET', /^\/institutions\/chase$/, { status: 500, raw: 'boom', offSpec: 'a server failure: MoneyKit documents no 5xx' });
      mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link() });
      const state = await adapter.getConnection(ref);
      expect(state.status).toBe('CONNECTED');
      expect(state.institution).toEqual({ id: 'chase', name: 'Chase (link)', logoUrl: 'https://cdn.moneykit.test/chase.png', primaryColor: null });
    });

    it.each(['link_error.deleted', 'link_error.not_found'])('%s on read -> DISCONNECTED with the raw code', async (code) => {
      mk.on('GET', /^\/links\/mk_link1$/, mkError(code === 'link_error.deleted' ? 410 : 404, code));
      const state = await adapter.getConnection(ref);
      expect(state.status).toBe('DISCONNECTED');
      expect(state.error?.providerCode).toBe(code);
    });

    it('path segments are encoded', async () => {
      mk.on('GET', /^\/links\/a%2Fb$/, { status: 200, body: link({ link_id: 'a/b' }) });
      expect((await adapter.getConnection({ providerConnectionId: 'a/b', credential: null })).status).toBe('CONNECTED');
    });
  });

  describe('resets', () => {
    it('production resetLogin / resetLogins throw SANDBOX_ONLY without calling MoneyKit', async () => {
      const prod = mk.adapter({ env: 'production' });
      const e = await rejection(prod.resetLogin(ref));
      expect(e).toBeInstanceOf(ProviderCallError);
      expect(e).toMatchObject({ kind: 'SANDBOX_ONLY', notSent: true });
      const e2 = await rejection(prod.resetLogins({ userId: 'user-1234', connections: [ref] }));
      expect(e2.kind).toBe('SANDBOX_ONLY');
      expect(mk.calls).toHaveLength(0); // not even /auth/token
    });

    it('sandbox resetLogin posts /links/{id}/reset', async () => {
      mk.on('POST', /^\/links\/mk_link1\/reset$/, { status: 200, body: link({ state: 'error', error_code: 'auth_expired' }) });
      await adapter.resetLogin(ref);
      expect(mk.apiCalls().map((c) => `${c.method} ${c.path}`)).toEqual(['POST /links/mk_link1/reset']);
    });

    it('resetLogins resets each link once, and reports a failure after trying all', async () => {
      mk.on('POST', /^\/links\/mk_\d+\/reset$/, (call) =>
        call.path === '/links/mk_3/reset'
          ? mkError(404, 'link_error.not_found')
          : { status: 200, body: link({ link_id: call.path.split('/')[2], state: 'error', error_code: 'auth_expired' }) },
      );
      const connections = Array.from({ length: 9 }, (_, i) => ({ providerConnectionId: `mk_${i}`, credential: null }));
      const e = await rejection(adapter.resetLogins({ userId: 'user-1234', connections }));
      expect(e.kind).toBe('NOT_FOUND');
      expect(mk.apiCalls().map((c) => c.path).sort()).toEqual(connections.map((c) => `/links/${c.providerConnectionId}/reset`).sort());
      await adapter.resetLogins({ userId: 'user-1234', connections: connections.filter((c) => c.providerConnectionId !== 'mk_3') });
    });
  });

  describe('removeConnection', () => {
    it.each([
      ['204', { status: 204 }],
      ['404 already gone', mkError(404, 'link_error.not_found')],
      ['410 already deleted', mkError(410, 'link_error.deleted')],
    ])('%s is success', async (_name, reply) => {
      mk.on('DELETE', /^\/links\/mk_link1$/, reply);
      await expect(adapter.removeConnection(ref)).resolves.toBeUndefined();
      expect(mk.apiCalls().map((c) => `${c.method} ${c.path}`)).toEqual(['DELETE /links/mk_link1']);
    });

    it('other failures surface', async () => {
      mk.on('DELETE', /^\/links\/mk_link1$/, mkError(403, 'link_error.forbidden_action'));
      expect((await rejection(adapter.removeConnection(ref))).kind).toBe('REJECTED');
    });
  });

  it('listUserLinks reads the object keyed by link id', async () => {
    mk.on('GET', /^\/users\/user-1234\/links$/, {
      status: 200,
      body: { links: { mk_a: link({ link_id: 'mk_a' }), mk_b: link({ link_id: 'mk_b', state: 'error', error_code: 'user_setup_required' }) } },
    });
    const links = await adapter.listUserLinks('user-1234');
    expect(links.map((l) => [l.providerConnectionId, l.state.status])).toEqual([
      ['mk_a', 'CONNECTED'],
      ['mk_b', 'USER_ACTION_REQUIRED'],
    ]);
  });

  it('jwtExpiry reads exp and ignores what is not a JWT', () => {
    expect(jwtExpiry(fakeJwt({ exp: 1_800_000_000 }))).toEqual(new Date(1_800_000_000_000));
    expect(jwtExpiry(fakeJwt({ sub: 'x' }))).toBeNull();
    expect(jwtExpiry('a.b')).toBeNull();
    expect(jwtExpiry('a.!!!.c')).toBeNull();
  });
});
