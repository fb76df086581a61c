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
import { plaidKeyHeaders, type PlaidCredentials } from './client.js';
import { plaidErrorSchema, type PlaidErrorBody } from './schemas.js';
import {
  plaidErrorInfo,
  plaidItemStatus,
  PLAID_DATA_WEBHOOK_EFFECT,
  PLAID_ITEM_WEBHOOK_EFFECT,
  PLAID_PENDING_DISCONNECT_DAYS,
  PLAID_PENDING_EXPIRATION_DAYS,
} from './status.js';

export interface PlaidWebhookVerifierOptions {
  baseUrl: string;
  clientId: string;
  secret: string;
  dispatcher?: Dispatcher;
  /** Receives provider values this version cannot map (each once). */
  unknownValueReporter?: UnknownCodeReporter;
  /** Milliseconds since the epoch (Date.now). */
  now?: () => number;
  maxAgeSeconds?: number;
  maxFutureSkewSeconds?: number;
  /** After a kid Plaid does not know (or a failed fetch of a new kid), that kid is not fetched again for this long. */
  unknownKidRefetchIntervalMs?: number;
  /** Key fetches allowed per second across all kids and senders. */
  maxKeyFetchesPerSecond?: number;
  /** Key fetches one sender's deliveries may cause per second. */
  maxKeyFetchesPerSenderPerSecond?: number;
  /** A cached key is re-fetched on use after this long, to learn about expiry (served as cached if the fetch fails). */
  keyTtlMs?: number;
}

export const PLAID_SIGNATURE_HEADER = 'Plaid-Verification';
const PLAID_KEY_PATH = '/webhook_verification_key/get';
const PLAID_UNKNOWN_KEY_CODE = 'INVALID_WEBHOOK_VERIFICATION_KEY_ID';
const DAY_MS = 24 * 60 * 60 * 1000;

// JWKPublicKey: everything the spec requires; x/y are checked by importP256Key itself (a point on P-256).
const plaidJwkSchema = z.looseObject({
  alg: z.literal('ES256'),
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  kid: z.string(),
  x: z.string().min(1),
  y: z.string().min(1),
  use: z.string().optional(),
  created_at: z.number().nullish(),
  expired_at: z.number().nullable(),
});
const plaidKeyResponseSchema = z.looseObject({ key: z.unknown() });
const plaidErrorResponseSchema = z.looseObject({ error_code: z.string(), error_type: z.string().nullish() });

interface PlaidKeyEntry {
  key: VerificationKey;
  expired: boolean;
  fetchedAt: number;
  /** Set when a newer kid appeared: Plaid rotated, so this one may have expired since. */
  revalidate: boolean;
}

type PlaidFetchResult = { kind: 'key'; entry: PlaidKeyEntry } | { kind: 'unknown' };

/**
 * Per-kid key cache following Plaid's sample: keys by kid, an expired key is refused, and a newly
 * seen kid makes the other live keys re-checked on their next use. Kids Plaid does not know are
 * negatively cached; fetches are budgeted per sender and in total (webhook-keys.ts).
 */
class PlaidKeyStore {
  private readonly entries = new Map<string, PlaidKeyEntry>();
  /** Kids Plaid said it does not know. */
  private readonly unknown: NegativeCache;
  /** Kids whose last fetch failed (not the kid's fault: retry later). */
  private readonly failed: NegativeCache;
  private readonly inflight = sharedInflight<PlaidFetchResult>();
  private readonly failureRetryMs: number;

  constructor(
    private readonly http: ProviderHttpClient,
    private readonly credentials: PlaidCredentials,
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly ttlMs: number,
    private readonly budget: KeyFetchBudget,
  ) {
    this.unknown = new NegativeCache(now);
    this.failed = new NegativeCache(now);
    // A network blip should not lock a genuine new key out for the whole interval.
    this.failureRetryMs = Math.min(intervalMs, 5_000);
  }

  async resolve(kid: string, sender: string): Promise<VerificationKey> {
    const cached = this.entries.get(kid);
    if (cached && !this.needsRefresh(cached)) return this.usable(cached);

    let result: PlaidFetchResult;
    try {
      result = await this.fetchThrottled(kid, sender);
    } catch (err) {
      // Known key, refresh failed: keep serving what Plaid gave us rather than reject genuine traffic.
      if (cached) return this.usable(cached);
      throw err;
    }
    if (result.kind === 'unknown') {
      this.entries.delete(kid);
      throw new WebhookVerificationError('unknown_key', 'Plaid does not know this key id');
    }
    return this.usable(result.entry);
  }

  private needsRefresh(e: PlaidKeyEntry): boolean {
    if (e.expired) return false; // expired stays expired
    return e.revalidate || this.now() - e.fetchedAt >= this.ttlMs;
  }

