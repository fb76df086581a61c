// The emulator's control surface (no auth, never recorded, faulted or delayed) and what each fault
// kind answers. Control-route errors: {error_code: "emulator_error.<reason>", error_message}.
//   POST   /emulator/links                  a link made outside the gateway -> 201 {link_id, link}
//   POST   /emulator/connect/complete       {link_session_token, institution_id?} -> {link_id, exchangeable_token?}
//   POST   /emulator/links/{id}/state       {state, error_code?, webhook?: boolean} -> LinkCommon
//   POST   /emulator/links/{id}/webhook     partial webhook body -> 202 {webhook_idempotency_key} (sent async)
//   POST   /emulator/auth/expire            every bearer token issued so far answers expired -> 204
//   POST   /emulator/faults                 FaultSpec -> 201 {fault_id};  DELETE /emulator/faults -> 204
//   POST   /emulator/latency                {ms} -> 204
//   POST   /emulator/keys/rotate            {keep_previous?} -> {kid}
//   POST   /emulator/reset                  resetState() -> 204
//   GET    /emulator/requests               {requests} with secrets and bearer tokens redacted
//   GET    /emulator/webhooks               {deliveries}
//   GET    /emulator/stats                  {token_requests, links, faults}
// plus the accounts/transactions controls of finance.ts.
import { Router, type FaultOutcome, type Handler, type RecordedRequest } from '../kit/index.js';
import { ApiError, errorBody, jsonBody, parseWith, statusFor, type Ctx, type Reply, type RouteDef } from './api.js';
import {
  completeConnectRequestSchema,
  faultSpecSchema,
  latencyRequestSchema,
  rotateKeyRequestSchema,
  setStateRequestSchema,
  webhookBodySchema,
  type CreateLinkInput,
  type FaultSpec,
} from './schemas.js';
import { EmulatorError, type CompleteConnectResult, type LinkRecord, type MoneyKitEmulator, type WebhookDelivery } from './types.js';
import type { Emitted, Schedule } from './webhooks.js';

/** What the control routes operate on. */
export interface ControlOps extends Pick<
  MoneyKitEmulator,
  'createLink' | 'expireAccessTokens' | 'injectFault' | 'clearFaults' | 'setLatency' | 'rotateSigningKey' | 'resetState'
> {
  completeConnect(linkSessionToken: string, o?: { institutionId?: string | null | undefined }): CompleteConnectResult;
  setLinkState(
    linkId: string,
    state: Parameters<MoneyKitEmulator['setLinkState']>[1],
    errorCode: Parameters<MoneyKitEmulator['setLinkState']>[2],
    o: { webhook?: boolean | undefined },
    schedule?: Schedule,
  ): ReturnType<MoneyKitEmulator['setLinkState']>;
  findLink(id: string): LinkRecord | undefined;
  emit(link: LinkRecord, body: Record<string, unknown>, schedule?: Schedule): Emitted;
  redactedRequests(): RecordedRequest[];
  deliveries(): readonly WebhookDelivery[];
  stats(): { token_requests: number; links: number; faults: number };
}

function controlCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EmulatorError) throw new ApiError(`emulator_error.${err.code}`, { status: err.status, message: err.message });
    throw err;
  }
}

