// Response shapes of accounts and transactions (spec AccountBase, AccountBalance, Transaction).
import { RawNumber } from './json-text.js';
import type { AccountRecord, TransactionRecord } from './ledger.js';

export type TrickyNumber = { number: string; unofficial_currency_code?: string | undefined };

export function accountJson(a: AccountRecord): Record<string, unknown> {
  return {
    account_id: a.account_id,
    balances: { ...a.balances },
    holder_category: 'personal',
    mask: a.mask,
    name: a.name,
    official_name: a.official_name,
    subtype: a.subtype,
    type: a.type,
  };
}

export function transactionJson(t: TransactionRecord): Record<string, unknown> {
  const [primary, detailed] = t.category;
  return {
    account_id: t.account_id,
    account_owner: null,
    amount: t.amount,
    iso_currency_code: t.iso_currency_code,
    unofficial_currency_code: t.unofficial_currency_code,
    check_number: null,
    counterparties: t.merchant_name ? [{ name: t.merchant_name, type: 'merchant', logo_url: null, website: null, entity_id: null, confidence_level: 'HIGH' }] : [],
    date: t.date,
    datetime: null,
    authorized_date: t.authorized_date,
    authorized_datetime: null,
    location: { address: null, city: null, region: null, postal_code: null, country: null, lat: null, lon: null, store_number: null },
    name: t.name,
    merchant_name: t.merchant_name,
    merchant_entity_id: null,
    logo_url: null,
    website: null,
    payment_meta: { by_order_of: null, payee: null, payer: null, payment_method: null, payment_processor: null, ppd_id: null, reason: null, reference_number: null },
    payment_channel: t.payment_channel,
    pending: t.pending,
    pending_transaction_id: t.pending_transaction_id,
    personal_finance_category: { primary, detailed, confidence_level: 'VERY_HIGH' },
    personal_finance_category_icon_url: `https://plaid-category-icons.plaid.com/PFC_${primary}.png`,
    transaction_id: t.transaction_id,
    transaction_code: null,
    transaction_type: t.payment_channel === 'online' ? 'digital' : t.payment_channel === 'in store' ? 'place' : 'special',
  };
}

/**
 * Writes `values` raw over the answer's numbers, in order: transaction amounts first (added, then
 * modified), and separately the accounts' balances (current, then available, account by account).
 * A value with an unofficial currency code also switches that transaction or account to it.
 */
export function applyTrickyNumbers(accounts: Record<string, unknown>[], transactions: Record<string, unknown>[], values: readonly TrickyNumber[]): void {
  values.forEach((v, i) => {
    const tx = transactions[i];
    if (tx) {
      tx['amount'] = new RawNumber(v.number);
      if (v.unofficial_currency_code) Object.assign(tx, { iso_currency_code: null, unofficial_currency_code: v.unofficial_currency_code });
    }
    const account = accounts[Math.floor(i / 2)];
    if (account) {
      const balances = account['balances'] as Record<string, unknown>;
      balances[i % 2 === 0 ? 'current' : 'available'] = new RawNumber(v.number);
      if (v.unofficial_currency_code) Object.assign(balances, { iso_currency_code: null, unofficial_currency_code: v.unofficial_currency_code });
    }
  });
}
