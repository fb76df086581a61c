import { GraphQLError } from 'graphql';
import type { ConnectionStatus } from '../../domain/connection.js';
import type { WebhookEventRecord } from '../../store/store.js';
import { webhookEffectSchema, type WebhookEffect } from '../../domain/webhook.js';
import { builder } from '../builder.js';
import { ConnectionRef } from './connection.js';
import { ConnectionStatusEnum } from './enums.js';

/** The status a delivery's effect asks for; null for deliveries that carry no status. */
const STATUS_OF_EFFECT: Record<WebhookEffect['kind'], (e: WebhookEffect) => ConnectionStatus | null> = {
  state: (e) => (e.kind === 'state' ? e.status : null),
  expiring: () => 'EXPIRING',
  repaired: () => 'CONNECTED',
  updates: () => null,
  none: () => null,
};

const ConnectionEventType = builder.objectRef<WebhookEventRecord>('ConnectionEvent').implement({
  description: "A provider webhook delivery about a connection, from the gateway's event log (payloads are not exposed).",
  fields: (t) => ({
    eventType: t.exposeString('eventType', { description: 'As the provider named it: ITEM.ERROR, link.state_changed ...' }),
    occurredAt: t.field({ type: 'DateTime', nullable: true, description: "The provider's time of the event, when it says.", resolve: (e) => e.occurredAt }),
    receivedAt: t.field({ type: 'DateTime', resolve: (e) => e.receivedAt }),
    status: t.field({
      type: ConnectionStatusEnum,
      nullable: true,
      description: 'The status this delivery reported; null when it carried none.',
      resolve: (e) => {
        const effect = webhookEffectSchema.safeParse(e.effect);
        return effect.success ? STATUS_OF_EFFECT[effect.data.kind](effect.data) : null;
      },
    }),
    providerCode: t.string({
      nullable: true,
      description: 'The raw error code the delivery carried, if any.',
      resolve: (e) => {
        const effect = webhookEffectSchema.safeParse(e.effect);
        return effect.success && effect.data.kind === 'state' ? (effect.data.error?.providerCode ?? null) : null;
      },
    }),
    outcome: t.string({ nullable: true, description: 'What the gateway did with it: applied, unchanged, stale ...; null while not applied yet.', resolve: (e) => e.outcome }),
  }),
});

const MAX_EVENTS = 100;

// On Connection, so the owner check is the connection's own: whoever can see it sees its history.
builder.objectField(ConnectionRef, 'events', (t) =>
  t.field({
    type: [ConnectionEventType],
    description: `Webhook deliveries about this connection, newest first (at most ${MAX_EVENTS}): its status history.`,
    args: { first: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (r, { first }, ctx) => {
      const n = first ?? 20;
      if (n < 1 || n > MAX_EVENTS) throw new GraphQLError(`first must be between 1 and ${MAX_EVENTS}.`, { extensions: { code: 'INVALID_INPUT' } });
      return ctx.service.connectionEvents(r, n);
    },
  }),
);
