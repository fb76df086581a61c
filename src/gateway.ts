import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { AuthError, type Authenticator } from './auth/auth.js';
import type { ConnectionService } from './connections/service.js';
import type { ProviderName } from './domain/connection.js';
import type { GraphQLContext } from './graphql/context.js';
import { maxAliasesRule, maxDepthRule } from './graphql/limits.js';
import { schema } from './graphql/schema.js';
import type { ConnectionStore } from './store/store.js';
import { createWebhookHandler } from './webhooks/route.js';
import type { WebhookVerifier } from './webhooks/types.js';

export interface GatewayDeps {
  service: ConnectionService;
  store: ConnectionStore;
  authenticator: Authenticator;
  verifiers: Partial<Record<ProviderName, WebhookVerifier>>;
  logger: Logger;
  limits: { maxBodyBytes: number; maxDepth: number; maxAliases: number };
  graphiql: boolean;
  /** Providers the gateway has credentials for (readiness). */
  providers: ProviderName[];
  /** Extra readiness checks (Redis, ...). */
  readyChecks?: Record<string, () => Promise<void>>;
}

interface ServerContext {
  requestId?: string;
}

/**
 * The gateway's HTTP surface as a fetch handler: GraphQL at /graphql, webhooks, health.
 * It never listens; main.ts puts it on a socket and tests call gateway.fetch directly.
 */
export function createGateway(deps: GatewayDeps) {
  const { logger, limits } = deps;
  const webhook = createWebhookHandler({ service: deps.service, verifiers: deps.verifiers, logger, maxBodyBytes: limits.maxBodyBytes });

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  const routes: Plugin<ServerContext> = {
    async onRequest({ request, url, endResponse, serverContext }) {
      const requestId = sanitizeRequestId(request.headers.get('x-request-id')) ?? randomUUID();
      (serverContext as ServerContext).requestId = requestId;
      const declared = Number(request.headers.get('content-length') ?? '0');
      if (declared > limits.maxBodyBytes) {
        endResponse(json(413, { errors: [{ message: 'Request body too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }, { 'x-request-id': requestId }));
        return;
      }
      const path = url.pathname;
      if (path === '/health' && request.method === 'GET') {
        endResponse(json(200, { status: 'ok' }));
      } else if (path === '/ready' && request.method === 'GET') {
        endResponse(await readiness());
      } else if (path.startsWith('/webhooks/')) {
        endResponse(await webhook(request, path, requestId));
      } else if (path === '/link/complete' && request.method === 'GET') {
        // Default LINK_REDIRECT_URI target: a neutral page the OAuth flow returns to.
        endResponse(new Response('<!doctype html><title>Linking complete</title><p>You can close this window.</p>', { headers: { 'content-type': 'text/html; charset=utf-8' } }));
      }
    },
    onResponse({ response, serverContext }) {
      const id = (serverContext as ServerContext | undefined)?.requestId;
      if (id) response.headers.set('x-request-id', id);
    },
  };

  const validationLimits: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(maxDepthRule(limits.maxDepth));
      addValidationRule(maxAliasesRule(limits.maxAliases));
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

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: deps.graphiql ? { title: 'aggregator-gateway', defaultQuery: DEFAULT_QUERY } : false,
    logging: false,
    plugins: [routes, validationLimits],
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        // Expected GraphQL errors (auth, validation, bad ids) pass; everything else is masked and logged.
        if (error instanceof GraphQLError && !(error.originalError && !(error.originalError instanceof GraphQLError))) return error;
        const errorId = randomUUID();
        logger.error({ errorId, err: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original) }, 'unexpected error');
        return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
      },
    },
    context: async ({ request, ...server }): Promise<GraphQLContext> => {
      const requestId = (server as ServerContext).requestId ?? randomUUID();
      let caller;
      try {
        caller = await deps.authenticator.authenticate(request.headers.get('authorization'));
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        throw new GraphQLError(e.message === 'token expired' ? 'Token expired.' : 'Authentication required.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
        });
      }
      return { caller, service: deps.service, loader: deps.service.createLoader(caller), requestId };
    },
  });

  return yoga;
}

export type Gateway = ReturnType<typeof createGateway>;

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
