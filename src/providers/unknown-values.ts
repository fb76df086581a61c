import type { ProviderName } from '../domain/connection.js';
import type { UnknownCodeReporter } from './normalize.js';

/** Reports a provider value this version has no table row for. */
export type UnknownValueSink = (provider: ProviderName, context: string, value: string) => void;

/**
 * Wraps the injected reporter so each (provider, context, value) is reported once per sink:
 * a provider adding a value shows in the logs without flooding them. One sink per adapter,
 * passed in its settings: no module-global state.
 */
export function onceReporter(report: UnknownCodeReporter | undefined): UnknownValueSink {
  const seen = new Set<string>();
  return (provider, context, value) => {
    const key = JSON.stringify([provider, context, value]);
    if (seen.has(key)) return;
    seen.add(key);
    report?.({ provider, code: value, context });
  };
}
