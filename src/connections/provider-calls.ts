import type { Logger } from 'pino';
import type { ProviderName } from '../domain/connection.js';
import { isProviderCallError } from '../providers/errors.js';
import type { ProviderAdapterV2 } from '../providers/provider.js';
import { fromProviderFailure, ProviderNotConfiguredError } from './errors.js';
import { createLimiter, type Limiter } from './limit.js';

export type ProviderCalls = ReturnType<typeof createProviderCalls>;

/** Provider calls as the service makes them: the configured adapter, a concurrency bound per provider, failures typed. */
export function createProviderCalls(deps: { adapters: Partial<Record<ProviderName, ProviderAdapterV2>>; providerConcurrency: number; logger: Logger }) {
  const { logger } = deps;
  const limiters = new Map<ProviderName, Limiter>();

  function adapterFor(provider: ProviderName): ProviderAdapterV2 {
    const a = deps.adapters[provider];
    if (!a) throw new ProviderNotConfiguredError(provider);
    return a;
  }

  /** Run `fn` under the provider's concurrency bound; failures stay as the adapter threw them. */
  function bounded<T>(provider: ProviderName, fn: (a: ProviderAdapterV2) => Promise<T>): Promise<T> {
    const adapter = adapterFor(provider);
    let l = limiters.get(provider);
    if (!l) limiters.set(provider, (l = createLimiter(deps.providerConcurrency)));
    return l(() => fn(adapter));
  }

  return {
    adapterFor,
    bounded,
    isConfigured: (provider: ProviderName) => !!deps.adapters[provider],
    /** A bounded provider call whose failure is logged (never with secrets) and typed for the caller. */
    async call<T>(provider: ProviderName, fn: (a: ProviderAdapterV2) => Promise<T>): Promise<T> {
      try {
        return await bounded(provider, fn);
      } catch (e) {
        if (isProviderCallError(e)) {
          logger.warn(
            { provider, kind: e.kind, providerCode: e.providerCode, providerRequestId: e.requestId, httpStatus: e.httpStatus },
            'provider call failed',
          );
        }
        throw fromProviderFailure(e);
      }
    },
  };
}
