/**
 * MoneyKit sandbox emulator: a real HTTP server on loopback (the emulator kit's pipeline) that answers
 * like MoneyKit's API (api.moneykit.com, API version 2023-02-18) for the endpoints a gateway uses.
 * This file wires the parts; each part says what it serves:
 *   routes.ts    MoneyKit API routes (auth, link sessions, links, institutions, test webhooks, JWKS)
 *   finance.ts   GET /links/{id}/accounts, GET /links/{id}/transactions/sync and their data controls
 *   controls.ts  /emulator/* control routes and fault replies
 *   state.ts     apps, tokens, sessions, links (ledger.ts: accounts and transactions), signing keys
 *   webhooks.ts  signed webhook payloads on the kit's queue
 *
 * Deleted links: REFERENCE §6.1 says GET /links/{id} returns deleted links for 90 days with
 * `state: "deleted"`, so that is the default; `deletedLinkRead: 'gone'` answers 410 link_error.deleted
 * instead. Every other call on a deleted link (reset, delete, patch, relink) answers 410.
 *
 * Fault paths are matched segment by segment against the request path (query ignored):
 * `{name}` matches any one segment (`/links/{id}/reset`), and a final `*` segment matches any rest
 * (`/links/*` = every path below /links). `method` omitted = any method. First matching fault wins.
 *
 * Webhooks are sent after the triggering response has been written, to the link's webhook URL,
 * signed with ES256 (MoneyKit-Signature); non-2xx or network failures are retried up to
 * `webhookMaxAttempts` (default 1: no retries) with exponential backoff.
 * link.state_changed is sent on reset, delete, setLinkState (unless webhook: false) and when a
 * relink heals a link; it is not sent on link creation or token exchange. PATCH /links/{id} sends
 * nothing: MoneyKit documents no acknowledgement of a webhook change.
 */
import { FaultBook, RequestRecorder, startEmulatorServer, type RecordedRequest, type RedactionRules } from '../kit/index.js';
import { ApiError, errorBody, statusFor, type Reply } from './api.js';
import { LINK_ERROR_CODES, LINK_STATES } from './data.js';
import { createControlRouter, faultOutcome } from './controls.js';
import { createFinance } from './finance.js';
import { createApiRouter } from './routes.js';
import { faultSpecSchema, latencyRequestSchema, type FaultSpec } from './schemas.js';
import { createState, type StateConfig } from './state.js';
import { EmulatorError, type LinkRecord, type MoneyKitEmulator, type MoneyKitEmulatorOptions } from './types.js';
import { createWebhookSender } from './webhooks.js';

export * from './types.js';

const BODY_LIMIT = 2_000_000;

// What GET /emulator/requests masks: client secrets, bearer tokens (scheme kept), token fields.
const REDACTION: RedactionRules = {
  keys: ['client_secret', 'access_token', 'x-client-secret'],
  rewrite: { authorization: (v, mask) => `${v.split(' ')[0] ?? ''} ${mask}` },
  mask: '[REDACTED]',
};

/** Counts POST /auth/token calls as they are recorded (stats, tests of token caching). */
class TokenCountingRecorder extends RequestRecorder {
  tokenRequests = 0;
  override record(r: RecordedRequest): void {
    if (r.path === '/auth/token') this.tokenRequests += 1;
    super.record(r);
  }
  override clear(): void {
    this.tokenRequests = 0;
    super.clear();
  }
}

function errorReply(err: unknown): Reply {
  if (err instanceof ApiError) {
    return {
      status: err.opts.status ?? statusFor(err.code, 400),
      body: errorBody(err.code, err.opts.message, err.opts.extra),
      ...(err.opts.headers ? { headers: err.opts.headers } : {}),
    };
  }
  return { status: 500, body: errorBody('api_error.internal_server_error') };
}

