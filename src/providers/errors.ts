import type { ProviderName } from '../domain/connection.js';

/**
 * How a failed provider call maps onto the contract's ErrorCode. Adapters decide the kind from
 * their own error tables; services and GraphQL only read it.
 */
export type ProviderFailureKind =
  | 'UNAVAILABLE' // network error, timeout, 5xx, garbage body: PROVIDER_UNAVAILABLE
  | 'RATE_LIMITED' // 429: RATE_LIMITED
  | 'INVALID_STATE' // provider refuses in the connection's current state
  | 'NOT_FOUND' // provider no longer knows the connection
  | 'INVALID_INPUT' // provider rejected our input (bad product for institution, ...)
  | 'SANDBOX_ONLY' // provider says the call is sandbox-only
  | 'REJECTED'; // any other refusal: PROVIDER_REJECTED

export interface ProviderCallErrorOptions {
  provider: ProviderName;
  kind: ProviderFailureKind;
  message: string;
  /** The provider's own code (ITEM_LOGIN_REQUIRED, link_error.bad_state, ...), when it sent one. */
  providerCode?: string | null;
  /** Plaid error_type, when present. */
  providerType?: string | null;
  httpStatus?: number | null;
  requestId?: string | null;
  retryAfterSeconds?: number | null;
  /** Safe to retry the same call (408/409/429/5xx, network failures). */
  retryable?: boolean;
  /** True when the request certainly never reached the provider (connect failure, open circuit). */
  notSent?: boolean;
  cause?: unknown;
}

/** The one error class for failed provider calls. Never carries a secret in its message. */
export class ProviderCallError extends Error {
  readonly provider: ProviderName;
  readonly kind: ProviderFailureKind;
  readonly providerCode: string | null;
  readonly providerType: string | null;
  readonly httpStatus: number | null;
  readonly requestId: string | null;
  readonly retryAfterSeconds: number | null;
  readonly retryable: boolean;
  readonly notSent: boolean;

  constructor(o: ProviderCallErrorOptions) {
    super(o.message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'ProviderCallError';
    this.provider = o.provider;
    this.kind = o.kind;
    this.providerCode = o.providerCode ?? null;
    this.providerType = o.providerType ?? null;
    this.httpStatus = o.httpStatus ?? null;
    this.requestId = o.requestId ?? null;
    this.retryAfterSeconds = o.retryAfterSeconds ?? null;
    this.retryable = o.retryable ?? false;
    this.notSent = o.notSent ?? false;
  }
}

/**
 * The provider's transactions changed while a sync was paging (Plaid
 * TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION). Kind INVALID_STATE; the client must restart
 * from the cursor it held before the first page of this run.
 */
export class TransactionsSyncMutationError extends ProviderCallError {
  constructor(o: Omit<ProviderCallErrorOptions, 'kind' | 'message'>) {
    super({
      ...o,
      kind: 'INVALID_STATE',
      message: 'The transactions changed during pagination: restart the sync from the cursor held before its first page.',
    });
    this.name = 'TransactionsSyncMutationError';
  }
}

export function isProviderCallError(e: unknown): e is ProviderCallError {
  return e instanceof ProviderCallError;
}

/** `text` with every occurrence of each secret replaced: provider text may echo what we sent. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
