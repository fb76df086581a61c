import { z } from 'zod';
import { LINK_COMPLETE_PATH } from './http-paths.js';
import { isTriviallyWeakKey } from './store/crypto.js';

/**
 * The only reader of process.env: one zod schema, one frozen object. Invalid configuration stops
 * the process at start with one clear line per problem, naming the variable.
 */

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());
const optionalUrl = z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/ }).optional());
/** Parsed, not only prefix-matched: pg would otherwise fail later with a line that names no variable. */
const isPostgresUrl = (v: string): boolean => {
  try {
    const u = new URL(v);
    return /^postgres(ql)?:$/.test(u.protocol) && (u.hostname !== '' || u.searchParams.has('host'));
  } catch {
    return false;
  }
};
/** Unset stays undefined: production must choose (see loadConfig); elsewhere it means sandbox. */
const providerEnv = z.preprocess(blankToUndefined, z.enum(['sandbox', 'production']).optional());
const intIn = (min: number, max: number, dflt: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(dflt));

const envSchema = z.object({
  NODE_ENV: z.preprocess(blankToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  PORT: intIn(0, 65535, 4000),
  HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  PUBLIC_URL: optionalUrl,
  // Messages never echo the value: a connection string carries a password.
  DATABASE_URL: z.preprocess(blankToUndefined, z.string().refine(isPostgresUrl, 'must be a postgres:// URL with a host, e.g. postgres://user:password@host:5432/database').optional()),
  DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./.data')),
  REDIS_URL: z.preprocess(blankToUndefined, z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional()),
  ENCRYPTION_KEY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .refine((v) => !isTriviallyWeakKey(Buffer.from(v, 'base64')), 'all bytes are equal: not a secret (generate one: openssl rand -base64 32)')
      .optional(),
  ),
  AUTH_JWT_SECRET: z.preprocess(blankToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  AUTH_JWKS_URL: optionalUrl,
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  PLAID_CLIENT_ID: optionalString,
  PLAID_SECRET: optionalString,
  PLAID_ENV: providerEnv,
  PLAID_BASE_URL: optionalUrl,
  MONEYKIT_CLIENT_ID: optionalString,
  MONEYKIT_CLIENT_SECRET: optionalString,
  MONEYKIT_ENV: providerEnv,
  MONEYKIT_BASE_URL: optionalUrl,
  LINK_REDIRECT_URI: optionalUrl,
  STATUS_MAX_AGE_SECONDS: intIn(0, 86_400 * 365, 300),
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  MAX_BODY_BYTES: intIn(1024, 100 * 1024 * 1024, 1024 * 1024),
  MAX_QUERY_DEPTH: intIn(1, 1000, 16),
  MAX_ALIASES: intIn(0, 10_000, 30),
  PROVIDER_CONCURRENCY: intIn(1, 1024, 64),
  GRAPHIQL: z.preprocess(blankToUndefined, z.enum(['true', 'false']).optional()),
  INTROSPECTION: z.preprocess(blankToUndefined, z.enum(['true', 'false']).optional()),
  MAX_QUERY_TOKENS: intIn(100, 1_000_000, 5_000),
  MAX_SUBSCRIPTIONS_PER_USER: intIn(1, 10_000, 20),
  MAX_SUBSCRIPTIONS: intIn(1, 1_000_000, 1_000),
  PROVIDER_CONNECT_TIMEOUT_MS: intIn(50, 600_000, 3_000),
  PROVIDER_HEADERS_TIMEOUT_MS: intIn(50, 600_000, 10_000),
  PROVIDER_BODY_TIMEOUT_MS: intIn(50, 600_000, 10_000),
  PROVIDER_RETRIES: intIn(0, 10, 2),
  PROVIDER_RETRY_BASE_MS: intIn(0, 60_000, 100),
  PROVIDER_MAX_RETRY_AFTER_MS: intIn(0, 600_000, 5_000),
  PROVIDER_DEADLINE_MS: intIn(100, 600_000, 10_000),
  CIRCUIT_FAILURE_PERCENT: intIn(1, 99, 50),
  CIRCUIT_WINDOW_MS: intIn(1_000, 3_600_000, 30_000),
  CIRCUIT_MIN_OPERATIONS: intIn(1, 1_000_000, 10),
  CIRCUIT_HALF_OPEN_MS: intIn(10, 3_600_000, 1_000),
  METRICS_TOKEN: z.preprocess(blankToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  SHUTDOWN_TIMEOUT_MS: intIn(0, 600_000, 10_000),
  TRUST_PROXY: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('false')),
  CORS_ORIGINS: z.preprocess(blankToUndefined, z.string().transform(parseOrigins).optional()),
  RATE_LIMIT_PER_MINUTE: intIn(0, 1_000_000, 120),
  RATE_LIMIT_BURST: intIn(1, 1_000_000, 300),
  RATE_LIMIT_ADMIN_FACTOR: intIn(1, 10_000, 10),
  CONSOLE_ENABLED: z.preprocess(blankToUndefined, z.enum(['true', 'false']).optional()),
});

/** `CORS_ORIGINS`: comma-separated `scheme://host[:port]` origins, each exactly as a browser sends it. */
function parseOrigins(value: string, ctx: z.RefinementCtx): string[] {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    let origin: string | null = null;
    try {
      origin = new URL(o).origin;
    } catch {
      // reported below
    }
    if (origin !== o || !/^https?:/.test(o)) ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin such as https://app.example.com (no path, no trailing slash, no wildcard)` });
  }
  return origins;
}

