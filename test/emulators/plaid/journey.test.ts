// The reset-login -> update-mode journey through real HTTP, as the gateway would drive it.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/index.js';
import { CLIENT_ID, SECRET, WebhookReceiver, linkTokenRequest, plaid, type Received } from './helpers.js';

let emu: PlaidEmulator;
let hook: WebhookReceiver;

beforeAll(async () => {
  emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
  hook = await new WebhookReceiver().start();
});
afterAll(async () => {
  await emu.close();
  await hook.close();
});

async function verify(r: Received): Promise<void> {
  const jwt = r.headers['plaid-verification'];
  expect(typeof jwt).toBe('string');
  const header = decodeProtectedHeader(jwt as string);
  expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
  const keyRes = await plaid(emu.url, '/webhook_verification_key/get', { key_id: header.kid });
  expect(keyRes.status).toBe(200);
  const key = await importJWK(keyRes.body['key'] as JWK, 'ES256');
  const { payload } = await jwtVerify(jwt as string, key, { algorithms: ['ES256'], maxTokenAge: '5 min' });
  expect(payload['request_body_sha256']).toBe(createHash('sha256').update(r.raw).digest('hex'));
}

describe('Plaid emulator: reset login -> update mode', () => {
  it('runs the whole journey with signed webhooks', async () => {
    // 1. new-item link token, owned by a deterministic Plaid user
    const lt = await plaid(emu.url, '/link/token/create', linkTokenRequest({ products: ['transactions'], webhook: hook.url }));
    expect(lt.status).toBe(200);
    expect(lt.body['link_token']).toMatch(/^link-sandbox-[0-9a-f-]{36}$/);
    expect(lt.body['user_id']).toMatch(/^usr_[0-9A-Za-z]+$/);
    const hours = (Date.parse(lt.body['expiration'] as string) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(3.9);
    expect(hours).toBeLessThanOrEqual(4);
    const again = await plaid(emu.url, '/link/token/create', linkTokenRequest({ products: ['auth'] }));
    expect(again.body['user_id']).toBe(lt.body['user_id']);

    // 2. Link finishes (emulator HTTP control route), 3. exchange
    const done = await fetch(`${emu.url}/emulator/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link_token: lt.body['link_token'] }),
    });
    expect(done.status).toBe(200);
    const { public_token, item_id } = (await done.json()) as { public_token: string; item_id: string };
    expect(public_token).toMatch(/^public-sandbox-/);
    const ex = await plaid(emu.url, '/item/public_token/exchange', { public_token });
    expect(ex.status).toBe(200);
    expect(ex.body['item_id']).toBe(item_id);
    const accessToken = ex.body['access_token'] as string;
    expect(accessToken).toMatch(/^access-sandbox-/);

    // 4. healthy
    let got = await plaid(emu.url, '/item/get', { access_token: accessToken });
    expect(got.status).toBe(200);
    let item = got.body['item'] as Record<string, unknown>;
    expect(item).toMatchObject({
      item_id,
      institution_id: 'ins_109508',
      institution_name: 'First Platypus Bank',
      webhook: hook.url,
      error: null,
      products: ['transactions'],
      billed_products: ['transactions'],
      consent_expiration_time: null,
      update_type: 'background',
    });
    expect(typeof item['created_at']).toBe('string');
    expect(typeof got.body['request_id']).toBe('string');

    // 5. reset_login -> ITEM_LOGIN_REQUIRED + signed ITEM/ERROR webhook
    const reset = await plaid(emu.url, '/sandbox/item/reset_login', { access_token: accessToken });
    expect(reset.body).toMatchObject({ reset_login: true });
    got = await plaid(emu.url, '/item/get', { access_token: accessToken });
    item = got.body['item'] as Record<string, unknown>;
    expect(item['error']).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', display_message: null });
    expect((item['error'] as Record<string, unknown>)['error_message']).toContain("use Link's update mode");
    const errHook = await hook.waitFor('ERROR', item_id);
    expect(errHook.json).toMatchObject({
      webhook_type: 'ITEM',
      webhook_code: 'ERROR',
      item_id,
      user_id: lt.body['user_id'],
      error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', status: 400 },
      environment: 'sandbox',
    });
    expect(errHook.raw).toBe(JSON.stringify(errHook.json, null, 2));
    await verify(errHook);

    // 6. update-mode link token: 30 min, no products, webhook ignored
    const ut = await plaid(emu.url, '/link/token/create', linkTokenRequest({ access_token: accessToken, webhook: 'https://ignored.example/hook' }));
    expect(ut.status).toBe(200);
    const minutes = (Date.parse(ut.body['expiration'] as string) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);

    // 7. Link update mode finishes: healed, LOGIN_REPAIRED, same access token
    const healed = emu.completeLink(ut.body['link_token'] as string);
    expect(healed.item_id).toBe(item_id);
    got = await plaid(emu.url, '/item/get', { access_token: accessToken });
    expect((got.body['item'] as Record<string, unknown>)['error']).toBeNull();
    expect((got.body['item'] as Record<string, unknown>)['webhook']).toBe(hook.url);
    const repaired = await hook.waitFor('LOGIN_REPAIRED', item_id);
    expect(repaired.json).toEqual({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id, user_id: lt.body['user_id'], environment: 'sandbox' });
    await verify(repaired);
    const reEx = await plaid(emu.url, '/item/public_token/exchange', { public_token: healed.public_token });
    expect(reEx.body['access_token']).toBe(accessToken);

    // every delivery was recorded with the receiver's status
    const codes = emu.webhookDeliveries.filter((d) => d.itemId === item_id).map((d) => [d.webhookCode, d.status]);
    expect(codes).toEqual([['ERROR', 200], ['LOGIN_REPAIRED', 200]]);
  });

  it('sends the webhook only after the triggering response', async () => {
    const pt = await plaid(emu.url, '/sandbox/public_token/create', { institution_id: 'ins_109509', initial_products: ['auth'], options: { webhook: hook.url } });
    const ex = await plaid(emu.url, '/item/public_token/exchange', { public_token: pt.body['public_token'] });
    const itemId = ex.body['item_id'] as string;
    const before = hook.received.length;
    const res = await plaid(emu.url, '/sandbox/item/reset_login', { access_token: ex.body['access_token'] });
    const responded = Date.now();
    expect(res.status).toBe(200);
    const r = await hook.waitFor('ERROR', itemId);
    expect(hook.received.length).toBe(before + 1);
    expect(r.at).toBeGreaterThanOrEqual(responded - 5);
    // sandbox items without a user carry no user_id
    expect(r.json['user_id']).toBeUndefined();
  });

  it('user reset_login resets only the listed item_ids, or all of the user\'s items', async () => {
    const user = { client_user_id: 'multi-item-user' };
    const items: Array<{ itemId: string; token: string }> = [];
    for (let i = 0; i < 3; i++) {
      const lt = await plaid(emu.url, '/link/token/create', linkTokenRequest({ user, products: ['transactions'], webhook: hook.url }));
      const { public_token, item_id } = emu.completeLink(lt.body['link_token'] as string, { institutionId: 'ins_109510' });
      const ex = await plaid(emu.url, '/item/public_token/exchange', { public_token });
      items.push({ itemId: item_id, token: ex.body['access_token'] as string });
    }
    const userId = (await plaid(emu.url, '/link/token/create', linkTokenRequest({ user, products: ['auth'] }))).body['user_id'];
    const errorOf = async (token: string): Promise<unknown> =>
      ((await plaid(emu.url, '/item/get', { access_token: token })).body['item'] as Record<string, unknown>)['error'];

    const first = items[0] as { itemId: string; token: string };
    const res = await plaid(emu.url, '/sandbox/user/reset_login', { user_id: userId, item_ids: [first.itemId] });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['request_id']);
    expect(await errorOf(first.token)).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED' });
    expect(await errorOf(items[1]!.token)).toBeNull();
    expect(await errorOf(items[2]!.token)).toBeNull();
    await hook.waitFor('ERROR', first.itemId);

    // someone else's item is refused
    const foreign = await plaid(emu.url, '/sandbox/user/reset_login', { user_id: userId, item_ids: ['not-this-users-item'] });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });

    // empty list = every item of the user
    await plaid(emu.url, '/sandbox/user/reset_login', { user_id: userId, item_ids: [] });
    for (const it of items) {
      expect(await errorOf(it.token)).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED' });
      await hook.waitFor('ERROR', it.itemId);
    }
    const unknown = await plaid(emu.url, '/sandbox/user/reset_login', { user_id: 'usr_doesnotexist' });
    expect(unknown.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_USER_ID' });
  });
});
