import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createAuthenticator } from './auth/auth.js';
import { createBrowserRoutes, DEFAULT_CONSOLE_DIR } from './console-route.js';
import type { Config } from './config.js';
import { createConnectionEvents, type EventTarget } from './connections/events.js';
import { createConnectionService } from './connections/service.js';
import { webhookUrls } from './http-paths.js';
import type { ProviderName } from './domain/connection.js';
import { createGateway } from './gateway.js';
import { createMetrics, observeOperation } from './metrics.js';
import { createProviderTransport, type ProviderTransport } from './providers/http.js';
import type { UnknownCodeReporter } from './providers/normalize.js';
import { createMoneyKitAdapter, MONEYKIT_DEFAULT_BASE_URL } from './providers/moneykit/index.js';
import { createMoneyKitWebhookVerifier } from './providers/moneykit/webhook.js';
import { createPlaidAdapter, PLAID_HOSTS } from './providers/plaid/index.js';
import { createPlaidWebhookVerifier } from './providers/plaid/webhook.js';
import { wrapOperations, type ProviderAdapterV2 } from './providers/provider.js';
import { createTokenCipher, loadOrCreateKeyFile, openStore } from './store/index.js';
import type { ConnectionStore } from './store/store.js';
import type { WebhookVerifier } from './providers/webhook.js';
import type { RedisEvents } from './redis.js';

export interface AppOverrides {
  /** Use this store instead of opening one from config (tests share one PGlite per file). */
  store?: ConnectionStore;
  /** Cross-instance event target (Redis); in-process when absent. */
  eventTarget?: EventTarget;
  /** Redis pub/sub channel prefix (default aggregator-gateway:); tests use one per run. */
  redisChannelPrefix?: string;
  /** Serve the console from this folder instead of console/dist (tests build it elsewhere). */
  consoleDir?: string;
}