  private usable(e: PlaidKeyEntry): VerificationKey {
    if (e.expired) throw new WebhookVerificationError('expired_key', 'Plaid marks this key expired');
    return e.key;
  }

  private fetchThrottled(kid: string, sender: string): Promise<PlaidFetchResult> {
    return this.inflight(kid, async () => {
      // After a failed fetch the delivery may well be genuine: say so (the route asks for a redelivery).
      if (this.failed.has(kid)) throw new WebhookVerificationError('key_fetch_failed', 'key fetch failed recently; not re-fetched yet');
      if (this.unknown.has(kid)) throw new WebhookVerificationError('unknown_key', 'key id recently unknown; not re-fetched yet');
      this.budget.take(sender);
      let r: PlaidFetchResult;
      try {
        r = await this.fetchKey(kid);
      } catch (err) {
        this.failed.add(kid, this.failureRetryMs);
        throw err;
      }
      this.failed.delete(kid);
      if (r.kind === 'unknown') this.unknown.add(kid, this.intervalMs);
      else {
        this.unknown.delete(kid);
        this.store(kid, r.entry);
      }
      return r;
    });
  }

  private store(kid: string, entry: PlaidKeyEntry): void {
    if (!this.entries.has(kid)) {
      for (const other of this.entries.values()) if (!other.expired) other.revalidate = true;
    }
    this.entries.set(kid, entry);
  }

  private async fetchKey(kid: string): Promise<PlaidFetchResult> {
    let res;
    try {
      res = await this.http.send({
        method: 'POST',
        path: PLAID_KEY_PATH,
        headers: {
          'content-type': 'application/json',
          ...plaidKeyHeaders(this.credentials),
        },
        body: JSON.stringify({ key_id: kid }),
        idempotent: true, // a read
      });
    } catch (err) {
      // ProviderCallError messages name method and path only, never credentials.
      throw new WebhookVerificationError('key_fetch_failed', (err as Error).message);
    }
    const body = parseJsonOrUndefined(res.text);
    if (res.status === 200) {
      const outer = plaidKeyResponseSchema.safeParse(body);
      const jwk = plaidJwkSchema.safeParse(outer.success ? outer.data.key : undefined);
      if (!jwk.success || jwk.data.kid !== kid) {
        throw new WebhookVerificationError('key_fetch_failed', 'Plaid key answer not a P-256 ES256 JWK for this kid');
      }
      let key: VerificationKey;
      try {
        // Import once per key; the KeyObject is cached, not the JWK.
        key = importP256Key(jwk.data.x, jwk.data.y);
      } catch {
        throw new WebhookVerificationError('key_fetch_failed', 'Plaid key does not import');
      }
      return {
        kind: 'key',
        entry: { key, expired: jwk.data.expired_at !== null, fetchedAt: this.now(), revalidate: false },
      };
    }
    const err = plaidErrorResponseSchema.safeParse(body);
    if (err.success && err.data.error_code === PLAID_UNKNOWN_KEY_CODE) return { kind: 'unknown' };
    const code = err.success ? ` ${err.data.error_code}` : '';
    throw new WebhookVerificationError('key_fetch_failed', `Plaid ${PLAID_KEY_PATH} answered ${res.status}${code}`);
  }
}

// Webhook bodies: tolerant, only what the mapping reads.
const plaidWebhookBodySchema = z.looseObject({
  webhook_type: z.string(),
  webhook_code: z.string(),
  item_id: z.string().nullish(),
  error: z.unknown().optional(),
  consent_expiration_time: z.string().nullish(),
  disconnect_time: z.string().nullish(),
});
type PlaidWebhookBody = z.infer<typeof plaidWebhookBodySchema>;

/**
 * Error an ITEM webhook implies when it carries none: USER_PERMISSION_REVOKED has `error` optional
 * in the spec, yet the event itself means the item is gone.
 */
const PLAID_IMPLIED_ERROR: Partial<Record<string, PlaidErrorBody>> = {
  USER_PERMISSION_REVOKED: {
    error_type: 'ITEM_ERROR',
    error_code: 'USER_PERMISSION_REVOKED',
    error_message: 'the user revoked permission for this item',
    display_message: null,
  },
};

/** The date field an expiring webhook carries, and how far from iat it lies when absent. */
const PLAID_EXPIRY_SOURCE: Partial<Record<string, { field: 'consent_expiration_time' | 'disconnect_time'; fallbackDays: number }>> = {
  PENDING_EXPIRATION: { field: 'consent_expiration_time', fallbackDays: PLAID_PENDING_EXPIRATION_DAYS },
  PENDING_DISCONNECT: { field: 'disconnect_time', fallbackDays: PLAID_PENDING_DISCONNECT_DAYS },
};

