import { GraphQLError } from 'graphql';
import { decodeJwt } from 'jose';
import { isAsyncIterable, Repeater, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';

export interface SubscriptionLimits {
  /** Open streams one user may hold. */
  maxSubscriptionsPerUser: number;
  /** Open streams this process serves in total. */
  maxSubscriptions: number;
}

/** The caller's token expiry in ms (already verified by the gateway before parsing), or null. */
function tokenExpiryMs(request: Request): number | null {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  if (!token) return null;
  const exp = decodeJwt(token).exp;
  return typeof exp === 'number' ? exp * 1000 : null;
}

/**
 * Subscriptions are bounded per user and in total (a refused one answers a RATE_LIMITED GraphQL
 * error), and each stream ends when the caller's token expires: no event is delivered after
 * `exp`, and the client reconnects with a fresh token.
 */
export function useSubscriptionLimits(limits: SubscriptionLimits): Plugin<GraphQLContext> {
  const perUser = new Map<string, number>();
  let total = 0;

  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue as GraphQLContext & { request: Request };
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          const user = ctx.caller.userId;
          const mine = perUser.get(user) ?? 0;
          if (mine >= limits.maxSubscriptionsPerUser || total >= limits.maxSubscriptions) {
            void result[Symbol.asyncIterator]().return?.();
            const which = mine >= limits.maxSubscriptionsPerUser ? 'for this user' : 'on this server';
            setResult({ errors: [new GraphQLError(`Too many open subscriptions ${which}; close one and retry.`, { extensions: { code: 'RATE_LIMITED' } })] });
            return;
          }
          perUser.set(user, mine + 1);
          total++;
          const release = () => {
            total--;
            const n = (perUser.get(user) ?? 1) - 1;
            if (n > 0) perUser.set(user, n);
            else perUser.delete(user);
          };
          const endsAt = tokenExpiryMs(ctx.request);
          const inner = result[Symbol.asyncIterator]();
          setResult(
            new Repeater(async (push, stop) => {
              const timer = endsAt === null ? null : setTimeout(stop, Math.max(0, endsAt - Date.now()));
              let released = false;
              void stop.then(() => {
                if (timer) clearTimeout(timer);
                if (!released) {
                  released = true;
                  release();
                }
                void inner.return?.();
              });
              for (;;) {
                const r = await Promise.race([inner.next(), stop.then(() => null)]);
                // The token expired while the event was on its way: not delivered.
                if (!r || r.done || (endsAt !== null && Date.now() >= endsAt)) break;
                await push(r.value);
              }
              stop();
            }),
          );
        },
      };
    },
  };
}
