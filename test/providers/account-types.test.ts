// Every account type and subtype value in the providers' specs, each with a hand-written
// expectation: the tables in src/providers/*/accounts.ts are checked, not used as the oracle.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { NormalizedAccountType } from '../../src/domain/account.js';
import { moneyKitAccountType } from '../../src/providers/moneykit/accounts.js';
import type { UnknownCodeReporter } from '../../src/providers/normalize.js';
import { plaidAccountType } from '../../src/providers/plaid/accounts.js';
import { onceReporter } from '../../src/providers/unknown-values.js';
import { specPath } from '../helpers/specs.js';

type Enum = { enum: string[] };
const plaidSchemas = (parse(readFileSync(specPath('plaid/2020-09-14.yml'), 'utf8')) as { components: { schemas: Record<string, Enum> } }).components.schemas;

function recorder() {
  const reports: Parameters<UnknownCodeReporter>[0][] = [];
  return { reports, sink: onceReporter((r) => reports.push(r)) };
}

describe('Plaid account types', () => {
  const TYPES: Record<string, NormalizedAccountType['type']> = {
    investment: 'INVESTMENT',
    brokerage: 'INVESTMENT', // the pre-2018 name of investment
    credit: 'CREDIT',
    depository: 'DEPOSITORY',
    loan: 'LOAN',
    other: 'OTHER',
  };

  it('maps every AccountType of the OpenAPI file on purpose', () => {
    expect(new Set(plaidSchemas['AccountType']!.enum)).toEqual(new Set(Object.keys(TYPES)));
    const { reports, sink } = recorder();
    for (const [type, expected] of Object.entries(TYPES)) {
      expect(plaidAccountType(type, null, sink)).toEqual({ type: expected, subtype: null, providerType: type });
    }
    expect(reports).toEqual([]);
  });

  // Subtype -> contract subtype (lower-case) and a Plaid type it is sent with.
  const SUBTYPES: Record<string, [string, string]> = {
    '401a': ['401a', 'investment'], '401k': ['401k', 'investment'], '403B': ['403b', 'investment'],
    '457b': ['457b', 'investment'], '529': ['529', 'investment'], auto: ['auto', 'loan'],
    brokerage: ['brokerage', 'investment'], business: ['business', 'loan'], 'cash isa': ['cash isa', 'depository'],
    'cash management': ['cash management', 'depository'], cd: ['cd', 'depository'], checking: ['checking', 'depository'],
    commercial: ['commercial', 'loan'], construction: ['construction', 'loan'], consumer: ['consumer', 'loan'],
    'credit card': ['credit card', 'credit'], 'crypto exchange': ['crypto exchange', 'investment'], ebt: ['ebt', 'depository'],
    'education savings account': ['education savings account', 'investment'], fhsa: ['fhsa', 'investment'],
    'fixed annuity': ['fixed annuity', 'investment'], gic: ['gic', 'investment'],
    'health reimbursement arrangement': ['health reimbursement arrangement', 'investment'],
    'home equity': ['home equity', 'loan'], hsa: ['hsa', 'depository'], isa: ['isa', 'investment'], ira: ['ira', 'investment'],
    keogh: ['keogh', 'investment'], lif: ['lif', 'investment'], 'life insurance': ['life insurance', 'investment'],
    'limited purpose checking': ['limited purpose checking', 'depository'], 'line of credit': ['line of credit', 'loan'],
    lira: ['lira', 'investment'], loan: ['loan', 'loan'], lrif: ['lrif', 'investment'], lrsp: ['lrsp', 'investment'],
    'money market': ['money market', 'depository'], mortgage: ['mortgage', 'loan'], 'mutual fund': ['mutual fund', 'investment'],
    'non-custodial wallet': ['non-custodial wallet', 'investment'],
    'non-taxable brokerage account': ['non-taxable brokerage account', 'investment'], other: ['other', 'other'],
    'other insurance': ['other insurance', 'investment'], 'other annuity': ['other annuity', 'investment'],
    overdraft: ['overdraft', 'loan'], paypal: ['paypal', 'credit'], payroll: ['payroll', 'other'], pension: ['pension', 'investment'],
    prepaid: ['prepaid', 'depository'], prif: ['prif', 'investment'], 'profit sharing plan': ['profit sharing plan', 'investment'],
    qshr: ['qshr', 'investment'], rdsp: ['rdsp', 'investment'], resp: ['resp', 'investment'], retirement: ['retirement', 'investment'],
    rlif: ['rlif', 'investment'], roth: ['roth', 'investment'], 'roth 401k': ['roth 401k', 'investment'],
    'roth 403B': ['roth 403b', 'investment'], 'roth 457b': ['roth 457b', 'investment'], 'roth pension': ['roth pension', 'investment'],
    'roth profit sharing plan': ['roth profit sharing plan', 'investment'],
    'roth thrift savings plan': ['roth thrift savings plan', 'investment'], rrif: ['rrif', 'investment'], rrsp: ['rrsp', 'investment'],
    sarsep: ['sarsep', 'investment'], savings: ['savings', 'depository'], 'sep ira': ['sep ira', 'investment'],
    'simple ira': ['simple ira', 'investment'], sipp: ['sipp', 'investment'], 'stock plan': ['stock plan', 'investment'],
    student: ['student', 'loan'], 'thrift savings plan': ['thrift savings plan', 'investment'], tfsa: ['tfsa', 'investment'],
    trust: ['trust', 'investment'], ugma: ['ugma', 'investment'], utma: ['utma', 'investment'],
    'variable annuity': ['variable annuity', 'investment'],
  };

  it('keeps every AccountSubtype of the OpenAPI file, lower-case, with the type from the type', () => {
    expect(new Set(plaidSchemas['AccountSubtype']!.enum)).toEqual(new Set(Object.keys(SUBTYPES)));
    const { reports, sink } = recorder();
    for (const [subtype, [expected, type]] of Object.entries(SUBTYPES)) {
      expect(plaidAccountType(type, subtype, sink)).toEqual({ type: TYPES[type], subtype: expected, providerType: `${type}/${subtype}` });
    }
    expect(reports).toEqual([]);
  });

  it('an unknown type is OTHER with providerType kept, reported once per value; an unknown subtype keeps the type', () => {
    const { reports, sink } = recorder();
    expect(plaidAccountType('crypto', 'Cold Wallet', sink)).toEqual({ type: 'OTHER', subtype: 'cold wallet', providerType: 'crypto/Cold Wallet' });
    expect(plaidAccountType('crypto', null, sink)).toEqual({ type: 'OTHER', subtype: null, providerType: 'crypto' });
    expect(plaidAccountType('depository', 'Cold Wallet', sink)).toEqual({ type: 'DEPOSITORY', subtype: 'cold wallet', providerType: 'depository/Cold Wallet' });
    expect(reports).toEqual([
      { provider: 'PLAID', code: 'crypto', context: 'account.type' },
      { provider: 'PLAID', code: 'Cold Wallet', context: 'account.subtype' },
    ]);
  });
});

