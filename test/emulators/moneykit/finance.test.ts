// Accounts, transaction sync and the data controls of the MoneyKit emulator, over real HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { OTHER_SANDBOX, SANDBOX, call, getToken, newConnectedLink, start, startReceiver, verifyWebhook } from './helpers.js';

type Txn = { transaction_id: string; account_id: string; amount: string; type: string; pending: boolean; currency: string; date: string };
type Page = { transactions: { created: Txn[]; updated: Txn[]; removed: string[] }; cursor: { next: string }; has_more: boolean; accounts: unknown[] };

let emu: MoneyKitEmulator;
let token: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let linkId: string;
beforeEach(async () => {
  emu = await start();
  token = await getToken(emu);
  receiver = await startReceiver();
  linkId = await newConnectedLink(emu, token, { webhook: receiver.url });
});
afterEach(async () => {
  await emu.close();
  await receiver.close();
});

async function sync(query: string, t = token): Promise<{ status: number; body: any }> {
  return call(emu, 'GET', `/links/${linkId}/transactions/sync${query}`, { token: t });
}

async function rawText(path: string): Promise<string> {
  const res = await fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** Follows has_more from `cursor` to the end; returns every page. */
async function syncAll(cursor: string | null, size: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (;;) {
    const res = await sync(`?size=${size}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body);
    cursor = res.body.cursor.next;
    if (!res.body.has_more) return pages;
  }
}

const ids = (ts: Txn[]) => ts.map((t) => t.transaction_id).sort();

describe('GET /links/{id}/accounts', () => {
  it('answers the seeded accounts with MoneyKit account types, masks and balances written as numbers', async () => {
    const res = await call(emu, 'GET', `/links/${linkId}/accounts`, { token });
    expect(res.status).toBe(200);
    expect(res.body.accounts.map((a: any) => [a.account_type, a.name, a.account_mask, a.balances.currency])).toEqual([
      ['depository.checking', 'Everyday Checking', '4821', 'USD'],
      ['depository.savings', 'High Yield Savings', '7730', 'USD'],
      ['liability.credit_card', 'Rewards Card', '1009', 'USD'],
    ]);
    expect(res.body.accounts[0].account_id).toMatch(/^acc_[A-Za-z0-9]{22}$/);
    expect(res.body.link.link_id).toBe(linkId);
    const text = await rawText(`/links/${linkId}/accounts`);
    expect(text).toContain('"available":4387.60,"current":612.40,"limit":5000.00');
  });

  it('filters by account_ids', async () => {
    const all = (await call(emu, 'GET', `/links/${linkId}/accounts`, { token })).body.accounts;
    const res = await call(emu, 'GET', `/links/${linkId}/accounts?account_ids=${all[2].account_id}`, { token });
    expect(res.body.accounts.map((a: any) => a.account_type)).toEqual(['liability.credit_card']);
  });
});

describe('GET /links/{id}/transactions/sync', () => {
  it('without a cursor answers the whole seeded history: 36 posted and 4 pending, non-negative amounts with a type', async () => {
    const res = await sync('?size=500');
    expect(res.status).toBe(200);
    const created: Txn[] = res.body.transactions.created;
    expect(created.filter((t) => !t.pending)).toHaveLength(36);
    expect(created.filter((t) => t.pending)).toHaveLength(4);
    expect(res.body.transactions.updated).toEqual([]);
    expect(res.body.transactions.removed).toEqual([]);
    expect(res.body.has_more).toBe(false);
    expect(res.body.accounts).toHaveLength(3);
    for (const t of created) {
      expect(t.amount).toMatch(/^\d+\.\d{2}$/);
      expect(['debit', 'credit']).toContain(t.type);
    }
    expect(created.find((t) => t.amount === '2150.00')?.type).toBe('credit');
  });

  it('the default size is 50 and size pages the posted changes; every page carries the full pending set', async () => {
    const pages = await syncAll(null, 10);
    expect(pages.map((p) => p.transactions.created.filter((t) => !t.pending).length)).toEqual([10, 10, 10, 6]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, true, false]);
    const pendingPerPage = pages.map((p) => ids(p.transactions.created.filter((t) => t.pending)));
    for (const p of pendingPerPage) expect(p).toEqual(pendingPerPage[0]);
    expect(pendingPerPage[0]).toHaveLength(4);
    const posted = new Set(pages.flatMap((p) => p.transactions.created.filter((t) => !t.pending).map((t) => t.transaction_id)));
    expect(posted.size).toBe(36);
    const byDefault = await sync('');
    expect(byDefault.body.transactions.created.filter((t: Txn) => !t.pending)).toHaveLength(36);
  });

  it('from a saved cursor answers exactly the changes since; a settled pending one vanishes without being listed as removed', async () => {
    const [first] = await syncAll(null, 500);
    const pending = first!.transactions.created.filter((t) => t.pending);
    const posted = first!.transactions.created.filter((t) => !t.pending);
    const toModify = posted[0]!;
    const toRemove = posted[1]!;
    const toSettle = pending[0]!;

    const added = emu.addTransaction(linkId, { amount: '42.00', type: 'debit', description: 'Corner Bakery' });
    const settled = emu.settleTransaction(linkId, toSettle.transaction_id, { amount: '12.50' });
    emu.modifyTransaction(linkId, toModify.transaction_id, { description: 'Renamed Merchant' });
    emu.removeTransaction(linkId, toRemove.transaction_id);

    const res = await sync(`?cursor=${first!.cursor.next}`);
    const { created, updated, removed } = res.body.transactions as Page['transactions'];
    expect(ids(created.filter((t) => !t.pending))).toEqual([added.transaction_id, settled.transaction_id].sort());
    expect(ids(created.filter((t) => t.pending))).toEqual(ids(pending.slice(1)));
    expect(settled.transaction_id).not.toBe(toSettle.transaction_id);
    expect(created.find((t) => t.transaction_id === settled.transaction_id)).toMatchObject({ amount: '12.50', pending: false });
    expect(updated.map((t: any) => [t.transaction_id, t.description])).toEqual([[toModify.transaction_id, 'Renamed Merchant']]);
    expect(removed).toEqual([toRemove.transaction_id]);
    expect(removed).not.toContain(toSettle.transaction_id);
    expect(res.body.has_more).toBe(false);
  });

  it('at the end of the feed with no change, answers only the current pending set', async () => {
    const [first] = await syncAll(null, 500);
    const res = await sync(`?cursor=${first!.cursor.next}`);
    expect(res.body.transactions.created.every((t: Txn) => t.pending)).toBe(true);
    expect(res.body.transactions.created).toHaveLength(4);
    expect(res.body.transactions.updated).toEqual([]);
    expect(res.body.transactions.removed).toEqual([]);
  });

  it('a transaction added and removed between two syncs is in neither list', async () => {
    const [first] = await syncAll(null, 500);
    const t = emu.addTransaction(linkId, { amount: '1.00' });
    emu.removeTransaction(linkId, String(t.transaction_id));
    const res = await sync(`?cursor=${first!.cursor.next}`);
    expect(res.body.transactions.created.filter((x: Txn) => !x.pending)).toEqual([]);
    expect(res.body.transactions.removed).toEqual([]);
  });

  it('rejects a size outside 1..500, a malformed cursor and another link\'s cursor with 422 validation errors', async () => {
    for (const size of ['0', '501', 'ten']) {
      const res = await sync(`?size=${size}`);
      expect(res.status).toBe(422);
      expect(res.body.error_code).toBe('api_error.request.validation_failed');
      expect(res.body.validation_errors[0].location).toEqual(['query', 'size']);
    }
    const other = await newConnectedLink(emu, token, { userId: 'user-0002' });
    const foreign = (await call(emu, 'GET', `/links/${other}/transactions/sync`, { token })).body.cursor.next;
    for (const cursor of ['not-a-cursor', foreign]) {
      const res = await sync(`?cursor=${cursor}`);
      expect(res.status).toBe(422);
      expect(res.body.validation_errors[0].location).toEqual(['query', 'cursor']);
    }
  });

  it('a link that is not connected answers 422 link_error.bad_state with its error code; another app gets 401', async () => {
    emu.setLinkState(linkId, 'error', 'user_setup_required', { webhook: false });
    const res = await sync('');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error_code: 'link_error.bad_state', link_error_code: 'user_setup_required' });
    const accounts = await call(emu, 'GET', `/links/${linkId}/accounts`, { token });
    expect(accounts.body.link_error_code).toBe('user_setup_required');
    const other = await sync('', await getToken(emu, OTHER_SANDBOX));
    expect(other.body.error_code).toBe('link_error.unauthorized_access');
  });
});

describe('data controls', () => {
  it('each transaction change over HTTP sends a signed transactions.updates_available to the link', async () => {
    const added = await call(emu, 'POST', `/emulator/links/${linkId}/transactions`, { json: { amount: '5.00', type: 'credit', pending: true } });
    expect(added.status).toBe(201);
    const txnId = added.body.transaction.transaction_id;
    expect(added.body.transaction).toMatchObject({ amount: '5.00', type: 'credit', pending: true });
    expect((await call(emu, 'PATCH', `/emulator/links/${linkId}/transactions/${txnId}`, { json: { amount: '6.00' } })).status).toBe(200);
    const settled = await call(emu, 'POST', `/emulator/links/${linkId}/transactions/${txnId}/settle`, { json: {} });
    expect(settled.body.settled).toBe(txnId);
    const postedId = settled.body.transaction.transaction_id;
    expect((await call(emu, 'DELETE', `/emulator/links/${linkId}/transactions/${postedId}`)).body).toEqual({ removed: postedId });
    const fourth = await receiver.waitFor(4);
    for (const r of receiver.received) {
      expect(r.json).toMatchObject({ webhook_event: 'transactions.updates_available', link_id: linkId, has_history: true });
    }
    expect((await verifyWebhook(emu, SANDBOX.clientId, fourth)).bodyHashMatches).toBe(true);
    const all = (await call(emu, 'GET', `/emulator/links/${linkId}/transactions`)).body.transactions as Txn[];
    expect(all.some((t) => t.transaction_id === txnId || t.transaction_id === postedId)).toBe(false);
    expect(all).toHaveLength(40);
  });

  it('a balance change is written raw into the accounts answer and sends link.product_refresh for accounts', async () => {
    const accountId = (await call(emu, 'GET', `/links/${linkId}/accounts`, { token })).body.accounts[0].account_id;
    const res = await call(emu, 'POST', `/emulator/links/${linkId}/accounts/${accountId}/balances`, { json: { current: '1e21', available: null } });
    expect(res.status).toBe(200);
    expect(await rawText(`/links/${linkId}/accounts`)).toContain(`"available":null,"current":1e21,"limit":null`);
    const hook = await receiver.waitFor(1);
    expect(hook.json).toMatchObject({ webhook_event: 'link.product_refresh', product: 'accounts', state: 'completed', link_id: linkId });
  });

  it('tricky numbers: the next answers carry 0.30000000000000004, 1e21, -0 and 8-decimal BTC amounts as written', async () => {
    const res = await call(emu, 'POST', `/emulator/links/${linkId}/tricky-numbers`);
    expect(res.status).toBe(200);
    const accounts = await rawText(`/links/${linkId}/accounts`);
    expect(accounts).toContain('"currency":"USD","available":1e21,"current":0.30000000000000004,"limit":-0,');
    expect(accounts).toContain('"currency":"BTC","available":0.12345678,"current":0.12345678,"limit":null,');
    const page = await rawText(`/links/${linkId}/transactions/sync?size=500`);
    expect(page).toContain('"amount":"0.30000000000000004","type":"debit","currency":"USD"');
    expect(page).toContain('"amount":"0.00000001","type":"credit","currency":"BTC"');
    expect(JSON.parse(page).accounts).toHaveLength(5);
  });

  it('bad control input is refused with a typed error and changes nothing', async () => {
    const before = emu.listTransactions(linkId);
    const pendingId = before.find((t) => t.pending === true)!.transaction_id;
    const postedId = before.find((t) => t.pending === false)!.transaction_id;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', `/emulator/links/${linkId}/transactions`, { amount: '-5.00' }, 422, 'api_error.request.validation_failed'],
      ['POST', `/emulator/links/${linkId}/transactions`, { amount: '5', account_id: 'acc_nope' }, 404, 'emulator_error.account_not_found'],
      ['POST', `/emulator/links/${linkId}/transactions`, { amount: '5', surprise: true }, 422, 'api_error.request.validation_failed'],
      ['PATCH', `/emulator/links/${linkId}/transactions/txn_nope`, { amount: '1.00' }, 404, 'emulator_error.transaction_not_found'],
      ['PATCH', `/emulator/links/${linkId}/transactions/${pendingId}`, { pending: false }, 409, 'emulator_error.not_pending'],
      ['POST', `/emulator/links/${linkId}/transactions/${postedId}/settle`, {}, 409, 'emulator_error.not_pending'],
      ['POST', `/emulator/links/mk_nope/transactions`, {}, 404, 'emulator_error.link_not_found'],
      ['POST', `/emulator/links/${linkId}/accounts/acc_nope/balances`, { current: '1' }, 404, 'emulator_error.account_not_found'],
      ['POST', `/emulator/links/${linkId}/accounts/x/balances`, { current: '12,5' }, 422, 'api_error.request.validation_failed'],
    ];
    for (const [method, path, json, status, code] of cases) {
      const res = await call(emu, method, path, { json });
      expect([method, path, res.status, res.body.error_code]).toEqual([method, path, status, code]);
    }
    expect(emu.listTransactions(linkId)).toEqual(before);
    const [page] = await syncAll(null, 500);
    expect(page!.transactions.created).toHaveLength(40);
    // No refused call sent a webhook: the first delivery is the one this valid change sends.
    emu.addTransaction(linkId, { amount: '3.00' });
    expect((await receiver.waitFor(1)).json.webhook_event).toBe('transactions.updates_available');
    expect(receiver.received).toHaveLength(1);
  });
});
