import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '../generated/graphql.js';
import { member, startHarness, type Harness } from '../helpers/harness.js';
import { subscribeSse } from '../webhooks/helpers.js';

/**
 * Accounts and transactions, one journey per provider with identical GraphQL documents: link ->
 * accounts -> full history sync -> the provider posts a new transaction and settles a pending one
 * -> webhook -> the connection announces it -> sync from the saved cursor yields exactly that change.
 * Only the emulator controls (what happens at the bank) differ per provider.
 */
interface ProviderDriver {
  provider: 'PLAID' | 'MONEYKIT';
  finishLink(h: Harness, linkToken: string): Promise<string>;
  base(h: Harness): string;
  /** Path prefix of the provider connection's controls. */
  controls(providerConnectionId: string): string;
  /** A money-out purchase of 12.50 on the first account, in the provider's own sign convention. */
  purchase(accountId: string): Record<string, unknown>;
  /** The provider's current transaction ids (what a client must hold after syncing). */
  currentIds(h: Harness, providerConnectionId: string): Promise<string[]>;
  accountCount: number;
  historyCount: number;
  pendingCount: number;
}

async function control(url: string, method: string, body?: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect(res.status, `${method} ${url}`).toBeLessThan(300);
  return res.json();
}

const drivers: ProviderDriver[] = [
  {
    provider: 'PLAID',
    finishLink: async (h, t) => h.plaid.completeLink(t).public_token,
    base: (h) => h.plaid.url,
    controls: (id) => `/emulator/items/${id}`,
    // Plaid: positive = money out.
    purchase: (accountId) => ({ amount: 12.5, name: 'Corner Cafe', account_id: accountId }),
    async currentIds(h, id) {
      const body = await control(`${h.plaid.url}/emulator/items/${id}/transactions`, 'GET');
      return (body.transactions as { transaction_id: string }[]).map((t) => t.transaction_id);
    },
    accountCount: 3,
    historyCount: 48,
    pendingCount: 3,
  },
  {
    provider: 'MONEYKIT',
    finishLink: async (h, t) => h.moneykit.completeConnect(t).exchangeable_token!,
    base: (h) => h.moneykit.url,
    controls: (id) => `/emulator/links/${id}`,
    // MoneyKit: non-negative amount, debit = money out.
    purchase: (accountId) => ({ amount: '12.50', type: 'debit', description: 'Corner Cafe', account_id: accountId }),
    async currentIds(h, id) {
      const body = await control(`${h.moneykit.url}/emulator/links/${id}/transactions`, 'GET');
      return (body.transactions as { transaction_id: string }[]).map((t) => t.transaction_id);
    },
    accountCount: 3,
    historyCount: 40,
    pendingCount: 4,
  },
];

type Tx = { id: string; providerTransactionId: string; amount: string; pending: boolean; description: string; account: { id: string } };

let h: Harness;
let alice: string;
beforeAll(async () => {
  h = await startHarness();
  alice = await h.token('alice');
});
afterAll(async () => {
  await h?.close();
});

async function link(d: ProviderDriver) {
  const created = await h.gql(alice, T.CreateLinkTokenDocument, { input: { provider: d.provider, products: ['transactions'] } });
  const token = member(created.body.data?.createLinkToken, 'CreateLinkTokenPayload').linkToken.token;
  const publicToken = await d.finishLink(h, token);
  const exchanged = await h.gql(alice, T.ExchangeDocument, { input: { provider: d.provider, publicToken } });
  return member(exchanged.body.data?.exchangePublicToken, 'ExchangePublicTokenPayload').connection;
}

/** Applies pages from `cursor` until hasMore is false, into `held` (provider id -> transaction). */
async function syncAll(connectionId: string, cursor: string | null, held: Map<string, Tx>, byGlobalId: Map<string, string>) {
  const pages: { added: Tx[]; modified: Tx[]; removed: string[] }[] = [];
  for (;;) {
    const res = await h.gql(alice, T.TransactionsSyncDocument, { input: { connectionId, cursor, count: 500 } });
    expect(res.body.errors).toBeUndefined();
    const page = member(res.body.data?.transactionsSync, 'TransactionsSyncPayload');
    for (const t of [...page.added, ...page.modified]) {
      held.set(t.providerTransactionId, t);
      byGlobalId.set(t.id, t.providerTransactionId);
    }
    for (const id of page.removed) {
      const pid = byGlobalId.get(id);
      expect(pid, 'removed names a transaction the client holds').toBeDefined();
      held.delete(pid!);
    }
    pages.push(page);
    cursor = page.nextCursor;
    if (!page.hasMore) return { cursor, pages };
  }
}

