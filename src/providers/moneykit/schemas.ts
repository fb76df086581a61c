import { z } from 'zod';

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
