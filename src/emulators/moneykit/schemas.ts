// zod schemas for what the emulator accepts. MoneyKit's models allow additional properties, so
// request objects are loose; constraints follow moneykit-openapi.reconstructed.json.
import { z } from 'zod';
import { COUNTRIES, LINK_ERROR_CODES, LINK_STATES, PRODUCTS, PROVIDERS } from './data.js';

const dateTime = z.iso.datetime({ offset: true, local: true });

export const tokenRequestSchema = z.looseObject({
  grant_type: z.string().nullish(),
  scope: z.string().nullish(),
  client_id: z.string().nullish(),
  client_secret: z.string().nullish(),
});

const productSettingsSchema = z.looseObject({
  required: z.boolean().nullish(),
  require_permission: z.boolean().nullish(),
  prefetch: z.boolean().nullish(),
  reason: z.string().nullish(),
});
export type ProductSettingsInput = z.infer<typeof productSettingsSchema>;

// Tags: < 100 chars, starting alphanumeric (REFERENCE §6.1).
const linkTagSchema = z
  .string()
  .max(99)
  .regex(/^[A-Za-z0-9]/, 'Tags must start with an alphanumeric character');

// redirect_uri: an absolute URI without a query string (REFERENCE §6.2).
const redirectUriSchema = z
  .string()
  .min(1)
  .max(65536)
  .refine((v) => URL.canParse(v), 'redirect_uri must be an absolute URI')
  .refine((v) => !URL.canParse(v) || new URL(v).search === '', 'redirect_uri must not contain a query string');

export const linkSessionRequestSchema = z.looseObject({
  customer_user: z.looseObject({
    id: z.string().min(4).max(150),
    email: z.looseObject({ address: z.string().min(4).max(254), customer_verified_at: dateTime.nullish() }).nullish(),
    phone: z
      .looseObject({
        number: z.string().min(4).max(30),
        country: z.enum(COUNTRIES).nullish(),
        customer_verified_at: dateTime.nullish(),
      })
      .nullish(),
  }),
  redirect_uri: redirectUriSchema,
  existing_link_id: z.string().nullish(),
  institution_id: z.string().nullish(),
  webhook: z.string().min(1).max(65536).nullish(),
  link_tags: z.array(linkTagSchema).nullish(),
  settings: z
    .looseObject({
      providers: z.array(z.enum(PROVIDERS)).nullish(),
      countries: z.array(z.enum(COUNTRIES)).nullish(),
      products: z
        .looseObject({
          account_numbers: productSettingsSchema.nullish(),
          identity: productSettingsSchema.nullish(),
          transactions: productSettingsSchema.nullish(),
          investments: productSettingsSchema.nullish(),
        })
        .nullish(),
    })
    .nullish(),
  connect_features: z.record(z.string(), z.boolean().nullish()).nullish(),
  custom_sandbox_data: z.looseObject({}).nullish(),
});
export type LinkSessionRequest = z.infer<typeof linkSessionRequestSchema>;

export const exchangeTokenRequestSchema = z.looseObject({ exchangeable_token: z.string() });

export const updateLinkRequestSchema = z.looseObject({
  webhook: z.string().min(1).max(65536).nullish(),
  link_tags: z.array(linkTagSchema).nullish(),
  tags: z.array(linkTagSchema).nullish(),
});

export const webhookTestRequestSchema = z.looseObject({
  webhook_event: z.enum(['link.state_changed', 'transactions.updates_available', 'product.state_changed', 'link.product_refresh']),
  webhook_idempotency_key: z.string().min(1),
});

// ---- emulator control surface ----

export const completeConnectRequestSchema = z.object({
  link_session_token: z.string().min(1),
  institution_id: z.string().min(1).nullish(),
});

// A link made outside the gateway (POST /emulator/links).
export const createLinkRequestSchema = z.strictObject({
  client_id: z.string().min(1).optional(),
  customer_user_id: z.string().min(4).max(150).default('imported-user-0001'),
  institution_id: z.string().min(1).optional(),
  webhook: z.string().min(1).max(65536).nullish(),
  link_tags: z.array(linkTagSchema).nullish(),
  state: z.enum(['connected', 'error']).default('connected'),
  error_code: z.enum(LINK_ERROR_CODES).nullish(),
});
export type CreateLinkInput = z.input<typeof createLinkRequestSchema>;

export const setStateRequestSchema = z.object({
  state: z.enum(LINK_STATES),
  error_code: z.enum(LINK_ERROR_CODES).nullish(),
  webhook: z.boolean().optional(),
});

export const faultSpecSchema = z.object({
  method: z.string().min(1).optional(),
  path: z.string().startsWith('/'),
  kind: z.enum(['http500', 'http429', 'garbage', 'hang', 'reset', 'moneykit_error']),
  times: z.number().int().refine((n) => n === -1 || n >= 1, 'times must be -1 or >= 1').optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  status: z.number().int().min(100).max(599).optional(),
  error: z
    .object({ error_code: z.string().min(1), error_message: z.string().optional(), link_error_code: z.string().optional() })
    .optional(),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export const latencyRequestSchema = z.object({ ms: z.number().int().nonnegative() });
export const rotateKeyRequestSchema = z.object({ keep_previous: z.boolean().optional() });
export const webhookBodySchema = z.looseObject({});

export const productSchema = z.enum(PRODUCTS);
