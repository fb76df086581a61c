import { describe, expect, it } from 'vitest';
import type { Decimal } from '../../src/domain/decimal.js';
import type { ProviderTransaction, ProviderTransactionsPage } from '../../src/domain/transaction.js';
import { START_OF_HISTORY, syncDelta } from '../../src/domain/transactions-sync.js';

const tx = (id: string, pending = false): ProviderTransaction => ({
  providerTransactionId: id, providerAccountId: 'a', amount: '-1.00' as Decimal, currency: 'USD', date: '2026-11-01',
  authorizedDate: null, pending, description: id, merchantName: null, providerCategory: null,
});
const page = (p: Partial<ProviderTransactionsPage>): ProviderTransactionsPage => ({
  added: [], modified: [], removed: [], nextCursor: 'c', hasMore: false, pendingReplacedWholesale: true, ...p,
});
const ids = (ts: ProviderTransaction[]) => ts.map((t) => t.providerTransactionId);

/** A client applying deltas in order (the contract's promise). */
function apply(held: Set<string>, d: { added: ProviderTransaction[]; modified: ProviderTransaction[]; removed: string[] }) {
  for (const t of d.added) {
    expect(held.has(t.providerTransactionId), `added ${t.providerTransactionId} already held`).toBe(false);
    held.add(t.providerTransactionId);
  }
  for (const t of d.modified) expect(held.has(t.providerTransactionId), `modified ${t.providerTransactionId} not held`).toBe(true);
  for (const id of d.removed) held.delete(id);
}

describe('syncDelta', () => {
  it('passes a Plaid page through and keeps only the provider cursor', () => {
    const p = page({ added: [tx('a', true)], modified: [tx('m')], removed: ['r'], nextCursor: 'p2', hasMore: true, pendingReplacedWholesale: false });
    const d = syncDelta({ providerCursor: 'p1', knownPending: ['x'], runPending: [], runSeen: [] }, p);
    expect(d).toEqual({ added: p.added, modified: p.modified, removed: ['r'], next: { providerCursor: 'p2', knownPending: [], runPending: [], runSeen: [] } });
  });

  it('MoneyKit: re-sent pending ones are modified, vanished pending ones removed at the end of the run, across pages', () => {
    const held = new Set<string>();
    // Run 1: two pending, one posted.
    const d1 = syncDelta(START_OF_HISTORY, page({ added: [tx('p1', true), tx('p2', true), tx('s1')], nextCursor: 'k1' }));
    apply(held, d1);
    expect(d1.next).toEqual({ providerCursor: 'k1', knownPending: ['p1', 'p2'], runPending: [], runSeen: [] });

    // Run 2, two pages: p1 re-sent (still pending), p2 settled into s2 (new id) and never re-sent, p3 new.
    const d2a = syncDelta(d1.next, page({ added: [tx('p1', true), tx('s2')], nextCursor: 'k2', hasMore: true }));
    expect([ids(d2a.added), ids(d2a.modified), d2a.removed]).toEqual([['s2'], ['p1'], []]);
    expect(d2a.next).toEqual({ providerCursor: 'k2', knownPending: ['p1', 'p2'], runPending: ['p1'], runSeen: ['p1'] });
    apply(held, d2a);
    const d2b = syncDelta(d2a.next, page({ added: [tx('p3', true)], nextCursor: 'k3' }));
    expect([ids(d2b.added), ids(d2b.modified), d2b.removed]).toEqual([['p3'], [], ['p2']]);
    expect(d2b.next).toEqual({ providerCursor: 'k3', knownPending: ['p1', 'p3'], runPending: [], runSeen: [] });
    apply(held, d2b);
    expect([...held].sort()).toEqual(['p1', 'p3', 's1', 's2']);

    // Run 3: p1 settles keeping its id (re-sent as posted), p3 removed explicitly: nothing reported twice.
    const d3 = syncDelta(d2b.next, page({ modified: [tx('p1')], removed: ['p3'], nextCursor: 'k4' }));
    expect([ids(d3.added), ids(d3.modified), d3.removed]).toEqual([[], ['p1'], ['p3']]);
    expect(d3.next.knownPending).toEqual([]);
    apply(held, d3);
    expect([...held].sort()).toEqual(['p1', 's1', 's2']);
  });
});
