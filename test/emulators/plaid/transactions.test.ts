// Accounts, balances and /transactions/sync over real HTTP, with the control endpoints that change
// the data "at the bank" and the webhooks Plaid sends for each change.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

type Item = { itemId: string; access: string };
type Tx = Record<string, unknown> & { transaction_id: string; pending: boolean; amount: number };
type Page = { added: Tx[]; modified: Tx[]; removed: Array<{ transaction_id: string; account_id: string }>; next_cursor: string; has_more: boolean; accounts: unknown[] };

let item: Item;
beforeEach(async () => {
  item = await newItem();
});

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function newItem(institutionId = 'ins_109508'): Promise<Item> {
  const r = await control('POST', '/emulator/items', { institution_id: institutionId, webhook: hook.url });
  expect(r.status).toBe(200);
  return { itemId: r.body['item_id'] as string, access: r.body['access_token'] as string };
}

async function sync(cursor?: string, count?: number): Promise<Page> {
  const r = await plaid(emu.url, '/transactions/sync', { access_token: item.access, ...(cursor !== undefined ? { cursor } : {}), ...(count !== undefined ? { count } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as unknown as Page;
}

/** Pages until has_more is false; returns everything and the final cursor. */
async function syncAll(cursor?: string, count = 500): Promise<{ added: Tx[]; modified: Tx[]; removed: string[]; cursor: string }> {
  const out = { added: [] as Tx[], modified: [] as Tx[], removed: [] as string[], cursor: cursor ?? '' };
  for (;;) {
    const page = await sync(out.cursor || undefined, count);
    out.added.push(...page.added);
    out.modified.push(...page.modified);
    out.removed.push(...page.removed.map((r) => r.transaction_id));
    out.cursor = page.next_cursor;
    if (!page.has_more) return out;
  }
}

const sentFor = (itemId: string): Array<string | null> => emu.webhookDeliveries.filter((d) => d.itemId === itemId).map((d) => d.webhookCode);
const hooksFor = (itemId: string, code: string): Received[] => hook.received.filter((r) => r.json['item_id'] === itemId && r.json['webhook_code'] === code);

describe('accounts', () => {
  it('seeds checking, savings and a credit card with Plaid Sandbox names, masks and USD balances', async () => {
    const r = await plaid(emu.url, '/accounts/get', { access_token: item.access });
    expect(r.status).toBe(200);
    const accounts = r.body['accounts'] as Array<Record<string, unknown> & { balances: Record<string, unknown> }>;
    expect(accounts.map((a) => [a['name'], a['mask'], a['type'], a['subtype']])).toEqual([
      ['Plaid Checking', '0000', 'depository', 'checking'],
      ['Plaid Saving', '1111', 'depository', 'savings'],
      ['Plaid Credit Card', '3333', 'credit', 'credit card'],
    ]);
    for (const a of accounts) {
      expect(a.balances['iso_currency_code']).toBe('USD');
      expect(a.balances['unofficial_currency_code']).toBeNull();
      expect(typeof a.balances['current']).toBe('number');
      expect(String(a.balances['current'])).toMatch(/^\d+(\.\d{1,2})?$/);
    }
    expect(accounts[2]?.balances['limit']).toBe(5000);
    expect(accounts[0]?.balances['limit']).toBeNull();
    expect((r.body['item'] as Record<string, unknown>)['item_id']).toBe(item.itemId);
    const one = await plaid(emu.url, '/accounts/get', { access_token: item.access, options: { account_ids: [accounts[1]?.['account_id']] } });
    expect((one.body['accounts'] as unknown[]).length).toBe(1);
  });

  it('uses the institution country currency', async () => {
    item = await newItem('ins_117650');
    const r = await plaid(emu.url, '/accounts/get', { access_token: item.access });
    expect((r.body['accounts'] as Array<{ balances: Record<string, unknown> }>).map((a) => a.balances['iso_currency_code'])).toEqual(['GBP', 'GBP', 'GBP']);
  });

  it('answers the Item error while the Item has one', async () => {
    emu.setItemError(item.itemId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    for (const path of ['/accounts/get', '/transactions/sync']) {
      const r = await plaid(emu.url, path, { access_token: item.access });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    }
  });

  it('a balance change shows in /accounts/get and is announced with TRANSACTIONS DEFAULT_UPDATE', async () => {
    const accountId = emu.accounts(item.itemId)[0]!.account_id;
    const r = await control('POST', `/emulator/items/${item.itemId}/accounts/${accountId}/balance`, { current: 1234.56, available: 1200 });
    expect(r.status).toBe(200);
    const got = await plaid(emu.url, '/accounts/get', { access_token: item.access });
    expect((got.body['accounts'] as Array<{ balances: Record<string, unknown> }>)[0]?.balances).toMatchObject({ current: 1234.56, available: 1200 });
    const d = await hook.waitFor('DEFAULT_UPDATE', item.itemId);
    expect(d.json).toMatchObject({ webhook_type: 'TRANSACTIONS', new_transactions: 0, error: null, environment: 'sandbox' });
    const bad = await control('POST', `/emulator/items/${item.itemId}/accounts/${accountId}/balance`, { current: 1.005 });
    expect(bad.status).toBe(400);
    expect(emu.accounts(item.itemId)[0]?.balances.current).toBe(1234.56);
  });
});

describe('/transactions/sync', () => {
  it('returns the whole seeded history from no cursor, some of it pending, then nothing new', async () => {
    const all = await syncAll();
    expect(all.added.length).toBeGreaterThanOrEqual(30);
    expect(all.added.length).toBeLessThanOrEqual(60);
    expect(all.modified).toEqual([]);
    expect(all.removed).toEqual([]);
    expect(all.added.filter((t) => t.pending)).toHaveLength(3);
    expect(new Set(all.added.map((t) => t.transaction_id)).size).toBe(all.added.length);
    for (const t of all.added) {
      expect(typeof t.amount).toBe('number');
      expect(t['iso_currency_code']).toBe('USD');
      expect(t['date']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    // payroll is money in: a negative Plaid amount
    expect(all.added.some((t) => t['merchant_name'] === 'Gusto' && t.amount === -3100)).toBe(true);
    const again = await sync(all.cursor);
    expect(again).toMatchObject({ added: [], modified: [], removed: [], has_more: false, next_cursor: all.cursor });
    expect(again.accounts).toHaveLength(3);
  });

  it('pages by count and the pages add up to the single-page answer', async () => {
    const whole = await syncAll(undefined, 500);
    const paged = await syncAll(undefined, 7);
    expect(paged.added.map((t) => t.transaction_id)).toEqual(whole.added.map((t) => t.transaction_id));
    const first = await sync(undefined, 7);
    expect(first.added).toHaveLength(7);
    expect(first.has_more).toBe(true);
  });

  it('from a saved cursor yields exactly the changes: add, settle (pending removed, posted added), modify, remove', async () => {
    const start = await syncAll();
    const pending = start.added.find((t) => t.pending)!;
    const posted = start.added.filter((t) => !t.pending);
    const added = await control('POST', `/emulator/items/${item.itemId}/transactions`, { amount: 42.5, name: 'Blue Bottle Coffee', merchant_name: 'Blue Bottle' });
    expect(added.status).toBe(200);
    const newId = (added.body['transaction'] as Tx).transaction_id;
    const settled = await control('POST', `/emulator/items/${item.itemId}/transactions/${pending.transaction_id}/settle`, { amount: 15.25 });
    expect(settled.status).toBe(200);
    const postedId = (settled.body['added'] as Tx).transaction_id;
    const modified = await control('PATCH', `/emulator/items/${item.itemId}/transactions/${posted[0]!.transaction_id}`, { name: 'CORRECTED NAME' });
    expect(modified.status).toBe(200);
    const removed = await control('DELETE', `/emulator/items/${item.itemId}/transactions/${posted[1]!.transaction_id}`);
    expect(removed.status).toBe(200);

    const delta = await syncAll(start.cursor);
    expect(delta.added.map((t) => t.transaction_id).sort()).toEqual([newId, postedId].sort());
    const settledTx = delta.added.find((t) => t.transaction_id === postedId)!;
    expect(settledTx).toMatchObject({ pending: false, pending_transaction_id: pending.transaction_id, amount: 15.25, name: pending['name'] });
    expect(delta.added.find((t) => t.transaction_id === newId)).toMatchObject({ amount: 42.5, name: 'Blue Bottle Coffee', merchant_name: 'Blue Bottle', pending: false });
    expect(delta.modified.map((t) => [t.transaction_id, t['name']])).toEqual([[posted[0]!.transaction_id, 'CORRECTED NAME']]);
    expect(delta.removed.sort()).toEqual([pending.transaction_id, posted[1]!.transaction_id].sort());
  });

  it('announces changes: SYNC_UPDATES_AVAILABLE once synced, DEFAULT_UPDATE and TRANSACTIONS_REMOVED', async () => {
    // Plaid sends SYNC_UPDATES_AVAILABLE only for Items /transactions/sync was called on.
    await control('POST', `/emulator/items/${item.itemId}/transactions`, { amount: 3, name: 'Before any sync' });
    // deliveries are listed when they start, which is before the control call's answer arrives
    expect(sentFor(item.itemId)).toEqual(['DEFAULT_UPDATE']);
    await syncAll();
    const tx = emu.transactions(item.itemId).find((t) => !t.pending)!;
    await control('DELETE', `/emulator/items/${item.itemId}/transactions/${tx.transaction_id}`);
    const sua = await hook.waitFor('SYNC_UPDATES_AVAILABLE', item.itemId);
    expect(sua.json).toMatchObject({ webhook_type: 'TRANSACTIONS', initial_update_complete: true, historical_update_complete: true, environment: 'sandbox' });
    const removed = await hook.waitFor('TRANSACTIONS_REMOVED', item.itemId);
    expect(removed.json['removed_transactions']).toEqual([tx.transaction_id]);
    const settle = emu.transactions(item.itemId).find((t) => t.pending)!;
    const before = hooksFor(item.itemId, 'DEFAULT_UPDATE').length;
    await control('POST', `/emulator/items/${item.itemId}/transactions/${settle.transaction_id}/settle`, {});
    await expect.poll(() => hooksFor(item.itemId, 'DEFAULT_UPDATE').length).toBe(before + 1);
    expect(hooksFor(item.itemId, 'DEFAULT_UPDATE').at(-1)?.json['new_transactions']).toBe(1);
    // webhook: false changes the data silently
    const { cursor } = await syncAll();
    const sent = sentFor(item.itemId).length;
    const silent = await control('POST', `/emulator/items/${item.itemId}/transactions`, { amount: 1, name: 'Silent', webhook: false });
    expect(silent.status).toBe(200);
    expect(sentFor(item.itemId)).toHaveLength(sent);
    expect((await syncAll(cursor)).added.map((t) => t['name'])).toEqual(['Silent']);
  });

  it('refuses a continuation page when the data changed since the first page, until restarted', async () => {
    const first = await sync(undefined, 10);
    expect(first.has_more).toBe(true);
    emu.addTransaction(item.itemId, { amount: 9.99, name: 'Mid-pagination purchase' });
    const next = await plaid(emu.url, '/transactions/sync', { access_token: item.access, cursor: first.next_cursor, count: 10 });
    expect(next.status).toBe(400);
    expect(next.body).toMatchObject({ error_type: 'TRANSACTIONS_ERROR', error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' });
    // restarting from the cursor before the first page (none) sees everything, the new one included
    const restarted = await syncAll(undefined, 10);
    expect(restarted.added.some((t) => t['name'] === 'Mid-pagination purchase')).toBe(true);
  });

  it('a control forces the mutation error on the next continuation page only', async () => {
    const forced = await control('POST', `/emulator/items/${item.itemId}/mutation-during-pagination`, {});
    expect(forced.body).toEqual({ forced: 1 });
    const first = await sync(undefined, 10); // a first page is not a continuation
    const next = await plaid(emu.url, '/transactions/sync', { access_token: item.access, cursor: first.next_cursor, count: 10 });
    expect(next.body).toMatchObject({ error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' });
    const retry = await plaid(emu.url, '/transactions/sync', { access_token: item.access, cursor: first.next_cursor, count: 10 });
    expect(retry.status).toBe(200);
  });

  it('refuses bad counts and cursors with INVALID_REQUEST errors; "now" skips the history', async () => {
    for (const count of [0, 501, 1.5]) {
      const r = await plaid(emu.url, '/transactions/sync', { access_token: item.access, count });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    }
    const other = await newItem();
    const foreign = (await plaid(emu.url, '/transactions/sync', { access_token: other.access })).body['next_cursor'] as string;
    for (const cursor of ['garbage!', foreign, Buffer.from('[1,2,3]').toString('base64url')]) {
      const r = await plaid(emu.url, '/transactions/sync', { access_token: item.access, cursor });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_code: 'INVALID_FIELD' });
    }
    const now = await sync('now');
    expect(now).toMatchObject({ added: [], has_more: false });
    emu.addTransaction(item.itemId, { amount: 5, name: 'After now' });
    expect((await sync(now.next_cursor)).added.map((t) => t['name'])).toEqual(['After now']);
  });
});

describe('control input', () => {
  it('refuses bad transaction input and unknown ids, changing nothing', async () => {
    const before = emu.transactions(item.itemId).length;
    for (const body of [{ amount: 1.234, name: 'x' }, { amount: 1 }, { amount: 'ten', name: 'x' }, { amount: 1, name: 'x', date: '2026-13-01' }]) {
      const r = await control('POST', `/emulator/items/${item.itemId}/transactions`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body['error_type']).toBe('INVALID_REQUEST');
    }
    expect((await control('POST', `/emulator/items/${item.itemId}/transactions`, { amount: 1, name: 'x', account_id: 'nope' })).status).toBe(404);
    expect((await control('DELETE', `/emulator/items/${item.itemId}/transactions/nope`)).status).toBe(404);
    expect((await control('POST', `/emulator/items/nope/transactions`, { amount: 1, name: 'x' })).status).toBe(404);
    const posted = emu.transactions(item.itemId).find((t) => !t.pending)!;
    const notPending = await control('POST', `/emulator/items/${item.itemId}/transactions/${posted.transaction_id}/settle`, {});
    expect(notPending.status).toBe(400);
    expect(emu.transactions(item.itemId)).toHaveLength(before);
  });
});

describe('tricky numbers', () => {
  it('the next answers carry float artefacts, 1e21, -0 and 8 decimals written raw; later ones are normal', async () => {
    const armed = await control('POST', `/emulator/items/${item.itemId}/tricky-numbers`, {});
    expect(armed.status).toBe(200);
    const res = await fetch(`${emu.url}/transactions/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET },
      body: JSON.stringify({ access_token: item.access }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    const amounts = [...text.matchAll(/"amount": ([^,\n]+)/g)].map((m) => m[1]);
    expect(amounts.slice(0, 4)).toEqual(['0.30000000000000004', '1e21', '-0', '0.12345678']);
    expect(text).toMatch(/"current": 0\.30000000000000004,\n\s*"limit"|"current": 0\.30000000000000004/);
    expect(text).toContain('"available": 1e21');
    expect(text).toContain('"unofficial_currency_code": "BTC"');
    const parsed = JSON.parse(text) as Page;
    expect(parsed.added[3]).toMatchObject({ iso_currency_code: null, unofficial_currency_code: 'BTC' });
    expect(parsed.added[0]?.transaction_id).toMatch(/^[0-9A-Za-z]{37}$/);
    const accountsText = await (
      await fetch(`${emu.url}/accounts/get`, { method: 'POST', headers: { 'content-type': 'application/json', 'PLAID-CLIENT-ID': CLIENT_ID, 'PLAID-SECRET': SECRET }, body: JSON.stringify({ access_token: item.access }) })
    ).text();
    expect(accountsText).toContain('"current": -0');
    const normal = await plaid(emu.url, '/accounts/get', { access_token: item.access });
    expect(JSON.stringify(normal.body)).not.toMatch(/1e\+?21|0\.30000000000000004|BTC/);
    const bad = await control('POST', `/emulator/items/${item.itemId}/tricky-numbers`, { values: [{ number: 'NaN' }] });
    expect(bad.status).toBe(400);
  });
});
