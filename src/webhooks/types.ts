import { z } from 'zod';
import { CONNECTION_STATUSES, connectionErrorInfoSchema, type ConnectionErrorInfo, type ConnectionStatus, type ProviderName } from '../domain/connection.js';

/** What a verified webhook asks the connections service to do. */
export type WebhookEffect =
  /** A new provider-reported status (with its raw error, or null when healthy). */
  | { kind: 'state'; status: ConnectionStatus; error: ConnectionErrorInfo | null }
  /** Access ends at `until` unless the user goes through update mode: EXPIRING. */
  | { kind: 'expiring'; until: Date }
  /** The connection was repaired (Plaid LOGIN_REPAIRED): healthy, pending expiry cleared. */
  | { kind: 'repaired' }
  /** Recorded only. */
  | { kind: 'none' };

/** A WebhookEffect read back from JSON (the event log keeps it; dates travel as ISO strings). */
export const webhookEffectSchema: z.ZodType<WebhookEffect> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('state'),
    status: z.enum(CONNECTION_STATUSES),
    error: connectionErrorInfoSchema.nullable(),
  }),
  z.object({ kind: z.literal('expiring'), until: z.coerce.date() }),
  z.object({ kind: z.literal('repaired') }),
  z.object({ kind: z.literal('none') }),
]);

/** A webhook whose signature, age and body hash were verified, parsed into the normalized model. */
export interface VerifiedWebhook {
  provider: ProviderName;
  /** e.g. ITEM.ERROR, link.state_changed */
  eventType: string;
  providerConnectionId: string | null;
  /** De-duplication key: MoneyKit's webhook_idempotency_key; for Plaid (which sends none) a hash of the signature. */
  dedupeKey: string | null;
  /** Provider time of the event when the payload carries one (MoneyKit webhook_timestamp), else the signature's iat. */
  occurredAt: Date | null;
  effect: WebhookEffect;
  /** The parsed body, for the event log. */
  payload: unknown;
}

/** Why a delivery was refused. The reason is logged and counted, never echoed to the sender. */
export type WebhookRejectReason =
  | 'missing_signature'
  | 'malformed_signature'
  | 'bad_algorithm'
  | 'unknown_key'
  | 'expired_key'
  | 'bad_signature'
  | 'stale'
  | 'body_hash_mismatch'
  | 'malformed_body'
  | 'key_fetch_failed'
  /** Our key-fetch budget for this sender (or in total) is spent: retry later, not a verdict. */
  | 'key_fetch_throttled';

export class WebhookVerificationError extends Error {
  constructor(readonly reason: WebhookRejectReason, message?: string) {
    super(message ?? reason);
    this.name = 'WebhookVerificationError';
  }
}

/** Each provider adapter offers one of these for its webhook route. */
export interface WebhookVerifier {
  readonly provider: ProviderName;
  /** Throws WebhookVerificationError; resolves only for a genuine, fresh delivery. */
  /** `sender`: the delivery's client address (key-fetch budgets are per sender). */
  verify(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, sender?: string): Promise<VerifiedWebhook>;
}