export async function startMoneyKitEmulator(opts: MoneyKitEmulatorOptions): Promise<MoneyKitEmulator> {
  const now = opts.now ?? Date.now;
  const stateConfig: StateConfig = { apps: opts.apps, now, emit: (...args) => sender.emit(...args) };
  const st = createState(stateConfig);
  const sender = createWebhookSender({
    now,
    currentKey: st.currentKey,
    maxAttempts: Math.max(1, opts.webhookMaxAttempts ?? 1),
    retryDelayMs: opts.webhookRetryDelayMs ?? 50,
    timeoutMs: opts.webhookTimeoutMs ?? 5000,
  });
  let latencyMs = opts.latencyMs ?? 0;
  const faults = new FaultBook<FaultSpec>();
  const recorder = new TokenCountingRecorder(REDACTION);
  const finance = createFinance<LinkRecord>({
    requireLink: (ctx) => st.requireLink(ctx.params.id!, ctx.app!),
    findLink: (id) => st.data.links.get(id),
    toLinkCommon: st.toLinkCommon,
    emitWebhook: sender.emit,
  });

  const ops = {
    completeConnect: st.completeConnect,
    setLinkState: st.setLinkState,
    createLink: st.createLink,
    findLink: (id: string) => st.data.links.get(id),
    emit: sender.emit,
    expireAccessTokens(): void {
      for (const t of st.data.tokens.values()) t.forcedExpired = true;
    },
    injectFault: (spec: FaultSpec): string => faults.add(faultSpecSchema.parse(spec)),
    clearFaults: (): void => faults.clear(),
    setLatency(ms: number): void {
      latencyMs = latencyRequestSchema.parse({ ms }).ms;
    },
    rotateSigningKey: st.rotateSigningKey,
    resetState(): void {
      latencyMs = opts.latencyMs ?? 0;
      st.resetData();
      faults.clear();
      recorder.clear();
      sender.queue.clear();
    },
    redactedRequests: () => recorder.redacted(),
    deliveries: () => sender.queue.deliveries,
    stats: () => ({ token_requests: recorder.tokenRequests, links: st.data.links.size, faults: faults.size }),
  };

  const server = await startEmulatorServer<FaultSpec>({
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    bodyLimit: BODY_LIMIT,
    api: createApiRouter(st, {
      now,
      tokenTtl: opts.tokenTtlSeconds ?? 3600,
      deletedLinkRead: opts.deletedLinkRead ?? 'tombstone',
      emit: sender.emit,
      extra: finance.apiRoutes,
    }),
    control: createControlRouter(ops, finance.controlRoutes),
    recorder,
    latencyMs: () => latencyMs,
    faults,
    faultOutcome,
    errorReply,
    notFound: (method, path) => errorReply(new ApiError('api_error.not_found', { message: `No route for ${method} ${path}` })),
    bodyTooLarge: () => errorReply(new ApiError('api_error.request.validation_failed', { status: 413, message: 'Body too large' })),
    now,
    onClose: () => sender.close(),
  });

  return {
    url: server.url,
    close: () => server.close(),
    completeConnect: (token, o) => st.completeConnect(token, o ?? {}),
    setLinkState: (linkId, state, errorCode, o) => st.setLinkState(linkId, state, errorCode, o ?? {}),
    async sendWebhook(linkId, body) {
      const link = st.data.links.get(linkId);
      if (!link) throw new EmulatorError('link_not_found', 404, `No link ${linkId}`);
      return sender.emit(link, body).done;
    },
    expireAccessTokens: ops.expireAccessTokens,
    injectFault: ops.injectFault,
    clearFaults: ops.clearFaults,
    setLatency: ops.setLatency,
    rotateSigningKey: st.rotateSigningKey,
    resetState: ops.resetState,
    createLink: st.createLink,
    ...finance.ops,
    getLink: (linkId) => {
      const l = st.data.links.get(linkId);
      return l ? st.toLinkCommon(l) : undefined;
    },
    waitForWebhookDelivery: (predicate = () => true, timeoutMs = 5000) => sender.queue.waitFor(predicate, timeoutMs),
    get requests() {
      return recorder.requests;
    },
    get webhookDeliveries() {
      return sender.queue.deliveries;
    },
    get tokenRequests() {
      return recorder.tokenRequests;
    },
    get jwks() {
      return { keys: st.keys.map((k) => k.publicJwk) };
    },
    get currentKid() {
      return st.currentKey().kid;
    },
  };
}

// Re-exported so callers can enumerate what setLinkState accepts.
export { LINK_STATES, LINK_ERROR_CODES };
