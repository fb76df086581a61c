import { negate } from '../../domain/decimal.js';
import type { ProviderTransaction } from '../../domain/transaction.js';
import type { PlaidTransaction } from './schemas.js';

/** A Plaid transaction as the normalized model. */
export function plaidTransaction(t: PlaidTransaction): ProviderTransaction {
  return {
    providerTransactionId: t.transaction_id,
    providerAccountId: t.account_id,
    // Plaid: positive is money out of the account; the contract: negative is money out.
    amount: negate(t.amount),
    currency: t.iso_currency_code ?? t.unofficial_currency_code ?? null,
    date: t.date,
    authorizedDate: t.authorized_date ?? null,
    pending: t.pending,
    description: t.name ?? t.merchant_name ?? '',
    merchantName: t.merchant_name ?? null,
    providerCategory: t.personal_finance_category?.detailed ?? t.personal_finance_category?.primary ?? null,
  };
}
