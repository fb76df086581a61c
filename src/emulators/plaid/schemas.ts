// Request schemas for the emulated endpoints, from the OpenAPI file's *Request schemas. Objects are
// loose because Plaid treats new optional request fields as non-breaking and clients may send them.
import { z } from 'zod';
import { plaidError, type PlaidApiError } from './errors.js';

export const COUNTRY_CODES = ['US', 'GB', 'ES', 'NL', 'FR', 'IE', 'CA', 'DE', 'IT', 'PL', 'DK', 'NO', 'SE', 'EE', 'LT', 'LV', 'PT', 'BE', 'AT', 'FI'] as const;
export const LANGUAGES = ['da', 'nl', 'en', 'et', 'fr', 'de', 'hi', 'it', 'lv', 'lt', 'no', 'pl', 'pt', 'ro', 'es', 'sv', 'vi'] as const;

/** The spec's `Products` enum. */
export const PRODUCTS = new Set([
  'assets', 'auth', 'balance', 'balance_plus', 'beacon', 'identity', 'identity_match', 'investments', 'investments_auth',
  'liabilities', 'payment_initiation', 'identity_verification', 'transactions', 'credit_details', 'income',
  'income_verification', 'standing_orders', 'transfer', 'employment', 'recurring_transactions', 'transactions_refresh',
  'signal', 'statements', 'processor_payments', 'processor_identity', 'profile', 'cra_base_report', 'cra_income_insights',
  'cra_partner_insights', 'cra_network_insights', 'cra_cashflow_insights', 'cra_monitoring', 'cra_lend_score',
  'cra_plaid_credit_score', 'layer', 'pay_by_bank', 'protect_linked_bank', 'protect_transactions',
]);
/** Not accepted by /link/token/create `products` (REFERENCE 3.7 INVALID_PRODUCT). */
export const LINK_FORBIDDEN_PRODUCTS = new Set(['balance', 'monitor', 'recurring_transactions', 'investments_refresh']);
/** Products allowed in `products` of an update-mode token (credit products, and UMPV auth/identity). */
export const UPDATE_MODE_PRODUCTS = new Set(['assets', 'statements', 'income_verification', 'auth', 'identity', 'cra_base_report', 'cra_income_insights', 'cra_partner_insights', 'cra_network_insights', 'cra_cashflow_insights', 'cra_monitoring', 'cra_lend_score', 'cra_plaid_credit_score']);

const Country = z.enum(COUNTRY_CODES);
const NonEmpty = z.string().min(1);

export const LinkTokenCreateRequest = z.looseObject({
  client_name: NonEmpty,
  language: z.enum(LANGUAGES),
  country_codes: z.array(Country).min(1),
  user: z.looseObject({ client_user_id: NonEmpty }).optional(),
  user_id: NonEmpty.optional(),
  user_token: NonEmpty.optional(),
  access_token: NonEmpty.nullable().optional(),
  products: z.array(z.string()).nullable().optional(),
  webhook: z.string().optional(),
  redirect_uri: z.string().optional(),
  android_package_name: z.string().optional(),
  update: z
    .looseObject({
      account_selection_enabled: z.boolean().optional(),
      user: z.boolean().optional(),
      item_ids: z.array(z.string()).nullable().optional(),
    })
    .optional(),
  hosted_link: z.looseObject({ url_lifetime_seconds: z.number().int().positive().optional() }).optional(),
});

export const AccessTokenRequest = z.looseObject({ access_token: NonEmpty });

export const PublicTokenExchangeRequest = z.looseObject({ public_token: NonEmpty });

export const ItemRemoveRequest = z.looseObject({
  access_token: NonEmpty,
  reason_code: z.enum(['FRAUD_FIRST_PARTY', 'FRAUD_FALSE_IDENTITY', 'FRAUD_ABUSE', 'FRAUD_OTHER', 'CONNECTION_IS_NON_FUNCTIONAL', 'OTHER']).nullable().optional(),
  reason_note: z.string().max(512).nullable().optional(),
});

