// The MoneyKit adapter's V2 calls (GET /links/{id}/accounts, GET /links/{id}/transactions/sync)
// against the recording MoneyKit stand-in, whose answers are checked against the reconstructed spec
// (the journey runs the same calls against the emulator). Paths and query parameters are checked
// against the spec in specs/moneykit.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderCallError } from '../../../src/providers/errors.js';
import type { MoneyKitAdapter } from '../../../src/providers/moneykit/index.js';
import type { UnknownCodeReporter } from '../../../src/providers/normalize.js';
import { specPath } from '../../helpers/specs.js';
import { createFakeMoneyKit, institution, link, mkError, type FakeMoneyKit } from './fake-moneykit.js';

type Param = { name: string; in: string; schema: { anyOf?: { minimum?: number; maximum?: number; type: string }[] } };
const spec = JSON.parse(readFileSync(specPath('moneykit/moneykit-openapi.reconstructed.json'), 'utf8')) as {
  paths: Record<string, { get?: { parameters: Param[] } }>;
};

/** The call's path matches a GET operation of the spec and its query uses only declared parameters within bounds. */
function conforms(path: string): string[] {
  const url = new URL(path, 'https://x');
  const op = Object.entries(spec.paths).find(([p, v]) => v.get && new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(url.pathname));
  if (!op) return [`no GET operation for ${url.pathname}`];
  const params = op[1].get!.parameters.filter((p) => p.in === 'query');
  const problems: string[] = [];
  for (const [k, v] of url.searchParams) {
    const p = params.find((x) => x.name === k);
    if (!p) problems.push(`undeclared query parameter ${k}`);
    const int = p?.schema.anyOf?.find((s) => s.type === 'integer');
    if (int && (!/^\d+$/.test(v) || Number(v) < (int.minimum ?? -Infinity) || Number(v) > (int.maximum ?? Infinity))) problems.push(`${k}=${v} out of bounds`);
  }
  return problems;
}

const REF = { providerConnectionId: 'mk_link1', credential: null };

