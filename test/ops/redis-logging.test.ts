import { connect, createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRedisEvents, type RedisEvents } from '../../src/redis.js';

/**
 * Issue 11 item 16: Redis being down is logged once when the outage starts and once when it ends,
 * not once per reconnect attempt. Redis is reached through a proxy the test can cut and restore.
 */
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL) console.log('redis-logging.test: skipped, TEST_REDIS_URL is not set (e.g. TEST_REDIS_URL=redis://127.0.0.1:6379)');

let proxy: Server | undefined;
let events: RedisEvents | undefined;
afterAll(async () => {
  await events?.close();
  proxy?.close();
});

describe.skipIf(!REDIS_URL)('Redis outage logging', () => {
  it('logs the outage once across many reconnect attempts, and its end once', async () => {
    const target = new URL(REDIS_URL!);
    let up = false;
    let refused = 0;
    const refusedWaiters: { n: number; resolve: () => void }[] = [];
    proxy = createServer((client) => {
      if (!up) {
        refused++;
        for (const w of refusedWaiters.filter((w) => refused >= w.n)) w.resolve();
        client.destroy();
        return;
      }
      const server = connect(Number(target.port || 6379), target.hostname);
      client.pipe(server).pipe(client);
      const end = () => (client.destroy(), server.destroy());
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const refusedAtLeast = (n: number) => new Promise<void>((resolve) => (refused >= n ? resolve() : refusedWaiters.push({ n, resolve })));

    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('debug', { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
    events = createRedisEvents({ url: `redis://127.0.0.1:${port}`, logger, channelPrefix: 'agw-redis-logging-test:' });

    // Both connections (publish, subscribe) retry over and over while Redis is unreachable.
    await refusedAtLeast(8);
    const warnings = logs.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual(['redis unavailable: retrying in the background; cross-instance events are paused']);

    up = true;
    const restored = await new Promise<Record<string, unknown>>((resolve) => {
      const timer = setInterval(() => {
        const l = logs.find((x) => x.msg === 'redis connection restored');
        if (l) (clearInterval(timer), resolve(l));
      }, 20);
    });
    expect(restored.level).toBe(30);
    await expect(events.check()).resolves.toBeUndefined();
    expect(logs.filter((l) => l.msg === 'redis connection restored')).toHaveLength(1);
    expect(logs.filter((l) => l.level === 40)).toHaveLength(1);
  }, 60_000);
});
