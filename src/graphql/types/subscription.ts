import { builder } from '../builder.js';
import { ConnectionRef, connectionIdFrom } from './connection.js';
import type { ConnectionRecord } from '../../store/store.js';

builder.subscriptionType({
  fields: (t) => ({
    connectionUpdated: t.field({
      type: ConnectionRef,
      description: "The caller's connections (one, when id is given), on every status change.",
      args: { id: t.arg.id({ required: false }) },
      subscribe: (_root, { id }, ctx) => {
        // Parse before subscribing so a malformed id fails the subscription at once.
        const only = id ? connectionIdFrom(id) : null;
        const source = ctx.service.subscribe();
        return (async function* () {
          if (id && !only) return;
          for await (const r of source) {
            if (only && r.id !== only) continue;
            if (!ctx.service.visibleTo(ctx.caller, r)) continue;
            yield r;
          }
        })();
      },
      resolve: (r: ConnectionRecord) => r,
    }),
  }),
});