export interface PlaidConfig {
  clientId: string;
  secret: string;
  env: 'sandbox' | 'production';
  baseUrl: string | null;
}
export interface MoneyKitConfig {
  clientId: string;
  clientSecret: string;
  env: 'sandbox' | 'production';
  baseUrl: string | null;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  /** PUBLIC_URL / LINK_REDIRECT_URI were not set: derived from the listen address (see withBoundPort). */
  derivedUrls: { publicUrl: boolean; linkRedirectUri: boolean };
  databaseUrl: string | null;
  dataDir: string;
  redisUrl: string | null;
  /** null: generate/reuse one in DATA_DIR (not allowed in production). */
  encryptionKey: Buffer | null;
  auth: { jwtSecret: string | null; jwksUrl: string | null; issuer: string | null; audience: string | null };
  plaid: PlaidConfig | null;
  moneykit: MoneyKitConfig | null;
  /** No provider credentials at all: run the built-in emulators. */
  demoMode: boolean;
  linkRedirectUri: string;
  statusMaxAgeSeconds: number;
  logLevel: string;
  limits: { maxBodyBytes: number; maxDepth: number; maxAliases: number; maxTokens: number; maxSubscriptionsPerUser: number; maxSubscriptions: number };
  providerConcurrency: number;
  graphiql: boolean;
  /** Schema introspection allowed (default: not in production). */
  introspection: boolean;
  /** Provider HTTP: per-phase timeouts, retries inside the operation deadline, circuit breaker over operations. */
  providerHttp: {
    timeouts: { connectMs: number; headersMs: number; bodyMs: number };
    retry: { retries: number; baseDelayMs: number; maxRetryAfterMs: number };
    deadlineMs: number;
    circuit: { failureRatio: number; windowMs: number; minOperations: number; halfOpenMs: number };
  };
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; required in production. */
  metricsToken: string | null;
  /** A reverse proxy of ours sets X-Forwarded-For: a webhook sender is the address it appended. */
  trustProxy: boolean;
  /** The operator console at /console (default: on except in production). */
  console: boolean;
  /** How long SIGTERM waits for in-flight requests before closing their sockets. */
  shutdownTimeoutMs: number;
  /** GraphQL "Did you mean ..." hints: off in production and whenever introspection is off. */
  suggestions: boolean;
  /** Browser origins allowed to call /graphql cross-origin (contract section 9); empty: none. */
  corsOrigins: string[];
  /** Per-caller budget for provider-bound mutations (token bucket); perMinute 0 turns it off. */
  rateLimit: { perMinute: number; burst: number; adminFactor: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const pair = (a: string, b: string, va?: string, vb?: string) => {
    if (!!va !== !!vb) problems.push(`${va ? b : a}: required when ${va ? a : b} is set`);
    return !!va && !!vb;
  };
  const plaidOn = pair('PLAID_CLIENT_ID', 'PLAID_SECRET', e.PLAID_CLIENT_ID, e.PLAID_SECRET);
  const mkOn = pair('MONEYKIT_CLIENT_ID', 'MONEYKIT_CLIENT_SECRET', e.MONEYKIT_CLIENT_ID, e.MONEYKIT_CLIENT_SECRET);
  const demoMode = !plaidOn && !mkOn && !e.PLAID_CLIENT_ID && !e.MONEYKIT_CLIENT_ID;
  const production = e.NODE_ENV === 'production';

  if (production && !e.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required when NODE_ENV=production');
  if (!demoMode && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) {
    problems.push('AUTH_JWT_SECRET: set it (or AUTH_JWKS_URL); only demo mode generates a secret');
  }
  if (production && demoMode) problems.push('PLAID_CLIENT_ID: demo mode (no provider credentials) is not allowed when NODE_ENV=production');
  // A provider environment must be a decision: a silent sandbox default could send sandbox-only
  // calls to a live host, and an environment without credentials would quietly mean the emulator.
  for (const [envVar, on, value, creds, anyCredential] of [
    ['PLAID_ENV', plaidOn, e.PLAID_ENV, 'PLAID_CLIENT_ID and PLAID_SECRET', !!(e.PLAID_CLIENT_ID || e.PLAID_SECRET)],
    ['MONEYKIT_ENV', mkOn, e.MONEYKIT_ENV, 'MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET', !!(e.MONEYKIT_CLIENT_ID || e.MONEYKIT_CLIENT_SECRET)],
  ] as const) {
    if (production && on && !value) problems.push(`${envVar}: required when NODE_ENV=production (sandbox or production)`);
    // (Half-set credentials are already reported above.)
    if (value && !anyCredential) {
      problems.push(`${envVar}: set, but ${creds} are not${demoMode ? ' (demo mode would use the built-in emulator instead)' : ''}`);
    }
  }
  if (production && !e.METRICS_TOKEN) problems.push('METRICS_TOKEN: required when NODE_ENV=production (GET /metrics answers only with it)');
  if (problems.length) throw new ConfigError(problems);

  const publicUrl = (e.PUBLIC_URL ?? listenUrl(e.HOST, e.PORT)).replace(/\/+$/, '');
  const introspection = e.INTROSPECTION ? e.INTROSPECTION === 'true' : !production;
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    derivedUrls: { publicUrl: !e.PUBLIC_URL, linkRedirectUri: !e.LINK_REDIRECT_URI },
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL ?? null,
    encryptionKey: e.ENCRYPTION_KEY ? Buffer.from(e.ENCRYPTION_KEY, 'base64') : null,
    auth: {
      jwtSecret: e.AUTH_JWT_SECRET ?? null,
      jwksUrl: e.AUTH_JWKS_URL ?? null,
      issuer: e.AUTH_ISSUER ?? null,
      audience: e.AUTH_AUDIENCE ?? null,
    },
    plaid: plaidOn
      ? { clientId: e.PLAID_CLIENT_ID!, secret: e.PLAID_SECRET!, env: e.PLAID_ENV ?? 'sandbox', baseUrl: e.PLAID_BASE_URL ?? null }
      : null,
    moneykit: mkOn
      ? { clientId: e.MONEYKIT_CLIENT_ID!, clientSecret: e.MONEYKIT_CLIENT_SECRET!, env: e.MONEYKIT_ENV ?? 'sandbox', baseUrl: e.MONEYKIT_BASE_URL ?? null }
      : null,
    demoMode,
    linkRedirectUri: e.LINK_REDIRECT_URI ?? `${publicUrl}${LINK_COMPLETE_PATH}`,
    statusMaxAgeSeconds: e.STATUS_MAX_AGE_SECONDS,
    logLevel: e.LOG_LEVEL,
    limits: { maxBodyBytes: e.MAX_BODY_BYTES, maxDepth: e.MAX_QUERY_DEPTH, maxAliases: e.MAX_ALIASES, maxTokens: e.MAX_QUERY_TOKENS, maxSubscriptionsPerUser: e.MAX_SUBSCRIPTIONS_PER_USER, maxSubscriptions: e.MAX_SUBSCRIPTIONS },
    providerConcurrency: e.PROVIDER_CONCURRENCY,
    graphiql: e.GRAPHIQL ? e.GRAPHIQL === 'true' : !production,
    introspection,
    providerHttp: {
      timeouts: { connectMs: e.PROVIDER_CONNECT_TIMEOUT_MS, headersMs: e.PROVIDER_HEADERS_TIMEOUT_MS, bodyMs: e.PROVIDER_BODY_TIMEOUT_MS },
      retry: { retries: e.PROVIDER_RETRIES, baseDelayMs: e.PROVIDER_RETRY_BASE_MS, maxRetryAfterMs: e.PROVIDER_MAX_RETRY_AFTER_MS },
      deadlineMs: e.PROVIDER_DEADLINE_MS,
      circuit: { failureRatio: e.CIRCUIT_FAILURE_PERCENT / 100, windowMs: e.CIRCUIT_WINDOW_MS, minOperations: e.CIRCUIT_MIN_OPERATIONS, halfOpenMs: e.CIRCUIT_HALF_OPEN_MS },
    },
    metricsToken: e.METRICS_TOKEN ?? null,
    trustProxy: e.TRUST_PROXY === 'true',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    suggestions: !production && introspection,
    corsOrigins: e.CORS_ORIGINS ?? [],
    rateLimit: { perMinute: e.RATE_LIMIT_PER_MINUTE, burst: e.RATE_LIMIT_BURST, adminFactor: e.RATE_LIMIT_ADMIN_FACTOR },
    console: e.CONSOLE_ENABLED ? e.CONSOLE_ENABLED === 'true' : !production,
  });
}

function listenUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * After listening: URLs derived from the listen address use the port actually bound (PORT=0
 * picks a free one), so providers' webhooks and redirects reach this process.
 */
export function withBoundPort(config: Readonly<Config>, port: number): Readonly<Config> {
  if (port === config.port || !config.derivedUrls.publicUrl) return config;
  const publicUrl = listenUrl(config.host, port);
  return Object.freeze({
    ...config,
    port,
    publicUrl,
    linkRedirectUri: config.derivedUrls.linkRedirectUri ? `${publicUrl}${LINK_COMPLETE_PATH}` : config.linkRedirectUri,
  });
}
