import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventTarget } from './connections/events.js';

export interface RedisEventsOptions {
  url: string;
  logger: Logger;
  /** Prepended to every pub/sub channel, so several deployments (or test runs) can share one Redis. */
  channelPrefix?: string;
}

export interface RedisEvents {
  eventTarget: EventTarget;
  /** Readiness: both connections up and the server answering. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_CHANNEL_PREFIX = 'aggregator-gateway:';
const PING_TIMEOUT_MS = 1_000;

/** The URL without credentials, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString();
  } catch {
    return 'redis://[unparseable]';
  }
}

/**
 * Cross-instance pub/sub over Redis: one connection publishes, one subscribes (a subscribed
 * ioredis connection cannot send other commands). Connection changes published on any instance
 * reach subscribers on every instance.
 */
export function createRedisEvents(opts: RedisEventsOptions): RedisEvents {
  const { logger } = opts;
  const prefix = opts.channelPrefix ?? DEFAULT_CHANNEL_PREFIX;
  const where = redactRedisUrl(opts.url);
  const clientOptions = {
    // Bounded: a publish during an outage fails fast-ish instead of piling up forever.
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const pub = new Redis(opts.url, clientOptions);
  const sub = new Redis(opts.url, clientOptions);
  // ioredis emits an error per reconnect attempt (several a second while Redis is down): log the
  // outage once when it starts and once when it ends, never the URL's secrets.
  const down = new Set<string>();
  let suppressed = 0;
  for (const [role, c] of [['publish', pub], ['subscribe', sub]] as const) {
    c.on('error', (e: Error) => {
      if (down.size === 0) logger.warn({ role, redis: where, err: e.message }, 'redis unavailable: retrying in the background; cross-instance events are paused');
      else suppressed++;
      down.add(role);
    });
    c.on('ready', () => {
      if (down.delete(role) && down.size === 0) {
        logger.info({ redis: where, errorsSuppressed: suppressed }, 'redis connection restored');
        suppressed = 0;
      }
    });
  }

  // The event target fires publish() without awaiting it; a rejected publish (Redis down) must be
  // logged, not become an unhandled rejection that takes the process down.
  const guardedPub = {
    publish: (channel: string, message: string) =>
      pub.publish(channel, message).catch((e: Error) => {
        logger.error({ channel, err: e.message }, 'redis publish failed; subscribers on other instances miss this change');
        return 0;
      }),
  } as unknown as Redis;
  const inner = createRedisEventTarget({ publishClient: guardedPub, subscribeClient: sub });

  // Topic names get the prefix on the wire; listeners still see the plain topic name.
  const eventTarget = {
    addEventListener: (topic: string, l: never) => inner.addEventListener(prefix + topic, l),
    removeEventListener: (topic: string, l: never) => inner.removeEventListener(prefix + topic, l),
    dispatchEvent: (event: CustomEvent) => inner.dispatchEvent(new CustomEvent(prefix + event.type, { detail: event.detail }) as never),
  } as unknown as EventTarget;

  return {
    eventTarget,
    async check() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          // PING is allowed on a subscribed connection too; both must answer.
          Promise.all([pub.ping(), sub.ping()]),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('redis ping timed out')), PING_TIMEOUT_MS))),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}
