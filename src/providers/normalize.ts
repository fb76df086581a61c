import type { ConnectionStatus, ProviderName } from '../domain/connection.js';
import type { UnknownValueSink } from './unknown-values.js';

/** Receives a warning about a provider value this version has no table row for. */
export type UnknownCodeReporter = (info: { provider: ProviderName; code: string; context: string }) => void;

/**
 * Look a provider code up in a status table. Anything not in the table is UNKNOWN (the raw code
 * stays in Connection.error) and goes to `report` (the adapter's or verifier's once-per-value
 * sink, passed in its settings), so a provider adding codes is visible without flooding the logs.
 */
export function lookupStatus(
  provider: ProviderName,
  table: Partial<Record<string, ConnectionStatus>>,
  code: string,
  context: string,
  report: UnknownValueSink,
): ConnectionStatus {
  const hit = Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
  if (hit) return hit;
  report(provider, context, code);
  return 'UNKNOWN';
}