export const UserResetLoginRequest = z.looseObject({
  user_id: NonEmpty.optional(),
  user_token: NonEmpty.optional(),
  item_ids: z.array(NonEmpty).nullable().optional(),
});

export const SandboxPublicTokenCreateRequest = z.looseObject({
  institution_id: NonEmpty,
  initial_products: z.array(z.string()).min(1),
  options: z
    .looseObject({
      webhook: z.string().optional(),
      override_username: z.string().nullable().optional(),
      override_password: z.string().nullable().optional(),
    })
    .optional(),
  user_id: NonEmpty.optional(),
  user_token: NonEmpty.optional(),
});

export const FIRE_WEBHOOK_TYPES = ['AUTH', 'HOLDINGS', 'INVESTMENTS_TRANSACTIONS', 'ITEM', 'LIABILITIES', 'TRANSACTIONS', 'ASSETS'] as const;
export const FIRE_WEBHOOK_CODES = ['DEFAULT_UPDATE', 'NEW_ACCOUNTS_AVAILABLE', 'SMS_MICRODEPOSITS_VERIFICATION', 'AUTHORIZATION_GRANTED', 'USER_PERMISSION_REVOKED', 'USER_ACCOUNT_REVOKED', 'PENDING_DISCONNECT', 'RECURRING_TRANSACTIONS_UPDATE', 'LOGIN_REPAIRED', 'SYNC_UPDATES_AVAILABLE', 'PRODUCT_READY', 'ERROR'] as const;

export const FireWebhookRequest = z.looseObject({
  access_token: NonEmpty,
  webhook_type: z.enum(FIRE_WEBHOOK_TYPES).optional(),
  webhook_code: z.enum(FIRE_WEBHOOK_CODES),
});

export const WebhookUpdateRequest = z.looseObject({
  access_token: NonEmpty,
  webhook: z.string().nullable().optional(),
});

export const InstitutionGetByIdRequest = z.looseObject({
  institution_id: NonEmpty,
  country_codes: z.array(Country),
  options: z
    .looseObject({
      include_optional_metadata: z.boolean().optional(),
      include_status: z.boolean().optional(),
      include_auth_metadata: z.boolean().optional(),
      include_payment_initiation_metadata: z.boolean().optional(),
    })
    .optional(),
});

export const AccountsGetRequest = z.looseObject({
  access_token: NonEmpty,
  options: z.looseObject({ account_ids: z.array(NonEmpty).optional() }).optional(),
});

export const TransactionsSyncRequest = z.looseObject({
  access_token: NonEmpty,
  cursor: z.string().optional(),
  count: z.number().int().min(1).max(500).default(100),
  options: z
    .looseObject({
      account_id: NonEmpty.optional(),
      include_original_description: z.boolean().nullable().optional(),
      include_personal_finance_category: z.boolean().optional(),
      days_requested: z.number().int().min(1).max(730).optional(),
    })
    .optional(),
});

export const WebhookVerificationKeyGetRequest = z.looseObject({ key_id: NonEmpty });

// --- emulator control bodies -------------------------------------------------------------------
export const ItemErrorInput = z.object({
  error_type: NonEmpty,
  error_code: NonEmpty,
  error_message: z.string().optional(),
  display_message: z.string().nullable().optional(),
  error_code_reason: z.string().nullable().optional(),
});
export type ItemErrorInput = z.infer<typeof ItemErrorInput>;

export const LinkCompleteBody = z.object({ link_token: NonEmpty, institution_id: NonEmpty.optional() });
export const SetErrorBody = z.object({ error: ItemErrorInput.nullable(), webhook: z.boolean().optional() });
export const SetConsentBody = z.object({ consent_expiration_time: z.iso.datetime({ offset: true }).nullable(), webhook: z.boolean().optional() });
export const SendWebhookBody = z.record(z.string(), z.unknown());
export const LatencyBody = z.object({ ms: z.number().int().min(0) });
export const RotateKeyBody = z.object({ expire_previous: z.boolean().optional() });

