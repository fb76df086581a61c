/**
 * MoneyKit sandbox emulator: a real node:http server on loopback that answers like MoneyKit's API
 * (api.moneykit.com, API version 2023-02-18) for the endpoints a gateway uses.
 *
 * MoneyKit API routes (all except /auth/token and /.well-known/jwks.json need `Authorization: Bearer`):
 *   POST   /auth/token                      form or HTTP Basic client credentials -> 201 access token
 *   GET    /auth/introspect                 app-client info
 *   POST   /link-session                    -> 201 {link_session_token} (JWT-shaped, opaque)
 *   POST   /link-session/exchange-token     -> 201 {link_id, link}
 *   GET    /links/{id}                      -> LinkCommon (a deleted link: 200 state "deleted", see below)
 *   PATCH  /links/{id}                      webhook / link_tags
 *   DELETE /links/{id}                      -> 204, webhook link.state_changed (deleted)
 *   POST   /links/{id}/reset                sandbox apps only (live: 403 link_error.forbidden_action)
 *   GET    /users/{id}/links                -> {links: {link_id: LinkCommon}} (deleted links left out)
 *   GET    /institutions/{institution_id}   -> Institution
 *   POST   /webhooks/test/link/{id}         sandbox only: sends a test webhook -> {delivery_token}
 *   GET    /.well-known/jwks.json           `X-Client-Id` (or a Bearer token) -> {keys}
 *
 * Deleted links: REFERENCE §6.1 says GET /links/{id} returns deleted links for 90 days with
 * `state: "deleted"`, so that is the default; `deletedLinkRead: 'gone'` answers 410 link_error.deleted
 * instead. Every other call on a deleted link (reset, delete, patch, relink) answers 410.
 *
 * Emulator control routes (no auth, never recorded, never faulted, no latency):
 *   POST   /emulator/connect/complete       {link_session_token, institution_id?} -> {link_id, exchangeable_token?}
 *   POST   /emulator/links/{id}/state       {state, error_code?, webhook?: boolean} -> LinkCommon
 *   POST   /emulator/links/{id}/webhook     partial webhook body -> 202 {webhook_idempotency_key} (sent async)
 *   POST   /emulator/auth/expire            every bearer token issued so far answers expired -> 204
 *   POST   /emulator/faults                 FaultSpec -> 201 {fault_id};  DELETE /emulator/faults -> 204
 *   POST   /emulator/latency                {ms} -> 204
 *   POST   /emulator/keys/rotate            {keep_previous?} -> {kid}
 *   POST   /emulator/reset                  resetState() -> 204
 *   GET    /emulator/requests               {requests} with secrets and bearer tokens redacted
 *   GET    /emulator/webhooks               {deliveries}
 *   GET    /emulator/stats                  {token_requests, links, faults}
 * Control-route errors: {error_code: "emulator_error.<reason>", error_message}.
 *
 * Fault paths are matched segment by segment against the request path (query ignored):
 * `{name}` matches any one segment (`/links/{id}/reset`), and a final `*` segment matches any rest
 * (`/links/*` = every path below /links). `method` omitted = any method. First matching fault wins.
 *
 * Webhooks are sent after the triggering response has been written, to the link's webhook URL,
 * signed with ES256 (MoneyKit-Signature); non-2xx or network failures are retried up to
 * `webhookMaxAttempts` (default 1: no retries) with exponential backoff.
 * link.state_changed is sent on reset, delete, setLinkState (unless webhook: false) and when a
 * relink heals a link; it is not sent on link creation or token exchange.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import {
  DEFAULT_INSTITUTION_ID,
  INSTITUTIONS,
  LINK_ERROR_CODES,
  LINK_ERROR_MESSAGES,
  LINK_STATES,
  PRODUCTS,
  SETTABLE_PRODUCTS,
  type InstitutionRecord,
  type LinkErrorCode,
  type LinkState,
  type Product,
  type UpstreamProvider,
} from './data.js';
import {
  completeConnectRequestSchema,
  createLinkRequestSchema,
  exchangeTokenRequestSchema,
  faultSpecSchema,
  latencyRequestSchema,
  linkSessionRequestSchema,
  rotateKeyRequestSchema,
  setStateRequestSchema,
  tokenRequestSchema,
  updateLinkRequestSchema,
  webhookBodySchema,
  webhookTestRequestSchema,
  type CreateLinkInput,
  type FaultSpec,
  type LinkSessionRequest,
  type ProductSettingsInput,
} from './schemas.js';
import { createFinance, type BalancesInput, type TransactionControlInput } from './finance.js';
import { Ledger } from './ledger.js';
import { createSigningKey, randomId, signJws, signWebhookBody, type SigningKey } from './signing.js';

import {
  ApiError,
  errorBody,
  jsonBody,
  newId,
  nowIso,
  parseWith,
  statusFor,
  type Ctx,
  type MoneyKitEmulatorApp,
  type Reply,
  type Route,
} from './api.js';

// ---------------------------------------------------------------- public types

export type { MoneyKitEnv, MoneyKitEmulatorApp } from './api.js';

export interface MoneyKitEmulatorOptions {
  apps: MoneyKitEmulatorApp[];
  host?: string;
  port?: number;
  /** expires_in of issued access tokens (default 3600). */
  tokenTtlSeconds?: number;
  /** Delay before answering every API request (default 0). */
  latencyMs?: number;
  /** Clock in ms since the epoch (tokens, session tokens, webhook signatures); tests move it. Default Date.now. */
  now?: () => number;
  /** Webhook delivery attempts, first one included (default 1). */
  webhookMaxAttempts?: number;
  /** Base delay between webhook attempts, doubled each time (default 50 ms). */
  webhookRetryDelayMs?: number;
  /** Per-attempt webhook timeout (default 5000 ms). */
  webhookTimeoutMs?: number;
  /** How GET /links/{id} answers for a deleted link (default 'tombstone': 200 with state deleted). */
  deletedLinkRead?: 'tombstone' | 'gone';
}