export function createControlRouter(ops: ControlOps, extra: readonly RouteDef[]): Router<Handler> {
  const defs: RouteDef[] = [
    {
      method: 'POST',
      path: '/emulator/links',
      handler: (ctx: Ctx): Reply => {
        const link = controlCall(() => ops.createLink((jsonBody(ctx) ?? {}) as CreateLinkInput));
        return { status: 201, body: { link_id: link.link_id, link } };
      },
    },
    ...extra,
    {
      method: 'POST',
      path: '/emulator/connect/complete',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(completeConnectRequestSchema, jsonBody(ctx));
        return { status: 200, body: controlCall(() => ops.completeConnect(b.link_session_token, { institutionId: b.institution_id })) };
      },
    },
    {
      method: 'POST',
      path: '/emulator/links/{id}/state',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(setStateRequestSchema, jsonBody(ctx));
        const view = controlCall(() => ops.setLinkState(ctx.params.id!, b.state, b.error_code ?? null, { webhook: b.webhook }, ctx.defer));
        return { status: 200, body: view };
      },
    },
    {
      method: 'POST',
      path: '/emulator/links/{id}/webhook',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(webhookBodySchema, jsonBody(ctx) ?? {});
        const link = ops.findLink(ctx.params.id!);
        if (!link) throw new ApiError('emulator_error.link_not_found', { status: 404, message: 'No such link' });
        if (!link.webhook) throw new ApiError('emulator_error.no_webhook', { status: 409, message: 'The link has no webhook URL' });
        const { payload } = ops.emit(link, b, ctx.defer);
        return { status: 202, body: { webhook_idempotency_key: payload.webhook_idempotency_key } };
      },
    },
    { method: 'POST', path: '/emulator/auth/expire', handler: (): Reply => (ops.expireAccessTokens(), { status: 204 }) },
    {
      method: 'POST',
      path: '/emulator/faults',
      handler: (ctx: Ctx): Reply => ({ status: 201, body: { fault_id: ops.injectFault(parseWith(faultSpecSchema, jsonBody(ctx))) } }),
    },
    { method: 'DELETE', path: '/emulator/faults', handler: (): Reply => (ops.clearFaults(), { status: 204 }) },
    {
      method: 'POST',
      path: '/emulator/latency',
      handler: (ctx: Ctx): Reply => (ops.setLatency(parseWith(latencyRequestSchema, jsonBody(ctx)).ms), { status: 204 }),
    },
    {
      method: 'POST',
      path: '/emulator/keys/rotate',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(rotateKeyRequestSchema, jsonBody(ctx) ?? {});
        return { status: 200, body: { kid: ops.rotateSigningKey({ keepPrevious: b.keep_previous ?? false }) } };
      },
    },
    { method: 'POST', path: '/emulator/reset', handler: (): Reply => (ops.resetState(), { status: 204 }) },
    { method: 'GET', path: '/emulator/requests', handler: (): Reply => ({ status: 200, body: { requests: ops.redactedRequests() } }) },
    { method: 'GET', path: '/emulator/webhooks', handler: (): Reply => ({ status: 200, body: { deliveries: ops.deliveries() } }) },
    {
      method: 'GET',
      path: '/emulator/stats',
      handler: (): Reply => ({ status: 200, body: ops.stats() }),
    },
  ];
  const router = new Router<Handler>();
  for (const d of defs) router.add(d.method, d.path, (ctx) => d.handler({ ...ctx, app: null }));
  return router;
}

// What each fault kind answers; hang and reset are transport faults the kit carries out.
const FAULT_REPLIES: Record<Exclude<FaultSpec['kind'], 'hang' | 'reset'>, (spec: FaultSpec) => Reply> = {
  http500: (spec) => ({ status: spec.status ?? 500, body: errorBody('api_error.internal_server_error') }),
  http429: (spec) => ({
    status: spec.status ?? 429,
    body: errorBody('api_error.rate_limit_exceeded'),
    ...(spec.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(spec.retryAfterSeconds) } } : {}),
  }),
  garbage: (spec) => ({
    status: spec.status ?? 200,
    raw: '<html><body>upstream proxy error {"truncated',
    headers: { 'content-type': 'application/json' },
  }),
  moneykit_error: (spec) => {
    const code = spec.error?.error_code ?? 'api_error.internal_server_error';
    const extra = spec.error?.link_error_code !== undefined ? { link_error_code: spec.error.link_error_code } : undefined;
    return {
      status: spec.status ?? statusFor(code),
      body: errorBody(code, spec.error?.error_message, extra),
      ...(spec.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(spec.retryAfterSeconds) } } : {}),
    };
  },
};


export function faultOutcome(spec: FaultSpec): FaultOutcome {
  return spec.kind === 'hang' || spec.kind === 'reset' ? spec.kind : FAULT_REPLIES[spec.kind](spec);
}