async function waitFor<X>(what: string, probe: () => Promise<X | null>): Promise<X> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(drivers)('accounts and transactions on $provider', (d) => {
  it('link → accounts → full sync → new and settled transaction → webhook → sync from the saved cursor yields exactly that change', async () => {
    const conn = await link(d);
    const accountsRes = await h.gql(alice, T.AccountsDocument, { id: conn.id });
    const c = accountsRes.body.data!.connection!;
    expect(c.accounts).toHaveLength(d.accountCount);
    expect(c.accountsUpdatedAt).not.toBeNull();
    expect(c.transactionsUpdatedAt).toBeNull();
    expect(c.accounts.map((a) => a.type).sort()).toEqual(['CREDIT', 'DEPOSITORY', 'DEPOSITORY']);
    for (const a of c.accounts) {
      expect(Buffer.from(a.id, 'base64').toString()).toMatch(/^Account:[0-9a-f-]{36}$/);
      expect(a.balances.current).toMatch(/^-?\d+(\.\d+)?$/);
    }
    // node(id:) resolves the account for its owner.
    const node = (await h.gql(alice, T.NodeAccountDocument, { id: c.accounts[0]!.id })).body.data!.node;
    expect(node).toMatchObject({ id: c.accounts[0]!.id, providerAccountId: c.accounts[0]!.providerAccountId, connection: { id: conn.id } });

    const held = new Map<string, Tx>();
    const byGlobalId = new Map<string, string>();
    const first = await syncAll(conn.id, null, held, byGlobalId);
    expect(held.size).toBe(d.historyCount);
    expect([...held.values()].filter((t) => t.pending)).toHaveLength(d.pendingCount);
    expect([...held.keys()].sort()).toEqual((await d.currentIds(h, conn.providerConnectionId)).sort());
    // Every transaction belongs to one of the listed accounts.
    const accountIds = new Set(c.accounts.map((a) => a.id));
    for (const t of held.values()) expect(accountIds.has(t.account.id)).toBe(true);

    // At the bank: a new purchase and a pending one settles.
    const pending = [...held.values()].find((t) => t.pending)!;
    const base = d.base(h) + d.controls(conn.providerConnectionId);
    const updates = await subscribeSse(h.fetch, alice, 'subscription($id: ID) { connectionUpdated(id: $id) { id transactionsUpdatedAt } }', { id: conn.id });
    try {
      await control(`${base}/transactions`, 'POST', d.purchase(c.accounts[0]!.providerAccountId));
      await control(`${base}/transactions/${pending.providerTransactionId}/settle`, 'POST', {});
      // The provider's webhook reaches the gateway, which publishes connectionUpdated with the announcement.
      const event = (await updates.next()).data.connectionUpdated;
      expect(event.id).toBe(conn.id);
      expect(event.transactionsUpdatedAt).not.toBeNull();
    } finally {
      await updates.close();
    }
    const announced = await waitFor('transactionsUpdatedAt', async () => {
      const r = (await h.gql(alice, T.AccountsDocument, { id: conn.id })).body.data!.connection!;
      return r.transactionsUpdatedAt ? r : null;
    });
    expect(new Date(announced.transactionsUpdatedAt!).getTime()).toBeGreaterThan(new Date(conn.createdAt).getTime());

    const before = new Map(held);
    const second = await syncAll(conn.id, first.cursor, held, byGlobalId);
    // Exactly that change: the purchase and the settled one added, the pending one removed.
    const removed = second.pages.flatMap((p) => p.removed).map((id) => byGlobalId.get(id));
    expect(removed).toEqual([pending.providerTransactionId]);
    const newOnes = [...held.values()].filter((t) => !before.has(t.providerTransactionId));
    expect(newOnes).toHaveLength(2);
    const purchase = newOnes.find((t) => t.description === 'Corner Cafe')!;
    expect(purchase.amount).toMatch(/^-12\.50?$/); // money out is negative for both providers
    expect(purchase.pending).toBe(false);
    const settled = newOnes.find((t) => t !== purchase)!;
    expect(settled.pending).toBe(false);
    expect(settled.amount).toBe(pending.amount);
    // Nothing else changed in content.
    for (const [id, t] of held) if (before.has(id)) expect(t).toEqual(before.get(id));
    expect([...held.keys()].sort()).toEqual((await d.currentIds(h, conn.providerConnectionId)).sort());

    // node(id:) resolves a transaction for its owner, not for someone else.
    const txNode = (await h.gql(alice, T.NodeAccountDocument, { id: purchase.id })).body.data!.node;
    expect(txNode).toMatchObject({ id: purchase.id, amount: purchase.amount, providerTransactionId: purchase.providerTransactionId });
    const bob = await h.token('bob');
    expect((await h.gql(bob, T.NodeAccountDocument, { id: purchase.id })).body.data!.node).toBeNull();
    expect((await h.gql(bob, T.NodeAccountDocument, { id: c.accounts[0]!.id })).body.data!.node).toBeNull();
  });
});
