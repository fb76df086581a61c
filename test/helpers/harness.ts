import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp, type App } from '../../src/app.js';
import { signDemoToken } from '../../src/auth/auth.js';
import { loadConfig } from '../../src/config.js';
import { startMoneyKitEmulator, type MoneyKitEmulator } from '../../src/emulators/moneykit/index.js';
import { startPlaidEmulator, type PlaidEmulator } from '../../src/emulators/plaid/index.js';
import { createLogger } from '../../src/logger.js';
import { CONNECTION_FIELDS } from '../e2e/operations.js';
import { createTokenCipher, openPgliteStore, type SqlConnectionStore } from '../../src/store/index.js';

/**
 * The whole gateway over real loopback HTTP: both sandbox emulators, an in-memory PGlite, and the
 * gateway listening on a port so that emulators can deliver webhooks to it. GraphQL calls go
 * through gateway.fetch (the same handler the server runs). Every log line is captured.
 */
export interface Harness {
  app: App;
  plaid: PlaidEmulator;
  moneykit: MoneyKitEmulator;
  store: SqlConnectionStore;
  url: string;
  logs: string[];
  secrets: string[];
  token(sub: string, opts?: { scope?: string; expiresIn?: string | number }): Promise<string>;
  /** A typed document (test/generated) gives typed data; a string gives `any`. */
  gql: ReturnType<typeof gqlClient>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  store?: SqlConnectionStore;
  plaidEnv?: 'sandbox' | 'production';
  moneykitEnv?: 'sandbox' | 'live';
  /** The emulators' clocks (their tokens and webhook signatures), for backdating in tests. */
  plaidNow?: () => number;
  moneykitNow?: () => number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const plaidCreds = { clientId: `client-${randomBytes(4).toString('hex')}`, secret: `plaidsecret${randomBytes(12).toString('hex')}` };
  const mkCreds = { clientId: `sandbox_${randomBytes(4).toString('hex')}`, clientSecret: `mksecret${randomBytes(12).toString('hex')}` };
  const plaid = await startPlaidEmulator({ ...plaidCreds, env: opts.plaidEnv ?? 'sandbox', ...(opts.plaidNow ? { now: opts.plaidNow } : {}) });
  const moneykit = await startMoneyKitEmulator({ apps: [{ ...mkCreds, env: opts.moneykitEnv ?? 'sandbox' }], ...(opts.moneykitNow ? { now: opts.moneykitNow } : {}) });
  const store = opts.store ?? (await openPgliteStore({ dataDir: null, cipher: createTokenCipher(randomBytes(32)) }));
  await store.migrate();

  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    ...gatewayTestEnv({ url, jwtSecret, plaid: { ...plaidCreds, url: plaid.url }, moneykit: { ...mkCreds, url: moneykit.url } }),
    PLAID_ENV: opts.plaidEnv ?? 'sandbox',
    MONEYKIT_ENV: opts.moneykitEnv === 'live' ? 'production' : 'sandbox',
    LOG_LEVEL: 'debug',
    ...opts.env,
  });
  const logs: string[] = [];
  const logger = createLogger(config.logLevel, { write: (s: string) => void logs.push(s) });
  const app = await buildApp(config, logger, { store });
  server.on('request', app.gateway);

  return {
    app,
    plaid,
    moneykit,
    store,
    url,
    logs,
    secrets: [plaidCreds.secret, mkCreds.clientSecret, jwtSecret],
    token: (sub, o = {}) => signDemoToken(jwtSecret, { sub, ...(o.scope ? { scope: o.scope } : {}), expiresIn: o.expiresIn ?? '1h' }),
    gql: gqlClient(app),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      if (!opts.store) await store.close();
      await plaid.close();
      await moneykit.close();
    },
  };
}

/** The environment of a gateway listening at `url` against the two emulators (sandbox credentials). */
export function gatewayTestEnv(o: {
  url: string;
  jwtSecret: string;
  plaid: { clientId: string; secret: string; url: string };
  moneykit: { clientId: string; clientSecret: string; url: string };
}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    AUTH_JWT_SECRET: o.jwtSecret,
    PUBLIC_URL: o.url,
    PLAID_CLIENT_ID: o.plaid.clientId,
    PLAID_SECRET: o.plaid.secret,
    PLAID_ENV: 'sandbox',
    PLAID_BASE_URL: o.plaid.url,
    MONEYKIT_CLIENT_ID: o.moneykit.clientId,
    MONEYKIT_CLIENT_SECRET: o.moneykit.clientSecret,
    MONEYKIT_ENV: 'sandbox',
    MONEYKIT_BASE_URL: o.moneykit.url,
  };
}

/** GraphQL over the gateway's fetch handler; a typed document (test/generated) gives typed data. */
export function gqlClient(app: Pick<App, 'gateway'>) {
  return async function gql<T = any, V = Record<string, unknown>>(
    token: string | null,
    query: string | TypedDocumentNode<T, V>,
    variables?: V,
  ): Promise<{ status: number; body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] } }> {
    const res = await app.gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: typeof query === 'string' ? withFragments(query) : print(query), variables }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

/** Narrow a result union to the member the test expects, failing with what came instead. */
export function member<T extends { __typename: string }, K extends T['__typename']>(value: T | null | undefined, typename: K): Extract<T, { __typename: K }> {
  if (value?.__typename !== typename) throw new Error(`expected ${typename}, got ${JSON.stringify(value)}`);
  return value as Extract<T, { __typename: K }>;
}

/** Append the shared fragment when an operation spreads it (operations.ts keeps documents plain for codegen). */
function withFragments(query: string): string {
  return query.includes('...ConnectionFields') && !query.includes('fragment ConnectionFields') ? `${query}\n${CONNECTION_FIELDS}` : query;
}

/** Poll until `check` returns a value (webhook effects arrive asynchronously). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
