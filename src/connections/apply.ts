import type { Logger } from 'pino';
import type { ConnectionRecord } from '../domain/connection.js';
import { ConnectionConflictError, type ConnectionStatePatch, type ConnectionStore } from '../store/store.js';
import type { ConnectionEvents } from './events.js';
import { isStaleSource, nextEventMark, sameError, type StatePatchFn, type StateSource } from './rules.js';

export type ApplyOutcome = 'applied' | 'unchanged' | 'stale';

export interface ApplyResult {
  record: ConnectionRecord | null;
  changed: boolean;
  outcome: ApplyOutcome;
}

/** Optimistic-concurrency attempts before a write gives up. */
const APPLY_ATTEMPTS = 5;

export type ApplyState = (id: string, compute: StatePatchFn, source: StateSource, known?: ConnectionRecord) => Promise<ApplyResult>;

/**
 * The one function that applies a provider's state to a stored connection. Idempotent: a state
 * equal to the stored one changes nothing but freshness and emits nothing. Sources older than
 * the last applied change are stale (rules.ts). Retries on concurrent writers (versioned rows).
 * `known`: the record as just read, saving a read on the first attempt.
 */
export function createStateApplier(deps: { store: ConnectionStore; events: ConnectionEvents; logger: Logger; now: () => Date }): ApplyState {
  const { store, events, logger, now } = deps;
  return async function applyState(id, compute, source, known) {
    for (let attempt = 0; attempt < APPLY_ATTEMPTS; attempt++) {
      const [current] = attempt === 0 && known ? [known] : await store.getConnections([id]);
      if (!current) return { record: null, changed: false, outcome: 'unchanged' };
      if (isStaleSource(source, current.lastEventAt)) return { record: current, changed: false, outcome: 'stale' };
      const patch = compute(current);
      if (!patch) return { record: current, changed: false, outcome: 'unchanged' };
      const t = now();
      const statusChanged = patch.status !== undefined && patch.status !== current.status;
      const errorChanged = patch.error !== undefined && !sameError(patch.error, current.error);
      const full: ConnectionStatePatch = {
        ...patch,
        stateRefreshedAt: t,
        ...(statusChanged ? { statusChangedAt: t } : {}),
        lastEventAt: nextEventMark(source, current.lastEventAt, t),
      };
      try {
        const updated = await store.updateState(id, full, current.version);
        if (!updated) return { record: null, changed: false, outcome: 'unchanged' };
        const changed = statusChanged || errorChanged;
        if (changed) {
          events.publish(updated);
          logger.info({ connectionId: id, provider: updated.provider, from: current.status, to: updated.status, source: source.kind }, 'connection status changed');
        }
        return { record: updated, changed, outcome: changed ? 'applied' : 'unchanged' };
      } catch (e) {
        if (e instanceof ConnectionConflictError) continue;
        throw e;
      }
    }
    throw new Error(`connection ${id}: too many concurrent updates`);
  };
}
