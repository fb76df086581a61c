import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { buildApp } from './app.js';
import { signDemoToken } from './auth/auth.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startDemoEmulators } from './emulators/main.js';
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

  let demo: Awaited<ReturnType<typeof startDemoEmulators>> | null = null;
  let demoSecret: string | null = null;
  if (config.demoMode) {
    // No provider credentials at all: run against the built-in emulators on loopback.
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

  const app = await buildApp(config, logger);
  const server = createServer(app.gateway);
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url: base }, 'gateway listening');

  if (demo && demoSecret) {
    const token = await signDemoToken(demoSecret, { sub: 'demo-user', expiresIn: '24h' });
    console.log(`GraphiQL: ${base}/graphql`);
    console.log(`Demo token: ${token}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Stop accepting, let in-flight requests finish, end idle keep-alive and SSE sockets.
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    await app.gateway.dispose?.();
    server.closeAllConnections();
    await app.close();
    await demo?.close();
    clearTimeout(force);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(`Fatal: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
