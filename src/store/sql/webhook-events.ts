// Verified webhook deliveries: recorded once per (provider, dedupe key), their outcome, the admin list.
import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { z } from 'zod';
import type { ConnectionStore, WebhookEventInput } from '../store.js';
import type { Database, WebhookEventsTable } from '../schema.js';
import { turnBatcher } from './batch.js';
import { json, optDate, providerName, toWebhookRecord, isUuid } from './rows.js';

const DEFAULT_WEBHOOK_LIMIT = 100;
const MAX_WEBHOOK_LIMIT = 1000;

const webhookInput = z.object({
  provider: providerName,
  dedupeKey: z.string().min(1).nullable(),
  eventType: z.string().min(1),
  providerConnectionId: z.string().nullable(),
  occurredAt: optDate,
  payload: z.unknown(),
  effect: z.unknown().optional(),
});

type WebhookEventQueries = Pick<ConnectionStore, 'recordWebhookEvent' | 'setWebhookOutcome' | 'listWebhookEvents'>;

export function webhookEventQueries(db: Kysely<Database>): WebhookEventQueries {
  // Concurrent deliveries are recorded by one multi-row INSERT (batch.ts); each caller still gets
  // its answer only once the statement, and so its row, is committed.
  const insert = turnBatcher(async (rows: readonly Insertable<WebhookEventsTable>[]) => {
    const written = await db
      .insertInto('webhook_events')
      .values([...rows])
      // Matches the partial unique index; keyless deliveries never conflict. Two rows with one key
      // in the same statement: the first is written, the second is a replay like any other.
      .onConflict((oc) => oc.columns(['provider', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing())
      .returningAll()
      .execute();
    const byId = new Map(written.map((r) => [String(r.id), r]));
    return rows.map((r) => byId.get(r.id) ?? null);
  });

  return {
    async recordWebhookEvent(input: WebhookEventInput) {
      const e = webhookInput.parse(input);
      const row = await insert({
        id: randomUUID(),
        provider: e.provider,
        dedupe_key: e.dedupeKey,
        event_type: e.eventType,
        provider_connection_id: e.providerConnectionId,
        occurred_at: e.occurredAt,
        payload: JSON.stringify(e.payload ?? null),
        effect: json(e.effect),
        outcome: null,
      });
      return row ? toWebhookRecord(row) : null;
    },

    async setWebhookOutcome(id, outcome) {
      if (!isUuid(id)) return;
      await db.updateTable('webhook_events').set({ outcome }).where('id', '=', id).execute();
    },

    async listWebhookEvents(filter) {
      const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_WEBHOOK_LIMIT), 1), MAX_WEBHOOK_LIMIT);
      let q = db.selectFrom('webhook_events').selectAll();
      if (filter.provider !== undefined) q = q.where('provider', '=', providerName.parse(filter.provider));
      if (filter.providerConnectionId !== undefined) q = q.where('provider_connection_id', '=', filter.providerConnectionId);
      if (filter.dedupeKey !== undefined) q = q.where('dedupe_key', '=', filter.dedupeKey);
      if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
      const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
      return rows.map(toWebhookRecord);
    },
  };
}