describe('MoneyKit adapter: accounts and transactions sync', () => {
  let mk: FakeMoneyKit;
  let adapter: MoneyKitAdapter;
  let reports: Parameters<UnknownCodeReporter>[0][];

  beforeEach(() => {
    mk = createFakeMoneyKit();
    reports = [];
    adapter = mk.adapter({ unknownValueReporter: (r) => reports.push(r) });
    mk.on('GET', /^\/institutions\//, { status: 200, body: institution({ color: '#123456' }) });
  });
  afterEach(async () => {
    for (const c of mk.apiCalls()) expect(conforms(c.path), c.path).toEqual([]);
    await adapter.close();
    await mk.close();
  });

  it('reads accounts with exact balances and the link state from the same answer', async () => {
    mk.on('GET', /^\/links\/mk_link1\/accounts$/, {
      status: 200,
      raw: `{"accounts":[
        {"account_id":"acc_1","account_type":"depository.checking","name":"Premier Checking","account_mask":"3748","balances":{"currency":"USD","available":0.30000000000000004,"current":1e21,"limit":null,"balance_date":"2026-11-01T11:00:00+01:00"}},
        {"account_id":"acc_2","account_type":"credit_card","name":"Card","balances":{"currency":"USD","available":-0,"current":410.50,"limit":2000}},
        {"account_id":"acc_3","account_type":"spaceship.rocket","name":"Odd","balances":{"currency":"BTC","current":0.12345678}}
      ],"link":${JSON.stringify(link({ state: 'error', error_code: 'auth_expired' }))}}`,
    });
    const r = await adapter.getAccounts(REF);
    expect(mk.apiCalls().map((c) => c.path)).toEqual(['/links/mk_link1/accounts', '/institutions/chase']);
    expect(r.state).toMatchObject({ status: 'LOGIN_REQUIRED', error: { providerCode: 'auth_expired' }, institution: { id: 'chase', name: 'Chase' } });
    expect(r.state.lastSyncedAt).toEqual(new Date('2023-02-16T09:14:11Z'));
    expect(r.accounts).toEqual([
      {
        providerAccountId: 'acc_1', name: 'Premier Checking', officialName: null, mask: '3748', type: 'DEPOSITORY', subtype: 'checking',
        providerType: 'depository.checking',
        balances: { current: '1000000000000000000000', available: '0.30000000000000004', limit: null, currency: 'USD', asOf: new Date('2026-11-01T10:00:00Z') },
      },
      expect.objectContaining({ providerAccountId: 'acc_2', type: 'CREDIT', subtype: 'credit card', balances: expect.objectContaining({ available: '0', current: '410.50', limit: '2000' }) }),
      expect.objectContaining({ providerAccountId: 'acc_3', type: 'OTHER', providerType: 'spaceship.rocket', balances: expect.objectContaining({ current: '0.12345678' }) }),
    ]);
    expect(reports).toEqual([{ provider: 'MONEYKIT', code: 'spaceship.rocket', context: 'account.account_type' }]);
  });

  it('a deleted link lists no accounts: its state says DISCONNECTED and the stored accounts stand', async () => {
    mk.on('GET', /^\/links\/mk_link1\/accounts$/, mkError(410, 'link_error.deleted'));
    mk.on('GET', /^\/links\/mk_link1$/, mkError(410, 'link_error.deleted'));
    const r = await adapter.getAccounts(REF);
    expect(r).toMatchObject({ accounts: null, state: { status: 'DISCONNECTED', error: { providerCode: 'link_error.deleted' } } });
  });

  it('garbage in an accounts answer is UNAVAILABLE', async () => {
    mk.on('GET', /^\/links\/mk_link1\/accounts$/, {
      status: 200,
      raw: `{"accounts":[{"account_id":"a","account_type":"other","name":"n","balances":{"current":"12.34"}}],"link":${JSON.stringify(link())}}`,
      offSpec: 'provider garbage: a balance as a string',
    });
    const e = await adapter.getAccounts(REF).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProviderCallError);
    expect(e).toMatchObject({ kind: 'UNAVAILABLE' });
  });

  const txn = (id: string, amount: string, type: string, pending = false) =>
    `{"transaction_id":"${id}","account_id":"acc_1","amount":${amount},"type":"${type}","currency":"USD","date":"2026-11-02","datetime":null,"description":"Desc ${id}","raw_description":"RAW","pending":${pending},"category":"food_and_drink","enrichment":{"category":{"value":"coffee"},"merchant":{"name":"Cafe"}}}`;

  it('syncs one page: debit negative, credit positive, exact; pending replaced wholesale is flagged', async () => {
    mk.on('GET', /^\/links\/mk_link1\/transactions\/sync/, {
      status: 200,
      raw: `{"transactions":{"created":[${txn('t1', '"12.34"', 'debit')},${txn('t2', '"500.5"', 'credit')},${txn('t3', '"0.00000001"', 'debit', true)}],"updated":[${txn('t4', '"0"', 'debit')}],"removed":["t9"]},"accounts":[],"cursor":{"next":"mk-cur-2"},"has_more":false,"link":${JSON.stringify(link())}}`,
    });
    const page = await adapter.syncTransactions(REF, { cursor: 'mk-cur-1', count: 500 });
    const call = mk.apiCalls().at(-1)!;
    const url = new URL(call.path, 'https://x');
    expect(url.pathname).toBe('/links/mk_link1/transactions/sync');
    expect(Object.fromEntries(url.searchParams)).toEqual({ cursor: 'mk-cur-1', size: '500' });
    expect(page.added.map((t) => [t.providerTransactionId, t.amount, t.pending])).toEqual([['t1', '-12.34', false], ['t2', '500.5', false], ['t3', '-0.00000001', true]]);
    expect(page.added[0]).toEqual({
      providerTransactionId: 't1', providerAccountId: 'acc_1', amount: '-12.34', currency: 'USD', date: '2026-11-02', authorizedDate: null,
      pending: false, description: 'Desc t1', merchantName: 'Cafe', providerCategory: 'food_and_drink',
    });
    expect(page.modified.map((t) => t.amount)).toEqual(['0']);
    expect(page).toMatchObject({ removed: ['t9'], nextCursor: 'mk-cur-2', hasMore: false, pendingReplacedWholesale: true });
  });

  it('from the beginning sends no cursor; garbage and an unknown transaction type are UNAVAILABLE; count bounds hold', async () => {
    mk.on('GET', /^\/links\/mk_link1\/transactions\/sync/, {
      status: 200,
      raw: `{"transactions":{"created":[],"updated":[],"removed":[]},"accounts":[],"cursor":{"next":null},"has_more":false,"link":${JSON.stringify(link())}}`,
    });
    const page = await adapter.syncTransactions(REF, { cursor: null, count: 1 });
    expect(Object.fromEntries(new URL(mk.apiCalls().at(-1)!.path, 'https://x').searchParams)).toEqual({ size: '1' });
    expect(page.nextCursor).toBeNull();

    // The spec types an amount as any string: only the number and the unknown type break it.
    const bad: Array<[string, string | undefined]> = [
      [txn('t', '"1e5"', 'debit'), undefined],
      [txn('t', '12.34', 'refund'), 'provider garbage: a numeric amount and an unknown type'],
      [txn('t', '"abc"', 'credit'), undefined],
    ];
    for (const [t, offSpec] of bad) {
      mk.on('GET', /^\/links\/mk_link1\/transactions\/sync/, {
        status: 200,
        raw: `{"transactions":{"created":[${t}],"updated":[],"removed":[]},"accounts":[],"cursor":{"next":"c"},"has_more":false,"link":${JSON.stringify(link())}}`,
        ...(offSpec ? { offSpec } : {}),
      });
      await expect(adapter.syncTransactions(REF, { cursor: null, count: 10 })).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    }
    const before = mk.apiCalls().length;
    for (const count of [0, 501]) {
      await expect(adapter.syncTransactions(REF, { cursor: null, count })).rejects.toMatchObject({ kind: 'INVALID_INPUT', notSent: true });
    }
    expect(mk.apiCalls().length).toBe(before);
  });
});
