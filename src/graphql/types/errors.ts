import {
  ERROR_CODES,
  GatewayError,
  InvalidInputError,
  InvalidStateError,
  NotFoundError,
  ProviderError,
  ProviderNotConfiguredError,
  SandboxOnlyError,
} from '../../connections/errors.js';
import { builder } from '../builder.js';
import { RateLimitedError } from '../rate-limit.js';
import { ProviderEnum } from './enums.js';

export const ErrorCodeEnum = builder.enumType('ErrorCode', { values: ERROR_CODES });

export const ErrorInterface = builder.interfaceRef<GatewayError>('Error').implement({
  description: 'Every expected failure of a mutation is data: a member of its result union implementing Error.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such connection, or not the caller\'s (never reveals which).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof InvalidInputError,
  fields: (t) => ({ field: t.exposeString('field', { nullable: true, description: 'The input field at fault, when known.' }) }),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  description: 'The operation cannot go on from where the client is; the message says what to do (transactionsSync: restart from the cursor held before the first page).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof InvalidStateError,
});

builder.objectType(SandboxOnlyError, {
  name: 'SandboxOnlyError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof SandboxOnlyError,
});

builder.objectType(ProviderNotConfiguredError, {
  name: 'ProviderNotConfiguredError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ProviderNotConfiguredError,
  fields: (t) => ({ provider: t.field({ type: ProviderEnum, resolve: (e) => e.provider }) }),
});

builder.objectType(ProviderError, {
  name: 'ProviderError',
  description: 'The provider failed or refused (INVALID_STATE, RATE_LIMITED, PROVIDER_UNAVAILABLE, PROVIDER_REJECTED, ...).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ProviderError,
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (e) => e.provider }),
    providerCode: t.exposeString('providerCode', { nullable: true, description: 'The provider\'s own error code, exactly as sent.' }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { nullable: true }),
    requestId: t.exposeString('requestId', { nullable: true, description: 'The provider\'s request id, for support.' }),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: "The caller's budget for provider-bound mutations is spent (the gateway's own limit; a provider's limit is a ProviderError).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof RateLimitedError,
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'Seconds until the next call is allowed.' }) }),
});

/** What any provider-bound mutation can answer: bad input, the provider failing or missing, the caller's budget spent. */
export const PROVIDER_MUTATION_ERRORS = [InvalidInputError, ProviderError, ProviderNotConfiguredError, RateLimitedError];

/** A mutation on an existing connection also answers NOT_FOUND (missing, or not the caller's). */
export const CONNECTION_MUTATION_ERRORS = [NotFoundError, ...PROVIDER_MUTATION_ERRORS];

/** transactionsSync also answers INVALID_STATE when the provider's data changed during pagination (contract section 7). */
export const TRANSACTIONS_SYNC_ERRORS = [...CONNECTION_MUTATION_ERRORS, InvalidStateError];

/** Sandbox-only operations (resets) also answer SANDBOX_ONLY. */
export const SANDBOX_MUTATION_ERRORS = [...CONNECTION_MUTATION_ERRORS, SandboxOnlyError];
