import { createPubSub } from 'graphql-yoga';
import type { ConnectionRecord } from '../store/store.js';

/**
 * Connection change events. In-process by default; given an event target (Redis), every
 * instance sees every change. Payloads are plain JSON so they survive the trip through Redis;
 * records carry no secrets, so publishing them is safe.
 */
export type ConnectionEventPayload = Omit<ConnectionRecord, DateKeys> & { [K in DateKeys]: string | null };
type DateKeys = 'consentExpiresAt' | 'expiringUntil' | 'lastSyncedAt' | 'statusChangedAt' | 'stateRefreshedAt' | 'lastEventAt' | 'createdAt';
const DATE_KEYS: DateKeys[] = ['consentExpiresAt', 'expiringUntil', 'lastSyncedAt', 'statusChangedAt', 'stateRefreshedAt', 'lastEventAt', 'createdAt'];

export function toEventPayload(r: ConnectionRecord): ConnectionEventPayload {
  const out: Record<string, unknown> = { ...r };
  for (const k of DATE_KEYS) out[k] = r[k] ? (r[k] as Date).toISOString() : null;
  return out as ConnectionEventPayload;
}

export function fromEventPayload(p: ConnectionEventPayload): ConnectionRecord {
  const out: Record<string, unknown> = { ...p };
  for (const k of DATE_KEYS) out[k] = p[k] ? new Date(p[k] as string) : null;
  return out as unknown as ConnectionRecord;
}

type Topics = { connectionUpdated: [ConnectionEventPayload] };
export type EventTarget = NonNullable<Parameters<typeof createPubSub<Topics>>[0]>['eventTarget'];

export interface ConnectionEvents {
  publish(record: ConnectionRecord): void;
  subscribe(): AsyncIterable<ConnectionRecord>;
}

export function createConnectionEvents(eventTarget?: EventTarget): ConnectionEvents {
  const pubsub = createPubSub<Topics>(eventTarget ? { eventTarget } : {});
  return {
    publish(record) {
      pubsub.publish('connectionUpdated', toEventPayload(record));
    },
    async *subscribe() {
      for await (const p of pubsub.subscribe('connectionUpdated')) yield fromEventPayload(p);
    },
  };
}
