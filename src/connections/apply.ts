import type { Logger } from 'pino';
import type { ProviderAccount } from '../domain/account.js';
import type { ConnectionRecord } from '../domain/connection.js';
import { ConnectionConflictError, type ConnectionStatePatch, type ConnectionStore } from '../store/store.js';
import type { ConnectionEvents } from './events.js';
import { isStaleSource, nextEventMark, sameError, type StatePatchFn, type StateSource } from './rules.js';

export type ApplyOutcome = 'applied' | 'unchanged' | 'stale';

export interface ApplyResult {
  record: ConnectionRecord | null;
  changed: boolean;
  outcome: ApplyOutcome;
  /** The webhook event (`eventId`) got this outcome in the state's own write. */
  outcomeRecorded?: true;
}

/** Optimistic-concurrency attempts before a write gives up. */
const APPLY_ATTEMPTS = 5;

export type ApplyState = (
  id: string,
  compute: StatePatchFn,
  source: StateSource,
  known?: ConnectionRecord,
  accounts?: readonly ProviderAccount[] | null,
  eventId?: string,
) => Promise<ApplyResult>;

/**
 * The one function that applies a provider's state to a stored connection. Idempotent: a state
 * equal to the stored one changes nothing but freshness and emits nothing. Sources older than
 * the last applied change are stale (rules.ts). Retries on concurrent writers (versioned rows).
 * `known`: the record as just read, saving a read on the first attempt. `accounts`: the
 * accounts from the same provider read, written in the same transaction as the state (null or
 * absent: the stored ones stand). Accounts that changed or a new transactionsUpdatedAt publish too.
 * `eventId`: the webhook event being applied; a state write records its outcome in the same
 * statement (a webhook's apply is then one round trip).
 */
export function createStateApplier(deps: { store: ConnectionStore; events: ConnectionEvents; logger: Logger; now: () => Date }): ApplyState {
  const { store, events, logger, now } = deps;
  return async function applyState(id, compute, source, known, accounts, eventId) {
    for (let attempt = 0; attempt < APPLY_ATTEMPTS; attempt++) {
      const [current] = attempt === 0 && known ? [known] : await store.getConnections([id]);
      if (!current) return { record: null, changed: false, outcome: 'unchanged' };
      if (isStaleSource(source, current.lastEventAt)) {
        // The state is older than what is stored, but the accounts are still the newest read.
        if (!accounts) return { record: current, changed: false, outcome: 'stale' };
        const replaced = await store.replaceAccounts(id, accounts, { at: now() });
        if (replaced?.accountsChanged) events.publish(replaced.record);
        return { record: replaced?.record ?? null, changed: false, outcome: 'stale' };
      }
      const patch = compute(current);
      if (!patch && !accounts) return { record: current, changed: false, outcome: 'unchanged' };
      const t = now();
      const statusChanged = patch?.status !== undefined && patch.status !== current.status;
      const errorChanged = patch?.error !== undefined && !sameError(patch.error, current.error);
      const announced = patch?.transactionsUpdatedAt !== undefined;
      const changed = statusChanged || errorChanged;
      const full: ConnectionStatePatch = {
        ...patch,
        stateRefreshedAt: t,
        ...(statusChanged ? { statusChangedAt: t } : {}),
        lastEventAt: nextEventMark(source, current.lastEventAt, t),
      };
      try {
        let updated: ConnectionRecord | null;
        let accountsChanged = false;
        if (accounts) {
          const replaced = await store.replaceAccounts(id, accounts, { at: t, patch: full, expectedVersion: current.version });
          updated = replaced?.record ?? null;
          accountsChanged = replaced?.accountsChanged ?? false;
        } else {
          // Known before the write: without accounts, only a status, error or announcement publishes.
          const outcome = changed || announced ? 'applied' : 'unchanged';
          updated = await store.updateState(id, full, current.version, eventId ? { eventId, outcome } : undefined);
        }
        if (!updated) return { record: null, changed: false, outcome: 'unchanged' };
        // Contract sections 1 and 7: status changes, announcements and accounts changes publish;
        // a re-read that finds everything as stored (its read time aside) does not.
        const published = changed || announced || accountsChanged;
        if (published) events.publish(updated);
        if (changed) {
          logger.info({ connectionId: id, provider: updated.provider, from: current.status, to: updated.status, source: source.kind }, 'connection status changed');
        }
        return { record: updated, changed, outcome: published ? 'applied' : 'unchanged', ...(eventId && !accounts ? { outcomeRecorded: true as const } : {}) };
      } catch (e) {
        if (e instanceof ConnectionConflictError) continue;
        throw e;
      }
    }
    throw new Error(`connection ${id}: too many concurrent updates`);
  };
}
