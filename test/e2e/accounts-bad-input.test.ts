import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '../generated/graphql.js';
import { member, startHarness, type Harness } from '../helpers/harness.js';
import { linkConnection, type Linked } from '../webhooks/helpers.js';

// transactionsSync and accounts under bad input and provider garbage: typed errors, nothing changed.

let h: Harness;
let alice: string;
const plaid: Linked[] = [];
let moneykit: Linked;
beforeAll(async () => {
  h = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '3600' } });
  alice = await h.token('alice');
  plaid.push(await linkConnection(h, alice, 'PLAID'), await linkConnection(h, alice, 'PLAID'));
  moneykit = await linkConnection(h, alice, 'MONEYKIT');
});
afterAll(async () => {
  await h?.close();
});

const providerCalls = () => [...h.plaid.requests, ...h.moneykit.requests].length;
const sync = (connectionId: string, cursor: string | null, count?: number) =>
  h.gql(alice, T.TransactionsSyncDocument, { input: { connectionId, cursor, ...(count === undefined ? {} : { count }) } }).then((r) => r.body.data!.transactionsSync);

async function control(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, url).toBeLessThan(300);
}

describe('transactionsSync bad input', () => {
  it.each([0, 501, -1])('count %i is INVALID_INPUT on count, before any provider call', async (count) => {
    const calls = providerCalls();
    expect(await sync(plaid[0]!.id, null, count)).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'count' });
    expect(providerCalls()).toBe(calls);
  });

  it('count 1 and 500 are accepted', async () => {
    expect((await sync(plaid[0]!.id, null, 1)).__typename).toBe('TransactionsSyncPayload');
    expect((await sync(plaid[0]!.id, null, 500)).__typename).toBe('TransactionsSyncPayload');
  });

  it('a malformed, tampered or unknown cursor is INVALID_INPUT on cursor, before any provider call', async () => {
    const page = member(await sync(plaid[0]!.id, null, 5), 'TransactionsSyncPayload');
    const real = Buffer.from(page.nextCursor, 'base64url').toString();
    const tampered = Buffer.from(real.slice(0, -1) + (real.endsWith('0') ? '1' : '0')).toString('base64url');
    for (const cursor of ['not a cursor', '', 'x'.repeat(5000), tampered, page.nextCursor + 'A', Buffer.from('tsc1.../etc/passwd').toString('base64url')]) {
      const calls = providerCalls();
      expect(await sync(plaid[0]!.id, cursor), cursor.slice(0, 30)).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'cursor' });
      expect(providerCalls()).toBe(calls);
    }
  });

  it("another connection's cursor (same owner) is INVALID_INPUT; its own connection still accepts it", async () => {
    const page = member(await sync(plaid[0]!.id, null, 5), 'TransactionsSyncPayload');
    const calls = providerCalls();
    expect(await sync(plaid[1]!.id, page.nextCursor)).toMatchObject({ __typename: 'InvalidInputError', field: 'cursor' });
    expect(await sync(moneykit.id, page.nextCursor)).toMatchObject({ __typename: 'InvalidInputError', field: 'cursor' });
    expect(providerCalls()).toBe(calls);
    expect((await sync(plaid[0]!.id, page.nextCursor, 5)).__typename).toBe('TransactionsSyncPayload');
  });

  it('the cursor carries no provider cursor or secret', async () => {
    const page = member(await sync(plaid[0]!.id, null, 5), 'TransactionsSyncPayload');
    const text = Buffer.from(page.nextCursor, 'base64url').toString();
    expect(text).toMatch(/^tsc1\.[0-9a-f-]{36}$/);
    const stored = await h.store.getSyncCursor(text.slice(5));
    expect(stored?.providerCursor).toBeTruthy();
    expect(page.nextCursor).not.toContain(stored!.providerCursor!);
  });

  it('Plaid mutation during pagination is INVALID_STATE telling the client to restart from its cursor before the first page', async () => {
    const c = plaid[1]!;
    const first = member(await sync(c.id, null, 10), 'TransactionsSyncPayload');
    expect(first.hasMore).toBe(true);
    await control(`${h.plaid.url}/emulator/items/${c.providerConnectionId}/mutation-during-pagination`, {});
    const res = await sync(c.id, first.nextCursor, 10);
    expect(res).toMatchObject({ __typename: 'InvalidStateError', code: 'INVALID_STATE' });
    expect((res as { message: string }).message).toMatch(/restart.*cursor.*before.*first page/i);
  });
});

