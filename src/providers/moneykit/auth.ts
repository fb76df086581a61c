import { parseJsonOrUndefined } from '../json.js';
import { ProviderCallError } from '../errors.js';
import type { ProviderHttpClient } from '../http.js';
import { errorFromResponse, garbageError, type Redact } from './errors.js';
import { MONEYKIT_API_VERSION, accessTokenSchema } from './schemas.js';

/**
 * The MoneyKit bearer token: client-credentials grant on `POST /auth/token`, cached and renewed
 * shortly before `expires_in`. Every caller that needs a token while none is valid shares ONE
 * renewal (single-flight), so a burst of calls never stampedes /auth/token (300/min per client).
 */

export interface MoneyKitTokenSource {
  /** A bearer token valid now; fetched or renewed when needed. */
  get(): Promise<string>;
  /** MoneyKit said `token` expired: forget it, unless a newer one already replaced it. */
  invalidate(token: string): void;
  /** The tokens currently known (for redaction). */
  known(): string[];
}

export interface TokenSourceOptions {
  http: ProviderHttpClient;
  clientId: string;
  clientSecret: string;
  now: () => number;
  redact: Redact;
}

/** Renew 60 s early, or 10% of the lifetime when that is shorter (short sandbox TTLs). */
export function renewalMarginMs(expiresInSeconds: number): number {
  return Math.min(60_000, expiresInSeconds * 100);
}

export function createTokenSource(o: TokenSourceOptions): MoneyKitTokenSource {
  let cached: { token: string; renewAt: number } | null = null;
  let inflight: Promise<string> | null = null;
  // Tokens still possibly in flight in other requests: redacted too.
  const recent: string[] = [];

  async function fetchToken(): Promise<string> {
    const startedAt = o.now();
    const res = await o.http.send({
      method: 'POST',
      path: '/auth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'moneykit-version': MONEYKIT_API_VERSION,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: o.clientId,
        client_secret: o.clientSecret,
      }).toString(),
      // Asking for a token twice is harmless.
      idempotent: true,
    });
    if (res.status === 400 || res.status === 401) {
      const e = errorFromResponse('auth.token', res, o.redact, o.now());
      // Bad client credentials: whatever the code, a refusal (never INVALID_INPUT of the caller).
      throw new ProviderCallError({
        provider: 'MONEYKIT',
        kind: 'REJECTED',
        message: o.redact(`MoneyKit rejected the client credentials: ${e.message}`),
        providerCode: e.providerCode,
        httpStatus: e.httpStatus,
        requestId: e.requestId,
      });
    }
    if (res.status < 200 || res.status >= 300) throw errorFromResponse('auth.token', res, o.redact, o.now());
    const json = parseJsonOrUndefined(res.text);
    if (json === undefined) throw garbageError('auth.token', res, 'not JSON', true);
    const parsed = accessTokenSchema.safeParse(json);
    if (!parsed.success) {
      throw garbageError('auth.token', res, parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', '), true);
    }
    const { access_token, expires_in } = parsed.data;
    // Measured from the request start: the token's clock started no earlier than that.
    recent.unshift(access_token);
    recent.length = Math.min(recent.length, 3);
    cached = { token: access_token, renewAt: startedAt + expires_in * 1000 - renewalMarginMs(expires_in) };
    return access_token;
  }

  return {
    get() {
      if (cached && o.now() < cached.renewAt) return Promise.resolve(cached.token);
      if (!inflight) {
        inflight = fetchToken().finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
    known() {
      return [...recent];
    },
  };
}
