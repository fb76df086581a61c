import { randomUUID, timingSafeEqual } from 'node:crypto';
import { getOperationAST, getVariableValues, GraphQLError, Kind, NoSchemaIntrospectionCustomRule } from 'graphql';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { AuthError, type Authenticator, type Caller } from './auth/auth.js';
import type { ConnectionService } from './connections/service.js';
import { LINK_COMPLETE_PATH, WEBHOOK_PATHS } from './http-paths.js';
import type { ProviderName } from './domain/connection.js';
import type { GraphQLContext } from './graphql/context.js';
import { csrfViolation, maxAliasesRule, maxDepthRule, readBodyLimited, withMaxTokens, withoutSuggestion } from './graphql/limits.js';
import { createRateLimiter, type RateLimitSettings } from './graphql/rate-limit.js';
import { useSubscriptionLimits } from './graphql/subscription-limits.js';
import { createMetrics, METRICS_CONTENT_TYPE, type Metrics } from './metrics.js';
import { schema } from './graphql/schema.js';
import type { ConnectionStore } from './store/store.js';
import { createWebhookHandler } from './webhooks/route.js';
import type { WebhookVerifier } from './providers/webhook.js';

export interface GatewayDeps {
  service: ConnectionService;
  store: ConnectionStore;
  authenticator: Authenticator;
  verifiers: Partial<Record<ProviderName, WebhookVerifier>>;
  logger: Logger;
  limits: { maxBodyBytes: number; maxDepth: number; maxAliases: number; maxTokens?: number; maxSubscriptionsPerUser?: number; maxSubscriptions?: number };
  graphiql: boolean;
  /** Schema introspection allowed (config: off in production unless INTROSPECTION=true). */
  introspection?: boolean;
  metrics?: Metrics;
  /** When set, GET /metrics requires this bearer token. */
  metricsToken?: string | null;
  /** false: /metrics answers 404 (production without METRICS_TOKEN). Default true. */
  metricsEnabled?: boolean;
  /** Providers the gateway has credentials for (readiness). */
  providers: ProviderName[];
  /** Extra readiness checks (Redis, ...). */
  readyChecks?: Record<string, () => Promise<void>>;
  /** X-Forwarded-For is set by our own proxy: a webhook's sender is the address it appended. */
  trustProxy?: boolean;
  /** GraphQL "Did you mean ..." hints in errors (default on; config: off in production). */
  suggestions?: boolean;
  /** Browser origins allowed to call /graphql cross-origin; none when absent. */
  corsOrigins?: readonly string[];
  /** Per-caller budget for provider-bound mutations; unlimited when absent. */
  rateLimit?: RateLimitSettings;
  /** The console's assets and the demo-mode widget completion (console-route.ts). */
  browserRoutes?: (request: Request, url: URL) => Promise<Response | null>;
}

/** Per-request state carried on Yoga's server context from the first hook to the last. */
interface ServerContext {
  requestId?: string;
  caller?: Caller;
  started?: number;
  route?: string;
}

const GRAPHQL_PATH = '/graphql';
const KNOWN_ROUTES = new Set([GRAPHQL_PATH, '/health', '/ready', '/metrics', LINK_COMPLETE_PATH, ...Object.values(WEBHOOK_PATHS)]);
const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The gateway's HTTP surface as a fetch handler: GraphQL at /graphql, webhooks, health.
 * It never listens; main.ts puts it on a socket and tests call gateway.fetch directly.
 */
