// The Plaid adapter's V2 calls (/accounts/get, /transactions/sync) against fixture answers. Every
// request it sends is validated against the requestBody schema of specs/plaid/2020-09-14.yml, and
// every answer against the response schema for its status (garbage says why it is off the spec).
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderCallError, TransactionsSyncMutationError } from '../../../src/providers/errors.js';
import { createPlaidAdapter, type PlaidAdapter } from '../../../src/providers/plaid/index.js';
import type { UnknownCodeReporter } from '../../../src/providers/normalize.js';
import { offSpecViolation } from '../../helpers/specs.js';
import { loadPlaidSpec } from './openapi.js';

const ORIGIN = 'https://plaid.fixture.test';
const SECRET = 'plaid-secret-f00d';
// Made up, in the shape of a Plaid sandbox token: the recording stand-in only checks it is sent as given.
const TOKEN = 'access-sandbox-6d1f0c4e-aaaa-bbbb-cccc-123456789abc';
const REF = { providerConnectionId: 'item-1', credential: TOKEN };

/** `offSpec`: why this answer breaks the spec on purpose; without it, it must conform. */
type Reply = { status: number; raw: string; offSpec?: string };
const item = (error: unknown = null) => ({
  item_id: 'item-1', institution_id: 'ins_109508', institution_name: 'First Platypus Bank', webhook: null, error,
  available_products: [], billed_products: ['transactions'], products: ['transactions'], consent_expiration_time: null,
  update_type: 'background',
});
const plaidError = (type: string, code: string, status = 400): Reply => ({
  status,
  raw: JSON.stringify({ error_type: type, error_code: code, error_message: `message for ${code}`, display_message: null, request_id: 'req-err' }),
});