/** Wire configuration into a running gateway (without listening). */
export async function buildApp(config: Readonly<Config>, logger: Logger, overrides: AppOverrides = {}) {

  let store = overrides.store;
  let ownStore = false;
  if (!store) {
    let key = config.encryptionKey;
    if (!key) {
      await mkdir(config.dataDir, { recursive: true });
      const file = join(config.dataDir, 'encryption.key');
      const loaded = await loadOrCreateKeyFile(file);
      key = loaded.key;
      logger.warn({ file }, loaded.created ? 'ENCRYPTION_KEY not set: generated one (development only)' : 'ENCRYPTION_KEY not set: using the generated development key');
    }
    store = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      cipher: createTokenCipher(key),
      onPoolError: (e) => logger.error({ err: e.message }, 'database pool error'),
    });
    ownStore = true;
    await store.migrate();
  }

  // Provider values without a table row: status UNKNOWN or account type OTHER, raw value kept, logged once.
  const unknownValueReporter: UnknownCodeReporter = ({ provider, code, context }) =>
    logger.warn({ provider, code, context }, 'unmapped provider value (raw value kept)');

  const metrics = createMetrics();
  // One transport per provider: shared pool (its socket count is the per-provider concurrency
  // bound, as is the service's limiter), timeouts, circuit breaker and metrics hooks.
  const transports: ProviderTransport[] = [];
  const providerHttp = (provider: ProviderName) => {
    const transport = createProviderTransport({ provider, timeouts: config.providerHttp.timeouts, maxConcurrency: config.providerConcurrency, circuit: config.providerHttp.circuit, deadlineMs: config.providerHttp.deadlineMs, observer: metrics.providerObserver });
    transports.push(transport);
    return { transport, timeouts: config.providerHttp.timeouts, retry: config.providerHttp.retry };
  };
  // Each adapter operation is one provider operation: timed and counted, one deadline, judged by the breaker.
  const operations = <A extends Parameters<typeof wrapOperations>[0]>(provider: ProviderName, adapter: A) => {
    const transport = transports.find((t) => t.provider === provider)!;
    return wrapOperations(adapter, (op, call) => observeOperation(metrics, provider, op, () => transport.run(op, call)));
  };
  const adapters: Partial<Record<ProviderName, ProviderAdapterV2 & { close(): Promise<void> }>> = {};
  const verifiers: Partial<Record<ProviderName, WebhookVerifier & { close(): Promise<void> }>> = {};
  if (config.plaid) {
    const p = config.plaid;
    const baseUrl = p.baseUrl ?? undefined;
    adapters.PLAID = operations('PLAID', createPlaidAdapter({ clientId: p.clientId, secret: p.secret, env: p.env, unknownValueReporter, ...providerHttp('PLAID'), ...(baseUrl ? { baseUrl } : {}) }));
    verifiers.PLAID = createPlaidWebhookVerifier({ baseUrl: baseUrl ?? PLAID_HOSTS[p.env], clientId: p.clientId, secret: p.secret, unknownValueReporter });
  }
  if (config.moneykit) {
    const m = config.moneykit;
    const baseUrl = m.baseUrl ?? MONEYKIT_DEFAULT_BASE_URL;
    adapters.MONEYKIT = operations('MONEYKIT', createMoneyKitAdapter({ clientId: m.clientId, clientSecret: m.clientSecret, env: m.env, baseUrl, unknownValueReporter, ...providerHttp('MONEYKIT') }));
    verifiers.MONEYKIT = createMoneyKitWebhookVerifier({ baseUrl, clientId: m.clientId, unknownValueReporter });
  }

  // With REDIS_URL (and no explicit target) changes travel through Redis so every instance's
  // subscribers see them; otherwise in-process (ioredis is then never loaded).
  let redis: RedisEvents | null = null;
  if (!overrides.eventTarget && config.redisUrl) {
    const { createRedisEvents, redactRedisUrl } = await import('./redis.js');
    redis = createRedisEvents({
      url: config.redisUrl,
      logger,
      ...(overrides.redisChannelPrefix ? { channelPrefix: overrides.redisChannelPrefix } : {}),
    });
    logger.info({ redis: redactRedisUrl(config.redisUrl) }, 'connection events via Redis');
  }
  const events = createConnectionEvents(overrides.eventTarget ?? redis?.eventTarget);
  const readyChecks: Record<string, () => Promise<void>> = redis ? { redis: () => redis.check() } : {};
  const service = createConnectionService({
    store,
    adapters,
    events,
    webhookUrls: webhookUrls(config.publicUrl),
    linkRedirectUri: config.linkRedirectUri,
    statusMaxAgeSeconds: config.statusMaxAgeSeconds,
    providerConcurrency: config.providerConcurrency,
    logger,
  });
  const authenticator = createAuthenticator(config.auth);
  const gateway = createGateway({
    service,
    store,
    authenticator,
    verifiers,
    logger,
    limits: config.limits,
    graphiql: config.graphiql,
    introspection: config.introspection,
    metrics,
    metricsToken: config.metricsToken,
    providers: Object.keys(adapters) as ProviderName[],
    readyChecks,
    trustProxy: config.trustProxy,
    suggestions: config.suggestions,
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit,
    browserRoutes: createBrowserRoutes({
      consoleDir: config.console ? (overrides.consoleDir ?? DEFAULT_CONSOLE_DIR) : null,
      // Demo mode runs against the emulators, whose widget-completion calls stand in for the real widgets.
      demoEmulators: config.demoMode && config.plaid?.baseUrl && config.moneykit?.baseUrl ? { PLAID: config.plaid.baseUrl, MONEYKIT: config.moneykit.baseUrl } : null,
      demoMode: config.demoMode,
      authenticator,
    }),
  });

  return {
    gateway,
    service,
    store,
    metrics,
    async close() {
      await Promise.allSettled([...Object.values(adapters), ...Object.values(verifiers)].map((a) => a.close()));
      await Promise.allSettled(transports.map((t) => t.close()));
      await redis?.close();
      if (ownStore) await store.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
