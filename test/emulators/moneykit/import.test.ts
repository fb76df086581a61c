// Import support: a link made outside the gateway (control call) and PATCH /links/{id} moving its
// webhook. MoneyKit documents no acknowledgement webhook for a webhook change (nothing like Plaid's
// WEBHOOK_UPDATE_ACKNOWLEDGED), so the emulator sends none.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { LIVE, call, getToken, start, startReceiver } from './helpers.js';

let emu: MoneyKitEmulator;
let token: string;
beforeEach(async () => {
  emu = await start();
  token = await getToken(emu);
});
afterEach(() => emu.close());

describe('POST /emulator/links (a link made outside the gateway)', () => {
  it('creates a connected link the app can read, with seeded accounts and transactions', async () => {
    const res = await call(emu, 'POST', '/emulator/links', { json: { customer_user_id: 'outside-user-1', institution_id: 'chase', link_tags: ['legacy'] } });
    expect(res.status).toBe(201);
    const linkId: string = res.body.link_id;
    expect(linkId).toMatch(/^mk_[A-Za-z0-9]{22}$/);
    const link = await call(emu, 'GET', `/links/${linkId}`, { token });
    expect(link.status).toBe(200);
    expect(link.body).toMatchObject({ link_id: linkId, state: 'connected', error_code: null, institution_id: 'chase', provider: 'mx', webhook: null, link_tags: ['legacy'] });
    expect(Object.keys(link.body.products).sort()).toEqual(['accounts', 'transactions']);
    expect(Object.keys((await call(emu, 'GET', '/users/outside-user-1/links', { token })).body.links)).toEqual([linkId]);
    expect((await call(emu, 'GET', `/links/${linkId}/accounts`, { token })).body.accounts).toHaveLength(3);
    expect((await call(emu, 'GET', `/links/${linkId}/transactions/sync?size=500`, { token })).body.transactions.created).toHaveLength(40);
  });

  it('belongs to the app named by client_id (default: the first app); another app is refused', async () => {
    const live = await call(emu, 'POST', '/emulator/links', { json: { client_id: LIVE.clientId } });
    expect((await call(emu, 'GET', `/links/${live.body.link_id}`, { token })).body.error_code).toBe('link_error.unauthorized_access');
    expect((await call(emu, 'GET', `/links/${live.body.link_id}`, { token: await getToken(emu, LIVE) })).status).toBe(200);
    const byDefault = emu.createLink({});
    expect((await call(emu, 'GET', `/links/${byDefault.link_id}`, { token })).status).toBe(200);
  });

  it('can start broken: state error defaults to auth_expired, and product calls answer bad_state', async () => {
    const link = emu.createLink({ state: 'error' });
    expect(link).toMatchObject({ state: 'error', error_code: 'auth_expired' });
    const res = await call(emu, 'GET', `/links/${link.link_id}/accounts`, { token });
    expect(res.status).toBe(422);
    expect(res.body.link_error_code).toBe('auth_expired');
  });

  it('refuses bad input with a typed error and creates nothing', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ customer_user_id: 'abc' }, 400, 'emulator_error.invalid_link'],
      [{ state: 'deleted' }, 400, 'emulator_error.invalid_link'],
      [{ unknown_field: 1 }, 400, 'emulator_error.invalid_link'],
      [{ client_id: 'nobody' }, 404, 'emulator_error.unknown_client'],
      [{ institution_id: 'no_such_bank' }, 404, 'emulator_error.unknown_institution'],
    ];
    for (const [json, status, code] of cases) {
      const res = await call(emu, 'POST', '/emulator/links', { json });
      expect([JSON.stringify(json), res.status, res.body.error_code]).toEqual([JSON.stringify(json), status, code]);
    }
    expect((await call(emu, 'GET', '/emulator/stats')).body.links).toBe(0);
  });
});

describe('PATCH /links/{id} webhook (how an importer points a link at itself)', () => {
  it('sets the webhook; later webhooks go to the new URL and the change itself sends nothing', async () => {
    const oldHook = await startReceiver();
    const newHook = await startReceiver();
    try {
      const { link_id } = emu.createLink({ webhook: oldHook.url });
      const patched = await call(emu, 'PATCH', `/links/${link_id}`, { token, json: { webhook: newHook.url } });
      expect(patched.status).toBe(200);
      expect(patched.body.webhook).toBe(newHook.url);
      expect((await call(emu, 'GET', `/links/${link_id}`, { token })).body.webhook).toBe(newHook.url);
      emu.addTransaction(link_id, { amount: '8.00' });
      const first = await newHook.waitFor(1);
      expect(first.json).toMatchObject({ webhook_event: 'transactions.updates_available', link_id });
      expect(newHook.received).toHaveLength(1);
      expect(oldHook.received).toHaveLength(0);
    } finally {
      await oldHook.close();
      await newHook.close();
    }
  });

  it('refuses an invalid webhook, a link of another app and an unknown link, changing nothing', async () => {
    const { link_id } = emu.createLink({ webhook: 'https://hooks.example.com/a' });
    expect((await call(emu, 'PATCH', `/links/${link_id}`, { token, json: { webhook: '' } })).status).toBe(422);
    const liveToken = await getToken(emu, LIVE);
    expect((await call(emu, 'PATCH', `/links/${link_id}`, { token: liveToken, json: { webhook: 'https://evil.example.com' } })).status).toBe(401);
    expect((await call(emu, 'PATCH', '/links/mk_unknown', { token, json: { webhook: 'https://x.example.com' } })).status).toBe(404);
    expect(emu.getLink(link_id)?.webhook).toBe('https://hooks.example.com/a');
  });
});
