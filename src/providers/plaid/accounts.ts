import type { AccountType, NormalizedAccountType, ProviderAccount } from '../../domain/account.js';
import type { UnknownValueSink } from '../unknown-values.js';
import type { PlaidAccount } from './schemas.js';

/**
 * Plaid account `type` and `subtype` -> the contract's AccountType, as data. Plaid sends the
 * type on every account, so the type decides; the subtype is kept lower-case (contract
 * section 7). Values Plaid adds later: an unknown type is OTHER, an unknown subtype keeps the
 * type's mapping; both are reported once through the adapter's sink.
 */

/** `AccountType` of specs/plaid/2020-09-14.yml. */
export const PLAID_ACCOUNT_TYPES = ['investment', 'credit', 'depository', 'loan', 'brokerage', 'other'] as const;
export type PlaidAccountType = (typeof PLAID_ACCOUNT_TYPES)[number];

export const PLAID_ACCOUNT_TYPE = {
  depository: 'DEPOSITORY',
  credit: 'CREDIT',
  loan: 'LOAN',
  investment: 'INVESTMENT',
  // The name of `investment` in API versions 2018-05-22 and earlier.
  brokerage: 'INVESTMENT',
  other: 'OTHER',
} as const satisfies Record<PlaidAccountType, AccountType>;

/** `AccountSubtype` of specs/plaid/2020-09-14.yml (the subtype is nullable there). */
export const PLAID_ACCOUNT_SUBTYPES = [
  '401a', '401k', '403B', '457b', '529', 'auto', 'brokerage', 'business', 'cash isa', 'cash management', 'cd',
  'checking', 'commercial', 'construction', 'consumer', 'credit card', 'crypto exchange', 'ebt',
  'education savings account', 'fhsa', 'fixed annuity', 'gic', 'health reimbursement arrangement', 'home equity',
  'hsa', 'isa', 'ira', 'keogh', 'lif', 'life insurance', 'limited purpose checking', 'line of credit', 'lira', 'loan',
  'lrif', 'lrsp', 'money market', 'mortgage', 'mutual fund', 'non-custodial wallet', 'non-taxable brokerage account',
  'other', 'other insurance', 'other annuity', 'overdraft', 'paypal', 'payroll', 'pension', 'prepaid', 'prif',
  'profit sharing plan', 'qshr', 'rdsp', 'resp', 'retirement', 'rlif', 'roth', 'roth 401k', 'roth 403B', 'roth 457b',
  'roth pension', 'roth profit sharing plan', 'roth thrift savings plan', 'rrif', 'rrsp', 'sarsep', 'savings',
  'sep ira', 'simple ira', 'sipp', 'stock plan', 'student', 'thrift savings plan', 'tfsa', 'trust', 'ugma', 'utma',
  'variable annuity',
] as const;
export type PlaidAccountSubtype = (typeof PLAID_ACCOUNT_SUBTYPES)[number];

const KNOWN_SUBTYPES: ReadonlySet<string> = new Set(PLAID_ACCOUNT_SUBTYPES);

export function plaidAccountType(type: string, subtype: string | null | undefined, unknown: UnknownValueSink): NormalizedAccountType {
  const known = Object.prototype.hasOwnProperty.call(PLAID_ACCOUNT_TYPE, type);
  if (!known) unknown('PLAID', 'account.type', type);
  if (subtype != null && !KNOWN_SUBTYPES.has(subtype)) unknown('PLAID', 'account.subtype', subtype);
  return {
    type: known ? PLAID_ACCOUNT_TYPE[type as PlaidAccountType] : 'OTHER',
    subtype: subtype == null ? null : subtype.toLowerCase(),
    providerType: subtype == null ? type : `${type}/${subtype}`,
  };
}

/** A Plaid account as the normalized model; `readAt` stands in for a missing balance time. */
export function plaidAccount(a: PlaidAccount, readAt: Date, unknown: UnknownValueSink): ProviderAccount {
  const b = a.balances;
  return {
    providerAccountId: a.account_id,
    name: a.name,
    officialName: a.official_name ?? null,
    mask: a.mask ?? null,
    ...plaidAccountType(a.type, a.subtype, unknown),
    balances: {
      current: b.current ?? null,
      available: b.available ?? null,
      limit: b.limit ?? null,
      currency: b.iso_currency_code ?? b.unofficial_currency_code ?? null,
      asOf: b.last_updated_datetime ? new Date(b.last_updated_datetime) : readAt,
    },
  };
}
