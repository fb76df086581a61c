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
import { createTokenCipher, type SqlConnectionStore } from '../../src/store/index.js';
import { openPgliteStore } from '../../src/store/pglite.js';

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
  /** Static secrets: provider client secrets and the JWT secret. */
  secrets: string[];
  /** Every response body (GraphQL answers, subscription event streams) that went through `fetch`/`gql`. */
  responses: Transcript;
  /** The gateway's fetch handler, recording every response body into `responses`. */
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** Static secrets plus every provider access token issued during the run (see issuedSecrets). */
  allSecrets(): Promise<string[]>;
  /** Fails when any secret appears in a log line, response or subscription event so far. */
  assertNoSecretLeaks(): Promise<void>;
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
  const responses = new Transcript();
  const fetch = recordingFetch(app.gateway, responses);
  const staticSecrets = [plaidCreds.secret, mkCreds.clientSecret, jwtSecret];
  // Collected while the store is open; close() sweeps once more with what it saw.
  let known: string[] = [];
  const allSecrets = async () => (known = [...new Set([...known, ...staticSecrets, ...(await issuedSecrets(plaid, moneykit, store))])]);
  let closed = false;
  const assertNoSecretLeaks = async () => {
    const secrets = closed ? known : await allSecrets();
    expectNoSecrets(secrets, [...logs, ...responses.texts()]);
  };

  return {
    app,
    plaid,
    moneykit,
    store,
    url,
    logs,
    secrets: staticSecrets,
    responses,
    fetch,
    allSecrets,
    assertNoSecretLeaks,
    token: (sub, o = {}) => signDemoToken(jwtSecret, { sub, ...(o.scope ? { scope: o.scope } : {}), expiresIn: o.expiresIn ?? '1h' }),
    gql: gqlClient({ gateway: { fetch } }),
    /** Shuts everything down, then sweeps every log line, response and event of the run for secrets. */
    async close() {
      await allSecrets().catch(() => undefined); // a test may have closed the store already
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      if (!opts.store) await store.close();
      await plaid.close();
      await moneykit.close();
      closed = true;
      await assertNoSecretLeaks();
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

type FetchFn = (url: string, init: RequestInit) => Response | Promise<Response>;

/** Response bodies as they streamed by, one entry per response (chunks joined when read). */
export class Transcript {
  private readonly bodies: string[][] = [];
  open(): string[] {
    const parts: string[] = [];
    this.bodies.push(parts);
    return parts;
  }
  texts(): string[] {
    return this.bodies.map((p) => p.join(''));
  }
}

/**
 * The gateway's fetch with every response body copied into `into` as the client reads it
 * (subscription streams included: a pass-through, so cancelling still reaches the server).
 */
export function recordingFetch(gateway: { fetch: FetchFn }, into: Transcript) {
  return async (url: string, init?: RequestInit): Promise<Response> => {
    const res = await gateway.fetch(url, init ?? {});
    if (!res.body) return res;
    const parts = into.open();
    const decoder = new TextDecoder();
    const copy = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        parts.push(decoder.decode(chunk, { stream: true }));
        ctl.enqueue(chunk);
      },
    });
    return new Response(res.body.pipeThrough(copy), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/**
 * Provider secrets issued during a run: every Plaid access token the gateway sent, every MoneyKit
 * bearer token it used, and every credential still stored (decrypted).
 */
export async function issuedSecrets(plaid: PlaidEmulator, moneykit: MoneyKitEmulator, store: SqlConnectionStore): Promise<string[]> {
  const out = new Set<string>();
  for (const r of plaid.requests) {
    const t = (r.body as { access_token?: unknown } | null)?.access_token;
    if (typeof t === 'string' && t) out.add(t);
  }
  for (const r of moneykit.requests) {
    const auth = r.headers['authorization'];
    const m = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
    if (m) out.add(m[1]!);
  }
  const ids: string[] = [];
  for (let after: { createdAt: Date; id: string } | null = null; ; ) {
    const page = await store.listConnections({}, { first: 500, after });
    ids.push(...page.items.map((c) => c.id));
    const last = page.items.at(-1);
    if (!page.hasNextPage || !last) break;
    after = { createdAt: last.createdAt, id: last.id };
  }
  for (const c of await store.getCredentials(ids)) if (typeof c === 'string') out.add(c);
  return [...out];
}

/** Fails naming the first secret found in any of the texts (only a prefix of it is shown). */
export function expectNoSecrets(secrets: readonly string[], texts: readonly string[]): void {
  for (const s of secrets) {
    if (s.length < 8) throw new Error(`a secret of ${s.length} characters cannot be swept reliably`);
    const hit = texts.find((t) => t.includes(s));
    if (hit !== undefined) throw new Error(`secret ${s.slice(0, 6)}... found in: ${hit.slice(0, 300)}`);
  }
}

/** GraphQL over the gateway's fetch handler; a typed document (test/generated) gives typed data. */
export function gqlClient(app: { gateway: { fetch: FetchFn } }) {
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