export function createGateway(deps: GatewayDeps) {
  const { logger, limits } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const rateLimiter = deps.rateLimit ? createRateLimiter(deps.rateLimit) : null;
  const webhook = createWebhookHandler({
    service: deps.service,
    verifiers: deps.verifiers,
    logger,
    onRejected: (provider) => metrics.webhookFailures.inc({ provider }),
    trustProxy: deps.trustProxy ?? false,
  });

  // Yoga's own Response (whatwg-node), not Node's global one: whatwg-node writes its string body
  // to the socket directly, where a global Response is read through a web stream (the stream was
  // most of the webhook route's Node-internal time, profiled).
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new yoga.fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  /** The caller, or the 401 error to answer with (never a hint of why beyond expiry). */
  async function authenticate(request: Request): Promise<Caller | GraphQLError> {
    try {
      return await deps.authenticator.authenticate(request.headers.get('authorization'));
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      return new GraphQLError(e.message === 'token expired' ? 'Token expired.' : 'Authentication required.', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
      });
    }
  }

  const routes: Plugin<ServerContext> = {
    async onRequest({ request: incoming, setRequest, url, endResponse, serverContext, fetchAPI }) {
      let request = incoming;
      const requestId = sanitizeRequestId(request.headers.get('x-request-id')) ?? randomUUID();
      const path = url.pathname;
      const sc = serverContext as ServerContext;
      sc.requestId = requestId;
      sc.started = performance.now();
      sc.route = KNOWN_ROUTES.has(path) ? path : 'other';
      const tooLarge = () => json(413, { errors: [{ message: 'Request body too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }, { 'x-request-id': requestId, connection: 'close' });
      const declared = Number(request.headers.get('content-length') ?? '0');
      if (declared > limits.maxBodyBytes) return endResponse(tooLarge());
      // With a declared length the HTTP server already holds the body to it; only chunked bodies
      // (no length) are counted while reading, stopped at the limit before any parsing.
      if (!BODYLESS.has(request.method) && request.body && !request.headers.has('content-length')) {
        const body = await readBodyLimited(request.body, limits.maxBodyBytes);
        if (body === null) return endResponse(tooLarge());
        request = new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body });
        setRequest(request);
      }
      if (path === GRAPHQL_PATH) {
        const csrf = csrfViolation(request, url);
        if (csrf) {
          return endResponse(json(403, { errors: [{ message: csrf, extensions: { code: 'CSRF_REJECTED' } }] }, { 'x-request-id': requestId }));
        }
        // Authenticate before parsing: an anonymous caller learns nothing, not even validation
        // hints about field names. (GET without a query is the GraphiQL page: no operation.)
        if (request.method === 'POST' || url.searchParams.has('query')) {
          const who = await authenticate(request);
          if (who instanceof GraphQLError) {
            return endResponse(json(401, { errors: [{ message: who.message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer', 'x-request-id': requestId }));
          }
          sc.caller = who;
        }
      }
      if (path === '/metrics' && request.method === 'GET') {
        if (deps.metricsEnabled === false) return endResponse(json(404, { error: 'metrics disabled: set METRICS_TOKEN' }));
        if (deps.metricsToken && !bearerMatches(request.headers.get('authorization'), deps.metricsToken)) {
          return endResponse(json(401, { error: 'metrics token required' }, { 'www-authenticate': 'Bearer' }));
        }
        return endResponse(new fetchAPI.Response(await metrics.render(), { headers: { 'content-type': METRICS_CONTENT_TYPE } }));
      }
      const browser = await deps.browserRoutes?.(request, url);
      if (browser) return endResponse(browser);
      if (path === '/health' && request.method === 'GET') {
        endResponse(json(200, { status: 'ok' }));
      } else if (path === '/ready' && request.method === 'GET') {
        endResponse(await readiness());
      } else if (path.startsWith('/webhooks/')) {
        const r = await webhook(request, path, requestId, serverContext);
        endResponse(json(r.status, r.body));
      } else if (path === LINK_COMPLETE_PATH && request.method === 'GET') {
        // Default LINK_REDIRECT_URI target: a neutral page the OAuth flow returns to.
        endResponse(new fetchAPI.Response('<!doctype html><title>Linking complete</title><p>You can close this window.</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } }));
      } else if (path !== GRAPHQL_PATH) {
        // Exactly one GraphQL path: Yoga also serves look-alikes (/graphql/, //graphql, /x/graphql)
        // that would skip the CSRF check and authentication above.
        endResponse(json(404, { errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] }));
      }
    },
    onResponse({ request, response, serverContext }) {
      const sc = (serverContext ?? {}) as ServerContext;
      const id = sc.requestId;
      if (id) response.headers.set('x-request-id', id);
      const route = sc.route ?? 'other';
      const seconds = sc.started !== undefined ? (performance.now() - sc.started) / 1000 : 0;
      metrics.recordHttp(route, request.method, response.status, seconds);
      logger.info({ requestId: id, method: request.method, route, status: response.status, durationMs: Math.round(seconds * 1000) }, 'request');
    },
  };

  // Masking (below) has no request context; here the masked errors meet their request: each one
  // gets the request id, and one log line ties the request to the error ids logged with the causes.
  // (A request-scoped AsyncLocalStorage did this too, at the cost of promise hooks on every promise.)
  const requestIdOnErrors: Plugin<ServerContext> = {
    onResultProcess({ result, setResult, serverContext }) {
      const requestId = (serverContext as ServerContext).requestId;
      if (!requestId || Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      const errorIds = result.errors.map((e) => e.extensions?.errorId).filter((v): v is string => typeof v === 'string');
      if (!errorIds.length) return;
      logger.error({ requestId, errorIds }, 'request failed with unexpected errors');
      setResult({
        ...result,
        errors: result.errors.map((e) =>
          typeof e.extensions?.errorId === 'string' ? new GraphQLError(e.message, { ...e, extensions: { ...e.extensions, requestId } }) : e,
        ),
      });
    },
  };

  const parseLimits: Plugin = {
    onParse({ parseFn, setParseFn }) {
      if (limits.maxTokens) setParseFn(withMaxTokens(parseFn, limits.maxTokens));
    },
  };

  // Validation and variable errors name the schema's fields and enum values ("Did you mean ...");
  // where the schema is not public (introspection off, production), they must not.
  const noSuggestions: Plugin = {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((e) => {
          const message = withoutSuggestion(e.message);
          return message === e.message
            ? e
            : new GraphQLError(message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: e.extensions });
        }),
      });
    },
  };

  // Queries and mutations run compiled (graphql-jit): graphql-js's per-field work was a measured
  // share of every page (BENCHMARKS.md). Compiled once per document, kept as long as Yoga's parser
  // cache keeps the document. Subscriptions keep graphql-js (their work is per event, not per field
  // of a page), and so do requests whose variables graphql-js refuses: its messages are the ones
  // clients see. A document that passed validation but cannot be compiled answers the compiler's
  // errors, logged here (none known: the suite runs every operation compiled). Only documents
  // holding one operation: the plugin keys its compiled queries by document alone, so in a
  // document of several operations a later request would run the first one compiled, whatever
  // its operationName (a mutation answered to a GET naming a query).
  const compiledExecution = useGraphQlJit(
    {},
    {
      enableIf: ({ schema: s, document, operationName, variableValues }) => {
        if (document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length !== 1) return false;
        const op = getOperationAST(document, operationName);
        if (!op || op.operation === 'subscription') return false;
        return !op.variableDefinitions?.length || !getVariableValues(s, op.variableDefinitions, variableValues ?? {}).errors;
      },
      onError: (r) => logger.warn({ errors: r.errors?.map((e) => e.message) }, 'query could not be compiled'),
    },
  );

  const validationLimits: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(maxDepthRule(limits.maxDepth));
      addValidationRule(maxAliasesRule(limits.maxAliases));
      if (deps.introspection === false) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };

  async function readiness(): Promise<Response> {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await deps.store.ping();
      checks.database = 'ok';
      checks.migrations = `v${await deps.store.schemaVersion()}`;
    } catch {
      ok = false;
      checks.database = 'unreachable';
    }
    checks.providers = deps.providers.length ? deps.providers.join(',') : 'none configured';
    if (!deps.providers.length) ok = false;
    for (const [name, check] of Object.entries(deps.readyChecks ?? {})) {
      try {
        await check();
        checks[name] = 'ok';
      } catch {
        ok = false;
        checks[name] = 'unreachable';
      }
    }
    return json(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
  }

  const corsOrigins = new Set(deps.corsOrigins ?? []);
  const graphiqlOptions = { title: 'aggregator-gateway', defaultQuery: DEFAULT_QUERY };
  let graphiqlPage: string | undefined;

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Yoga's built-in check cannot be switched off and answers 200 for any URL *ending* in its
    // endpoint (/x/health, /graphql?a=/health), ahead of our routes. A space never survives URL
    // serialization (it becomes %20), so this endpoint never matches; /health is answered above.
    healthCheckEndpoint: ' yoga-health-check-disabled',
    landingPage: false,
    // Only on the one GraphQL path (Yoga also matches look-alikes), from assets inlined in the
    // page (no CDN: works offline); rendered once, it is the same 9 MB for every request. Loaded on
    // the first visit: the module holds those 9 MB as a string (about 38 MB of RSS once parsed).
    graphiql: deps.graphiql ? (request) => new URL(request.url).pathname === GRAPHQL_PATH && graphiqlOptions : false,
    renderGraphiQL: async () => (graphiqlPage ??= (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions)),
    // Contract section 9: only listed origins, only /graphql, never credentials (callers send
    // bearer tokens, there are no cookies). Any other origin gets no CORS headers at all.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && corsOrigins.has(origin) && new URL(request.url).pathname === GRAPHQL_PATH
        ? { origin: [origin], methods: ['GET', 'POST'], credentials: false, exposedHeaders: ['x-request-id'], maxAge: 600 }
        : false;
    },
    logging: false,
    // The routes plugin has already held the body to limits.maxBodyBytes (declared or chunked);
    // Yoga's own 25 MB check would pipe every body through a TransformStream again (profiled:
    // about 5 % of a mutation's CPU with the stream's teardown).
    maxRequestBodySize: false,
    plugins: [routes, requestIdOnErrors, parseLimits, validationLimits, compiledExecution, useSubscriptionLimits({ maxSubscriptionsPerUser: limits.maxSubscriptionsPerUser ?? 20, maxSubscriptions: limits.maxSubscriptions ?? 1_000 }), ...(deps.suggestions === false ? [noSuggestions] : [])],
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        // Expected GraphQL errors (auth, validation, bad ids) pass; everything else is masked and logged.
        if (error instanceof GraphQLError && !(error.originalError && !(error.originalError instanceof GraphQLError))) return error;
        // The client gets ids only; the operator finds the cause in the logs by the error id,
        // and the error id by the request id (requestIdOnErrors).
        const errorId = randomUUID();
        logger.error({ errorId, err: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original) }, 'unexpected error');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
      },
    },
    context: async ({ request, ...server }): Promise<GraphQLContext> => {
      const sc = server as ServerContext;
      const requestId = sc.requestId ?? randomUUID();
      const caller = sc.caller ?? (await authenticate(request));
      if (caller instanceof GraphQLError) throw caller;
      return {
        caller,
        service: deps.service,
        loader: deps.service.createLoader(caller),
        requestId,
        spendProviderCall: () => rateLimiter?.take(caller.userId, caller.admin),
      };
    },
  });

  return yoga;
}

export type Gateway = ReturnType<typeof createGateway>;

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function sanitizeRequestId(v: string | null): string | null {
  return v && /^[A-Za-z0-9._:-]{1,100}$/.test(v) ? v : null;
}

const DEFAULT_QUERY = `# Paste the "Demo token" printed at start into the Headers tab:
# { "Authorization": "Bearer <token>" }

query MyConnections {
  connections(first: 20) {
    totalCount
    edges { node { id provider status requiredAction error { providerCode message } institution { name } } }
  }
}
`;
