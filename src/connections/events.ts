import { setMaxListeners } from 'node:events';
import { createPubSub, filter, map, pipe } from 'graphql-yoga';
import { z } from 'zod';
import { CONNECTION_STATUSES, PROVIDERS } from '../domain/connection.js';
import type { ConnectionRecord } from '../domain/connection.js';

/**
 * Connection change events. In-process by default; given an event target (Redis), every
 * instance sees every change. Payloads are plain JSON so they survive the trip through Redis;
 * records carry no secrets, so publishing them is safe.
 */
export type ConnectionEventPayload = Omit<ConnectionRecord, DateKeys> & { [K in DateKeys]: string | null };
type DateKeys = 'consentExpiresAt' | 'expiringUntil' | 'lastSyncedAt' | 'statusChangedAt' | 'stateRefreshedAt' | 'lastEventAt' | 'createdAt' | 'accountsUpdatedAt' | 'transactionsUpdatedAt';
const DATE_KEYS: DateKeys[] = ['consentExpiresAt', 'expiringUntil', 'lastSyncedAt', 'statusChangedAt', 'stateRefreshedAt', 'lastEventAt', 'createdAt', 'accountsUpdatedAt', 'transactionsUpdatedAt'];

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

/**
 * What a subscriber relies on (ownership filter, status); checked because with Redis the payload
 * crossed a network boundary. Anything else is passed through as published.
 */
const isoOrNull = z.string().datetime({ offset: true }).nullable();
const eventPayloadSchema = z.looseObject({
  id: z.string().min(1),
  userId: z.string(),
  provider: z.enum(PROVIDERS),
  status: z.enum(CONNECTION_STATUSES),
  version: z.number().int(),
  ...Object.fromEntries(DATE_KEYS.map((k) => [k, isoOrNull])),
});

type Topics = { connectionUpdated: [ConnectionEventPayload] };
export type EventTarget = NonNullable<Parameters<typeof createPubSub<Topics>>[0]>['eventTarget'];

/** In-process target. Every SSE subscriber is a listener; Node warns past 10 unless told otherwise. */
function unboundedLocalTarget(): EventTarget {
  const target = new globalThis.EventTarget();
  setMaxListeners(0, target);
  return target as unknown as EventTarget;
}

export interface ConnectionEvents {
  publish(record: ConnectionRecord): void;
  subscribe(): AsyncIterable<ConnectionRecord>;
}

export function createConnectionEvents(eventTarget?: EventTarget): ConnectionEvents {
  const pubsub = createPubSub<Topics>({ eventTarget: eventTarget ?? unboundedLocalTarget() });
  return {
    publish(record) {
      pubsub.publish('connectionUpdated', toEventPayload(record));
    },
    subscribe() {
      // Repeater-based operators: when a client goes away, return() reaches the pubsub at once
      // and its listener is removed, even if no further event ever passes the filter.
      return pipe(
        pubsub.subscribe('connectionUpdated'),
        // A malformed message (another version, a stray publisher on the channel) is skipped.
        filter((p: ConnectionEventPayload) => eventPayloadSchema.safeParse(p).success),
        map(fromEventPayload),
      );
    },
  };
}