export type { FaultSpec, CreateLinkInput } from './schemas.js';
export type { TransactionControlInput, BalancesInput } from './finance.js';
export type { LinkErrorCode, LinkState, Product } from './data.js';

export interface LinkProductResponse {
  refreshed_at: string | null;
  last_attempted_at: string | null;
  error_code: string | null;
  error_message: string | null;
  unavailable: string | null;
  settings: { required: boolean; require_permission: boolean; prefetch: boolean; reason: string | null } | null;
  has_history?: boolean;
}

export interface LinkCommon {
  link_id: string;
  institution_id: string;
  institution_name: string;
  institution_avatar: string;
  state: LinkState;
  error_code: LinkErrorCode | null;
  last_synced_at: string | null;
  provider: UpstreamProvider;
  link_tags: string[] | null;
  tags: string[] | null;
  webhook: string | null;
  products: Partial<Record<Product, LinkProductResponse>>;
  available_products: Product[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON or form body; the raw text when neither parses; null when empty. */
  body: unknown;
  at: Date;
}

export interface WebhookDelivery {
  linkId: string;
  url: string;
  event: string;
  idempotencyKey: string;
  deliveryToken: string;
  attempt: number;
  headers: Record<string, string>;
  /** The exact bytes sent. */
  body: string;
  payload: Record<string, unknown>;
  /** Receiver's HTTP status, null when the request failed. */
  status: number | null;
  error: string | null;
  at: Date;
}

export interface CompleteConnectResult {
  link_id: string;
  /** Only for a new-link session; a relink has no token to exchange. */
  exchangeable_token?: string;
}

export class EmulatorError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

export interface MoneyKitEmulator {
  readonly url: string;
  close(): Promise<void>;
  /** What Connect does when the user finishes: a new link (awaiting exchange) or a healed relink. */
  completeConnect(linkSessionToken: string, opts?: { institutionId?: string }): CompleteConnectResult;
  setLinkState(linkId: string, state: LinkState, errorCode: LinkErrorCode | null, opts?: { webhook?: boolean }): LinkCommon;
  /** Fills the common fields not given, signs and sends; resolves after the last attempt (null: no webhook URL). */
  sendWebhook(linkId: string, body: Record<string, unknown>): Promise<WebhookDelivery | null>;
  expireAccessTokens(): void;
  injectFault(spec: FaultSpec): string;
  clearFaults(): void;
  setLatency(ms: number): void;
  rotateSigningKey(opts: { keepPrevious: boolean }): string;
  resetState(): void;
  /** The link as GET /links/{id} would show it, or undefined. */
  getLink(linkId: string): LinkCommon | undefined;
  /** Creates a link as if made outside the gateway (connected unless `state` says otherwise), with seeded data. */
  createLink(input: CreateLinkInput): LinkCommon;
  /** All transactions of a link (posted and pending) in MoneyKit's TransactionResponse shape. */
  listTransactions(linkId: string): Record<string, unknown>[];
  /** The transaction controls: each change sends transactions.updates_available after returning. */
  addTransaction(linkId: string, input: TransactionControlInput): Record<string, unknown>;
  modifyTransaction(linkId: string, transactionId: string, input: TransactionControlInput): Record<string, unknown>;
  removeTransaction(linkId: string, transactionId: string): void;
  /** The pending transaction disappears; the returned posted one has a new id. */
  settleTransaction(linkId: string, transactionId: string, input?: { amount?: string; date?: string }): Record<string, unknown>;
  /** Balance values are JSON number literals as strings ("12.34", "1e21"); sends link.product_refresh (accounts). */
  setBalances(linkId: string, accountId: string, input: BalancesInput): Record<string, unknown>;
  /** Adds an account and transactions carrying 0.30000000000000004, 1e21, -0 and 8-decimal BTC amounts. */
  trickyNumbers(linkId: string): { account_ids: string[]; transaction_ids: string[] };
  /** Resolves with the first delivery (past or future) matching the predicate. */
  waitForWebhookDelivery(predicate?: (d: WebhookDelivery) => boolean, timeoutMs?: number): Promise<WebhookDelivery>;
  readonly requests: readonly RecordedRequest[];
  readonly webhookDeliveries: readonly WebhookDelivery[];
  readonly tokenRequests: number;
  readonly jwks: { keys: SigningKey['publicJwk'][] };
  readonly currentKid: string;
}

// ---------------------------------------------------------------- internal model

interface ProductRecord {
  refreshed_at: string | null;
  last_attempted_at: string | null;
  settings: LinkProductResponse['settings'];
}

interface LinkRecord {
  link_id: string;
  clientId: string;
  customerUserId: string;
  institution: InstitutionRecord;
  state: LinkState;
  error_code: LinkErrorCode | null;
  link_tags: string[] | null;
  webhook: string | null;
  products: Map<Product, ProductRecord>;
  last_synced_at: string | null;
  deleted_at: Date | null;
  ledger: Ledger;
}

interface SessionRecord {
  clientId: string;
  request: LinkSessionRequest;
  existingLinkId: string | null;
  completed: boolean;
}

interface AccessToken {
  clientId: string;
  expiresAt: number;
  forcedExpired: boolean;
}

interface FaultRecord {
  id: string;
  spec: FaultSpec;
  segments: string[];
  remaining: number;
}

const API_LINK_SESSION_TTL_SECONDS = 3600;

// ---------------------------------------------------------------- helpers

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '*' && i === pattern.length - 1) return params;
    const a = actual[i];
    if (a === undefined) return null;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = decodeURIComponent(a);
    else if (p !== a) return null;
  }
  return pattern.length === actual.length ? params : null;
}

