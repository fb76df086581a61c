import type { z } from 'zod';
import { parseProviderJson } from '../json.js';
import type { HttpRequest, HttpResponse, ProviderHttpClient } from '../http.js';
import type { MoneyKitTokenSource } from './auth.js';
import { errorFromResponse, garbageError, parseErrorBody, type MoneyKitOperation, type Redact } from './errors.js';
import { MONEYKIT_API_VERSION } from './schemas.js';

/**
 * One authenticated MoneyKit call: bearer token, version header, one renewal-and-retry on
 * `api_error.auth.expired_access_token`, non-2xx -> ProviderCallError, 2xx body validated.
 */

export interface MoneyKitCall {
  op: MoneyKitOperation;
  method: HttpRequest['method'];
  path: string;
  /** JSON body. */
  body?: unknown;
  idempotent: boolean;
  /** Read the answer with every number as its source text (money: exact decimals). */
  exactNumbers?: boolean;
}

export interface MoneyKitClient {
  /** The raw answer (any status) after authentication; for callers that treat some errors as success. */
  raw(call: MoneyKitCall): Promise<HttpResponse>;
  /** A 2xx answer validated against `schema`; anything else throws ProviderCallError. */
  json<S extends z.ZodType>(call: MoneyKitCall, schema: S): Promise<z.infer<S>>;
  /** A raw answer as `json` reads it: non-2xx throws, 2xx is validated against `schema`. */
  parse<S extends z.ZodType>(call: MoneyKitCall, res: HttpResponse, schema: S): z.infer<S>;
  /** Throws the ProviderCallError for a non-2xx answer. */
  fail(op: MoneyKitOperation, res: HttpResponse): never;
}

export function createMoneyKitClient(o: {
  http: ProviderHttpClient;
  tokens: MoneyKitTokenSource;
  redact: Redact;
  now: () => number;
}): MoneyKitClient {
  async function sendWith(call: MoneyKitCall, token: string): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'moneykit-version': MONEYKIT_API_VERSION,
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    return o.http.send({
      method: call.method,
      path: call.path,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      idempotent: call.idempotent,
    });
  }

  async function raw(call: MoneyKitCall): Promise<HttpResponse> {
    const token = await o.tokens.get();
    const res = await sendWith(call, token);
    if (res.status === 401 && parseErrorBody(res.text)?.error_code === 'api_error.auth.expired_access_token') {
      // The call was refused before doing anything, so repeating it is safe even for a POST.
      o.tokens.invalidate(token);
      return sendWith(call, await o.tokens.get());
    }
    return res;
  }

  function fail(op: MoneyKitOperation, res: HttpResponse): never {
    throw errorFromResponse(op, res, o.redact, o.now());
  }

  function parse<S extends z.ZodType>(call: MoneyKitCall, res: HttpResponse, schema: S): z.infer<S> {
    if (res.status < 200 || res.status >= 300) fail(call.op, res);
    let body: unknown;
    try {
      body = call.exactNumbers ? parseProviderJson(res.text) : JSON.parse(res.text);
    } catch {
      throw garbageError(call.op, res, 'not JSON', call.idempotent);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw garbageError(call.op, res, `invalid at ${where}`, call.idempotent);
    }
    return parsed.data;
  }

  return {
    raw,
    parse,
    fail,
    async json(call, schema) {
      return parse(call, await raw(call), schema);
    },
  };
}
