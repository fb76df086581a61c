import { parseJsonOrUndefined } from '../json.js';
import { ProviderCallError, redactSecrets, type ProviderFailureKind } from '../errors.js';
import { headerValue, parseRetryAfter, type HttpResponse } from '../http.js';
import { errorBodySchema, type MoneyKitErrorBody } from './schemas.js';

/**
 * MoneyKit error answers -> ProviderCallError. Decided by data: the `error_code` table first,
 * per-operation overrides where one code means something else on one endpoint, then the HTTP
 * status, then REJECTED. 5xx is always UNAVAILABLE whatever the body says.
 */

/** The adapter's MoneyKit calls, named for messages and for per-operation overrides. */
export type MoneyKitOperation =
  | 'auth.token'
  | 'link-session.create'
  | 'link-session.exchange-token'
  | 'links.get'
  | 'links.update'
  | 'links.reset'
  | 'links.delete'
  | 'users.links'
  | 'institutions.get'
  | 'links.accounts'
  | 'links.transactions.sync';

/**
 * Every `error_code` of MoneyKit's catalogue (REFERENCE.md section 7). Contract section 1:
 * `INVALID_STATE` covers MoneyKit bad_state and deleted; NOT_FOUND is the port's "provider no
 * longer knows the connection" (the service decides what the caller sees).
 */
export const MONEYKIT_ERROR_KINDS = {
  'api_error.auth.unauthorized': 'REJECTED',
  // Only surfaces when the one renewal-and-retry already happened.
  'api_error.auth.expired_access_token': 'REJECTED',
  'api_error.rate_limit_exceeded': 'RATE_LIMITED',
  'api_error.request.validation_failed': 'INVALID_INPUT',
  'link_error.unauthorized_access': 'REJECTED',
  'link_error.forbidden_action': 'REJECTED',
  'link_error.not_found': 'NOT_FOUND',
  'link_error.deleted': 'INVALID_STATE',
  'link_error.bad_state': 'INVALID_STATE',
  'link_error.bad_config': 'REJECTED',
  'link_session_error.forbidden_config': 'REJECTED',
  'link_session_error.invalid_token_exchange': 'REJECTED',
  'institution_error.not_found': 'NOT_FOUND',
} as const satisfies Record<string, ProviderFailureKind>;

/** Codes whose meaning depends on the endpoint. */
export const MONEYKIT_OPERATION_ERROR_KINDS: Partial<
  Record<MoneyKitOperation, Partial<Record<string, ProviderFailureKind>>>
> = {
  // The only 403 /reset declares: the link is not a test link, i.e. a sandbox-only call.
  'links.reset': { 'link_error.forbidden_action': 'SANDBOX_ONLY' },
};

/** Fallback by HTTP status when the body carries no known code. */
export const MONEYKIT_STATUS_KINDS: Partial<Record<number, ProviderFailureKind>> = {
  404: 'NOT_FOUND',
  408: 'UNAVAILABLE',
  410: 'INVALID_STATE',
  422: 'INVALID_INPUT',
  429: 'RATE_LIMITED',
};

const RETRYABLE_KINDS: ReadonlySet<ProviderFailureKind> = new Set(['UNAVAILABLE', 'RATE_LIMITED']);

/** Replaces every known secret (client secret, bearer tokens) in a text. */
export type Redact = (text: string) => string;

export function createRedactor(secrets: () => Iterable<string | null | undefined>): Redact {
  return (text) => redactSecrets(text, [...secrets()].filter((s): s is string => !!s && s.length >= 4));
}

/** Parses an error body; null when it is not a JSON object of the documented shape. */
export function parseErrorBody(text: string): MoneyKitErrorBody | null {
  const parsed = errorBodySchema.safeParse(parseJsonOrUndefined(text));
  return parsed.success ? parsed.data : null;
}

export function failureKind(op: MoneyKitOperation, status: number, code: string | null): ProviderFailureKind {
  if (status >= 500) return 'UNAVAILABLE';
  if (code !== null) {
    const override = MONEYKIT_OPERATION_ERROR_KINDS[op]?.[code];
    if (override) return override;
    if (Object.prototype.hasOwnProperty.call(MONEYKIT_ERROR_KINDS, code)) {
      return MONEYKIT_ERROR_KINDS[code as keyof typeof MONEYKIT_ERROR_KINDS];
    }
  }
  return MONEYKIT_STATUS_KINDS[status] ?? 'REJECTED';
}

function requestIdOf(res: HttpResponse): string | null {
  return headerValue(res.headers, 'x-request-id') ?? headerValue(res.headers, 'moneykit-request-id') ?? null;
}

/** The ProviderCallError for a non-2xx MoneyKit answer. */
export function errorFromResponse(
  op: MoneyKitOperation,
  res: HttpResponse,
  redact: Redact,
  now: number = Date.now(),
): ProviderCallError {
  const body = parseErrorBody(res.text);
  const code = body?.error_code ?? null;
  const kind = failureKind(op, res.status, code);
  const detail = [
    code ?? 'no error_code',
    body?.link_error_code ? `link_error_code ${body.link_error_code}` : null,
    body?.error_message ?? null,
  ]
    .filter((p): p is string => p !== null)
    .join(': ');
  return new ProviderCallError({
    provider: 'MONEYKIT',
    kind,
    message: redact(`MoneyKit ${op} failed with HTTP ${res.status} (${detail})`),
    providerCode: code,
    providerType: null,
    httpStatus: res.status,
    requestId: requestIdOf(res),
    retryAfterSeconds: kind === 'RATE_LIMITED' || res.status === 503 ? parseRetryAfter(res.headers['retry-after'], now) : null,
    retryable: RETRYABLE_KINDS.has(kind),
  });
}

/** A 2xx answer we cannot read: contract "garbage" -> PROVIDER_UNAVAILABLE. */
export function garbageError(op: MoneyKitOperation, res: HttpResponse, reason: string, retryable: boolean): ProviderCallError {
  // The reason never quotes the body: it may hold a token.
  return new ProviderCallError({
    provider: 'MONEYKIT',
    kind: 'UNAVAILABLE',
    message: `MoneyKit ${op} answered HTTP ${res.status} with an unreadable body (${reason})`,
    httpStatus: res.status,
    requestId: requestIdOf(res),
    retryable,
  });
}

/** A call refused before it is sent: the gateway's input cannot be put to MoneyKit. */
export function invalidInput(message: string): ProviderCallError {
  return new ProviderCallError({ provider: 'MONEYKIT', kind: 'INVALID_INPUT', message, notSent: true });
}

/** A sandbox-only call made with production credentials, refused before it is sent. */
export function sandboxOnly(what: string): ProviderCallError {
  return new ProviderCallError({
    provider: 'MONEYKIT',
    kind: 'SANDBOX_ONLY',
    message: `MoneyKit ${what} is only available with sandbox credentials`,
    notSent: true,
  });
}