describe('MoneyKit account types', () => {
  // The closed enum of Account.account_type in MoneyKit's SDK (stainless-sdks/moneykit-node 2024-01),
  // plus `unknown` from the generated docs (moneykit-ruby AccountResponse.md).
  const DOCUMENTED: Record<string, Omit<NormalizedAccountType, 'providerType'>> = {
    'depository.cash': { type: 'DEPOSITORY', subtype: 'cash' },
    'depository.checking': { type: 'DEPOSITORY', subtype: 'checking' },
    'depository.savings': { type: 'DEPOSITORY', subtype: 'savings' },
    'depository.prepaid': { type: 'DEPOSITORY', subtype: 'prepaid' },
    'depository.other': { type: 'DEPOSITORY', subtype: 'other' },
    credit_card: { type: 'CREDIT', subtype: 'credit card' },
    'loan.general': { type: 'LOAN', subtype: 'general' },
    'loan.mortgage': { type: 'LOAN', subtype: 'mortgage' },
    'loan.other': { type: 'LOAN', subtype: 'other' },
    investment: { type: 'INVESTMENT', subtype: null },
    other: { type: 'OTHER', subtype: null },
    unknown: { type: 'OTHER', subtype: null },
    'liability.credit_card': { type: 'CREDIT', subtype: 'credit card' },
  };

  it('maps every documented value on purpose, without a warning', () => {
    const { reports, sink } = recorder();
    for (const [value, expected] of Object.entries(DOCUMENTED)) {
      expect(moneyKitAccountType(value, sink)).toEqual({ ...expected, providerType: value });
    }
    expect(reports).toEqual([]);
  });

  it('maps a new value by its documented prefix, and an unknown prefix to OTHER; each reported once', () => {
    const { reports, sink } = recorder();
    expect(moneyKitAccountType('depository.money_market', sink)).toEqual({ type: 'DEPOSITORY', subtype: 'money_market', providerType: 'depository.money_market' });
    expect(moneyKitAccountType('investment.brokerage', sink)).toEqual({ type: 'INVESTMENT', subtype: 'brokerage', providerType: 'investment.brokerage' });
    expect(moneyKitAccountType('liability.student_loan', sink)).toEqual({ type: 'LOAN', subtype: 'student_loan', providerType: 'liability.student_loan' });
    expect(moneyKitAccountType('other.Vault', sink)).toEqual({ type: 'OTHER', subtype: 'vault', providerType: 'other.Vault' });
    expect(moneyKitAccountType('crypto.wallet', sink)).toEqual({ type: 'OTHER', subtype: 'wallet', providerType: 'crypto.wallet' });
    expect(moneyKitAccountType('crypto.wallet', sink).type).toBe('OTHER');
    expect(reports.map((r) => r.code)).toEqual(['depository.money_market', 'investment.brokerage', 'liability.student_loan', 'other.Vault', 'crypto.wallet']);
    expect(reports.every((r) => r.provider === 'MONEYKIT' && r.context === 'account.account_type')).toBe(true);
  });
});
