import { negate } from '../../domain/decimal.js';
import type { ProviderTransaction } from '../../domain/transaction.js';
import type { MoneyKitTransaction, MoneyKitTransactionType } from './schemas.js';

/**
 * MoneyKit's non-negative amount signed from the account holder's side (contract section 7):
 * a debit is money out. Closed enum: a new type fails parsing instead of being signed wrongly.
 */
export const MONEYKIT_AMOUNT_SIGN = {
  credit: 'as_sent',
  debit: 'negated',
} as const satisfies Record<MoneyKitTransactionType, 'as_sent' | 'negated'>;

/** A MoneyKit transaction as the normalized model. */
export function moneyKitTransaction(t: MoneyKitTransaction): ProviderTransaction {
  return {
    providerTransactionId: t.transaction_id,
    providerAccountId: t.account_id,
    amount: MONEYKIT_AMOUNT_SIGN[t.type] === 'negated' ? negate(t.amount) : t.amount,
    currency: t.currency ?? null,
    date: t.date,
    // MoneyKit has no authorization date (`datetime` is the transaction's own time).
    authorizedDate: null,
    pending: t.pending,
    description: t.description ?? t.raw_description ?? '',
    merchantName: t.enrichment?.merchant?.name ?? null,
    providerCategory: t.category ?? t.enrichment?.category?.value ?? null,
  };
}