const Day = z.iso.date();
/** A Plaid amount (positive = money out), at most two decimals as real ledgers keep them. */
const Amount = z.number().refine((n) => Number.isFinite(n) && Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'amount must have at most two decimals');
const Category = z.tuple([NonEmpty, NonEmpty]);

export const CreateItemBody = z.object({
  institution_id: NonEmpty.default('ins_109508'),
  products: z.array(NonEmpty).min(1).default(['transactions']),
  webhook: z.url().nullable().optional(),
  client_user_id: NonEmpty.optional(),
});
export const AddTransactionBody = z.object({
  account_id: NonEmpty.optional(),
  amount: Amount,
  name: NonEmpty,
  merchant_name: NonEmpty.nullable().optional(),
  date: Day.optional(),
  pending: z.boolean().optional(),
  payment_channel: z.enum(['online', 'in store', 'other']).optional(),
  category: Category.optional(),
  webhook: z.boolean().optional(),
});
export const ModifyTransactionBody = z.object({
  amount: Amount.optional(),
  name: NonEmpty.optional(),
  merchant_name: NonEmpty.nullable().optional(),
  date: Day.optional(),
  category: Category.optional(),
  webhook: z.boolean().optional(),
});
export const SettleTransactionBody = z.object({ amount: Amount.optional(), date: Day.optional(), webhook: z.boolean().optional() });
export const WebhookFlagBody = z.object({ webhook: z.boolean().optional() });
export const SetBalanceBody = z
  .object({ current: Amount.nullable().optional(), available: Amount.nullable().optional(), limit: Amount.nullable().optional(), webhook: z.boolean().optional() })
  .refine((b) => b.current !== undefined || b.available !== undefined || b.limit !== undefined, 'give current, available or limit');
export const TrickyNumbersBody = z.object({
  endpoints: z.array(z.enum(['/accounts/get', '/transactions/sync'])).min(1).default(['/accounts/get', '/transactions/sync']),
  values: z
    .array(z.object({ number: z.string().regex(/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/, 'a JSON number literal'), unofficial_currency_code: NonEmpty.optional() }))
    .min(1)
    .optional(),
});
export const MutationDuringPaginationBody = z.object({ times: z.number().int().min(1).default(1) });

export const FaultSpec = z.object({
  path: NonEmpty,
  kind: z.enum(['http500', 'http429', 'garbage', 'hang', 'reset', 'plaid_error']),
  times: z.number().int().min(-1).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  error: z
    .object({
      error_type: NonEmpty,
      error_code: NonEmpty,
      error_message: z.string().optional(),
      display_message: z.string().nullable().optional(),
      status: z.number().int().min(100).max(599).optional(),
    })
    .optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Parses a Plaid request body. Absent (or null) required fields -> INVALID_REQUEST/MISSING_FIELDS
 * listing them, as Plaid does; anything else malformed -> INVALID_REQUEST/INVALID_FIELD naming it.
 */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw requestError(r.error, body);
}

export function requestError(error: z.ZodError, body: unknown): PlaidApiError {
  const missing: string[] = [];
  for (const issue of error.issues) {
    const v = valueAt(body, issue.path);
    // Any issue on an absent value means "missing", whatever zod calls it (enums say invalid_value).
    if ((v === undefined || v === null) && issue.path.length > 0) missing.push(issue.path.map(String).join('.'));
  }
  if (missing.length > 0) {
    return plaidError('MISSING_FIELDS', `the following required fields are missing: ${missing.join(', ')}`);
  }
  const first = error.issues[0];
  const field = first ? first.path.map(String).join('.') || 'body' : 'body';
  return plaidError('INVALID_FIELD', `${field}: ${first?.message ?? 'invalid value'}`);
}
