import type { ProviderName } from '../domain/connection.js';
import type { WebhookEffect } from '../domain/webhook.js';

// Verified provider deliveries: the contract between each provider's webhook verifier (in its
// folder) and the HTTP route that hands the verified event to the connections service.

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
