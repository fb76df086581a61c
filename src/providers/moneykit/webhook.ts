import { parseJsonOrUndefined } from '../json.js';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { ProviderName } from '../../domain/connection.js';
import type { ProviderHttpClient } from '../http.js';
import {
  createKeyFetchClient,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  parseJsonObject,
  verifySignedDelivery,
  importP256Key,
  type ClosableWebhookVerifier,
  type VerificationKey,
} from '../signed-delivery.js';
import type { WebhookEffect } from '../../domain/webhook.js';
import { WebhookVerificationError, type VerifiedWebhook } from '../webhook.js';
import { KeyFetchBudget, NegativeCache, sharedInflight, UNKNOWN_SENDER } from '../webhook-keys.js';
import type { UnknownCodeReporter } from '../normalize.js';
import { onceReporter, type UnknownValueSink } from '../unknown-values.js';
import { linkError, linkStatus, parseMoneyKitTimestamp } from './status.js';

export interface MoneyKitWebhookVerifierOptions {
  baseUrl: string;
  clientId: string;
  dispatcher?: Dispatcher;
  /** Receives provider values this version cannot map (each once). */
  unknownValueReporter?: UnknownCodeReporter;
  /** Milliseconds since the epoch (Date.now). */
  now?: () => number;
  maxAgeSeconds?: number;
  maxFutureSkewSeconds?: number;
  /** A kid missing from a fresh JWKS is answered unknown for this long without a refetch. */
  unknownKidRefetchIntervalMs?: number;
  /** JWKS fetches allowed per second across all senders. */
  maxKeyFetchesPerSecond?: number;
  /** JWKS fetches one sender's deliveries may cause per second. */
  maxKeyFetchesPerSenderPerSecond?: number;
  /** The JWKS is re-fetched on use after this long (MoneyKit's example: at most 24 h). */
  keysTtlMs?: number;
  /**
   * MoneyKit's documented `iss`. Checked when the claims carry one; MoneyKit's own example treats
   * the check as optional, so a token without `iss` is still accepted. null disables the check.
   */
  issuer?: string | null;
}

export const MONEYKIT_SIGNATURE_HEADER = 'MoneyKit-Signature';
export const MONEYKIT_ISSUER = 'https://api.moneykit.com';
const JWKS_PATH = '/.well-known/jwks.json';
const MINUTE_MS = 60_000;

const jwksSchema = z.looseObject({ keys: z.array(z.unknown()) });
// A verification key: P-256, and when it states alg/use they must fit (others are skipped, not fatal).
const jwkSchema = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  kid: z.string().min(1),
  x: z.string().min(1),
  y: z.string().min(1),
  alg: z.literal('ES256').optional(),
  use: z.literal('sig').optional(),
});

/**
 * One JWKS document, cached for keysTtlMs. A kid not in it refetches the document (a newly
 * rotated key is picked up at once), budgeted per sender and in total (webhook-keys.ts); a kid
 * still missing from a fresh document is negatively cached. Concurrent misses share one fetch.
 */
class JwksStore {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt: number | null = null;
  /** After a failed fetch, none until then (the document is one for all kids). */
  private failedUntil = Number.NEGATIVE_INFINITY;
  private readonly missing: NegativeCache;
  private readonly inflight = sharedInflight<void>();
  private readonly failureRetryMs: number;

  constructor(
    private readonly http: ProviderHttpClient,
    private readonly clientId: string,
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly ttlMs: number,
    private readonly budget: KeyFetchBudget,
  ) {
    this.missing = new NegativeCache(now);
    this.failureRetryMs = Math.min(intervalMs, 5_000);
  }

  async resolve(kid: string, sender: string): Promise<VerificationKey> {
    const fresh = this.fetchedAt !== null && this.now() - this.fetchedAt < this.ttlMs;
    const cached = this.keys.get(kid);
    if (cached && fresh) return cached;
    if (!cached && fresh && this.missing.has(kid)) throw new WebhookVerificationError('unknown_key', 'kid not in MoneyKit JWKS (recently checked)');
    try {
      await this.refresh(sender);
    } catch (err) {
      // Stale but known key and MoneyKit unreachable: keep verifying with it.
      if (cached) return cached;
      throw err;
    }
    const key = this.keys.get(kid);
    if (key) return key;
    this.missing.add(kid, this.intervalMs);
    throw new WebhookVerificationError('unknown_key', 'kid not in MoneyKit JWKS');
  }

  private refresh(sender: string): Promise<void> {
    return this.inflight('jwks', async () => {
      // Not the kid's fault: the route asks for a redelivery.
      if (this.now() < this.failedUntil) throw new WebhookVerificationError('key_fetch_failed', 'MoneyKit JWKS fetch failed recently');
      this.budget.take(sender);
      try {
        await this.fetch();
      } catch (err) {
        this.failedUntil = this.now() + this.failureRetryMs;
        throw err;
      }
    });
  }