function flatHeaders(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseRecordedBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const REDACTED = '[REDACTED]';
const SECRET_BODY_FIELDS = ['client_secret', 'access_token'] as const;

function redactRequest(r: RecordedRequest): RecordedRequest {
  const headers = { ...r.headers };
  if (headers.authorization) headers.authorization = `${headers.authorization.split(' ')[0] ?? ''} ${REDACTED}`;
  if (headers['x-client-secret']) headers['x-client-secret'] = REDACTED;
  let body = r.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
    for (const f of SECRET_BODY_FIELDS) if (f in copy) copy[f] = REDACTED;
    body = copy;
  }
  return { ...r, headers, body };
}

function settingsOf(s: ProductSettingsInput): NonNullable<LinkProductResponse['settings']> {
  return {
    required: s.required ?? false,
    require_permission: s.require_permission ?? false,
    prefetch: s.prefetch ?? false,
    reason: s.reason ?? null,
  };
}


// ---------------------------------------------------------------- factory

export async function startMoneyKitEmulator(opts: MoneyKitEmulatorOptions): Promise<MoneyKitEmulator> {
  const apps = new Map(opts.apps.map((a) => [a.clientId, a]));
  const tokenTtl = opts.tokenTtlSeconds ?? 3600;
  const now = opts.now ?? Date.now;
  const maxAttempts = Math.max(1, opts.webhookMaxAttempts ?? 1);
  const retryDelayMs = opts.webhookRetryDelayMs ?? 50;
  const webhookTimeoutMs = opts.webhookTimeoutMs ?? 5000;
  const deletedLinkRead = opts.deletedLinkRead ?? 'tombstone';

  // Mutable state; resetState() rebuilds everything except apps and signing keys.
  let latencyMs = opts.latencyMs ?? 0;
  let tokens = new Map<string, AccessToken>();
  let sessions = new Map<string, SessionRecord>();
  let exchangeTokens = new Map<string, { clientId: string; linkId: string; used: boolean }>();
  let links = new Map<string, LinkRecord>();
  let faults: FaultRecord[] = [];
  const requests: RecordedRequest[] = [];
  const deliveries: WebhookDelivery[] = [];
  let tokenRequests = 0;
  let keys: SigningKey[] = [createSigningKey()];
  const waiters = new Set<(d: WebhookDelivery) => void>();

  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const closing = new AbortController();
  const pendingDeliveries = new Set<Promise<unknown>>();

  const currentKey = (): SigningKey => keys[keys.length - 1]!;

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0 || closing.signal.aborted) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  // ------------------------------------------------------------ link views

  function toLinkCommon(link: LinkRecord): LinkCommon {
    const products: LinkCommon['products'] = {};
    for (const [name, p] of link.products) {
      products[name] = {
        refreshed_at: p.refreshed_at,
        last_attempted_at: p.last_attempted_at,
        error_code: null,
        error_message: null,
        unavailable: null,
        settings: p.settings,
        ...(name === 'transactions' ? { has_history: p.refreshed_at !== null } : {}),
      };
    }
    return {
      link_id: link.link_id,
      institution_id: link.institution.institution_id,
      institution_name: link.institution.name,
      institution_avatar: link.institution.avatar,
      state: link.state,
      error_code: link.error_code,
      last_synced_at: link.last_synced_at,
      provider: link.institution.provider,
      link_tags: link.link_tags ? [...link.link_tags] : null,
      tags: link.link_tags ? [...link.link_tags] : null,
      webhook: link.webhook,
      products,
      available_products: PRODUCTS.filter((p) => !link.products.has(p)),
    };
  }

  function grantProducts(link: LinkRecord, request: LinkSessionRequest): void {
    const now = nowIso();
    if (!link.products.has('accounts')) link.products.set('accounts', { refreshed_at: now, last_attempted_at: now, settings: null });
    const requested = request.settings?.products ?? {};
    for (const name of SETTABLE_PRODUCTS) {
      const s = requested[name];
      // Existing products keep their settings: MoneyKit ignores changes on relink.
      if (!s || link.products.has(name)) continue;
      const settings = settingsOf(s);
      link.products.set(name, {
        refreshed_at: settings.prefetch ? now : null,
        last_attempted_at: settings.prefetch ? now : null,
        settings,
      });
    }
    link.last_synced_at = now;
  }

  function findInstitution(id: string): InstitutionRecord | undefined {
    return INSTITUTIONS.find((i) => i.institution_id === id || i.institution_id_aliases.includes(id));
  }

  /** The link for a link-scoped call, with MoneyKit's error order: 404, 401 (other app), 410. */
  function requireLink(id: string, app: MoneyKitEmulatorApp, allowDeleted = false): LinkRecord {
    const link = links.get(id);
    if (!link) throw new ApiError('link_error.not_found');
    if (link.clientId !== app.clientId) throw new ApiError('link_error.unauthorized_access');
    if (link.state === 'deleted' && !allowDeleted) throw new ApiError('link_error.deleted');
    return link;
  }

  // ------------------------------------------------------------ webhooks

  function notify(d: WebhookDelivery): void {
    for (const w of [...waiters]) w(d);
  }

  function buildPayload(link: LinkRecord, body: Record<string, unknown>): Record<string, unknown> {
    const event = typeof body.webhook_event === 'string' ? body.webhook_event : 'link.state_changed';
    const eventDefaults: Record<string, unknown> =
      event === 'link.state_changed'
        ? {
            state: link.state,
            error: link.error_code,
            error_message: link.error_code ? LINK_ERROR_MESSAGES[link.error_code] : null,
          }
        : {};
    return {
      webhook_major_version: 1,
      webhook_minor_version: 0,
      webhook_idempotency_key: randomUUID(),
      webhook_timestamp: nowIso(),
      link_id: link.link_id,
      link_tags: link.link_tags ?? [],
      webhook_event: event,
      ...eventDefaults,
      ...body,
    };
  }

  async function deliver(linkId: string, url: string, payload: Record<string, unknown>, deliveryToken: string): Promise<WebhookDelivery> {
    const body = JSON.stringify(payload);
    let last: WebhookDelivery | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'MoneyKit-Webhooks (emulator)',
        'moneykit-signature': signWebhookBody(currentKey(), body, now()),
        'moneykit-delivery-token': deliveryToken,
        'moneykit-delivery-attempt': String(attempt),
      };
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(webhookTimeoutMs)]),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      last = {
        linkId,
        url,
        event: String(payload.webhook_event),
        idempotencyKey: String(payload.webhook_idempotency_key),
        deliveryToken,
        attempt,
        headers,
        body,
        payload,
        status,
        error,
        at: new Date(),
      };
      if (!closing.signal.aborted) {
        deliveries.push(last);
        notify(last);
      }
      if ((status !== null && status >= 200 && status < 300) || closing.signal.aborted) break;
      if (attempt < maxAttempts) await delay(retryDelayMs * 2 ** (attempt - 1));
    }
    return last!;
  }

  /** Builds the payload now (state as of the change), sends it when `schedule` says so. */
  function emitWebhook(
    link: LinkRecord,
    body: Record<string, unknown>,
    schedule: (fn: () => void) => void = setImmediate,
  ): { payload: Record<string, unknown>; deliveryToken: string; done: Promise<WebhookDelivery | null> } {
    const payload = buildPayload(link, body);
    // One delivery token per webhook, shared by its retries.
    const deliveryToken = randomId(18);
    const url = link.webhook;
    if (!url) return { payload, deliveryToken, done: Promise.resolve(null) };
    const done = new Promise<WebhookDelivery | null>((resolve) => {
      schedule(() => {
        if (closing.signal.aborted) return resolve(null);
        const p = deliver(link.link_id, url, payload, deliveryToken);
        pendingDeliveries.add(p);
        void p.then(resolve, () => resolve(null)).finally(() => pendingDeliveries.delete(p));
      });
    });
    return { payload, deliveryToken, done };
  }

  // ------------------------------------------------------------ operations shared by API and control

  function setLinkState(
    linkId: string,
    state: LinkState,
    errorCode: LinkErrorCode | null,
    o: { webhook?: boolean } = {},
    schedule?: (fn: () => void) => void,
  ): LinkCommon {
    const parsed = setStateRequestSchema.safeParse({ state, error_code: errorCode, webhook: o.webhook });
    if (!parsed.success) throw new EmulatorError('invalid_state', 400, `Invalid state/error code: ${parsed.error.message}`);
    const link = links.get(linkId);
    if (!link) throw new EmulatorError('link_not_found', 404, `No link ${linkId}`);
    link.state = state;
    link.error_code = errorCode;
    if (state === 'deleted') link.deleted_at ??= new Date();
    if (o.webhook !== false) emitWebhook(link, { webhook_event: 'link.state_changed' }, schedule);
    return toLinkCommon(link);
  }

  function completeConnect(linkSessionToken: string, o: { institutionId?: string | null } = {}): CompleteConnectResult {
    const session = sessions.get(linkSessionToken);
    if (!session) throw new EmulatorError('unknown_session', 404, 'Unknown link session token');
    if (session.completed) throw new EmulatorError('session_completed', 409, 'This link session was already completed');
    const req = session.request;

    if (session.existingLinkId) {
      const link = links.get(session.existingLinkId);
      if (!link) throw new EmulatorError('link_not_found', 404, 'The link of this relink session no longer exists');
      if (link.state === 'deleted') throw new EmulatorError('link_deleted', 410, 'The link of this relink session was deleted');
      session.completed = true;
      const changed = link.state !== 'connected' || link.error_code !== null;
      // Relink rules (REFERENCE §10): webhook and link_tags are replaced by what the session sent.
      link.webhook = req.webhook ?? null;
      link.link_tags = req.link_tags ?? null;
      link.state = 'connected';
      link.error_code = null;
      grantProducts(link, req);
      if (changed) emitWebhook(link, { webhook_event: 'link.state_changed' });
      return { link_id: link.link_id };
    }

    const institutionId = o.institutionId ?? req.institution_id ?? DEFAULT_INSTITUTION_ID;
    const institution = findInstitution(institutionId);
    if (!institution) throw new EmulatorError('unknown_institution', 404, `Unknown institution ${institutionId}`);
    session.completed = true;
    const link = addLink({
      clientId: session.clientId,
      customerUserId: req.customer_user.id,
      institution,
      state: 'awaiting_token_exchange',
      error_code: null,
      link_tags: req.link_tags ?? null,
      webhook: req.webhook ?? null,
    });
    grantProducts(link, req);
    const exchangeable = `mk_exch_${randomId(24)}`;
    exchangeTokens.set(exchangeable, { clientId: session.clientId, linkId: link.link_id, used: false });
    return { link_id: link.link_id, exchangeable_token: exchangeable };
  }

  /** A new link with its seeded accounts and transaction history. */
  function addLink(init: Pick<LinkRecord, 'clientId' | 'customerUserId' | 'institution' | 'state' | 'error_code' | 'link_tags' | 'webhook'>): LinkRecord {
    const link_id = newId('mk_');
    const link: LinkRecord = { ...init, link_id, products: new Map(), last_synced_at: null, deleted_at: null, ledger: new Ledger(link_id, now, newId) };
    links.set(link_id, link);
    return link;
  }

  /** A link made outside the gateway (another backend, a dashboard), for import tests: no session, no exchange. */
  function createLink(input: CreateLinkInput): LinkCommon {
    const b = createLinkRequestSchema.safeParse(input);
    if (!b.success) throw new EmulatorError('invalid_link', 400, `Invalid link: ${b.error.message}`);
    const clientId = b.data.client_id ?? opts.apps[0]!.clientId;
    if (!apps.has(clientId)) throw new EmulatorError('unknown_client', 404, `No app with client id ${clientId}`);
    const institution = findInstitution(b.data.institution_id ?? DEFAULT_INSTITUTION_ID);
    if (!institution) throw new EmulatorError('unknown_institution', 404, `Unknown institution ${b.data.institution_id}`);
    const link = addLink({
      clientId,
      customerUserId: b.data.customer_user_id,
      institution,
      state: b.data.state,
      // An error link without a code is the documented relink-required state (REFERENCE §5).
      error_code: b.data.error_code ?? (b.data.state === 'error' ? 'auth_expired' : null),
      link_tags: b.data.link_tags ?? null,
      webhook: b.data.webhook ?? null,
    });
    grantProducts(link, { customer_user: { id: b.data.customer_user_id }, redirect_uri: 'https://emulator.invalid/', settings: { products: { transactions: { prefetch: true } } } });
    return toLinkCommon(link);
  }

  const finance = createFinance<LinkRecord>({
    requireLink: (ctx) => requireLink(ctx.params.id!, ctx.app!),
    findLink: (id) => links.get(id),
    toLinkCommon,
    emitWebhook,
  });

  // ------------------------------------------------------------ API handlers

  function issueToken(ctx: Ctx): Reply {
    const form = Object.fromEntries(new URLSearchParams(ctx.rawBody.toString('utf8')));
    const parsed = tokenRequestSchema.safeParse(form);
    const body = parsed.success ? parsed.data : {};
    let clientId = body.client_id ?? null;
    let clientSecret = body.client_secret ?? null;
    const basic = /^Basic\s+(.+)$/i.exec(ctx.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    if (body.grant_type !== 'client_credentials') {
      throw new ApiError('api_error.auth.unauthorized', { status: 400, message: 'Unsupported grant_type.' });
    }
    const app = clientId ? apps.get(clientId) : undefined;
    if (!app || app.clientSecret !== clientSecret) {
      throw new ApiError('api_error.auth.unauthorized', { message: 'Invalid client credentials.' });
    }
    const accessToken = `mk_at_${randomId(32)}`;
    tokens.set(accessToken, { clientId: app.clientId, expiresAt: now() + tokenTtl * 1000, forcedExpired: false });
    return { status: 201, body: { access_token: accessToken, token_type: 'bearer', expires_in: tokenTtl } };
  }

  function createLinkSession(ctx: Ctx): Reply {
    const app = ctx.app!;
    const req = parseWith(linkSessionRequestSchema, jsonBody(ctx));
    let existingLinkId: string | null = null;
    if (req.existing_link_id) {
      const link = requireLink(req.existing_link_id, app);
      if (link.customerUserId !== req.customer_user.id) {
        throw new ApiError('link_session_error.forbidden_config', {
          message: 'existing_link_id does not belong to this customer_user.',
        });
      }
      existingLinkId = link.link_id;
    }
    const iat = Math.floor(now() / 1000);
    const token = signJws(currentKey(), {
      iss: 'https://api.moneykit.com',
      sub: app.clientId,
      sid: randomUUID(),
      mode: existingLinkId ? 'relink' : 'link',
      iat,
      exp: iat + API_LINK_SESSION_TTL_SECONDS,
    });
    sessions.set(token, { clientId: app.clientId, request: req, existingLinkId, completed: false });
    return { status: 201, body: { link_session_token: token } };
  }

  function exchangeToken(ctx: Ctx): Reply {
    const app = ctx.app!;
    const { exchangeable_token } = parseWith(exchangeTokenRequestSchema, jsonBody(ctx));
    const rec = exchangeTokens.get(exchangeable_token);
    if (!rec || rec.used || rec.clientId !== app.clientId) {
      throw new ApiError('link_session_error.invalid_token_exchange', { message: 'Invalid or already used exchangeable token.' });
    }
    const link = links.get(rec.linkId);
    if (!link || link.state !== 'awaiting_token_exchange') {
      throw new ApiError('link_session_error.invalid_token_exchange', { message: 'Incorrect link state for token exchange.' });
    }
    rec.used = true;
    link.state = 'connected';
    link.error_code = null;
    const view = toLinkCommon(link);
    return { status: 201, body: { link_id: view.link_id, link: view } };
  }

  function getLink(ctx: Ctx): Reply {
    const link = requireLink(ctx.params.id!, ctx.app!, deletedLinkRead === 'tombstone');
    return { status: 200, body: toLinkCommon(link) };
  }

  function patchLink(ctx: Ctx): Reply {
    const link = requireLink(ctx.params.id!, ctx.app!);
    const body = parseWith(updateLinkRequestSchema, jsonBody(ctx) ?? {});
    if (body.webhook !== undefined) link.webhook = body.webhook;
    const tags = body.link_tags !== undefined ? body.link_tags : body.tags;
    if (tags !== undefined) link.link_tags = tags;
    return { status: 200, body: toLinkCommon(link) };
  }

  function deleteLink(ctx: Ctx): Reply {
    const link = requireLink(ctx.params.id!, ctx.app!);
    link.state = 'deleted';
    link.error_code = null;
    link.deleted_at = new Date();
    emitWebhook(link, { webhook_event: 'link.state_changed' }, ctx.defer);
    return { status: 204 };
  }

  function resetLink(ctx: Ctx): Reply {
    const app = ctx.app!;
    const link = requireLink(ctx.params.id!, app);
    if (app.env !== 'sandbox') {
      throw new ApiError('link_error.forbidden_action', { message: 'Reset is only supported for test links.' });
    }
    const view = setLinkState(link.link_id, 'error', 'auth_expired', {}, ctx.defer);
    return { status: 200, body: view };
  }

  function userLinks(ctx: Ctx): Reply {
    const app = ctx.app!;
    const out: Record<string, LinkCommon> = {};
    for (const link of links.values()) {
      if (link.clientId === app.clientId && link.customerUserId === ctx.params.id && link.state !== 'deleted') {
        out[link.link_id] = toLinkCommon(link);
      }
    }
    return { status: 200, body: { links: out } };
  }

  function getInstitution(ctx: Ctx): Reply {
    const inst = findInstitution(ctx.params.institution_id!);
    if (!inst) throw new ApiError('institution_error.not_found');
    const { avatar: _avatar, provider: _provider, ...institution } = inst;
    return { status: 200, body: institution };
  }

  function introspect(ctx: Ctx): Reply {
    const app = ctx.app!;
    const appInfo = { app_id: `app_${app.clientId}`, id: `app_${app.clientId}`, name: `Emulated ${app.env} app`, app_name: `Emulated ${app.env} app` };
    return { status: 200, body: { client_id: app.clientId, client_name: appInfo.name, scope: '', app: appInfo } };
  }

  function testWebhook(ctx: Ctx): Reply {
    const app = ctx.app!;
    const link = requireLink(ctx.params.id!, app);
    if (app.env !== 'sandbox') throw new ApiError('link_error.forbidden_action', { message: 'Test webhooks are only supported for test links.' });
    const body = parseWith(webhookTestRequestSchema, jsonBody(ctx));
    if (!link.webhook) throw new ApiError('link_error.bad_config', { message: 'This link has no webhook URL.' });
    const eventFields: Record<string, Record<string, unknown>> = {
      'link.state_changed': {},
      'transactions.updates_available': { has_history: true },
      'link.product_refresh': { product: 'accounts', state: 'completed', state_changed_at: nowIso(), error_message: null },
      'product.state_changed': { product: 'accounts', state: 'completed', state_changed_at: nowIso(), error_message: null },
    };
    const { deliveryToken } = emitWebhook(
      link,
      { webhook_event: body.webhook_event, webhook_idempotency_key: body.webhook_idempotency_key, ...eventFields[body.webhook_event] },
      ctx.defer,
    );
    return { status: 200, body: { delivery_token: deliveryToken } };
  }

  function jwksHandler(ctx: Ctx): Reply {
    const clientId = ctx.headers['x-client-id'];
    const viaHeader = typeof clientId === 'string' && apps.has(clientId);
    if (!viaHeader) authenticate(ctx); // deprecated Bearer alternative; throws when absent/invalid
    return { status: 200, body: { keys: keys.map((k) => k.publicJwk) } };
  }

  function authenticate(ctx: Ctx): MoneyKitEmulatorApp {
    const m = /^Bearer\s+(.+)$/i.exec(ctx.headers.authorization ?? '');
    if (!m) throw new ApiError('api_error.auth.unauthorized', { message: 'Missing bearer token.' });
    const tok = tokens.get(m[1]!.trim());
    if (!tok) throw new ApiError('api_error.auth.unauthorized', { message: 'Invalid access token.' });
    if (tok.forcedExpired || now() >= tok.expiresAt) throw new ApiError('api_error.auth.expired_access_token');
    const app = apps.get(tok.clientId);
    if (!app) throw new ApiError('api_error.auth.unauthorized', { message: 'Invalid access token.' });
    return app;
  }

  const apiRoutes: Route[] = [
    { method: 'POST', path: '/auth/token', auth: false, handler: issueToken },
    { method: 'GET', path: '/auth/introspect', auth: true, handler: introspect },
    { method: 'POST', path: '/link-session', auth: true, handler: createLinkSession },
    { method: 'POST', path: '/link-session/exchange-token', auth: true, handler: exchangeToken },
    { method: 'GET', path: '/links/{id}', auth: true, handler: getLink },
    { method: 'PATCH', path: '/links/{id}', auth: true, handler: patchLink },
    { method: 'DELETE', path: '/links/{id}', auth: true, handler: deleteLink },
    { method: 'POST', path: '/links/{id}/reset', auth: true, handler: resetLink },
    { method: 'GET', path: '/users/{id}/links', auth: true, handler: userLinks },
    { method: 'GET', path: '/institutions/{institution_id}', auth: true, handler: getInstitution },
    { method: 'POST', path: '/webhooks/test/link/{id}', auth: true, handler: testWebhook },
    { method: 'GET', path: '/.well-known/jwks.json', auth: false, handler: jwksHandler },
    ...finance.apiRoutes,
  ].map((r) => ({ ...r, segments: splitPath(r.path) }));

  // ------------------------------------------------------------ control handlers

  function controlCall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof EmulatorError) throw new ApiError(`emulator_error.${err.code}`, { status: err.status, message: err.message });
      throw err;
    }
  }

  const controlRoutes: Route[] = [
    {
      method: 'POST',
      path: '/emulator/links',
      handler: (ctx: Ctx): Reply => {
        const link = controlCall(() => createLink((jsonBody(ctx) ?? {}) as CreateLinkInput));
        return { status: 201, body: { link_id: link.link_id, link } };
      },
    },
    ...finance.controlRoutes,
    {
      method: 'POST',
      path: '/emulator/connect/complete',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(completeConnectRequestSchema, jsonBody(ctx));
        return { status: 200, body: controlCall(() => completeConnect(b.link_session_token, { institutionId: b.institution_id })) };
      },
    },
    {
      method: 'POST',
      path: '/emulator/links/{id}/state',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(setStateRequestSchema, jsonBody(ctx));
        const view = controlCall(() => setLinkState(ctx.params.id!, b.state, b.error_code ?? null, { webhook: b.webhook }, ctx.defer));
        return { status: 200, body: view };
      },
    },
    {
      method: 'POST',
      path: '/emulator/links/{id}/webhook',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(webhookBodySchema, jsonBody(ctx) ?? {});
        const link = links.get(ctx.params.id!);
        if (!link) throw new ApiError('emulator_error.link_not_found', { status: 404, message: 'No such link' });
        if (!link.webhook) throw new ApiError('emulator_error.no_webhook', { status: 409, message: 'The link has no webhook URL' });
        const { payload } = emitWebhook(link, b, ctx.defer);
        return { status: 202, body: { webhook_idempotency_key: payload.webhook_idempotency_key } };
      },
    },
    { method: 'POST', path: '/emulator/auth/expire', handler: (): Reply => (expireAccessTokens(), { status: 204 }) },
    {
      method: 'POST',
      path: '/emulator/faults',
      handler: (ctx: Ctx): Reply => ({ status: 201, body: { fault_id: injectFault(parseWith(faultSpecSchema, jsonBody(ctx))) } }),
    },
    { method: 'DELETE', path: '/emulator/faults', handler: (): Reply => ((faults = []), { status: 204 }) },
    {
      method: 'POST',
      path: '/emulator/latency',
      handler: (ctx: Ctx): Reply => ((latencyMs = parseWith(latencyRequestSchema, jsonBody(ctx)).ms), { status: 204 }),
    },
    {
      method: 'POST',
      path: '/emulator/keys/rotate',
      handler: (ctx: Ctx): Reply => {
        const b = parseWith(rotateKeyRequestSchema, jsonBody(ctx) ?? {});
        return { status: 200, body: { kid: rotateSigningKey({ keepPrevious: b.keep_previous ?? false }) } };
      },
    },
    { method: 'POST', path: '/emulator/reset', handler: (): Reply => (resetState(), { status: 204 }) },
    { method: 'GET', path: '/emulator/requests', handler: (): Reply => ({ status: 200, body: { requests: requests.map(redactRequest) } }) },
    { method: 'GET', path: '/emulator/webhooks', handler: (): Reply => ({ status: 200, body: { deliveries } }) },
    {
      method: 'GET',
      path: '/emulator/stats',
      handler: (): Reply => ({ status: 200, body: { token_requests: tokenRequests, links: links.size, faults: faults.length } }),
    },
  ].map((r) => ({ ...r, auth: false, segments: splitPath(r.path) }));

  // ------------------------------------------------------------ control operations

  function expireAccessTokens(): void {
    for (const t of tokens.values()) t.forcedExpired = true;
  }

  function injectFault(spec: FaultSpec): string {
    const parsed = faultSpecSchema.parse(spec);
    const id = randomUUID();
    faults.push({ id, spec: parsed, segments: splitPath(parsed.path), remaining: parsed.times ?? 1 });
    return id;
  }

  function rotateSigningKey(o: { keepPrevious: boolean }): string {
    const key = createSigningKey();
    keys = o.keepPrevious ? [...keys, key] : [key];
    return key.kid;
  }

  function resetState(): void {
    latencyMs = opts.latencyMs ?? 0;
    tokens = new Map();
    sessions = new Map();
    exchangeTokens = new Map();
    links = new Map();
    faults = [];
    requests.length = 0;
    deliveries.length = 0;
    tokenRequests = 0;
  }

  /** Consumes one use of the first fault matching this request. */
  function takeFault(method: string, path: string): FaultSpec | null {
    const segments = splitPath(path);
    for (const f of faults) {
      if (f.spec.method && f.spec.method.toUpperCase() !== method) continue;
      if (!matchSegments(f.segments, segments)) continue;
      if (f.remaining !== -1) {
        f.remaining -= 1;
        if (f.remaining <= 0) faults = faults.filter((x) => x !== f);
      }
      return f.spec;
    }
    return null;
  }

  // What each fault kind answers; null = no answer at all (hang/reset are handled by the caller).
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

  // ------------------------------------------------------------ HTTP plumbing

  function send(res: ServerResponse, reply: Reply, after: (() => void)[]): void {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    let payload: string | undefined;
    if (reply.raw !== undefined) payload = reply.raw;
    else if (reply.body !== undefined && reply.status !== 204) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload, () => {
      for (const fn of after) fn();
    });
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

  function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 2_000_000) {
          reject(new ApiError('api_error.request.validation_failed', { status: 413, message: 'Body too large' }));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  function route(table: Route[], method: string, segments: string[]): { route: Route; params: Record<string, string> } | null {
    for (const r of table) {
      if (r.method !== method) continue;
      const params = matchSegments(r.segments, segments);
      if (params) return { route: r, params };
    }
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const after: (() => void)[] = [];
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const isControl = path === '/emulator' || path.startsWith('/emulator/');
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch (err) {
      return send(res, errorReply(err), after);
    }

    if (!isControl) {
      requests.push({
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        headers: flatHeaders(req.headers),
        body: parseRecordedBody(rawBody, req.headers['content-type']),
        at: new Date(),
      });
      if (path === '/auth/token') tokenRequests += 1;
      await delay(latencyMs);
      if (res.destroyed || closing.signal.aborted) return;
      const fault = takeFault(method, path);
      if (fault?.kind === 'hang') return; // never answered; close() destroys the socket
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault) return send(res, FAULT_REPLIES[fault.kind](fault), after);
    }

    const segments = splitPath(path);
    const found = route(isControl ? controlRoutes : apiRoutes, method, segments);
    if (!found) return send(res, errorReply(new ApiError('api_error.not_found', { message: `No route for ${method} ${path}` })), after);
    const ctx: Ctx = {
      method,
      path,
      params: found.params,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      app: null,
      defer: (fn) => after.push(fn),
    };
    try {
      if (found.route.auth) ctx.app = authenticate(ctx);
      send(res, await found.route.handler(ctx), after);
    } catch (err) {
      send(res, errorReply(err), after);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: errorBody('api_error.internal_server_error') }, []);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const baseUrl = `http://${host}:${addr.port}`;

  let closed: Promise<void> | null = null;

  return {
    url: baseUrl,
    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        await done;
        await Promise.allSettled([...pendingDeliveries]);
      })();
      return closed;
    },
    completeConnect: (token, o) => completeConnect(token, o ?? {}),
    setLinkState: (linkId, state, errorCode, o) => setLinkState(linkId, state, errorCode, o ?? {}),
    async sendWebhook(linkId, body) {
      const link = links.get(linkId);
      if (!link) throw new EmulatorError('link_not_found', 404, `No link ${linkId}`);
      return emitWebhook(link, body).done;
    },
    expireAccessTokens,
    injectFault,
    clearFaults: () => {
      faults = [];
    },
    setLatency: (ms) => {
      latencyMs = latencyRequestSchema.parse({ ms }).ms;
    },
    rotateSigningKey,
    resetState,
    createLink: (input) => createLink(input),
    ...finance.ops,
    getLink: (linkId) => {
      const l = links.get(linkId);
      return l ? toLinkCommon(l) : undefined;
    },
    waitForWebhookDelivery(predicate = () => true, timeoutMs = 5000) {
      const existing = deliveries.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise<WebhookDelivery>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching webhook delivery within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (d: WebhookDelivery): void => {
          if (!predicate(d)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(d);
        };
        waiters.add(waiter);
      });
    },
    get requests() {
      return requests;
    },
    get webhookDeliveries() {
      return deliveries;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get jwks() {
      return { keys: keys.map((k) => k.publicJwk) };
    },
    get currentKid() {
      return currentKey().kid;
    },
  };
}

// Re-exported so callers can enumerate what setLinkState accepts.
export { LINK_STATES, LINK_ERROR_CODES };