describe('provider garbage', () => {
  it.each(['PLAID', 'MONEYKIT'] as const)('%s: garbage in an accounts answer is a typed error and the stored accounts stay', async (p) => {
    const c = p === 'PLAID' ? plaid[0]! : moneykit;
    const before = (await h.gql(alice, T.AccountsDocument, { id: c.id })).body.data!.connection!;
    expect(before.accounts).toHaveLength(3);
    const [base, path] = p === 'PLAID' ? [h.plaid.url, '/accounts/get'] : [h.moneykit.url, `/links/${c.providerConnectionId}/accounts`];
    await control(`${base}/emulator/faults`, { path, kind: 'garbage', times: 1 });
    const res = (await h.gql(alice, T.RefreshDocument, { input: { connectionId: c.id } })).body.data!.refreshConnection;
    expect(res).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_UNAVAILABLE' });
    const after = (await h.gql(alice, T.AccountsDocument, { id: c.id })).body.data!.connection!;
    expect(after).toEqual(before);
  });

  it.each(['PLAID', 'MONEYKIT'] as const)('%s: garbage in a sync answer is a typed error; the next call succeeds', async (p) => {
    const c = p === 'PLAID' ? plaid[0]! : moneykit;
    const [base, path] = p === 'PLAID' ? [h.plaid.url, '/transactions/sync'] : [h.moneykit.url, `/links/${c.providerConnectionId}/transactions/sync`];
    await control(`${base}/emulator/faults`, { path, kind: 'garbage', times: 1 });
    expect(await sync(c.id, null, 10)).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_UNAVAILABLE' });
    expect((await sync(c.id, null, 10)).__typename).toBe('TransactionsSyncPayload');
  });
});

describe('exact decimals end to end', () => {
  it('Plaid: tricky numbers arrive exactly as written, transaction amounts negated (positive = money out at Plaid)', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    await control(`${h.plaid.url}/emulator/items/${c.providerConnectionId}/tricky-numbers`, {});
    const refreshed = (await h.gql(alice, T.RefreshDocument, { input: { connectionId: c.id } })).body.data!.refreshConnection;
    expect(refreshed.__typename).toBe('RefreshConnectionPayload');
    const accounts = (await h.gql(alice, T.AccountsDocument, { id: c.id })).body.data!.connection!.accounts;
    const balances = accounts.flatMap((a) => [a.balances.current, a.balances.available, a.balances.limit]);
    expect(balances).toEqual(expect.arrayContaining(['0.30000000000000004', '1000000000000000000000', '0', '0.12345678']));
    expect(accounts.map((a) => a.balances.currency)).toContain('BTC');
    const page = member(await sync(c.id, null, 500), 'TransactionsSyncPayload');
    const amounts = page.added.map((t) => t.amount);
    expect(amounts).toEqual(expect.arrayContaining(['-0.30000000000000004', '-1000000000000000000000', '0', '-0.12345678']));
  });

  it('MoneyKit: tricky numbers arrive exactly as written, debits negative', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    await control(`${h.moneykit.url}/emulator/links/${c.providerConnectionId}/tricky-numbers`, {});
    await h.gql(alice, T.RefreshDocument, { input: { connectionId: c.id } });
    const accounts = (await h.gql(alice, T.AccountsDocument, { id: c.id })).body.data!.connection!.accounts;
    const balances = accounts.flatMap((a) => [a.balances.current, a.balances.available, a.balances.limit]);
    expect(balances).toEqual(expect.arrayContaining(['0.30000000000000004', '1000000000000000000000', '0', '0.12345678']));
    const page = member(await sync(c.id, null, 500), 'TransactionsSyncPayload');
    const amounts = page.added.map((t) => t.amount);
    expect(amounts.some((a) => a === '-0.30000000000000004' || a === '0.30000000000000004')).toBe(true);
    expect(amounts.some((a) => a === '-0.00000001' || a === '0.00000001')).toBe(true);
  });
});

describe('a transaction whose account is no longer listed', () => {
  const UNLISTED = /* GraphQL */ `query Unlisted($id: ID!, $input: TransactionsSyncInput!) {
    node(id: $id) { ... on Transaction { id account { id providerAccountId name officialName mask type subtype providerType balances { current available limit currency asOf } } } }
    transactionsSync(input: $input) { __typename ... on TransactionsSyncPayload { added { id account { id name type } } } }
  }`;

  it('answers the non-null account with its ids and nothing invented; the rest of the page is unchanged', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    const page = member(await sync(c.id, null, 500), 'TransactionsSyncPayload');
    const gone = page.added[0]!.account;
    // An accounts read that no longer lists that account (as after Plaid's update-mode account selection).
    const stored = (await h.store.listAccounts([c.internalId]))[0]!;
    expect(stored).toHaveLength(3);
    const kept = stored.filter((a) => a.providerAccountId !== gone.providerAccountId).map(({ id: _i, connectionId: _c, updatedAt: _u, ...a }) => a);
    await h.store.replaceAccounts(c.internalId, kept, { at: new Date() });

    const res = await h.gql(alice, UNLISTED, { id: page.added[0]!.id, input: { connectionId: c.id, cursor: null, count: 500 } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.node.account).toEqual({
      id: gone.id, providerAccountId: gone.providerAccountId, name: '', officialName: null, mask: null, type: 'OTHER', subtype: null, providerType: '',
      balances: { current: null, available: null, limit: null, currency: null, asOf: null },
    });
    const again = res.body.data.transactionsSync;
    expect(again.__typename).toBe('TransactionsSyncPayload');
    expect(again.added).toHaveLength(page.added.length);
    const ofGone = again.added.filter((t: { account: { id: string } }) => t.account.id === gone.id);
    expect(ofGone.length).toBeGreaterThan(0);
    expect(ofGone.every((t: { account: { name: string; type: string } }) => t.account.name === '' && t.account.type === 'OTHER')).toBe(true);
    // The accounts still listed answer as stored.
    const listed = again.added.find((t: { account: { id: string } }) => t.account.id !== gone.id);
    expect(listed.account.name).not.toBe('');
  });
});