  private async fetch(): Promise<void> {
    let res;
    try {
      res = await this.http.send({
        method: 'GET',
        path: JWKS_PATH,
        headers: { accept: 'application/json', 'X-Client-Id': this.clientId },
        idempotent: true,
      });
    } catch (err) {
      throw new WebhookVerificationError('key_fetch_failed', (err as Error).message);
    }
    if (res.status !== 200) {
      throw new WebhookVerificationError('key_fetch_failed', `MoneyKit ${JWKS_PATH} answered ${res.status}`);
    }
    const set = jwksSchema.safeParse(parseJsonOrUndefined(res.text));
    if (!set.success) throw new WebhookVerificationError('key_fetch_failed', 'MoneyKit JWKS is not a key set');
    const next = new Map<string, VerificationKey>();
    for (const raw of set.data.keys) {
      const jwk = jwkSchema.safeParse(raw);
      if (!jwk.success) continue;
      try {
        // Imported once per fetch; the KeyObject is what is cached.
        next.set(jwk.data.kid, importP256Key(jwk.data.x, jwk.data.y));
      } catch {
        // A key that does not import cannot verify anything; the others still can.
      }
    }
    // Replace, not merge: a key MoneyKit withdrew stops verifying.
    this.keys = next;
    this.fetchedAt = this.now();
  }
}

// Webhook bodies: tolerant, only what the mapping reads.
const moneyKitWebhookSchema = z.looseObject({
  webhook_event: z.string().min(1),
  webhook_idempotency_key: z.string().nullish(),
  webhook_timestamp: z.string().nullish(),
  link_id: z.string().nullish(),
  state: z.string().nullish(),
  // Note: the webhook's field is `error`; the link object calls it `error_code`.
  error: z.string().nullish(),
  error_message: z.string().nullish(),
  product: z.string().nullish(),
});
type MoneyKitWebhookBody = z.infer<typeof moneyKitWebhookSchema>;

/** webhook_event -> how its effect is derived; events not listed are recorded only. */
const MONEYKIT_EVENT_EFFECT: Partial<Record<string, (b: MoneyKitWebhookBody, report: UnknownValueSink) => WebhookEffect>> = {
  'transactions.updates_available': () => ({ kind: 'updates', transactions: true, accounts: false }),
  // A refreshed `accounts` product means new accounts or balances: re-read them.
  'link.product_refresh': (b) => (b.product === 'accounts' ? { kind: 'updates', transactions: false, accounts: true } : { kind: 'none' }),
  'link.state_changed': (b, report) => {
    if (!b.state) return { kind: 'none' };
    const error = linkError(b.state, b.error);
    return {
      kind: 'state',
      status: linkStatus(b.state, b.error, report),
      // MoneyKit's own developer text wins over our canned one when it sent some.
      error: error && b.error_message ? { ...error, message: b.error_message } : error,
    };
  },
};

export function moneyKitWebhookEffect(body: MoneyKitWebhookBody, report: UnknownValueSink): WebhookEffect {
  const rule = Object.prototype.hasOwnProperty.call(MONEYKIT_EVENT_EFFECT, body.webhook_event)
    ? MONEYKIT_EVENT_EFFECT[body.webhook_event]
    : undefined;
  return rule ? rule(body, report) : { kind: 'none' };
}

const MONEYKIT: ProviderName = 'MONEYKIT';

export function createMoneyKitWebhookVerifier(opts: MoneyKitWebhookVerifierOptions): ClosableWebhookVerifier {
  const now = opts.now ?? Date.now;
  const unknownValue = onceReporter(opts.unknownValueReporter);
  const http = createKeyFetchClient(MONEYKIT, opts.baseUrl, opts.dispatcher);
  const keys = new JwksStore(
    http,
    opts.clientId,
    now,
    opts.unknownKidRefetchIntervalMs ?? 5 * MINUTE_MS,
    opts.keysTtlMs ?? 24 * 60 * MINUTE_MS,
    new KeyFetchBudget({ perSenderPerSecond: opts.maxKeyFetchesPerSenderPerSecond ?? 1, totalPerSecond: opts.maxKeyFetchesPerSecond ?? 5, now }),
  );
  const issuer = opts.issuer === undefined ? MONEYKIT_ISSUER : opts.issuer;

  return {
    provider: MONEYKIT,
    async verify(rawBody, headers, sender = UNKNOWN_SENDER): Promise<VerifiedWebhook> {
      const { iat } = await verifySignedDelivery({
        headerName: MONEYKIT_SIGNATURE_HEADER,
        rawBody,
        headers,
        resolveKey: (kid) => keys.resolve(kid, sender),
        nowMs: now(),
        maxAgeSeconds: opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS,
        maxFutureSkewSeconds: opts.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS,
        expectedIssuer: issuer,
      });
      const payload = parseJsonObject(rawBody);
      const body = moneyKitWebhookSchema.safeParse(payload);
      if (!body.success) throw new WebhookVerificationError('malformed_body', 'no webhook_event');
      return {
        provider: MONEYKIT,
        eventType: body.data.webhook_event,
        providerConnectionId: body.data.link_id ?? null,
        dedupeKey: body.data.webhook_idempotency_key ?? null,
        // Naive timestamps are UTC (parseMoneyKitTimestamp); the signature's iat when absent or unreadable.
        occurredAt: parseMoneyKitTimestamp(body.data.webhook_timestamp) ?? new Date(iat * 1000),
        effect: moneyKitWebhookEffect(body.data, unknownValue),
        payload,
      };
    },
    close: () => http.close(),
  };
}
