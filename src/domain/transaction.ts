import { derivedUuid } from './account.js';
import type { Decimal } from './decimal.js';

// The normalized transaction model (contract section 7). No provider wire formats here.

/** One transaction as a provider reported it, normalized by the adapter. */
export interface ProviderTransaction {
  providerTransactionId: string;
  providerAccountId: string;
  /** Signed from the account holder's side: negative = money out (Plaid negated; MoneyKit debit negative). */
  amount: Decimal;
  currency: string | null;
  /** YYYY-MM-DD: posted date; for a pending transaction, the transaction date. */
  date: string;
  authorizedDate: string | null;
  pending: boolean;
  description: string;
  merchantName: string | null;
  /** The provider's own category label, unchanged. */
  providerCategory: string | null;
}

/**
 * One page of the provider's own transactions sync, normalized. `removed` holds provider
 * transaction ids. `nextCursor` is the provider's cursor: the gateway keeps it in its store and
 * never hands it out.
 */
export interface ProviderTransactionsPage {
  added: ProviderTransaction[];
  modified: ProviderTransaction[];
  removed: string[];
  /** null: the provider gave no cursor yet (the next page starts from the beginning again). */
  nextCursor: string | null;
  hasMore: boolean;
  /**
   * True when the provider replaces pending transactions wholesale (MoneyKit): every page run
   * re-sends the current pending ones in `added`, and the pending ones it no longer sends are
   * gone. The gateway turns that into `removed` from what it remembers (see the sync state).
   */
  pendingReplacedWholesale: boolean;
}

/** The stored id of a transaction: stable for the same provider transaction, computable without a read. */
export function transactionRowId(connectionId: string, providerTransactionId: string): string {
  return derivedUuid('transaction', connectionId, providerTransactionId);
}

/** YYYY-MM-DD that is a real calendar date. */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