function plaidErrorEffect(raw: unknown, report: UnknownValueSink): WebhookEffect | null {
  const e = plaidErrorSchema.safeParse(raw);
  if (!e.success) return null;
  return { kind: 'state', status: plaidItemStatus(e.data, report), error: plaidErrorInfo(e.data) };
}

function validDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t);
}

/** What a webhook does to a connection: data announcements from PLAID_DATA_WEBHOOK_EFFECT, ITEM ones from PLAID_ITEM_WEBHOOK_EFFECT. */
export function plaidWebhookEffect(body: PlaidWebhookBody, occurredAt: Date, report: UnknownValueSink): WebhookEffect {
  const data = Object.prototype.hasOwnProperty.call(PLAID_DATA_WEBHOOK_EFFECT, `${body.webhook_type}.${body.webhook_code}`)
    ? PLAID_DATA_WEBHOOK_EFFECT[`${body.webhook_type}.${body.webhook_code}`]
    : undefined;
  if (data) return { kind: 'updates', ...data };
  if (body.webhook_type !== 'ITEM') return { kind: 'none' };
  const code = body.webhook_code;
  const rule = Object.prototype.hasOwnProperty.call(PLAID_ITEM_WEBHOOK_EFFECT, code)
    ? PLAID_ITEM_WEBHOOK_EFFECT[code as keyof typeof PLAID_ITEM_WEBHOOK_EFFECT]
    : undefined;
  switch (rule) {
    case 'error': {
      const raw = body.error ?? PLAID_IMPLIED_ERROR[code];
      // An ERROR without a readable error object cannot say which status: recorded only.
      return plaidErrorEffect(raw, report) ?? { kind: 'none' };
    }
    case 'error_if_present':
      return body.error == null ? { kind: 'none' } : (plaidErrorEffect(body.error, report) ?? { kind: 'none' });
    case 'expiring': {
      const src = PLAID_EXPIRY_SOURCE[code];
      const stated = src ? validDate(body[src.field]) : null;
      const until = stated ?? new Date(occurredAt.getTime() + (src?.fallbackDays ?? PLAID_PENDING_DISCONNECT_DAYS) * DAY_MS);
      return { kind: 'expiring', until };
    }
    case 'repaired':
      return { kind: 'repaired' };
    case 'record':
    case undefined:
      return { kind: 'none' };
  }
}

const PLAID: ProviderName = 'PLAID';

export function createPlaidWebhookVerifier(opts: PlaidWebhookVerifierOptions): ClosableWebhookVerifier {
  const now = opts.now ?? Date.now;
  const unknownValue = onceReporter(opts.unknownValueReporter);
  const http = createKeyFetchClient(PLAID, opts.baseUrl, opts.dispatcher);
  const keys = new PlaidKeyStore(
    http,
    { clientId: opts.clientId, secret: opts.secret },
    now,
    opts.unknownKidRefetchIntervalMs ?? 60_000,
    opts.keyTtlMs ?? DAY_MS,
    new KeyFetchBudget({ perSenderPerSecond: opts.maxKeyFetchesPerSenderPerSecond ?? 2, totalPerSecond: opts.maxKeyFetchesPerSecond ?? 10, now }),
  );

  return {
    provider: PLAID,
    async verify(rawBody, headers, sender = UNKNOWN_SENDER): Promise<VerifiedWebhook> {
      const { iat, signingId } = await verifySignedDelivery({
        headerName: PLAID_SIGNATURE_HEADER,
        rawBody,
        headers,
        resolveKey: (kid) => keys.resolve(kid, sender),
        nowMs: now(),
        maxAgeSeconds: opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS,
        maxFutureSkewSeconds: opts.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS,
      });
      const payload = parseJsonObject(rawBody);
      const body = plaidWebhookBodySchema.safeParse(payload);
      if (!body.success) throw new WebhookVerificationError('malformed_body', 'no webhook_type/webhook_code');
      const occurredAt = new Date(iat * 1000);
      return {
        provider: PLAID,
        eventType: `${body.data.webhook_type}.${body.data.webhook_code}`,
        providerConnectionId: body.data.item_id ?? null,
        // Plaid sends no idempotency key. The signing identifies one signed delivery: a replay
        // (re-encoded signature included) is caught, while a new delivery with an identical body
        // is still applied.
        dedupeKey: `sig:${signingId}`,
        occurredAt,
        effect: plaidWebhookEffect(body.data, occurredAt, unknownValue),
        payload,
      };
    },
    close: () => http.close(),
  };
}
