import type { ProviderName } from '../domain/connection.js';
import { isProviderCallError, TransactionsSyncMutationError, type ProviderCallError, type ProviderFailureKind } from '../providers/errors.js';

/** The contract's ErrorCode: every expected failure of an operation is one of these. */
export const ERROR_CODES = [
  'NOT_FOUND',
  'INVALID_INPUT',
  'SANDBOX_ONLY',
  'INVALID_STATE',
  'RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_REJECTED',
  'PROVIDER_NOT_CONFIGURED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base of every expected failure; GraphQL turns each subclass into a member of the result union. */
export abstract class GatewayError extends Error {
  abstract readonly code: ErrorCode;
}

/** No such connection, or not the caller's: the two are indistinguishable on purpose. */
export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND' as const;
  constructor(message = 'No such connection.') {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class InvalidInputError extends GatewayError {
  readonly code = 'INVALID_INPUT' as const;
  constructor(
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

export class SandboxOnlyError extends GatewayError {
  readonly code = 'SANDBOX_ONLY' as const;
  constructor(message = 'This operation works only on sandbox connections.') {
    super(message);
    this.name = 'SandboxOnlyError';
  }
}

/**
 * The operation cannot go on from the state the client is in; the message says what to do.
 * transactionsSync: the provider's data changed during pagination (contract section 7).
 */
export class InvalidStateError extends GatewayError {
  readonly code = 'INVALID_STATE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

export class ProviderNotConfiguredError extends GatewayError {
  readonly code = 'PROVIDER_NOT_CONFIGURED' as const;
  constructor(readonly provider: ProviderName) {
    super(`The gateway has no credentials for ${provider}.`);
    this.name = 'ProviderNotConfiguredError';
  }
}

const KIND_CODE = {
  UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  RATE_LIMITED: 'RATE_LIMITED',
  INVALID_STATE: 'INVALID_STATE',
  NOT_FOUND: 'INVALID_STATE', // the provider no longer knows a connection we hold
  INVALID_INPUT: 'INVALID_INPUT',
  SANDBOX_ONLY: 'SANDBOX_ONLY',
  REJECTED: 'PROVIDER_REJECTED',
} as const satisfies Record<ProviderFailureKind, ErrorCode>;

/** A provider refused or failed; carries the provider's own code and request id. */
export class ProviderError extends GatewayError {
  readonly code: ErrorCode;
  readonly provider: ProviderName;
  readonly providerCode: string | null;
  readonly retryAfterSeconds: number | null;
  readonly requestId: string | null;
  constructor(e: ProviderCallError) {
    super(providerMessage(e));
    this.name = 'ProviderError';
    this.code = KIND_CODE[e.kind];
    this.provider = e.provider;
    this.providerCode = e.providerCode;
    this.retryAfterSeconds = e.retryAfterSeconds;
    this.requestId = e.requestId;
  }
}

function providerMessage(e: ProviderCallError): string {
  switch (KIND_CODE[e.kind]) {
    case 'PROVIDER_UNAVAILABLE':
      return `${e.provider} is unavailable; try again later.`;
    case 'RATE_LIMITED':
      return `${e.provider} rate limit reached; try again later.`;
    default:
      return e.message;
  }
}

/** The contract's code for a failed provider call (metrics); anything else is INTERNAL. */
export function errorCodeOf(e: unknown): ErrorCode | 'INTERNAL' {
  return isProviderCallError(e) ? KIND_CODE[e.kind] : 'INTERNAL';
}

/**
 * Provider call failures become the error a client can act on: the provider refusing our input or
 * a production connection is the same INVALID_INPUT / SANDBOX_ONLY the gateway answers itself, data
 * changed during a sync's pagination is InvalidStateError (contract section 7); every other
 * failure is a ProviderError with the provider's code. Anything else passes through.
 */
export function fromProviderFailure(e: unknown): unknown {
  if (!isProviderCallError(e)) return e;
  if (e.kind === 'INVALID_INPUT') return new InvalidInputError(e.message);
  if (e.kind === 'SANDBOX_ONLY') return new SandboxOnlyError(e.message);
  if (e instanceof TransactionsSyncMutationError) return new InvalidStateError(e.message);
  return new ProviderError(e);
}
