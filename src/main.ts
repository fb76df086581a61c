import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { signDemoToken } from './auth/auth.js';
import { ConfigError, loadConfig, withBoundPort, type Config } from './config.js';
import type { startDemoEmulators } from './emulators/main.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) console.error(`Invalid configuration: ${p}`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  // A fresh embedded data directory is copied from its template (disk work) while the gateway's
  // modules load (CPU work); opening the store waits for that same copy and reports its errors.
  if (!config.databaseUrl) void import('./store/pglite.js').then((m) => m.preparePgliteDataDir(config.dataDir)).catch(() => {});
  const { buildApp } = await import('./app.js');

  let demo: Awaited<ReturnType<typeof startDemoEmulators>> | null = null;
  let demoSecret: string | null = null;
  if (config.demoMode) {
    // No provider credentials at all: run against the built-in emulators on loopback (loaded only here).
    const { startDemoEmulators } = await import('./emulators/main.js');
    demo = await startDemoEmulators();
    demoSecret = config.auth.jwtSecret ?? randomBytes(32).toString('base64url');
    config = Object.freeze({
      ...config,
      auth: { ...config.auth, jwtSecret: demoSecret },
      plaid: { clientId: demo.plaid.clientId, secret: demo.plaid.secret, env: 'sandbox' as const, baseUrl: demo.plaid.url },
      moneykit: { clientId: demo.moneykit.clientId, clientSecret: demo.moneykit.clientSecret, env: 'sandbox' as const, baseUrl: demo.moneykit.url },
    });
    logger.warn({ plaid: demo.plaid.url, moneykit: demo.moneykit.url }, 'demo mode: no provider credentials, using the built-in emulators');
  }

  // Listen first: with PORT=0 the bound port is part of the webhook and redirect URLs.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    // Starting: alive (liveness must not fail and get the process restarted mid-migration), not ready.
    const alive = req.method === 'GET' && (req.url ?? '').split('?')[0] === '/health';
    res.writeHead(alive ? 200 : 503, { 'retry-after': '1', 'content-type': 'application/json' }).end(alive ? '{"status":"ok","phase":"starting"}' : '{"status":"starting"}');
  });
  // In-flight requests, so shutdown can let them finish; SSE streams never finish by themselves.
  const inflight = new Set<ServerResponse>();
  const streams = new Set<ServerResponse>();
  let drained: (() => void) | null = null;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    (sse ? streams : inflight).add(res);
    res.on('close', () => {
      streams.delete(res);
      if (inflight.delete(res) && inflight.size === 0) drained?.();
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  config = withBoundPort(config, port);
  const app = await buildApp(config, logger);
  handler = app.gateway;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inflight: inflight.size, streams: streams.size }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn({ inflight: inflight.size }, 'shutdown timeout: closing remaining connections');
      server.closeAllConnections();
      drained?.();
    }, config.shutdownTimeoutMs);
    force.unref();
    // 1. Stop accepting; idle keep-alive sockets go now, busy ones after their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // 2. End subscription streams: clients reconnect elsewhere.
    for (const res of streams) res.end();
    await app.gateway.dispose?.();
    // 3. Let in-flight requests finish.
    if (inflight.size > 0) await new Promise<void>((resolve) => (drained = resolve));
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
    // 4. Then the database, Redis, provider pools and demo emulators.
    await app.close();
    await demo?.close();
    clearTimeout(force);
    logger.info('stopped');
    // pino writes synchronously to stdout by default: the last line is out before exit.
    process.exit(0);
  };
  const onSignal = (signal: string) =>
    void shutdown(signal).catch((e: unknown) => {
      logger.error({ err: e instanceof Error ? e.message : String(e) }, 'shutdown failed');
      process.exit(1);
    });
  // Before anything else is awaited: a signal that arrives once the gateway answers gets the
  // graceful shutdown, never the default (the demo token below waits for WebCrypto).
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  logger.info({ url: base, publicUrl: config.publicUrl }, 'gateway listening');

  if (demo && demoSecret) {
    const token = await signDemoToken(demoSecret, { sub: 'demo-user', expiresIn: '24h' });
    console.log(`GraphiQL: ${base}/graphql`);
    console.log(`Demo token: ${token}`);
  }
}

main().catch((e: unknown) => {
  console.error(`Fatal: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
