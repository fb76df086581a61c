import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { serveParent } from './ipc.js';

/**
 * The gateway as `npm start` runs it (buildApp + node:http), configured from the environment the
 * orchestrator passes (LOG_LEVEL=silent, emulator URL, store). Reports its URL and, on request,
 * its resident memory.
 */
const server = createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// PUBLIC_URL must be known before buildApp: webhooks registered at providers point at it.
const config = loadConfig({ ...process.env, PUBLIC_URL: url });
const app = await buildApp(config, createLogger(config.logLevel));
server.on('request', app.gateway);

serveParent({ url }, {
  /** RSS after a full GC (when exposed), so the figure is live memory rather than GC timing. */
  memory: () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
  },
  connections: () => new Promise<number>((r) => server.getConnections((_e, n) => r(n))),
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void app.close().finally(() => process.exit(0));
});
