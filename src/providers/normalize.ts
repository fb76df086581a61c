import type { ConnectionStatus, ProviderName } from '../domain/connection.js';

/** Receives a warning the first time an unmapped provider code is seen (per provider and code). */
export type UnknownCodeReporter = (info: { provider: ProviderName; code: string; context: string }) => void;

let reporter: UnknownCodeReporter = () => {};
const reported = new Set<string>();

/** The gateway wires its logger in here at start. */
export function setUnknownCodeReporter(r: UnknownCodeReporter): void {
  reporter = r;
}

/**
 * Look a provider code up in a status table. Anything not in the table is UNKNOWN (the raw code
 * stays in Connection.error) and is reported once per code, so a provider adding codes is
 * visible in the logs without flooding them.
 */
export function lookupStatus(
  provider: ProviderName,
  table: Partial<Record<string, ConnectionStatus>>,
  code: string,
  context: string,
): ConnectionStatus {
  const hit = Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
  if (hit) return hit;
  const key = `${provider}:${context}:${code}`;
  if (!reported.has(key)) {
    reported.add(key);
    reporter({ provider, code, context });
  }
  return 'UNKNOWN';
}
