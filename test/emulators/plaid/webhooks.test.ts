// Webhook signing, key rotation, fire_webhook and the emulator's webhook control routes.
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/index.js';
import { CLIENT_ID, SECRET, WebhookReceiver, plaid, type Received } from './helpers.js';

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

async function newItem(products = ['transactions'], webhook: string | null = hook.url): Promise<{ itemId: string; token: string }> {
  const pt = await plaid(emu.url, '/sandbox/public_token/create', {
    institution_id: 'ins_109508',
    initial_products: products,
    ...(webhook ? { options: { webhook } } : {}),
  });
  expect(pt.status).toBe(200);
  const ex = await plaid(emu.url, '/item/public_token/exchange', { public_token: pt.body['public_token'] });
  return { itemId: ex.body['item_id'] as string, token: ex.body['access_token'] as string };
}

/** Verifies like a careful receiver; returns the kid used. */
async function verifySignature(r: Received): Promise<string> {
  const jwt = r.headers['plaid-verification'] as string;
  const { kid, alg } = decodeProtectedHeader(jwt);
  expect(alg).toBe('ES256');
  const keyRes = await plaid(emu.url, '/webhook_verification_key/get', { key_id: kid });
  const jwk = keyRes.body['key'] as JWK & { created_at: number; expired_at: number | null };
  expect(jwk).toMatchObject({ alg: 'ES256', crv: 'P-256', kty: 'EC', use: 'sig', kid });
  const { payload } = await compactVerify(jwt, await importJWK(jwk, 'ES256'));
  const claims = JSON.parse(new TextDecoder().decode(payload)) as { iat: number; request_body_sha256: string };
  expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);
  expect(claims.request_body_sha256).toBe(createHash('sha256').update(Buffer.from(r.raw, 'utf8')).digest('hex'));
  // Re-serialising the parsed body must not match (2-space indentation, REFERENCE 5.2).
  expect(createHash('sha256').update(JSON.stringify(r.json)).digest('hex')).not.toBe(claims.request_body_sha256);
  return kid as string;
}

