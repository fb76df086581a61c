import type { ConnectionRecord } from '../domain/connection.js';
import type { ConnectionStore, WebhookEventRecord } from '../store/store.js';
import { webhookEffectSchema } from '../domain/webhook.js';
import type { VerifiedWebhook } from '../providers/webhook.js';
import type { ApplyState } from './apply.js';
import { patchFromEffect } from './rules.js';

/** How many held (early) deliveries are applied when their connection is stored. */
const HELD_EVENTS_LIMIT = 100;

/**
 * The webhook event log as the service uses it: record a verified delivery durably before it is
 * acknowledged, apply it through the one state applier, and hold deliveries that race the exchange
 * until their connection is stored.
 */
export function createWebhookEvents(deps: {
  store: ConnectionStore;
  applyState: ApplyState;
  now: () => Date;
  /** Re-read a connection's accounts (and state) from its provider: account or balance changes announced. */
  rereadAccounts(id: string): Promise<void>;
}) {
  const { store, applyState } = deps;
  return {
    /**
     * Record a verified delivery. Returns the event to apply, or null for a replay of one already
     * applied. A replay of a delivery recorded but never applied (its apply failed and the provider
     * retries) returns that first event again.
     */
    async record(w: VerifiedWebhook): Promise<WebhookEventRecord | null> {
      const recorded = await store.recordWebhookEvent({
        provider: w.provider,
        dedupeKey: w.dedupeKey,
        eventType: w.eventType,
        providerConnectionId: w.providerConnectionId,
        occurredAt: w.occurredAt,
        payload: w.payload,
        effect: w.effect,
      });
      if (recorded) return recorded;
      const [first] = w.dedupeKey ? await store.listWebhookEvents({ provider: w.provider, dedupeKey: w.dedupeKey, limit: 1 }) : [];
      return first && first.outcome === null ? first : null;
    },

    /** Apply a recorded delivery; its outcome is written to the event log and returned. */
    async apply(event: WebhookEventRecord, w: VerifiedWebhook): Promise<string> {
      let outcome: string;
      if (w.effect.kind === 'none' || !w.providerConnectionId) {
        outcome = 'recorded';
      } else {
        const r = await store.findByProviderId(w.provider, w.providerConnectionId);
        // Not stored yet (it races the exchange): held, and applied once the connection is stored.
        // The outcome rides with the state write, unless an accounts re-read follows: until that
        // succeeds too, the delivery is not applied (a failure leaves the outcome null).
        const rereads = w.effect.kind === 'updates' && w.effect.accounts;
        const res = r ? await applyState(r.id, patchFromEffect(w.effect, deps.now()), { kind: 'webhook', occurredAt: w.occurredAt }, r, null, rereads ? undefined : event.id) : null;
        outcome = res ? res.outcome : 'unknown_connection';
        if (r && rereads) {
          await deps.rereadAccounts(r.id);
          outcome = 'applied';
        } else if (res?.outcomeRecorded) {
          return outcome; // written with the state
        }
      }
      await store.setWebhookOutcome(event.id, outcome);
      return outcome;
    },

    /**
     * Deliveries that arrived for this provider connection before it was stored are applied now,
     * oldest first; those older than the exchange's own read are stale (the applier judges that).
     */
    async applyHeld(r: ConnectionRecord): Promise<ConnectionRecord> {
      const held = await store.listWebhookEvents({ provider: r.provider, providerConnectionId: r.providerConnectionId, outcome: 'unknown_connection', limit: HELD_EVENTS_LIMIT });
      let current = r;
      for (const e of held.reverse()) {
        const effect = webhookEffectSchema.safeParse(e.effect);
        let outcome = 'recorded';
        if (effect.success) {
          const res = await applyState(current.id, patchFromEffect(effect.data, deps.now()), { kind: 'webhook', occurredAt: e.occurredAt }, current);
          if (res.record) current = res.record;
          outcome = res.outcome;
        }
        await store.setWebhookOutcome(e.id, outcome);
      }
      return current;
    },
  };
}
