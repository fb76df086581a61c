import type { z } from 'zod';
import { ProviderCallError, redactSecrets } from '../errors.js';
import { isRetryableStatus, parseRetryAfter, type ProviderHttpClient } from '../http.js';
import { plaidFailureKind } from './errors.js';
import { plaidErrorSchema } from './schemas.js';

/**
 * One Plaid call: POST JSON with the API keys in headers, typed errors out, zod-checked body in.
 * Plaid's auth is these two headers, so it lives here (no auth.ts: there is no token to keep).
 */

export const PLAID_API_VERSION = '2020-09-14';

export interface PlaidCredentials {
  clientId: string;
  secret: string;
}

/** The headers that authenticate a Plaid API call (the adapter's calls and the verifier's key fetch). */
export function plaidKeyHeaders(c: PlaidCredentials): Record<string, string> {
  return { 'plaid-client-id': c.clientId, 'plaid-secret': c.secret };
}

export interface PlaidClient {
  /**
   * POST `body` to `path`; a 2xx body validated against `schema`, anything else a ProviderCallError.
   * `parse` reads the body text; money-bearing answers use parseProviderJson (exact numbers).
   */
  call<S extends z.ZodType>(
    path: string,
    body: Record<string, unknown>,
    schema: S,
    idempotent: boolean,
    parse?: (text: string) => unknown,
  ): Promise<z.infer<S>>;
}

export function createPlaidClient(o: { http: ProviderHttpClient; credentials: PlaidCredentials }): PlaidClient {
  /** Removes the API secret and any token sent in `body` from provider-supplied text. */
  function scrub(text: string, body: Record<string, unknown>): string {
    const secrets = [o.credentials.secret, body['access_token'], body['public_token']].filter(
      (v): v is string => typeof v === 'string' && v.length > 0,
    );
    return redactSecrets(text, secrets);
  }

  return {
    async call(path, body, schema, idempotent, parse = JSON.parse) {
      const res = await o.http.send({
        method: 'POST',
        path,
        idempotent,
        headers: {
          'content-type': 'application/json',
          ...plaidKeyHeaders(o.credentials),
          'plaid-version': PLAID_API_VERSION,
        },
        body: JSON.stringify(body),
      });
      let json: unknown;
      try {
        json = parse(res.text);
      } catch {
        json = undefined;
      }
      if (res.status >= 200 && res.status < 300) {
        const parsed = schema.safeParse(json);
        if (parsed.success) return parsed.data;
        throw new ProviderCallError({
          provider: 'PLAID',
          kind: 'UNAVAILABLE',
          message: `Plaid ${path} answered ${res.status} with an unexpected body`,
          httpStatus: res.status,
          retryable: false,
        });
      }
      const err = plaidErrorSchema.safeParse(json);
      const retryAfterSeconds = parseRetryAfter(res.headers['retry-after']);
      if (!err.success) {
        throw new ProviderCallError({
          provider: 'PLAID',
          kind: res.status === 429 ? 'RATE_LIMITED' : res.status >= 500 ? 'UNAVAILABLE' : 'REJECTED',
          message: `Plaid ${path} answered ${res.status} without a Plaid error body`,
          httpStatus: res.status,
          retryAfterSeconds,
          retryable: isRetryableStatus(res.status),
        });
      }
      const e = err.data;
      // error_message is provider text: it could echo what we sent, so our secrets are cut out.
      const detail = e.error_message ? `: ${scrub(e.error_message, body)}` : '';
      throw new ProviderCallError({
        provider: 'PLAID',
        kind: plaidFailureKind(e.error_type, e.error_code),
        message: `Plaid ${path}: ${e.error_type} ${e.error_code}${detail}`,
        providerCode: e.error_code,
        providerType: e.error_type,
        httpStatus: res.status,
        requestId: e.request_id ?? null,
        retryAfterSeconds,
        retryable: isRetryableStatus(res.status),
      });
    },
  };
}