describe('webhook signing', () => {
  it('signs bodies so that a tampered body fails the hash check', async () => {
    const { itemId, token } = await newItem();
    await plaid(emu.url, '/sandbox/item/fire_webhook', { access_token: token, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    const r = await hook.waitFor('NEW_ACCOUNTS_AVAILABLE', itemId);
    await verifySignature(r);
    const tampered = r.raw.replace('NEW_ACCOUNTS_AVAILABLE', 'LOGIN_REPAIRED');
    const jwt = r.headers['plaid-verification'] as string;
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { request_body_sha256: string };
    expect(createHash('sha256').update(tampered).digest('hex')).not.toBe(claims.request_body_sha256);
  });

  it('rotates keys: new kid signs, old key still served, expired_at set only when asked', async () => {
    const first = emu.currentSigningKeyId;
    const second = emu.rotateSigningKey({ expirePrevious: false });
    expect(second).not.toBe(first);
    const k1 = await plaid(emu.url, '/webhook_verification_key/get', { key_id: first });
    expect((k1.body['key'] as Record<string, unknown>)['expired_at']).toBeNull();

    const { itemId, token } = await newItem();
    await plaid(emu.url, '/sandbox/item/fire_webhook', { access_token: token, webhook_code: 'LOGIN_REPAIRED' });
    expect(await verifySignature(await hook.waitFor('LOGIN_REPAIRED', itemId))).toBe(second);

    const rot = await fetch(`${emu.url}/emulator/keys/rotate`, { method: 'POST', body: JSON.stringify({ expire_previous: true }) });
    const third = ((await rot.json()) as { kid: string }).kid;
    expect(emu.currentSigningKeyId).toBe(third);
    for (const kid of [first, second]) {
      const k = await plaid(emu.url, '/webhook_verification_key/get', { key_id: kid });
      expect(k.status).toBe(200);
      expect(typeof (k.body['key'] as Record<string, unknown>)['expired_at']).toBe('number');
    }
    const k3 = await plaid(emu.url, '/webhook_verification_key/get', { key_id: third });
    expect((k3.body['key'] as Record<string, unknown>)['expired_at']).toBeNull();

    const bad = await plaid(emu.url, '/webhook_verification_key/get', { key_id: 'no-such-kid' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID' });
    expect(typeof bad.body['request_id']).toBe('string');
  });
});

describe('fire_webhook and webhook/update', () => {
  it('fires ITEM codes with the spec fields', async () => {
    const { itemId, token } = await newItem(['transactions', 'auth']);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['PENDING_DISCONNECT', { webhook_type: 'ITEM', reason: 'INSTITUTION_MIGRATION', environment: 'sandbox' }],
      ['USER_PERMISSION_REVOKED', { webhook_type: 'ITEM', error: { error_type: 'ITEM_ERROR', error_code: 'USER_PERMISSION_REVOKED', status: 400 } }],
      ['USER_ACCOUNT_REVOKED', { webhook_type: 'ITEM' }],
      ['SYNC_UPDATES_AVAILABLE', { webhook_type: 'TRANSACTIONS', initial_update_complete: true }],
    ];
    for (const [code, expected] of cases) {
      const res = await plaid(emu.url, '/sandbox/item/fire_webhook', { access_token: token, webhook_code: code });
      expect(res.status).toBe(200);
      expect(res.body['webhook_fired']).toBe(true);
      const r = await hook.waitFor(code, itemId);
      expect(r.json).toMatchObject({ item_id: itemId, ...expected });
    }
    const pd = await hook.waitFor('PENDING_DISCONNECT', itemId);
    const days = (Date.parse(pd.json['disconnect_time'] as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(typeof (await hook.waitFor('USER_ACCOUNT_REVOKED', itemId)).json['account_id']).toBe('string');
    expect(emu.getItem(itemId)?.pending_disconnect).toBe(true);

    // update mode clears the pending disconnect
    const ut = await plaid(emu.url, '/link/token/create', {
      client_name: 'x', language: 'en', country_codes: ['US'], user: { client_user_id: 'u' }, access_token: token,
    });
    emu.completeLink(ut.body['link_token'] as string);
    expect(emu.getItem(itemId)?.pending_disconnect).toBe(false);
  });

  it('refuses items without a webhook and products the item lacks', async () => {
    const noHook = await newItem(['auth'], null);
    const r1 = await plaid(emu.url, '/sandbox/item/fire_webhook', { access_token: noHook.token, webhook_code: 'LOGIN_REPAIRED' });
    expect(r1.status).toBe(400);
    expect(r1.body).toMatchObject({ error_type: 'SANDBOX_ERROR', error_code: 'SANDBOX_WEBHOOK_INVALID' });
    const authOnly = await newItem(['auth']);
    const r2 = await plaid(emu.url, '/sandbox/item/fire_webhook', { access_token: authOnly.token, webhook_code: 'DEFAULT_UPDATE', webhook_type: 'TRANSACTIONS' });
    expect(r2.body).toMatchObject({ error_type: 'SANDBOX_ERROR', error_code: 'SANDBOX_PRODUCT_NOT_ENABLED' });
    const r3 = await plaid(emu.url, '/sandbox/item/fire_webhook', { access_token: authOnly.token, webhook_code: 'PENDING_EXPIRATION' });
    expect(r3.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
  });

  it('webhook/update sends WEBHOOK_UPDATE_ACKNOWLEDGED to the new URL', async () => {
    const other = await new WebhookReceiver().start();
    try {
      const { itemId, token } = await newItem();
      const res = await plaid(emu.url, '/item/webhook/update', { access_token: token, webhook: other.url });
      expect(res.status).toBe(200);
      expect(res.body['item']).toMatchObject({ item_id: itemId, webhook: other.url });
      const r = await other.waitFor('WEBHOOK_UPDATE_ACKNOWLEDGED', itemId);
      expect(r.json).toMatchObject({ webhook_type: 'ITEM', new_webhook_url: other.url, error: null, environment: 'sandbox' });
      await verifySignature(r);
      expect(hook.received.some((x) => x.json['item_id'] === itemId)).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe('emulator control routes', () => {
  it('sets any item error with an ERROR webhook, and clears it with LOGIN_REPAIRED', async () => {
    const { itemId, token } = await newItem();
    const res = await fetch(`${emu.url}/emulator/items/${itemId}/error`, {
      method: 'POST',
      body: JSON.stringify({ error: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN' }, webhook: true }),
    });
    expect(res.status).toBe(200);
    const got = await plaid(emu.url, '/item/get', { access_token: token });
    expect((got.body['item'] as Record<string, unknown>)['error']).toMatchObject({
      error_type: 'INSTITUTION_ERROR',
      error_code: 'INSTITUTION_DOWN',
      error_message: 'this institution is not currently responding to this request. please try again soon',
      documentation_url: 'https://plaid.com/docs/errors/institution/#institution_down',
    });
    const r = await hook.waitFor('ERROR', itemId);
    expect(r.json['error']).toMatchObject({ error_code: 'INSTITUTION_DOWN', status: 400 });

    emu.setItemError(itemId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    emu.setItemError(itemId, null, { webhook: true });
    await hook.waitFor('LOGIN_REPAIRED', itemId);
    expect(emu.getItem(itemId)?.error).toBeNull();

    const missing = await fetch(`${emu.url}/emulator/items/nope/error`, { method: 'POST', body: JSON.stringify({ error: null }) });
    expect(missing.status).toBe(404);
  });

  it('sets consent expiration and sends PENDING_EXPIRATION; sends arbitrary signed webhooks', async () => {
    const { itemId, token } = await newItem();
    const when = '2031-01-15T13:25:17.766Z';
    const res = await fetch(`${emu.url}/emulator/items/${itemId}/consent`, {
      method: 'POST',
      body: JSON.stringify({ consent_expiration_time: when, webhook: true }),
    });
    expect(res.status).toBe(200);
    const got = await plaid(emu.url, '/item/get', { access_token: token });
    expect((got.body['item'] as Record<string, unknown>)['consent_expiration_time']).toBe(when);
    expect((await hook.waitFor('PENDING_EXPIRATION', itemId)).json).toMatchObject({ consent_expiration_time: when, environment: 'sandbox' });

    const custom = await fetch(`${emu.url}/emulator/items/${itemId}/webhook`, {
      method: 'POST',
      body: JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'SOMETHING_NEW', item_id: itemId, environment: 'sandbox' }),
    });
    expect(custom.status).toBe(200);
    expect(((await custom.json()) as { status: number }).status).toBe(200);
    await verifySignature(await hook.waitFor('SOMETHING_NEW', itemId));
    const list = (await (await fetch(`${emu.url}/emulator/webhooks`)).json()) as { deliveries: Array<{ webhookCode: string }> };
    expect(list.deliveries.some((d) => d.webhookCode === 'SOMETHING_NEW')).toBe(true);
  });

  it('answers the API call without waiting for the webhook receiver', async () => {
    const held: ServerResponse[] = [];
    const slow = createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as { port: number }).port;
    try {
      const { itemId, token } = await newItem(['transactions'], `http://127.0.0.1:${port}/hook`);
      const res = await plaid(emu.url, '/sandbox/item/reset_login', { access_token: token });
      expect(res.status).toBe(200);
      const pending = emu.webhookDeliveries.find((d) => d.itemId === itemId);
      expect(pending?.done ?? false).toBe(false);
      const finished = emu.waitForWebhook((d) => d.itemId === itemId);
      await expect.poll(() => held.length).toBe(1);
      held[0]?.writeHead(503).end();
      expect((await finished).status).toBe(503);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('records a delivery error when the receiver is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { itemId, token } = await newItem(['transactions'], `http://127.0.0.1:${port}/hook`);
    await plaid(emu.url, '/sandbox/item/reset_login', { access_token: token });
    const d = await emu.waitForWebhook((x) => x.itemId === itemId);
    expect(d.status).toBeNull();
    expect(d.error).toBe('ECONNREFUSED');
  });
});
