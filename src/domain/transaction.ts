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

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * YYYY-MM-DD that is a real (proleptic Gregorian) calendar date. Arithmetic, not a Date: it runs
 * several times per transaction of every sync page.
 */
export function isCalendarDate(s: string): boolean {
  const m = YMD.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}
