import { z } from 'zod';
import { isCalendarDate } from '../../domain/transaction.js';
import { jsonDecimal, textDecimal } from '../json.js';

/**
 * Minimal, tolerant zod schemas for the MoneyKit answers the adapter reads (API version
 * 2023-02-18, see specs/moneykit). Only fields we use are validated; everything else passes
 * through. Enum-typed fields (state, error_code, product names) are read as plain strings and
 * mapped by the tables in status.ts, so a new MoneyKit enum member never fails parsing.
 */

/** The `MoneyKit-Version` header value sent on every call. */
export const MONEYKIT_API_VERSION = '2023-02-18';

/** `POST /auth/token` 201 (CreateAccessTokenResponse). */
export const accessTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.number().positive(),
});

/** Every MoneyKit error body. `link_error_code` only on link_error.bad_state. */
export const errorBodySchema = z.looseObject({
  error_code: z.string().nullish(),
  error_message: z.string().nullish(),
  documentation_url: z.string().nullish(),
  link_error_code: z.string().nullish(),
});
export type MoneyKitErrorBody = z.infer<typeof errorBodySchema>;

/** LinkCommon: the link object of GET /links/{id}, /reset, exchange-token and /users/{id}/links. */
export const linkSchema = z.looseObject({
  link_id: z.string().min(1),
  institution_id: z.string(),
  // Required in the spec, but only displayed: tolerate their absence.
  institution_name: z.string().nullish(),
  institution_avatar: z.string().nullish(),
  state: z.string().min(1),
  error_code: z.string().nullish(),
  last_synced_at: z.string().nullish(),
  provider: z.string().nullish(),
  link_tags: z.array(z.string()).nullish(),
  /** Deprecated alias of link_tags, still sent by older API builds. */
  tags: z.array(z.string()).nullish(),
  webhook: z.string().nullish(),
  /** LinkProducts: product name -> LinkProductResponse | null. Values are not read. */
  products: z.record(z.string(), z.unknown()).nullish(),
});
export type MoneyKitLink = z.infer<typeof linkSchema>;

/** `POST /link-session` 201. */
export const linkSessionSchema = z.looseObject({
  link_session_token: z.string().min(1),
});

/** `POST /link-session/exchange-token` 201. */
export const exchangeTokenSchema = z.looseObject({
  link_id: z.string().nullish(),
  link: linkSchema,
});

/** `GET /users/{id}/links` 200: an object keyed by link id, not an array. */
export const userLinksSchema = z.looseObject({
  links: z.record(z.string(), linkSchema).nullish(),
});

/** `GET /institutions/{institution_id}` 200 (Institution). */
export const institutionSchema = z.looseObject({
  institution_id: z.string(),
  name: z.string().nullish(),
  color: z.string().nullish(),
  color_dark: z.string().nullish(),
});
export type MoneyKitInstitution = z.infer<typeof institutionSchema>;

/** The claims of a link_session_token we read. The JWT is opaque to us: never verified. */
export const linkSessionClaimsSchema = z.looseObject({
  exp: z.number().finite().optional(),
});

/** The `exp` of a JWT-shaped token, without verifying it (the token is opaque to us). */
export function jwtExpiry(token: string): Date | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = linkSessionClaimsSchema.safeParse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
    return claims.success && claims.data.exp !== undefined ? new Date(claims.data.exp * 1000) : null;
  } catch {
    return null;
  }
}

/**
 * Products a link session can request (`Product` minus `enrichment`, which is not a link-time
 * setting). `accounts` is always granted by MoneyKit: accepted, never sent.
 * Requested products are sent as `{required: true}`: like Plaid's `products`, the caller needs
 * them, so Connect only offers institutions that support them and makes the permission mandatory.
 */
export const MONEYKIT_PRODUCT_SETTINGS = {
  accounts: null,
  account_numbers: 'account_numbers',
  identity: 'identity',
  transactions: 'transactions',
  investments: 'investments',
} as const satisfies Record<string, string | null>;
export type MoneyKitLinkProduct = keyof typeof MONEYKIT_PRODUCT_SETTINGS;
export const MONEYKIT_PRODUCTS = Object.keys(MONEYKIT_PRODUCT_SETTINGS) as MoneyKitLinkProduct[];

/** `settings.countries` accepts these only (Country enum). Others are dropped. */
export const MONEYKIT_COUNTRIES = ['US', 'GB', 'CA'] as const;

// Accounts and transactions: bodies parsed with parseProviderJson, so numbers arrive as their
// source text and money fields become exact Decimals.

/** AccountResponse (only what the gateway reads). Balances are JSON numbers. */
export const accountSchema = z.looseObject({
  account_id: z.string().min(1),
  account_type: z.string().min(1),
  name: z.string(),
  account_mask: z.string().nullish(),
  balances: z.looseObject({
    currency: z.string().nullish(),
    available: jsonDecimal.nullish(),
    current: jsonDecimal.nullish(),
    limit: jsonDecimal.nullish(),
    balance_date: z.string().nullish(),
  }),
});
export type MoneyKitAccount = z.infer<typeof accountSchema>;

/** `GET /links/{id}/accounts` 200 (GetAccountsResponse): the accounts and the link itself. */
export const accountsResponseSchema = z.looseObject({
  accounts: z.array(accountSchema),
  link: linkSchema,
});

/** TransactionType. Closed: a transaction of another type cannot be signed, so it is garbage. */
export const MONEYKIT_TRANSACTION_TYPES = ['credit', 'debit'] as const;
export type MoneyKitTransactionType = (typeof MONEYKIT_TRANSACTION_TYPES)[number];

/** TransactionResponse (only what the gateway reads). `amount` is a non-negative decimal string. */
export const transactionSchema = z.looseObject({
  transaction_id: z.string().min(1),
  account_id: z.string().min(1),
  amount: textDecimal,
  type: z.enum(MONEYKIT_TRANSACTION_TYPES),
  currency: z.string().nullish(),
  date: z.string().refine(isCalendarDate, 'expected YYYY-MM-DD'),
  description: z.string().nullish(),
  raw_description: z.string().nullish(),
  pending: z.boolean(),
  category: z.string().nullish(),
  enrichment: z
    .looseObject({
      category: z.looseObject({ value: z.string() }).nullish(),
      merchant: z.looseObject({ name: z.string().nullish() }).nullish(),
    })
    .nullish(),
});
export type MoneyKitTransaction = z.infer<typeof transactionSchema>;

/** `GET /links/{id}/transactions/sync` 200 (TransactionSyncResponse). */
export const transactionsSyncSchema = z.looseObject({
  transactions: z.looseObject({
    created: z.array(transactionSchema),
    updated: z.array(transactionSchema),
    removed: z.array(z.string().min(1)),
  }),
  cursor: z.looseObject({ next: z.string().nullish() }),
  has_more: z.boolean(),
});
