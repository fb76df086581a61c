import { z } from 'zod';
import { isCalendarDate } from '../../domain/transaction.js';
import { jsonDecimal } from '../json.js';

// Minimal, tolerant response schemas: validate what the gateway reads, let new fields through.

export const plaidErrorSchema = z.looseObject({
  error_type: z.string(),
  error_code: z.string(),
  error_message: z.string().nullish(),
  display_message: z.string().nullish(),
  request_id: z.string().nullish(),
});
export type PlaidErrorBody = z.infer<typeof plaidErrorSchema>;

export const linkTokenCreateResponse = z.looseObject({
  link_token: z.string().min(1),
  expiration: z.string(),
  request_id: z.string(),
  hosted_link_url: z.string().nullish(),
  user_id: z.string().nullish(),
});

export const publicTokenExchangeResponse = z.looseObject({
  access_token: z.string().min(1),
  item_id: z.string().min(1),
  request_id: z.string(),
});

export const plaidItemSchema = z.looseObject({
  item_id: z.string(),
  institution_id: z.string().nullish(),
  institution_name: z.string().nullish(),
  error: plaidErrorSchema.nullish(),
  products: z.array(z.string()).nullish(),
  billed_products: z.array(z.string()).nullish(),
  consent_expiration_time: z.string().nullish(),
});
export type PlaidItem = z.infer<typeof plaidItemSchema>;

export const itemGetResponse = z.looseObject({
  item: plaidItemSchema,
  status: z
    .looseObject({
      transactions: z.looseObject({ last_successful_update: z.string().nullish() }).nullish(),
      investments: z.looseObject({ last_successful_update: z.string().nullish() }).nullish(),
    })
    .nullish(),
  request_id: z.string(),
});

export const requestIdOnly = z.looseObject({ request_id: z.string() });

export const institutionGetResponse = z.looseObject({
  institution: z.looseObject({
    institution_id: z.string(),
    name: z.string().nullish(),
    logo: z.string().nullish(),
    primary_color: z.string().nullish(),
    country_codes: z.array(z.string()).nullish(),
  }),
  request_id: z.string(),
});

/** Plaid's `Products` enum values accepted on /link/token/create (`balance` is refused there). */
export const PLAID_LINK_PRODUCTS = [
  'assets', 'auth', 'beacon', 'identity', 'identity_match', 'investments', 'investments_auth',
  'liabilities', 'payment_initiation', 'identity_verification', 'transactions', 'credit_details',
  'income', 'income_verification', 'standing_orders', 'transfer', 'employment', 'signal',
  'statements', 'processor_payments', 'processor_identity', 'profile', 'cra_base_report',
  'cra_income_insights', 'cra_partner_insights', 'cra_network_insights', 'cra_cashflow_insights',
  'cra_monitoring', 'cra_lend_score', 'cra_plaid_credit_score', 'layer', 'pay_by_bank',
  'protect_linked_bank', 'protect_transactions', 'balance_plus',
] as const;

/**
 * Plaid's `CountryCode` enum. /institutions/get_by_id answers INVALID_INSTITUTION unless the
 * institution's country is among `country_codes`, and /item/get does not say the country.
 */
export const PLAID_COUNTRY_CODES = [
  'US', 'GB', 'ES', 'NL', 'FR', 'IE', 'CA', 'DE', 'IT', 'PL', 'DK', 'NO', 'SE', 'EE', 'LT', 'LV', 'PT', 'BE', 'AT', 'FI',
] as const;

// Accounts and transactions: bodies parsed with parseProviderJson, so numbers arrive as their
// source text and money fields become exact Decimals (a float or a string there is garbage).

const calendarDate = z.string().refine(isCalendarDate, 'expected YYYY-MM-DD');

/** AccountBase (only what the gateway reads). */
export const plaidAccountSchema = z.looseObject({
  account_id: z.string().min(1),
  name: z.string(),
  official_name: z.string().nullish(),
  mask: z.string().nullish(),
  type: z.string().min(1),
  subtype: z.string().nullish(),
  balances: z.looseObject({
    available: jsonDecimal.nullish(),
    current: jsonDecimal.nullish(),
    limit: jsonDecimal.nullish(),
    iso_currency_code: z.string().nullish(),
    unofficial_currency_code: z.string().nullish(),
    last_updated_datetime: z.string().nullish(),
  }),
});
export type PlaidAccount = z.infer<typeof plaidAccountSchema>;

/** `/accounts/get` 200 (AccountsGetResponse). */
export const accountsGetResponse = z.looseObject({
  accounts: z.array(plaidAccountSchema),
  item: plaidItemSchema,
  request_id: z.string(),
});

/** Transaction (only what the gateway reads). */
export const plaidTransactionSchema = z.looseObject({
  transaction_id: z.string().min(1),
  account_id: z.string().min(1),
  amount: jsonDecimal,
  iso_currency_code: z.string().nullish(),
  unofficial_currency_code: z.string().nullish(),
  date: calendarDate,
  authorized_date: calendarDate.nullish(),
  pending: z.boolean(),
  name: z.string().nullish(),
  merchant_name: z.string().nullish(),
  personal_finance_category: z.looseObject({ primary: z.string(), detailed: z.string().nullish() }).nullish(),
});
export type PlaidTransaction = z.infer<typeof plaidTransactionSchema>;

/** `/transactions/sync` 200 (TransactionsSyncResponse). */
export const transactionsSyncResponse = z.looseObject({
  added: z.array(plaidTransactionSchema),
  modified: z.array(plaidTransactionSchema),
  removed: z.array(z.looseObject({ transaction_id: z.string().min(1) })),
  next_cursor: z.string(),
  has_more: z.boolean(),
  request_id: z.string(),
});
