import { afterEach, describe, expect, it } from 'vitest';
import { ProviderCallError } from '../../../src/providers/errors.js';
import { renewalMarginMs } from '../../../src/providers/moneykit/index.js';
import { CLIENT_ID, CLIENT_SECRET, LINK_TOKEN_INPUT, createFakeMoneyKit, institution, link, rejection, type FakeMoneyKit } from './fake-moneykit.js';

const ref = { providerConnectionId: 'mk_link1', credential: null };

describe('MoneyKit bearer token', () => {
  let mk: FakeMoneyKit;
  afterEach(async () => {
    await mk.close();
  });

  function setup(expiresIn = 3600) {
    mk = createFakeMoneyKit({ expiresIn });
    mk.on('GET', /^\/links\/mk_link1$/, { status: 200, body: link() });
    mk.on('GET', /^\/institutions\//, { status: 200, body: institution() });
  }

  it('asks /auth/token once with client credentials as a form and reuses the token', async () => {
    setup();
    const adapter = mk.adapter();
    for (let i = 0; i < 5; i++) await adapter.getConnection(ref);
    expect(mk.tokenCalls()).toHaveLength(1);
    const auth = mk.tokenCalls()[0]!;
    expect(auth.method).toBe('POST');
    expect(auth.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(auth.body ?? ''))).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    // Every call, the token call included, carries the version header; API calls the bearer.
    for (const c of mk.calls) expect(c.headers['moneykit-version']).toBe('2023-02-18');
    for (const c of mk.apiCalls()) expect(c.headers['authorization']).toBe('Bearer tok-1');
    expect(mk.apiCalls().filter((c) => c.path === '/links/mk_link1')).toHaveLength(5);
  });

  it('renews shortly before expires_in (60 s early for an hour-long token)', async () => {
    setup(3600);
    let t = 1_000_000;
    const adapter = mk.adapter({ now: () => t });
    await adapter.getConnection(ref);
    t += 3600_000 - 61_000; // 61 s before expiry: still cached
    await adapter.getConnection(ref);
    expect(mk.tokenCalls()).toHaveLength(1);
    t += 2_000; // 59 s before expiry: renewed
    await adapter.getConnection(ref);
    expect(mk.tokenCalls()).toHaveLength(2);
    expect(mk.apiCalls().at(-1)!.headers['authorization']).toBe('Bearer tok-2');
  });

  it('renews 10% early for short-lived tokens', async () => {
    expect(renewalMarginMs(3600)).toBe(60_000);
    expect(renewalMarginMs(100)).toBe(10_000);
    setup(100);
    let t = 0;
    const adapter = mk.adapter({ now: () => t });
    await adapter.getConnection(ref);
    t = 89_000;
    await adapter.getConnection(ref);
    expect(mk.tokenCalls()).toHaveLength(1);
    t = 90_500;
    await adapter.getConnection(ref);
    expect(mk.tokenCalls()).toHaveLength(2);
  });

  it('shares one renewal among 20 concurrent calls, at start and after expiry', async () => {
    setup(3600);
    let t = 0;
    const adapter = mk.adapter({ now: () => t });
    await Promise.all(Array.from({ length: 20 }, () => adapter.getConnection(ref)));
    expect(mk.tokenCalls()).toHaveLength(1);
    t = 3600_000;
    await Promise.all(Array.from({ length: 20 }, () => adapter.getConnection(ref)));
    expect(mk.tokenCalls()).toHaveLength(2);
    expect(mk.apiCalls().filter((c) => c.path === '/links/mk_link1' && c.headers['authorization'] === 'Bearer tok-2')).toHaveLength(20);
  });

  it('renews once and retries the call on api_error.auth.expired_access_token', async () => {
    setup();
    const adapter = mk.adapter();
    await adapter.getConnection(ref);
    mk.expire('tok-1'); // MoneyKit ends the token early (clock skew, revocation)
    const state = await adapter.getConnection(ref);
    expect(state.status).toBe('CONNECTED');
    expect(mk.tokenCalls()).toHaveLength(2);
    const linkCalls = mk.apiCalls().filter((c) => c.path === '/links/mk_link1').map((c) => c.headers['authorization']);
    expect(linkCalls).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('20 concurrent calls refused as expired share one renewal', async () => {
    setup();
    const adapter = mk.adapter();
    await adapter.getConnection(ref);
    mk.expire('tok-1');
    const states = await Promise.all(Array.from({ length: 20 }, () => adapter.getConnection(ref)));
    expect(states.every((s) => s.status === 'CONNECTED')).toBe(true);
    expect(mk.tokenCalls()).toHaveLength(2);
  });

  it('retries a POST too (the refused call did nothing), but only once', async () => {
    setup();
    mk.on('POST', /^\/link-session$/, { status: 201, body: { link_session_token: 'lst' } });
    // Every token is born expired: one renewal, then the error surfaces instead of a loop.
    mk.state.tokenReply = () => ({ status: 201, body: { access_token: 'tok-9', token_type: 'bearer', expires_in: 3600 } });
    mk.expire('tok-9');
    const adapter = mk.adapter();
    const e = await rejection(
      adapter.createLinkToken(LINK_TOKEN_INPUT),
    );
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e.kind).toBe('REJECTED');
    expect(e.providerCode).toBe('api_error.auth.expired_access_token');
    expect(mk.apiCalls()).toHaveLength(2);
    expect(mk.tokenCalls()).toHaveLength(2);
    expect(e.message).not.toContain('tok-9');
  });

  it.each([401, 400])('/auth/token %i -> REJECTED without the secret in the message', async (status) => {
    setup();
    mk.state.tokenReply = () => ({
      status,
      // A server that echoes what it got must not make us leak it.
      body: { error_code: 'api_error.auth.unauthorized', error_message: `bad client_secret ${CLIENT_SECRET}` },
    });
    const adapter = mk.adapter();
    const e = await rejection(adapter.getConnection(ref));
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e.kind).toBe('REJECTED');
    expect(e.provider).toBe('MONEYKIT');
    expect(e.httpStatus).toBe(status);
    expect(e.providerCode).toBe('api_error.auth.unauthorized');
    expect(e.message).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(CLIENT_SECRET);
    expect(mk.apiCalls()).toHaveLength(0);
  });

  it.each([
    ['not JSON', { status: 201, raw: 'access_token=tok-1', offSpec: 'provider garbage' }],
    ['missing expires_in', { status: 201, body: { access_token: 'tok-1', token_type: 'bearer' }, offSpec: 'provider garbage' }],
    // On the spec (a string), still unusable.
    ['empty token', { status: 201, body: { access_token: '', token_type: 'bearer', expires_in: 3600 } }],
  ])('/auth/token garbage (%s) -> UNAVAILABLE', async (_name, reply) => {
    setup();
    mk.state.tokenReply = () => reply;
    const e = await rejection(mk.adapter().getConnection(ref));
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e.kind).toBe('UNAVAILABLE');
    expect(e.message).not.toContain('tok-1');
  });

  it('a failed token fetch is not cached: the next call tries again', async () => {
    setup();
    mk.state.tokenReply = () => ({ status: 503, raw: 'down', offSpec: 'a server failure: MoneyKit documents no 5xx' });
    const adapter = mk.adapter();
    expect((await rejection(adapter.getConnection(ref))).kind).toBe('UNAVAILABLE');
    mk.state.tokenReply = null;
    expect((await adapter.getConnection(ref)).status).toBe('CONNECTED');
  });
});
