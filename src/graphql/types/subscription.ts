import { filter, pipe } from 'graphql-yoga';
import { builder } from '../builder.js';
import { ConnectionRef, connectionIdFrom } from './connection.js';
import type { ConnectionRecord } from '../../domain/connection.js';

builder.subscriptionType({
  fields: (t) => ({
    connectionUpdated: t.field({
      type: ConnectionRef,
      description: "The caller's connections (one, when id is given), on every status change.",
      args: { id: t.arg.id({ required: false }) },
      subscribe: (_root, { id }, ctx) => {
        // Parse before subscribing so a malformed id fails the subscription at once.
        const only = id ? connectionIdFrom(id) : null;
        // A well-formed id of another type matches nothing: the stream stays open and silent.
        const wanted = (r: ConnectionRecord) => (!id || r.id === only) && ctx.service.visibleTo(ctx.caller, r);
        // Repeater-based filter: a closed stream releases its listener at once (see events.ts).
        return pipe(ctx.service.subscribe(), filter(wanted));
      },
      resolve: (r: ConnectionRecord) => r,
    }),
  }),
});
