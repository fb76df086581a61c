import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { call, getToken, newConnectedLink, SANDBOX, start, startReceiver } from './helpers.js';

describe('MoneyKit emulator: faults, latency, recording and control routes', () => {
  let emu: MoneyKitEmulator;
  let token: string;
  beforeAll(async () => {
    emu = await start();
  });
  afterAll(() => emu.close());
  beforeEach(async () => {
    emu.resetState();
    token = await getToken(emu);
  });

  it('http500: 500 with an error body, once by default, then normal answers', async () => {
    emu.injectFault({ path: '/institutions/{id}', kind: 'http500' });
    const first = await call(emu, 'GET', '/institutions/chase', { token });
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ error_code: expect.any(String), error_message: expect.any(String) });
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
  });

  it('http429: api_error.rate_limit_exceeded with Retry-After; times counts answers', async () => {
    emu.injectFault({ method: 'GET', path: '/institutions/chase', kind: 'http429', retryAfterSeconds: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await call(emu, 'GET', '/institutions/chase', { token });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
      expect(r.body).toMatchObject({ error_code: 'api_error.rate_limit_exceeded', error_message: 'Rate limit exceeded' });
    }
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
  });

  it('method filter: a fault for POST leaves GET alone', async () => {
    emu.injectFault({ method: 'POST', path: '/institutions/chase', kind: 'http500' });
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
  });

  it('garbage: 200 with a body that is not JSON', async () => {
    emu.injectFault({ path: '/links/{id}', kind: 'garbage' });
    const res = await fetch(`${emu.url}/links/mk_any`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('reset: the socket is destroyed, the client sees a network error', async () => {
    emu.injectFault({ path: '/auth/token', kind: 'reset' });
    await expect(getToken(emu)).rejects.toThrow();
    expect(emu.tokenRequests).toBe(2); // the faulted call counts too
    await expect(getToken(emu)).resolves.toEqual(expect.any(String));
  });

  it('moneykit_error: chosen error_code with its catalogue status and link_error_code', async () => {
    emu.injectFault({
      path: '/links/{id}',
      kind: 'moneykit_error',
      error: { error_code: 'link_error.bad_state', error_message: 'Link is in error state', link_error_code: 'auth_expired' },
    });
    const r = await call(emu, 'GET', '/links/mk_x', { token });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      error_code: 'link_error.bad_state',
      error_message: 'Link is in error state',
      documentation_url: expect.any(String),
      link_error_code: 'auth_expired',
    });
    emu.injectFault({ path: '/links/{id}', kind: 'moneykit_error', status: 418, error: { error_code: 'custom.thing' } });
    expect((await call(emu, 'GET', '/links/mk_x', { token })).status).toBe(418);
  });

  it('times -1 lasts until clearFaults(); a trailing * matches by prefix', async () => {
    emu.injectFault({ path: '/links/*', kind: 'http500', times: -1 });
    for (let i = 0; i < 3; i++) expect((await call(emu, 'POST', '/links/mk_a/reset', { token })).status).toBe(500);
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
    emu.clearFaults();
    expect((await call(emu, 'POST', '/links/mk_a/reset', { token })).status).toBe(404);
  });

  it('faults over HTTP: POST and DELETE /emulator/faults', async () => {
    const add = await call(emu, 'POST', '/emulator/faults', { json: { path: '/institutions/{id}', kind: 'http500', times: -1 } });
    expect(add.status).toBe(201);
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(500);
    expect((await call(emu, 'DELETE', '/emulator/faults')).status).toBe(204);
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
    const bad = await call(emu, 'POST', '/emulator/faults', { json: { path: 'links', kind: 'explode' } });
    expect(bad.status).toBe(422);
  });

  it('hang: never answers while the server keeps serving; close() releases the socket', async () => {
    const hangEmu = await start();
    const t = await getToken(hangEmu);
    hangEmu.injectFault({ path: '/links/{id}', kind: 'hang' });
    let settled = false;
    const hanging = fetch(`${hangEmu.url}/links/mk_x`, { headers: { authorization: `Bearer ${t}` } }).finally(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(hangEmu.requests.some((r) => r.path === '/links/mk_x')).toBe(true));
    expect((await call(hangEmu, 'GET', '/institutions/chase', { token: t })).status).toBe(200);
    expect(settled).toBe(false);
    await hangEmu.close();
    await expect(hanging).rejects.toThrow();
  });

  it('setLatency delays answers', async () => {
    emu.setLatency(150);
    const t0 = performance.now();
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    emu.setLatency(0);
  });

  it('records API calls (not /emulator ones); GET /emulator/requests redacts secrets and bearer tokens', async () => {
    emu.resetState();
    const t = await getToken(emu);
    await call(emu, 'GET', '/institutions/chase?x=1', { token: t });
    await call(emu, 'GET', '/emulator/stats');
    expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /auth/token', 'GET /institutions/chase']);
    expect(emu.requests[0]!.body).toMatchObject({ client_id: SANDBOX.clientId, client_secret: SANDBOX.clientSecret });
    expect(emu.requests[1]!.query).toEqual({ x: '1' });
    expect(emu.requests[1]!.headers.authorization).toBe(`Bearer ${t}`);

    const res = await fetch(`${emu.url}/emulator/requests`);
    const text = await res.text();
    expect(text).not.toContain(SANDBOX.clientSecret);
    expect(text).not.toContain(t);
    const { requests } = JSON.parse(text) as { requests: Array<{ headers: Record<string, string>; body: any }> };
    expect(requests[0]!.body.client_secret).toBe('[REDACTED]');
    expect(requests[1]!.headers.authorization).toBe('Bearer [REDACTED]');
    expect((await call(emu, 'GET', '/emulator/stats')).body.token_requests).toBe(1);
  });

  it('control routes: connect/complete, links/{id}/state and links/{id}/webhook over HTTP', async () => {
    const receiver = await startReceiver();
    try {
      const s = await call(emu, 'POST', '/link-session', {
        token,
        json: { customer_user: { id: 'user-http' }, redirect_uri: 'https://app.example.com/cb', webhook: receiver.url },
      });
      const done = await call(emu, 'POST', '/emulator/connect/complete', {
        json: { link_session_token: s.body.link_session_token, institution_id: 'chase' },
      });
      expect(done.status).toBe(200);
      const ex = await call(emu, 'POST', '/link-session/exchange-token', { token, json: { exchangeable_token: done.body.exchangeable_token } });
      expect(ex.body.link).toMatchObject({ institution_id: 'chase', institution_name: 'Chase', provider: 'mx' });

      const st = await call(emu, 'POST', `/emulator/links/${done.body.link_id}/state`, { json: { state: 'error', error_code: 'user_setup_required' } });
      expect(st.body).toMatchObject({ state: 'error', error_code: 'user_setup_required' });
      expect((await receiver.waitFor(1)).json).toMatchObject({ error: 'user_setup_required' });

      const wh = await call(emu, 'POST', `/emulator/links/${done.body.link_id}/webhook`, {
        json: { webhook_event: 'link.product_refresh', product: 'transactions', state: 'completed' },
      });
      expect(wh.status).toBe(202);
      const got = await receiver.waitFor(2);
      expect(got.json).toMatchObject({ webhook_event: 'link.product_refresh', webhook_idempotency_key: wh.body.webhook_idempotency_key });

      const unknown = await call(emu, 'POST', '/emulator/connect/complete', { json: { link_session_token: 'nope' } });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error_code).toBe('emulator_error.unknown_session');
    } finally {
      await receiver.close();
    }
  });

  it('resetState() forgets links, tokens and recordings', async () => {
    const linkId = await newConnectedLink(emu, token);
    emu.resetState();
    expect(emu.getLink(linkId)).toBeUndefined();
    expect(emu.requests).toHaveLength(0);
    expect(emu.tokenRequests).toBe(0);
    expect((await call(emu, 'GET', '/institutions/chase', { token })).status).toBe(401);
  });
});
