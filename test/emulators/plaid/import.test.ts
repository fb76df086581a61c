// Items made outside the gateway (for imports) and /item/webhook/update pointing them at a new URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlaidEmulator, type PlaidEmulator } from '../../../src/emulators/plaid/index.js';
import { CLIENT_ID, SECRET, WebhookReceiver, plaid } from './helpers.js';

let emu: PlaidEmulator;
let oldHook: WebhookReceiver;
let newHook: WebhookReceiver;

beforeAll(async () => {
  emu = await startPlaidEmulator({ clientId: CLIENT_ID, secret: SECRET });
  oldHook = await new WebhookReceiver().start();
  newHook = await new WebhookReceiver().start();
});
afterAll(async () => {
  await emu.close();
  await oldHook.close();
  await newHook.close();
});

const createItem = (body: unknown): Promise<Response> =>
  fetch(`${emu.url}/emulator/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('an Item made outside the gateway', () => {
  it('comes with an access token that works, accounts and a history', async () => {
    const res = await createItem({ institution_id: 'ins_109509', products: ['transactions', 'auth'], webhook: oldHook.url, client_user_id: 'someone-else' });
    expect(res.status).toBe(200);
    const { item_id, access_token } = (await res.json()) as { item_id: string; access_token: string };
    expect(access_token).toMatch(/^access-sandbox-[0-9a-f-]{36}$/);
    const got = await plaid(emu.url, '/item/get', { access_token });
    expect(got.status).toBe(200);
    expect(got.body['item']).toMatchObject({ item_id, institution_id: 'ins_109509', webhook: oldHook.url, products: ['auth', 'transactions'], error: null });
    expect(((await plaid(emu.url, '/accounts/get', { access_token })).body['accounts'] as unknown[]).length).toBe(3);
    expect(((await plaid(emu.url, '/transactions/sync', { access_token })).body['added'] as unknown[]).length).toBeGreaterThan(0);
    // the snapshot never shows the access token
    const snap = await (await fetch(`${emu.url}/emulator/items/${item_id}`)).text();
    expect(snap).not.toContain(access_token);
  });

  it('defaults to a transactions Item with no webhook; bad input creates nothing', async () => {
    const res = await createItem({});
    const { item_id } = (await res.json()) as { item_id: string };
    expect(emu.getItem(item_id)).toMatchObject({ institution_id: 'ins_109508', products: ['transactions'], webhook: null });
    for (const [body, code] of [
      [{ institution_id: 'ins_0' }, 'INVALID_INSTITUTION'],
      [{ institution_id: 'ins_109512', products: ['liabilities'] }, 'PRODUCTS_NOT_SUPPORTED'],
      [{ webhook: 'not a url' }, 'INVALID_FIELD'],
    ] as const) {
      const r = await createItem(body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as Record<string, unknown>)['error_code']).toBe(code);
    }
    const programmatic = emu.createItem({ institutionId: 'ins_117650' });
    expect(emu.getItem(programmatic.item_id)?.institution_id).toBe('ins_117650');
  });
});

describe('/item/webhook/update', () => {
  it('answers the Item with the new URL and sends WEBHOOK_UPDATE_ACKNOWLEDGED to the new URL only', async () => {
    const { item_id, access_token } = emu.createItem({ webhook: oldHook.url });
    const r = await plaid(emu.url, '/item/webhook/update', { access_token, webhook: newHook.url });
    expect(r.status).toBe(200);
    expect(r.body['item']).toMatchObject({ item_id, webhook: newHook.url });
    expect(typeof r.body['request_id']).toBe('string');
    const ack = await newHook.waitFor('WEBHOOK_UPDATE_ACKNOWLEDGED', item_id);
    expect(ack.json).toEqual({ webhook_type: 'ITEM', webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED', item_id, error: null, new_webhook_url: newHook.url, environment: 'sandbox' });
    expect(typeof ack.headers['plaid-verification']).toBe('string');
    expect(emu.webhookDeliveries.filter((d) => d.itemId === item_id).map((d) => d.url)).toEqual([newHook.url]);
    expect(oldHook.received.some((x) => x.json['item_id'] === item_id)).toBe(false);
    // later webhooks go to the new URL
    emu.addTransaction(item_id, { amount: 12, name: 'After the move' });
    await newHook.waitFor('DEFAULT_UPDATE', item_id);
  });

  it('refuses a bad URL and an unknown token, leaving the webhook as it was', async () => {
    const { item_id, access_token } = emu.createItem({ webhook: oldHook.url });
    const bad = await plaid(emu.url, '/item/webhook/update', { access_token, webhook: 'ftp://example.com/hook' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(emu.getItem(item_id)?.webhook).toBe(oldHook.url);
    const unknown = await plaid(emu.url, '/item/webhook/update', { access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000', webhook: newHook.url });
    expect(unknown.body).toMatchObject({ error_code: 'INVALID_ACCESS_TOKEN' });
    expect(emu.webhookDeliveries.filter((d) => d.itemId === item_id)).toEqual([]);
  });
});
