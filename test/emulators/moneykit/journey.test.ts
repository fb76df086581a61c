import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { call, getToken, LIVE, newConnectedLink, OTHER_SANDBOX, SANDBOX, start, startReceiver, verifyWebhook } from './helpers.js';

describe('MoneyKit emulator: link journey', () => {
  let emu: MoneyKitEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let receiver2: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    emu = await start();
    receiver = await startReceiver();
    receiver2 = await startReceiver();
  });
  afterAll(async () => {
    await emu.close();
    await receiver.close();
    await receiver2.close();
  });
  beforeEach(() => {
    emu.resetState();
    receiver.received.length = 0;
    receiver2.received.length = 0;
  });

  it('session -> completeConnect -> exchange -> connected -> reset (signed webhook) -> relink heals the same link', async () => {
    const token = await getToken(emu);

    // 1. New-link session: a JWT-shaped opaque token.
    const session = await call(emu, 'POST', '/link-session', {
      token,
      json: {
        customer_user: { id: 'user-0001', email: { address: 'a@example.com' } },
        redirect_uri: 'https://app.example.com/oauth',
        webhook: receiver.url,
        link_tags: ['env1', 'tier2'],
        settings: { products: { transactions: { required: true, prefetch: true }, identity: { reason: 'kyc' } } },
      },
    });
    expect(session.status).toBe(201);
    expect(session.body.link_session_token.split('.')).toHaveLength(3);

    // 2. The user finishes Connect: link awaiting exchange.
    const done = emu.completeConnect(session.body.link_session_token);
    expect(done.exchangeable_token).toEqual(expect.any(String));
    expect(done.link_id).toMatch(/^mk_[A-Za-z0-9]{22}$/);
    const before = await call(emu, 'GET', `/links/${done.link_id}`, { token });
    expect(before.body.state).toBe('awaiting_token_exchange');

    // 3. Exchange moves it to connected.
    const ex = await call(emu, 'POST', '/link-session/exchange-token', { token, json: { exchangeable_token: done.exchangeable_token } });
    expect(ex.status).toBe(201);
    expect(ex.body.link_id).toBe(done.link_id);
    expect(ex.body.link).toMatchObject({ link_id: done.link_id, state: 'connected', error_code: null });
    const again = await call(emu, 'POST', '/link-session/exchange-token', { token, json: { exchangeable_token: done.exchangeable_token } });
    expect(again.status).toBe(400);
    expect(again.body.error_code).toBe('link_session_error.invalid_token_exchange');

    const got = await call(emu, 'GET', `/links/${done.link_id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      link_id: done.link_id,
      institution_id: 'mk_credentials_bank',
      institution_name: 'Credentials Bank',
      institution_avatar: expect.any(String),
      state: 'connected',
      error_code: null,
      provider: 'moneykit',
      link_tags: ['env1', 'tier2'],
      tags: ['env1', 'tier2'],
      webhook: receiver.url,
    });
    expect(Object.keys(got.body.products).sort()).toEqual(['accounts', 'identity', 'transactions']);
    expect(got.body.products.accounts.refreshed_at).toEqual(expect.any(String));
    expect(got.body.products.transactions).toMatchObject({ has_history: true, settings: { required: true, prefetch: true } });
    expect(got.body.products.identity.settings).toMatchObject({ reason: 'kyc', required: false });
    expect(got.body.available_products.sort()).toEqual(['account_numbers', 'investments']);
    expect(receiver.received).toHaveLength(0); // no webhook on creation/exchange

    // 4. Reset: error/auth_expired, then a signed link.state_changed after the response.
    const reset = await call(emu, 'POST', `/links/${done.link_id}/reset`, { token });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ state: 'error', error_code: 'auth_expired' });
    const hook = await receiver.waitFor(1);
    expect(hook.json).toMatchObject({
      webhook_major_version: 1,
      webhook_minor_version: 0,
      webhook_event: 'link.state_changed',
      link_id: done.link_id,
      link_tags: ['env1', 'tier2'],
      state: 'error',
      error: 'auth_expired',
      error_message: expect.any(String),
      webhook_idempotency_key: expect.any(String),
      webhook_timestamp: expect.any(String),
    });
    expect(hook.json).not.toHaveProperty('error_code');
    expect(hook.headers['moneykit-delivery-token']).toEqual(expect.any(String));
    expect(hook.headers['moneykit-delivery-attempt']).toBe('1');
    const verified = await verifyWebhook(emu, SANDBOX.clientId, hook);
    expect(verified.protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: emu.currentKid });
    expect(verified.payload.iss).toBe('https://api.moneykit.com');
    expect(verified.bodyHashMatches).toBe(true);
    // A tampered body no longer matches the signed hash.
    const tampered = await verifyWebhook(emu, SANDBOX.clientId, { headers: hook.headers, raw: hook.raw.replace('auth_expired', 'user_error') });
    expect(tampered.bodyHashMatches).toBe(false);

    // 5. Relink session with existing_link_id, new webhook and tags, one more product.
    const relink = await call(emu, 'POST', '/link-session', {
      token,
      json: {
        customer_user: { id: 'user-0001' },
        redirect_uri: 'https://app.example.com/oauth',
        existing_link_id: done.link_id,
        institution_id: 'chase', // ignored on relink
        webhook: receiver2.url,
        link_tags: ['relinked'],
        settings: { products: { investments: {}, transactions: { required: false } } },
      },
    });
    expect(relink.status).toBe(201);
    const healed = emu.completeConnect(relink.body.link_session_token);
    expect(healed).toEqual({ link_id: done.link_id });
    const after = await call(emu, 'GET', `/links/${done.link_id}`, { token });
    expect(after.body).toMatchObject({
      state: 'connected',
      error_code: null,
      institution_id: 'mk_credentials_bank',
      webhook: receiver2.url,
      link_tags: ['relinked'],
    });
    expect(after.body.products.investments).toBeTruthy();
    expect(after.body.products.transactions.settings.required).toBe(true); // existing settings unchanged
    const healHook = await receiver2.waitFor(1);
    expect(healHook.json).toMatchObject({ state: 'connected', error: null, link_id: done.link_id, link_tags: ['relinked'] });
    expect((await verifyWebhook(emu, SANDBOX.clientId, healHook)).bodyHashMatches).toBe(true);
    expect(receiver.received).toHaveLength(1);

    // The relink session cannot be completed twice.
    expect(() => emu.completeConnect(relink.body.link_session_token)).toThrow(/already completed/);
  });

  it('a relink session that omits webhook and link_tags clears them', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token, { webhook: receiver.url, link_tags: ['a1'] });
    emu.setLinkState(linkId, 'error', 'auth_expired', { webhook: false });
    const relink = await call(emu, 'POST', '/link-session', {
      token,
      json: { customer_user: { id: 'user-0001' }, redirect_uri: 'https://app.example.com/cb', existing_link_id: linkId },
    });
    emu.completeConnect(relink.body.link_session_token);
    const link = await call(emu, 'GET', `/links/${linkId}`, { token });
    expect(link.body).toMatchObject({ state: 'connected', webhook: null, link_tags: null });
  });

  it('relink sessions check the link: 404 unknown, 401 other app, 403 other customer_user', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token);
    const base = { customer_user: { id: 'user-0001' }, redirect_uri: 'https://app.example.com/cb' };
    const notFound = await call(emu, 'POST', '/link-session', { token, json: { ...base, existing_link_id: 'mk_nope' } });
    expect(notFound.status).toBe(404);
    expect(notFound.body.error_code).toBe('link_error.not_found');
    const otherToken = await getToken(emu, OTHER_SANDBOX);
    const otherApp = await call(emu, 'POST', '/link-session', { token: otherToken, json: { ...base, existing_link_id: linkId } });
    expect(otherApp.status).toBe(401);
    expect(otherApp.body.error_code).toBe('link_error.unauthorized_access');
    const otherUser = await call(emu, 'POST', '/link-session', {
      token,
      json: { ...base, customer_user: { id: 'user-9999' }, existing_link_id: linkId },
    });
    expect(otherUser.status).toBe(403);
  });

  it('validates /link-session bodies: 422 api_error.request.validation_failed with validation_errors', async () => {
    const token = await getToken(emu);
    const res = await call(emu, 'POST', '/link-session', { token, json: { customer_user: { id: 'abc' } } });
    expect(res.status).toBe(422);
    expect(res.body.error_code).toBe('api_error.request.validation_failed');
    const locations = res.body.validation_errors.map((e: { location: unknown[] }) => e.location.join('.'));
    expect(locations).toEqual(expect.arrayContaining(['body.customer_user.id', 'body.redirect_uri']));
    const byLoc = Object.fromEntries(
      res.body.validation_errors.map((e: { location: unknown[]; type: string }) => [e.location.join('.'), e.type]),
    );
    expect(byLoc).toMatchObject({ 'body.customer_user.id': 'string_too_short', 'body.redirect_uri': 'missing' });
    const withQuery = await call(emu, 'POST', '/link-session', {
      token,
      json: { customer_user: { id: 'user-0001' }, redirect_uri: 'https://app.example.com/cb?x=1' },
    });
    expect(withQuery.status).toBe(422);
    const badJson = await fetch(`${emu.url}/link-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(badJson.status).toBe(422);
  });

  it('links belong to their app: another app gets 401 link_error.unauthorized_access; unknown ids 404', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token);
    const other = await call(emu, 'GET', `/links/${linkId}`, { token: await getToken(emu, OTHER_SANDBOX) });
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ error_code: 'link_error.unauthorized_access', error_message: 'Unauthorized link access.' });
    const missing = await call(emu, 'GET', '/links/mk_doesnotexist', { token });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_code: 'link_error.not_found', error_message: 'Link not found.' });
  });

  it('GET /users/{id}/links returns an object keyed by link id for that user only', async () => {
    const token = await getToken(emu);
    const a = await newConnectedLink(emu, token, { userId: 'user-aaaa' });
    const b = await newConnectedLink(emu, token, { userId: 'user-aaaa' });
    await newConnectedLink(emu, token, { userId: 'user-bbbb' });
    const res = await call(emu, 'GET', '/users/user-aaaa/links', { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.links).sort()).toEqual([a, b].sort());
    expect(res.body.links[a].link_id).toBe(a);
  });

  it('live app: reset is 403 link_error.forbidden_action and the link is untouched', async () => {
    const token = await getToken(emu, LIVE);
    const linkId = await newConnectedLink(emu, token, { webhook: receiver.url });
    const res = await call(emu, 'POST', `/links/${linkId}/reset`, { token });
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('link_error.forbidden_action');
    expect((await call(emu, 'GET', `/links/${linkId}`, { token })).body.state).toBe('connected');
    expect(emu.webhookDeliveries).toHaveLength(0);
  });

  it('DELETE: 204 empty, webhook state deleted, GET tombstone state deleted, then 410 link_error.deleted', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token, { webhook: receiver.url });
    const del = await fetch(`${emu.url}/links/${linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    const hook = await receiver.waitFor(1);
    expect(hook.json).toMatchObject({ webhook_event: 'link.state_changed', state: 'deleted', link_id: linkId });
    const got = await call(emu, 'GET', `/links/${linkId}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.state).toBe('deleted');
    for (const [method, path] of [
      ['POST', `/links/${linkId}/reset`],
      ['DELETE', `/links/${linkId}`],
    ] as const) {
      const r = await call(emu, method, path, { token });
      expect(r.status).toBe(410);
      expect(r.body.error_code).toBe('link_error.deleted');
    }
    expect((await call(emu, 'GET', '/users/user-0001/links', { token })).body.links).toEqual({});
  });

  it("deletedLinkRead: 'gone' answers GET on a deleted link with 410", async () => {
    const gone = await start({ deletedLinkRead: 'gone' });
    try {
      const token = await getToken(gone);
      const linkId = await newConnectedLink(gone, token);
      await call(gone, 'DELETE', `/links/${linkId}`, { token });
      const r = await call(gone, 'GET', `/links/${linkId}`, { token });
      expect(r.status).toBe(410);
      expect(r.body.error_code).toBe('link_error.deleted');
    } finally {
      await gone.close();
    }
  });

  it('setLinkState and sendWebhook: webhooks fill common fields and verify', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token, { webhook: receiver.url, link_tags: ['t1'] });
    const view = emu.setLinkState(linkId, 'error', 'institution_error');
    expect(view).toMatchObject({ state: 'error', error_code: 'institution_error' });
    const first = await receiver.waitFor(1);
    expect(first.json).toMatchObject({ state: 'error', error: 'institution_error' });

    const d = await emu.sendWebhook(linkId, { webhook_event: 'transactions.updates_available', has_history: true });
    expect(d?.status).toBe(200);
    const second = await receiver.waitFor(2);
    expect(second.json).toMatchObject({
      webhook_event: 'transactions.updates_available',
      has_history: true,
      link_id: linkId,
      link_tags: ['t1'],
      webhook_major_version: 1,
    });
    expect(second.json.webhook_idempotency_key).not.toBe(first.json.webhook_idempotency_key);
    expect((await verifyWebhook(emu, SANDBOX.clientId, second)).bodyHashMatches).toBe(true);

    emu.setLinkState(linkId, 'connected', null, { webhook: false });
    expect((await call(emu, 'GET', `/links/${linkId}`, { token })).body.state).toBe('connected');
    expect(emu.webhookDeliveries).toHaveLength(2);
  });

  it('rotateSigningKey: keepPrevious keeps the old key in the JWKS, otherwise it is dropped', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token, { webhook: receiver.url });
    const oldKid = emu.currentKid;
    await emu.sendWebhook(linkId, {});
    const oldHook = await receiver.waitFor(1);

    const kept = emu.rotateSigningKey({ keepPrevious: true });
    expect(emu.jwks.keys.map((k) => k.kid)).toEqual([oldKid, kept]);
    await emu.sendWebhook(linkId, {});
    const newHook = await receiver.waitFor(2);
    expect((await verifyWebhook(emu, SANDBOX.clientId, newHook)).protectedHeader.kid).toBe(kept);
    expect((await verifyWebhook(emu, SANDBOX.clientId, oldHook)).protectedHeader.kid).toBe(oldKid);

    const only = emu.rotateSigningKey({ keepPrevious: false });
    expect(emu.jwks.keys.map((k) => k.kid)).toEqual([only]);
    await expect(verifyWebhook(emu, SANDBOX.clientId, oldHook)).rejects.toThrow();
  });

  it('retries failed webhook deliveries when webhookMaxAttempts > 1', async () => {
    const flaky = await startReceiver([500]);
    const retrying = await start({ webhookMaxAttempts: 3, webhookRetryDelayMs: 5 });
    try {
      const token = await getToken(retrying);
      const linkId = await newConnectedLink(retrying, token, { webhook: flaky.url });
      await call(retrying, 'POST', `/links/${linkId}/reset`, { token });
      const second = await flaky.waitFor(2);
      expect(second.headers['moneykit-delivery-attempt']).toBe('2');
      expect(second.json.webhook_idempotency_key).toBe(flaky.received[0]!.json.webhook_idempotency_key);
      const ok = await retrying.waitForWebhookDelivery((d) => d.status === 200);
      expect(ok.attempt).toBe(2);
      expect(retrying.webhookDeliveries.map((d) => d.status)).toEqual([500, 200]);
    } finally {
      await retrying.close();
      await flaky.close();
    }
  });
  it('PATCH /links/{id} updates webhook/link_tags; POST /webhooks/test/link/{id} sends the chosen event', async () => {
    const token = await getToken(emu);
    const linkId = await newConnectedLink(emu, token);
    const noHook = await call(emu, 'POST', `/webhooks/test/link/${linkId}`, {
      token,
      json: { webhook_event: 'transactions.updates_available', webhook_idempotency_key: 'k-1' },
    });
    expect(noHook.status).toBe(400);
    expect(noHook.body.error_code).toBe('link_error.bad_config');
    const patched = await call(emu, 'PATCH', `/links/${linkId}`, { token, json: { webhook: receiver.url, link_tags: ['p1'] } });
    expect(patched.body).toMatchObject({ webhook: receiver.url, link_tags: ['p1'] });
    const sent = await call(emu, 'POST', `/webhooks/test/link/${linkId}`, {
      token,
      json: { webhook_event: 'transactions.updates_available', webhook_idempotency_key: 'k-2' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.delivery_token).toEqual(expect.any(String));
    const testHook = await receiver.waitFor(1);
    expect(testHook.headers['moneykit-delivery-token']).toBe(sent.body.delivery_token);
    expect(testHook.json).toMatchObject({
      webhook_event: 'transactions.updates_available',
      webhook_idempotency_key: 'k-2',
      link_tags: ['p1'],
    });
    const cleared = await call(emu, 'PATCH', `/links/${linkId}`, { token, json: { webhook: null } });
    expect(cleared.body.webhook).toBeNull();
  });
});