describe('Plaid adapter: accounts and transactions sync', () => {
  const agent = new MockAgent();
  const sent: { path: string; body: unknown }[] = [];
  const replies = new Map<string, Reply[]>();
  const reports: Parameters<UnknownCodeReporter>[0][] = [];
  let adapter: PlaidAdapter;
  const spec = loadPlaidSpec();
  /** Answers that broke the spec without saying so, or said so and did not. */
  const violations: string[] = [];
  function checkAgainstSpec(path: string, r: Reply): void {
    let problems: string[];
    try {
      problems = spec.validateResponse(path, r.status, JSON.parse(r.raw));
    } catch {
      problems = ['not JSON'];
    }
    const wrong = offSpecViolation(`${path} ${r.status}`, problems, r.offSpec);
    if (wrong) violations.push(wrong);
  }

  const answer = (path: string, ...r: Reply[]) => replies.set(path, r);
  const callsTo = (path: string) => sent.filter((s) => s.path === path);

  beforeAll(() => {
    agent.disableNetConnect();
    agent
      .get(ORIGIN)
      .intercept({ path: () => true, method: 'POST' })
      .reply((o) => {
        const body = JSON.parse(String(o.body)) as unknown;
        sent.push({ path: o.path, body });
        const queue = replies.get(o.path) ?? [];
        const r = queue.length > 1 ? queue.shift()! : queue[0] ?? plaidError('INVALID_REQUEST', 'NO_FIXTURE');
        checkAgainstSpec(o.path, r);
        return { statusCode: r.status, data: r.raw, responseOptions: { headers: { 'content-type': 'application/json' } } };
      })
      .persist();
    adapter = createPlaidAdapter({
      clientId: 'client-1', secret: SECRET, env: 'sandbox', baseUrl: ORIGIN, dispatcher: agent, retry: { retries: 0 },
      unknownValueReporter: (r) => reports.push(r),
    });
    // Institution details are decoration: refused here, the item's own name is used.
    answer('/institutions/get_by_id', plaidError('INVALID_INPUT', 'INVALID_INSTITUTION'));
  });
  afterAll(async () => {
    // Every request the adapter sent conforms to Plaid's spec, and none carried the secret in a body.
    expect(sent.length).toBeGreaterThan(5);
    for (const s of sent) {
      expect(spec.validateRequest(s.path, s.body), `${s.path} ${JSON.stringify(s.body)}`).toEqual([]);
      expect(JSON.stringify(s.body)).not.toContain(SECRET);
    }
    // ... and every answer it got was Plaid-shaped, unless a test said otherwise.
    expect(violations).toEqual([]);
    await adapter.close();
    await agent.close();
  });

  it('reads accounts with exact balances and the item state in one call', async () => {
    // Raw JSON text: numbers a float would change.
    answer('/accounts/get', {
      status: 200,
      raw: `{"accounts":[
        {"account_id":"acc-chk","balances":{"available":0.30000000000000004,"current":1e21,"limit":null,"iso_currency_code":"USD","unofficial_currency_code":null,"last_updated_datetime":"2026-11-01T10:00:00Z"},"mask":"0000","name":"Plaid Checking","official_name":"Plaid Gold Standard 0% Interest Checking","type":"depository","subtype":"checking"},
        {"account_id":"acc-btc","balances":{"available":null,"current":0.12345678,"limit":null,"iso_currency_code":null,"unofficial_currency_code":"BTC"},"mask":null,"name":"Wallet","official_name":null,"type":"crypto","subtype":null},
        {"account_id":"acc-cc","balances":{"available":-0,"current":410.5,"limit":2000,"iso_currency_code":"USD","unofficial_currency_code":null},"mask":"3333","name":"Card","official_name":null,"type":"credit","subtype":"credit card"}
      ],"item":${JSON.stringify(item())},"request_id":"req-1"}`,
      offSpec: 'an account type the spec does not list (crypto): the unknown-value report',
    });
    const before = Date.now();
    const r = await adapter.getAccounts(REF);
    expect(callsTo('/accounts/get').at(-1)!.body).toEqual({ access_token: TOKEN });
    expect(r.state).toMatchObject({ status: 'CONNECTED', error: null, products: ['transactions'], institution: { id: 'ins_109508', name: 'First Platypus Bank' } });
    expect(r.state).not.toHaveProperty('lastSyncedAt');
    expect(r.accounts).toHaveLength(3);
    const [chk, btc, cc] = r.accounts!;
    expect(chk).toEqual({
      providerAccountId: 'acc-chk', name: 'Plaid Checking', officialName: 'Plaid Gold Standard 0% Interest Checking', mask: '0000',
      type: 'DEPOSITORY', subtype: 'checking', providerType: 'depository/checking',
      balances: { current: '1000000000000000000000', available: '0.30000000000000004', limit: null, currency: 'USD', asOf: new Date('2026-11-01T10:00:00Z') },
    });
    expect(btc).toMatchObject({ type: 'OTHER', subtype: null, providerType: 'crypto', balances: { current: '0.12345678', currency: 'BTC' } });
    // No provider time: when the adapter read them.
    expect(btc!.balances.asOf.getTime()).toBeGreaterThanOrEqual(before);
    expect(cc).toMatchObject({ type: 'CREDIT', subtype: 'credit card', balances: { available: '0', current: '410.5', limit: '2000' } });
    expect(reports).toEqual([{ provider: 'PLAID', code: 'crypto', context: 'account.type' }]);
  });

  it('an item in error lists no accounts: its state comes from /item/get, the stored accounts stand', async () => {
    answer('/accounts/get', plaidError('ITEM_ERROR', 'ITEM_LOGIN_REQUIRED'));
    answer('/item/get', { status: 200, raw: JSON.stringify({ item: item({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'login', display_message: null }), status: null, request_id: 'r' }) });
    const r = await adapter.getAccounts(REF);
    expect(r.accounts).toBeNull();
    expect(r.state).toMatchObject({ status: 'LOGIN_REQUIRED', error: { providerCode: 'ITEM_LOGIN_REQUIRED' } });
  });

  it('garbage in an accounts answer is UNAVAILABLE', async () => {
    // A float sent as a string, then text that is not JSON.
    answer('/accounts/get',
      {
        status: 200,
        raw: `{"accounts":[{"account_id":"a","balances":{"available":null,"current":"12.34","limit":null,"iso_currency_code":"USD","unofficial_currency_code":null},"mask":null,"name":"n","official_name":null,"type":"depository","subtype":"checking"}],"item":${JSON.stringify(item())},"request_id":"r"}`,
        offSpec: 'provider garbage: a balance as a string',
      },
      { status: 200, raw: '{"accounts": [', offSpec: 'provider garbage: not JSON' },
    );
    for (let i = 0; i < 2; i++) {
      const e = await adapter.getAccounts(REF).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ProviderCallError);
      expect(e).toMatchObject({ kind: 'UNAVAILABLE', httpStatus: 200 });
    }
  });

  // Every field the spec requires of a Transaction (most are nullable).
  const nulls = (keys: string) => keys.split(' ').map((k) => `"${k}":null`).join(',');
  const txn = (id: string, amount: string, extra = '') =>
    `{"transaction_id":"${id}","account_id":"acc-chk","amount":${amount},"iso_currency_code":"USD","unofficial_currency_code":null,"date":"2026-11-02","authorized_date":"2026-11-01","pending":false,"name":"Name ${id}","merchant_name":"Merchant","personal_finance_category":{"primary":"FOOD_AND_DRINK","detailed":"FOOD_AND_DRINK_COFFEE","confidence_level":"VERY_HIGH"},"payment_channel":"in store",` +
    `${nulls('account_owner pending_transaction_id authorized_datetime datetime transaction_code')},` +
    `"payment_meta":{${nulls('reference_number ppd_id payee by_order_of payer payment_method payment_processor reason')}},` +
    `"location":{${nulls('address city region postal_code country lat lon store_number')}}${extra}}`;

  it('syncs one page: Plaid amounts negated exactly, removed ids, the provider cursor', async () => {
    answer('/transactions/sync', {
      status: 200,
      raw: `{"added":[${txn('t-out', '12.34')},${txn('t-in', '-500.5')},${txn('t-tiny', '1.5e-7')}],"modified":[${txn('t-mod', '0.30000000000000004')}],"removed":[{"transaction_id":"t-gone","account_id":"acc-chk"}],"next_cursor":"cur-2","has_more":true,"accounts":[],"transactions_update_status":"HISTORICAL_UPDATE_COMPLETE","request_id":"r"}`,
    });
    const page = await adapter.syncTransactions(REF, { cursor: 'cur-1', count: 500 });
    expect(callsTo('/transactions/sync').at(-1)!.body).toEqual({ access_token: TOKEN, cursor: 'cur-1', count: 500, options: { include_personal_finance_category: true } });
    expect(page.added.map((t) => [t.providerTransactionId, t.amount])).toEqual([['t-out', '-12.34'], ['t-in', '500.5'], ['t-tiny', '-0.00000015']]);
    expect(page.modified[0]).toEqual({
      providerTransactionId: 't-mod', providerAccountId: 'acc-chk', amount: '-0.30000000000000004', currency: 'USD', date: '2026-11-02',
      authorizedDate: '2026-11-01', pending: false, description: 'Name t-mod', merchantName: 'Merchant', providerCategory: 'FOOD_AND_DRINK_COFFEE',
    });
    expect(page).toMatchObject({ removed: ['t-gone'], nextCursor: 'cur-2', hasMore: true, pendingReplacedWholesale: false });
  });

  it('from the beginning sends no cursor', async () => {
    answer('/transactions/sync', { status: 200, raw: '{"added":[],"modified":[],"removed":[],"next_cursor":"c","has_more":false,"accounts":[],"transactions_update_status":"NOT_READY","request_id":"r"}' });
    await adapter.syncTransactions(REF, { cursor: null, count: 1 });
    expect(callsTo('/transactions/sync').at(-1)!.body).toEqual({ access_token: TOKEN, count: 1, options: { include_personal_finance_category: true } });
  });

  it('mutation during pagination is its own typed error, INVALID_STATE, telling the client to restart', async () => {
    answer('/transactions/sync', plaidError('TRANSACTIONS_ERROR', 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION'));
    const e = await adapter.syncTransactions(REF, { cursor: 'cur-9', count: 100 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransactionsSyncMutationError);
    expect(e).toMatchObject({ kind: 'INVALID_STATE', providerCode: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', requestId: 'req-err' });
    expect((e as Error).message).toMatch(/restart/);
  });

  it('garbage in a sync page is UNAVAILABLE; a count out of range is refused before any call', async () => {
    const page = (t: string) => `{"added":[${t}],"modified":[],"removed":[],"next_cursor":"c","has_more":false,"accounts":[],"transactions_update_status":"NOT_READY","request_id":"r"}`;
    answer('/transactions/sync', { status: 200, raw: page(txn('t', '"12.34"')), offSpec: 'provider garbage: an amount as a string' });
    await expect(adapter.syncTransactions(REF, { cursor: null, count: 10 })).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    answer('/transactions/sync', { status: 200, raw: page(txn('t', '1', ',"date":"2026-02-30"').replace('"date":"2026-11-02",', '')), offSpec: 'provider garbage: February 30th' });
    await expect(adapter.syncTransactions(REF, { cursor: null, count: 10 })).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    const before = callsTo('/transactions/sync').length;
    for (const count of [0, 501, 1.5]) {
      await expect(adapter.syncTransactions(REF, { cursor: null, count })).rejects.toMatchObject({ kind: 'INVALID_INPUT', notSent: true });
    }
    expect(callsTo('/transactions/sync').length).toBe(before);
  });
});
