import type { ProviderTransaction, ProviderTransactionsPage } from './transaction.js';

/**
 * What transactionsSync remembers at one gateway cursor (stored per cursor, see migration 3).
 * Only providers that replace pending transactions wholesale (MoneyKit) use the pending sets.
 */
export interface SyncCursorState {
  /** The provider's cursor; null = the beginning of the history. */
  providerCursor: string | null;
  /** Provider ids of the pending transactions the client holds at this cursor (as of the last finished run). */
  knownPending: string[];
  /** Pending ids the provider re-sent so far in the unfinished page run. */
  runPending: string[];
  /** Ids of knownPending the provider mentioned so far in the unfinished page run. */
  runSeen: string[];
}

export const START_OF_HISTORY: SyncCursorState = { providerCursor: null, knownPending: [], runPending: [], runSeen: [] };

export interface SyncDelta {
  added: ProviderTransaction[];
  modified: ProviderTransaction[];
  /** Provider transaction ids the client must drop. */
  removed: string[];
  /** The state to store under the next cursor. */
  next: SyncCursorState;
}

/**
 * One provider page -> the delta the client applies, and the state for the next cursor
 * (contract section 7: applying every delta from the beginning leaves exactly the provider's set).
 * Where the provider re-sends its current pending transactions on every run (MoneyKit), a
 * re-sent one the client already holds is `modified`, not `added`, and at the end of a run
 * (hasMore false) every pending one the client held that the run never mentioned is `removed`.
 */
export function syncDelta(at: SyncCursorState, page: ProviderTransactionsPage): SyncDelta {
  if (!page.pendingReplacedWholesale) {
    return {
      added: page.added,
      modified: page.modified,
      removed: page.removed,
      next: { ...START_OF_HISTORY, providerCursor: page.nextCursor },
    };
  }
  const known = new Set(at.knownPending);
  const seen = new Set(at.runSeen);
  const pending = new Set(at.runPending);
  const added: ProviderTransaction[] = [];
  const modified = [...page.modified];
  for (const t of page.added) (known.has(t.providerTransactionId) ? modified : added).push(t);
  for (const t of [...page.added, ...page.modified]) {
    if (known.has(t.providerTransactionId)) seen.add(t.providerTransactionId);
    if (t.pending) pending.add(t.providerTransactionId);
    else pending.delete(t.providerTransactionId);
  }
  for (const id of page.removed) {
    if (known.has(id)) seen.add(id);
    pending.delete(id);
  }
  const removed = [...page.removed];
  if (page.hasMore) {
    return { added, modified, removed, next: { providerCursor: page.nextCursor, knownPending: at.knownPending, runPending: [...pending], runSeen: [...seen] } };
  }
  for (const id of at.knownPending) if (!seen.has(id)) removed.push(id);
  return { added, modified, removed, next: { providerCursor: page.nextCursor, knownPending: [...pending], runPending: [], runSeen: [] } };
}
