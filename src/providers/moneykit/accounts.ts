import type { AccountType, NormalizedAccountType, ProviderAccount } from '../../domain/account.js';
import type { UnknownValueSink } from '../unknown-values.js';
import type { MoneyKitAccount } from './schemas.js';
import { parseMoneyKitTimestamp } from './status.js';

/**
 * MoneyKit `account_type` (`<type>.<subtype>` or a bare type) -> the contract's AccountType, as
 * data. The spec in specs/moneykit types the field as a plain string; its values come from
 * MoneyKit's SDKs: the closed enum of `Account.account_type` (stainless-sdks/moneykit-node,
 * 2024-01) has a row each; the later generated docs (moneykit-ruby `AccountResponse.md`) say values
 * are "dot-prefixed with one of depository, investment, liability, or other; or the value is
 * unknown", so other values are mapped by their prefix. Both cases beyond the rows are reported
 * once; a value with no known prefix is OTHER.
 */

export const MONEYKIT_ACCOUNT_TYPE = {
  'depository.cash': { type: 'DEPOSITORY', subtype: 'cash' },
  'depository.checking': { type: 'DEPOSITORY', subtype: 'checking' },
  'depository.savings': { type: 'DEPOSITORY', subtype: 'savings' },
  'depository.prepaid': { type: 'DEPOSITORY', subtype: 'prepaid' },
  'depository.other': { type: 'DEPOSITORY', subtype: 'other' },
  // Bare in the SDK enum; "credit card" is the subtype every provider's frontend shows.
  credit_card: { type: 'CREDIT', subtype: 'credit card' },
  'loan.general': { type: 'LOAN', subtype: 'general' },
  'loan.mortgage': { type: 'LOAN', subtype: 'mortgage' },
  'loan.other': { type: 'LOAN', subtype: 'other' },
  investment: { type: 'INVESTMENT', subtype: null },
  other: { type: 'OTHER', subtype: null },
  // Documented: MoneyKit could not classify the account.
  unknown: { type: 'OTHER', subtype: null },
  // [inferred] the later scheme's name for a credit card; any other liability is a loan.
  'liability.credit_card': { type: 'CREDIT', subtype: 'credit card' },
} as const satisfies Record<string, { type: AccountType; subtype: string | null }>;

/** The documented prefixes of the later scheme (plus `loan`, the prefix of the SDK enum's loans). */
export const MONEYKIT_ACCOUNT_TYPE_PREFIX = {
  depository: 'DEPOSITORY',
  investment: 'INVESTMENT',
  // Credit cards have their own row above; what else MoneyKit calls a liability is money owed on a loan.
  liability: 'LOAN',
  loan: 'LOAN',
  other: 'OTHER',
} as const satisfies Record<string, AccountType>;

const has = <T extends object>(table: T, key: string): key is Extract<keyof T, string> =>
  Object.prototype.hasOwnProperty.call(table, key);

export function moneyKitAccountType(accountType: string, unknown: UnknownValueSink): NormalizedAccountType {
  if (has(MONEYKIT_ACCOUNT_TYPE, accountType)) return { ...MONEYKIT_ACCOUNT_TYPE[accountType], providerType: accountType };
  unknown('MONEYKIT', 'account.account_type', accountType);
  const dot = accountType.indexOf('.');
  const prefix = dot < 0 ? accountType : accountType.slice(0, dot);
  const subtype = dot < 0 ? '' : accountType.slice(dot + 1).toLowerCase();
  return {
    type: has(MONEYKIT_ACCOUNT_TYPE_PREFIX, prefix) ? MONEYKIT_ACCOUNT_TYPE_PREFIX[prefix] : 'OTHER',
    subtype: subtype === '' ? null : subtype,
    providerType: accountType,
  };
}

/** A MoneyKit account as the normalized model; `readAt` stands in for a missing balance date. */
export function moneyKitAccount(a: MoneyKitAccount, readAt: Date, unknown: UnknownValueSink): ProviderAccount {
  const b = a.balances;
  return {
    providerAccountId: a.account_id,
    name: a.name,
    // MoneyKit has no official name.
    officialName: null,
    mask: a.account_mask ?? null,
    ...moneyKitAccountType(a.account_type, unknown),
    balances: {
      current: b.current ?? null,
      available: b.available ?? null,
      limit: b.limit ?? null,
      currency: b.currency ?? null,
      asOf: parseMoneyKitTimestamp(b.balance_date) ?? readAt,
    },
  };
}
