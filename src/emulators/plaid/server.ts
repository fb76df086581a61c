/**
 * Plaid Sandbox emulator: a real node:http server on loopback that answers the Plaid endpoints the
 * gateway uses with Plaid's documented shapes and PlaidError bodies, and sends signed webhooks.
 * Written from specs/plaid (REFERENCE.md, 2020-09-14.yml) and the seeds; shares no code with src/providers.
 *
 * Plaid API (POST, JSON, auth via PLAID-CLIENT-ID/PLAID-SECRET headers or client_id/secret in the body):
 *   /link/token/create  /item/public_token/exchange  /item/get  /item/remove  /item/webhook/update
 *   /institutions/get_by_id  /webhook_verification_key/get
 *   sandbox only: /sandbox/public_token/create  /sandbox/item/reset_login  /sandbox/user/reset_login
 *                 /sandbox/item/fire_webhook
 *
 * Emulator control routes (no auth; JSON in and out; errors use the PlaidError shape):
 *   POST   /emulator/link/complete           {link_token, institution_id?} -> {public_token, item_id}
 *   GET    /emulator/items/{item_id}         item snapshot (no access token)
 *   POST   /emulator/items/{item_id}/error   {error: {error_type, error_code, error_message?, display_message?} | null, webhook?}
 *   POST   /emulator/items/{item_id}/consent {consent_expiration_time: iso | null, webhook?} (webhook -> PENDING_EXPIRATION)
 *   POST   /emulator/items/{item_id}/webhook any JSON object: sent signed to the Item's webhook URL
 *   POST   /emulator/faults                  FaultSpec;  DELETE /emulator/faults clears them
 *   POST   /emulator/latency                 {ms}
 *   POST   /emulator/keys/rotate             {expire_previous?} -> {kid}
 *   GET    /emulator/requests                recorded Plaid API requests, secrets replaced by "[redacted]"
 *   GET    /emulator/webhooks                webhook deliveries
 *   POST   /emulator/reset                   resetState()
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ERROR_CATALOG, PlaidApiError, itemErrorObject, plaidError, type PlaidErrorBody } from './errors.js';
import { SANDBOX_INSTITUTIONS, findInstitution, institutionLogo, type SandboxInstitution } from './institutions.js';
import {
  AccessTokenRequest,
  FaultSpec,
  FireWebhookRequest,
  InstitutionGetByIdRequest,
  ItemErrorInput,
  ItemRemoveRequest,
  LINK_FORBIDDEN_PRODUCTS,
  LatencyBody,
  LinkCompleteBody,
  LinkTokenCreateRequest,
  PRODUCTS,
  PublicTokenExchangeRequest,
  RotateKeyBody,
  SandboxPublicTokenCreateRequest,
  SendWebhookBody,
  SetConsentBody,
  SetErrorBody,
  UPDATE_MODE_PRODUCTS,
  UserResetLoginRequest,
  WebhookUpdateRequest,
  WebhookVerificationKeyGetRequest,
  parseRequest,
} from './schemas.js';
import { WebhookSigner, type PlaidJwk } from './signing.js';
import { FIRE_WEBHOOK_TABLE, WebhookSender, itemWebhook, type WebhookContext, type WebhookDelivery } from './webhooks.js';

export type { FaultSpec, ItemErrorInput } from './schemas.js';
export type { WebhookDelivery } from './webhooks.js';
export type { PlaidErrorBody } from './errors.js';
export type { PlaidJwk } from './signing.js';
export { PlaidApiError } from './errors.js';

export type PlaidEnv = 'sandbox' | 'production';

export type PlaidEmulatorOptions = {
  clientId: string;
  secret: string;
  env?: PlaidEnv;
  host?: string;
  port?: number;
  latencyMs?: number;
  /** Clock in ms since epoch (tests move it to expire tokens). Defaults to Date.now. */
  now?: () => number;
};

export type RecordedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  at: string;
};

export type LinkCompleteResult = { public_token: string; item_id: string };

export type ItemSnapshot = {
  item_id: string;
  institution_id: string;
  user_id: string | null;
  webhook: string | null;
  products: string[];
  error: PlaidErrorBody | null;
  consent_expiration_time: string | null;
  pending_disconnect: boolean;
  removed: boolean;
  created_at: string;
};

type ItemRecord = {
  itemId: string;
  accessToken: string;
  institution: SandboxInstitution;
  webhook: string | null;
  products: string[];
  error: PlaidErrorBody | null;
  errorSince: number;
  consentExpirationTime: string | null;
  createdAt: string;
  userId: string | null;
  removed: boolean;
  pendingDisconnect: boolean;
  accountId: string;
  lastWebhook: { sent_at: string; code_sent: string } | null;
};

type LinkTokenRecord = {
  token: string;
  mode: 'create' | 'update';
  /** Update mode: the Item (access_token form) or the user's Items (update.user form). */
  itemId: string | null;
  updateItemIds: string[] | null;
  userId: string | null;
  webhook: string | null;
  redirectUri: string | null;
  androidPackageName: string | null;
  accountSelectionEnabled: boolean;
  language: string;
  products: string[];
  countryCodes: string[];
  expiresAt: number;
  used: boolean;
};

type PublicTokenRecord = { itemId: string; expiresAt: number };
type FaultState = { spec: FaultSpec; remaining: number };

type Ctx = { defer: Array<() => void> };
type Handler = (body: Record<string, unknown>, ctx: Ctx) => Record<string, unknown>;
type Route = { sandboxOnly: boolean; handler: Handler };

const MINUTE = 60_000;
const PUBLIC_TOKEN_TTL = 30 * MINUTE;
const LINK_TTL_CREATE = 240 * MINUTE;
const LINK_TTL_UPDATE = 30 * MINUTE;
const MAX_BODY = 1_048_576;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 429 error_code per endpoint (REFERENCE 6); RATE_LIMIT is the catch-all. */
const RATE_LIMIT_CODES: Record<string, string> = {
  '/item/get': 'ITEM_GET_LIMIT',
  '/institutions/get_by_id': 'INSTITUTIONS_GET_BY_ID_LIMIT',
};

function base62(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE62[(bytes[i % bytes.length] as number) % 62];
  return out;
}
const randomId = (length: number): string => base62(randomBytes(length), length);
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export class PlaidEmulator {
  url = '';
  readonly env: PlaidEnv;
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly now: () => number;
  private readonly signer: WebhookSigner;
  private readonly webhooks: WebhookSender;
  private readonly routes: Record<string, Route>;
  private latencyMs: number;
  private faults: FaultState[] = [];
  private items = new Map<string, ItemRecord>();
  private accessTokens = new Map<string, string>();
  private linkTokens = new Map<string, LinkTokenRecord>();
  private publicTokens = new Map<string, PublicTokenRecord>();
  /** Plaid users seen (usr_…), and legacy user_token -> user id. */
  private users = new Set<string>();
  private userTokens = new Map<string, string>();

  constructor(private readonly opts: PlaidEmulatorOptions) {
    this.env = opts.env ?? 'sandbox';
    this.now = opts.now ?? Date.now;
    this.latencyMs = opts.latencyMs ?? 0;
    this.signer = new WebhookSigner(this.now);
    this.webhooks = new WebhookSender(this.signer, this.now);
    this.routes = {
      '/link/token/create': { sandboxOnly: false, handler: (b) => this.linkTokenCreate(b) },
      '/item/public_token/exchange': { sandboxOnly: false, handler: (b) => this.publicTokenExchange(b) },
      '/item/get': { sandboxOnly: false, handler: (b) => this.itemGet(b) },
      '/item/remove': { sandboxOnly: false, handler: (b) => this.itemRemove(b) },
      '/item/webhook/update': { sandboxOnly: false, handler: (b, c) => this.itemWebhookUpdate(b, c) },
      '/institutions/get_by_id': { sandboxOnly: false, handler: (b) => this.institutionsGetById(b) },
      '/webhook_verification_key/get': { sandboxOnly: false, handler: (b) => this.verificationKeyGet(b) },
      '/sandbox/public_token/create': { sandboxOnly: true, handler: (b) => this.sandboxPublicTokenCreate(b) },
      '/sandbox/item/reset_login': { sandboxOnly: true, handler: (b, c) => this.sandboxItemResetLogin(b, c) },
      '/sandbox/user/reset_login': { sandboxOnly: true, handler: (b, c) => this.sandboxUserResetLogin(b, c) },
      '/sandbox/item/fire_webhook': { sandboxOnly: true, handler: (b, c) => this.sandboxFireWebhook(b, c) },
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) this.sendError(res, plaidError('INTERNAL_SERVER_ERROR'));
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('emulator: no TCP address');
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${h}:${addr.port}`;
  }

  /** Stops the server, drops every socket (hanging ones too) and aborts webhook deliveries. */
  async close(): Promise<void> {
    this.webhooks.abortAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  // ---- programmatic control surface -----------------------------------------------------------

  get webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Resolves with the first finished webhook delivery matching `pred` (already done or future). */
  waitForWebhook(pred: (d: WebhookDelivery) => boolean = () => true, timeoutMs = 5_000): Promise<WebhookDelivery> {
    return this.webhooks.waitFor(pred, timeoutMs);
  }

  get currentSigningKeyId(): string {
    return this.signer.currentKeyId;
  }

  rotateSigningKey(opts: { expirePrevious: boolean } = { expirePrevious: false }): string {
    return this.signer.rotate(opts.expirePrevious);
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  injectFault(spec: FaultSpec): void {
    const parsed = FaultSpec.parse(spec);
    this.faults.push({ spec: parsed, remaining: parsed.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  resetState(): void {
    this.items.clear();
    this.accessTokens.clear();
    this.linkTokens.clear();
    this.publicTokens.clear();
    this.users.clear();
    this.userTokens.clear();
    this.requests.length = 0;
    this.webhooks.clear();
    this.faults = [];
    this.latencyMs = this.opts.latencyMs ?? 0;
  }

  getItem(itemId: string): ItemSnapshot | undefined {
    const it = this.items.get(itemId);
    return it ? this.snapshot(it) : undefined;
  }

  /** What a finished Plaid Link session does (new Item, or update mode healing the Item). */
  completeLink(linkToken: string, opts: { institutionId?: string } = {}): LinkCompleteResult {
    return this.doCompleteLink(linkToken, opts.institutionId, null);
  }

  /** Puts an Item into any Plaid error (or clears it); `webhook` sends ITEM ERROR (or LOGIN_REPAIRED on clear). */
  setItemError(itemId: string, error: ItemErrorInput | null, opts: { webhook?: boolean } = {}): void {
    this.doSetItemError(this.itemById(itemId), error === null ? null : ItemErrorInput.parse(error), opts.webhook ?? false, null);
  }

  /** Sets consent_expiration_time; `webhook` sends PENDING_EXPIRATION when a time is set. */
  setConsentExpiration(itemId: string, iso: string | null, opts: { webhook?: boolean } = {}): void {
    const item = this.itemById(itemId);
    item.consentExpirationTime = iso === null ? null : new Date(iso).toISOString();
    if (opts.webhook && item.consentExpirationTime) {
      this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'PENDING_EXPIRATION', { consent_expiration_time: item.consentExpirationTime }), null);
    }
  }

  /** Sends an arbitrary signed webhook body to the Item's webhook URL. */
  sendWebhook(itemId: string, body: Record<string, unknown>): Promise<WebhookDelivery> {
    const item = this.itemById(itemId);
    if (!item.webhook) throw plaidError('SANDBOX_WEBHOOK_INVALID');
    item.lastWebhook = { sent_at: isoSeconds(this.now()), code_sent: String(body['webhook_code'] ?? '') };
    return this.webhooks.send(item.webhook, body, item.itemId).finished;
  }

  // ---- HTTP plumbing ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/emulator/')) return this.handleEmulator(req.method ?? 'GET', path, raw, res);

    let parsed: unknown;
    let parseOk = false;
    if (raw !== null) {
      try {
        parsed = JSON.parse(raw);
        parseOk = true;
      } catch {
        parsed = raw;
      }
    }
    this.requests.push({ method: req.method ?? '', path, headers: { ...req.headers }, body: parsed, at: new Date(this.now()).toISOString() });

    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (this.applyFault(path, req, res)) return;

    const ctx: Ctx = { defer: [] };
    // Webhooks go out only after the triggering response has been written, as with Plaid.
    res.on('finish', () => {
      for (const fire of ctx.defer) fire();
    });
    try {
      const route = this.routes[path];
      if (!route || req.method !== 'POST') throw plaidError('NOT_FOUND', `the requested endpoint ${path} was not found`);
      const contentType = req.headers['content-type'];
      if (!contentType) throw plaidError('INVALID_HEADERS');
      if (!/^application\/json\b/i.test(contentType) || raw === null || !parseOk || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw plaidError('INVALID_BODY');
      }
      const body = parsed as Record<string, unknown>;
      this.authenticate(req.headers, body);
      if (route.sandboxOnly && this.env !== 'sandbox') {
        throw plaidError('SANDBOX_ONLY', `access to ${path} is only available in the sandbox environment`);
      }
      const out = route.handler(body, ctx);
      this.sendJson(res, 200, { ...out, request_id: randomId(15) });
    } catch (err) {
      if (err instanceof PlaidApiError) return this.sendError(res, err);
      throw err;
    }
  }

  private authenticate(headers: IncomingHttpHeaders, body: Record<string, unknown>): void {
    const h = (name: string): string | undefined => {
      const v = headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const clientId = h('plaid-client-id') ?? (typeof body['client_id'] === 'string' ? body['client_id'] : undefined);
    const secret = h('plaid-secret') ?? (typeof body['secret'] === 'string' ? body['secret'] : undefined);
    const missing = [clientId ? null : 'client_id', secret ? null : 'secret'].filter((x): x is string => x !== null);
    if (missing.length > 0) throw plaidError('MISSING_FIELDS', `the following required fields are missing: ${missing.join(', ')}`);
    if (clientId !== this.opts.clientId || secret !== this.opts.secret) throw plaidError('INVALID_API_KEYS');
  }

  private applyFault(path: string, req: IncomingMessage, res: ServerResponse): boolean {
    const idx = this.faults.findIndex((f) => f.remaining !== 0 && (f.spec.path === path || f.spec.path === '*'));
    if (idx < 0) return false;
    const fault = this.faults[idx] as FaultState;
    if (fault.remaining > 0) fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(idx, 1);
    const spec = fault.spec;
    switch (spec.kind) {
      case 'http500':
        this.sendError(res, plaidError('INTERNAL_SERVER_ERROR'));
        return true;
      case 'http429': {
        if (spec.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(spec.retryAfterSeconds));
        this.sendError(res, plaidError(RATE_LIMIT_CODES[path] ?? 'RATE_LIMIT'));
        return true;
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1>upstream sent an invalid response</body></html>');
        return true;
      case 'hang':
        // Never answer; close() destroys the socket.
        return true;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'plaid_error': {
        const e = spec.error ?? { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' };
        const status = e.status ?? 400;
        const body = itemErrorObject(e);
        this.sendError(res, new PlaidApiError(status, body));
        return true;
      }
    }
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendError(res: ServerResponse, err: PlaidApiError): void {
    this.sendJson(res, err.status, { ...err.body, request_id: randomId(15) });
  }

  private async handleEmulator(method: string, path: string, raw: string | null, res: ServerResponse): Promise<void> {
    try {
      let body: unknown = {};
      if (raw !== null && raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          throw plaidError('INVALID_BODY');
        }
      }
      const parse = <S extends z.ZodType>(schema: S): z.infer<S> => parseRequest(schema, body);
      const itemMatch = /^\/emulator\/items\/([^/]+)(?:\/(error|consent|webhook))?$/.exec(path);
      const key = `${method} ${itemMatch ? `/emulator/items/:id${itemMatch[2] ? `/${itemMatch[2]}` : ''}` : path}`;
      const itemId = itemMatch ? decodeURIComponent(itemMatch[1] as string) : '';
      switch (key) {
        case 'POST /emulator/link/complete': {
          const b = parse(LinkCompleteBody);
          const ctx: Ctx = { defer: [] };
          res.on('finish', () => ctx.defer.forEach((f) => f()));
          return this.sendJson(res, 200, this.doCompleteLink(b.link_token, b.institution_id, ctx));
        }
        case 'GET /emulator/items/:id':
          return this.sendJson(res, 200, this.snapshot(this.itemById(itemId)));
        case 'POST /emulator/items/:id/error': {
          const b = parse(SetErrorBody);
          const ctx: Ctx = { defer: [] };
          res.on('finish', () => ctx.defer.forEach((f) => f()));
          const item = this.itemById(itemId);
          this.doSetItemError(item, b.error, b.webhook ?? false, ctx);
          return this.sendJson(res, 200, this.snapshot(item));
        }
        case 'POST /emulator/items/:id/consent': {
          const b = parse(SetConsentBody.extend({ webhook: z.boolean().optional() }));
          this.setConsentExpiration(itemId, b.consent_expiration_time, { webhook: b.webhook ?? false });
          return this.sendJson(res, 200, this.snapshot(this.itemById(itemId)));
        }
        case 'POST /emulator/items/:id/webhook': {
          const b = parse(SendWebhookBody);
          const d = await this.sendWebhook(itemId, b);
          return this.sendJson(res, 200, d);
        }
        case 'POST /emulator/faults':
          this.injectFault(parse(FaultSpec));
          return this.sendJson(res, 200, { faults: this.faults.map((f) => ({ ...f.spec, remaining: f.remaining })) });
        case 'DELETE /emulator/faults':
          this.clearFaults();
          return this.sendJson(res, 200, { faults: [] });
        case 'POST /emulator/latency':
          this.setLatency(parse(LatencyBody).ms);
          return this.sendJson(res, 200, { ms: this.latencyMs });
        case 'POST /emulator/keys/rotate':
          return this.sendJson(res, 200, { kid: this.rotateSigningKey({ expirePrevious: parse(RotateKeyBody).expire_previous ?? false }) });
        case 'GET /emulator/requests':
          return this.sendJson(res, 200, { requests: this.requests.map((r) => this.redact(r)) });
        case 'GET /emulator/webhooks':
          return this.sendJson(res, 200, { deliveries: this.webhooks.deliveries });
        case 'POST /emulator/reset':
          this.resetState();
          return this.sendJson(res, 200, { reset: true });
        default:
          throw plaidError('NOT_FOUND', `the requested endpoint ${method} ${path} was not found`);
      }
    } catch (err) {
      if (err instanceof PlaidApiError) return this.sendError(res, err);
      throw err;
    }
  }

  private redact(r: RecordedRequest): RecordedRequest {
    const secret = this.opts.secret;
    const scrub = (v: unknown, key?: string): unknown => {
      if (key === 'secret' || key === 'plaid-secret') return '[redacted]';
      if (typeof v === 'string') return secret && v.includes(secret) ? v.split(secret).join('[redacted]') : v;
      if (Array.isArray(v)) return v.map((x) => scrub(x));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, k)]));
      return v;
    };
    return { ...r, headers: scrub(r.headers) as IncomingHttpHeaders, body: scrub(r.body) };
  }

  // ---- state helpers ----------------------------------------------------------------------------

  private itemById(itemId: string): ItemRecord {
    const it = this.items.get(itemId);
    if (!it) throw plaidError('ITEM_NOT_FOUND', `no item with id ${itemId}`, { status: 404 });
    return it;
  }

  private itemByAccessToken(token: string): ItemRecord {
    if (!token.startsWith(`access-${this.env}-`)) throw plaidError('INVALID_ACCESS_TOKEN');
    const itemId = this.accessTokens.get(token);
    const item = itemId ? this.items.get(itemId) : undefined;
    if (!item) throw plaidError('INVALID_ACCESS_TOKEN', 'could not find matching access token');
    if (item.removed) throw plaidError('ITEM_NOT_FOUND');
    return item;
  }

  private userIdFor(kind: 'client_user_id' | 'user_token', value: string): string {
    // Deterministic per client and value, so the same end user always maps to the same Plaid user.
    const digest = createHash('sha256').update(`${this.opts.clientId}\0${kind}\0${value}`).digest();
    return `usr_${base62(digest, 14)}`;
  }

  private wctx(item: ItemRecord): WebhookContext {
    return { item_id: item.itemId, user_id: item.userId, environment: this.env, account_id: item.accountId, now: new Date(this.now()) };
  }

  /** Queues a signed webhook to the Item's URL: after the response when ctx is given, else on the next tick. */
  private emitWebhook(item: ItemRecord, payload: Record<string, unknown>, ctx: Ctx | null, url: string | null = item.webhook): void {
    if (!url) return;
    item.lastWebhook = { sent_at: isoSeconds(this.now()), code_sent: String(payload['webhook_code']) };
    const fire = (): void => {
      void this.webhooks.send(url, payload, item.itemId).finished;
    };
    if (ctx) ctx.defer.push(fire);
    else setImmediate(fire);
  }

  private createItem(institution: SandboxInstitution, products: string[], webhook: string | null, userId: string | null): ItemRecord {
    const nowMs = this.now();
    const item: ItemRecord = {
      itemId: randomId(37),
      accessToken: `access-${this.env}-${randomUUID()}`,
      institution,
      webhook,
      products: [...new Set(products)].sort(),
      error: null,
      errorSince: 0,
      consentExpirationTime: institution.consentDays ? new Date(nowMs + institution.consentDays * 86_400_000).toISOString() : null,
      createdAt: isoSeconds(nowMs),
      userId,
      removed: false,
      pendingDisconnect: false,
      accountId: randomId(37),
      lastWebhook: null,
    };
    this.items.set(item.itemId, item);
    this.accessTokens.set(item.accessToken, item.itemId);
    if (userId) this.users.add(userId);
    return item;
  }

  private issuePublicToken(item: ItemRecord): string {
    const token = `public-${this.env}-${randomUUID()}`;
    this.publicTokens.set(token, { itemId: item.itemId, expiresAt: this.now() + PUBLIC_TOKEN_TTL });
    return token;
  }

  private snapshot(it: ItemRecord): ItemSnapshot {
    return {
      item_id: it.itemId,
      institution_id: it.institution.institution_id,
      user_id: it.userId,
      webhook: it.webhook,
      products: [...it.products],
      error: it.error,
      consent_expiration_time: it.consentExpirationTime,
      pending_disconnect: it.pendingDisconnect,
      removed: it.removed,
      created_at: it.createdAt,
    };
  }

  /** `Item` schema (ItemWithConsentFields adds created_at and consent lists). */
  private itemJson(it: ItemRecord, withConsentFields: boolean): Record<string, unknown> {
    const billed = it.products.filter((p) => p !== 'balance');
    const base: Record<string, unknown> = {
      available_products: it.institution.products.filter((p) => !it.products.includes(p)).sort(),
      billed_products: billed,
      consent_expiration_time: it.consentExpirationTime,
      error: it.error,
      institution_id: it.institution.institution_id,
      institution_name: it.institution.name,
      item_id: it.itemId,
      auth_method: it.products.includes('auth') ? 'INSTANT_AUTH' : null,
      products: [...it.products],
      update_type: 'background',
      webhook: it.webhook,
    };
    if (withConsentFields) {
      base['created_at'] = it.createdAt;
      base['consented_products'] = [...it.products];
      base['consented_use_cases'] = [];
      base['consented_data_scopes'] = [];
    }
    return base;
  }

  private setLoginRequired(item: ItemRecord, ctx: Ctx | null): void {
    this.doSetItemError(item, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, true, ctx);
  }

  private doSetItemError(item: ItemRecord, error: ItemErrorInput | null, webhook: boolean, ctx: Ctx | null): void {
    const previous = item.error;
    if (error === null) {
      item.error = null;
      if (webhook && previous?.error_code === 'ITEM_LOGIN_REQUIRED') {
        this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'LOGIN_REPAIRED'), ctx);
      }
      return;
    }
    item.error = itemErrorObject(error);
    item.errorSince = this.now();
    if (webhook) {
      const status = ERROR_CATALOG[error.error_code]?.status ?? 400;
      this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'ERROR', { error: { ...item.error, status } }), ctx);
    }
  }

  private doCompleteLink(linkToken: string, institutionId: string | undefined, ctx: Ctx | null): LinkCompleteResult {
    if (!linkToken.startsWith(`link-${this.env}-`)) throw plaidError('INVALID_LINK_TOKEN');
    const lt = this.linkTokens.get(linkToken);
    if (!lt) throw plaidError('INVALID_LINK_TOKEN', 'provided link token is invalid or does not exist');
    if (this.now() > lt.expiresAt) throw plaidError('INVALID_LINK_TOKEN', 'provided link token is expired');
    // Link tokens are single-use except in Sandbox (REFERENCE 2.1).
    if (lt.used && this.env !== 'sandbox') throw plaidError('INVALID_LINK_TOKEN', 'provided link token has already been used');
    lt.used = true;

    if (lt.mode === 'create') {
      const institution = findInstitution(institutionId ?? 'ins_109508');
      if (!institution) throw plaidError('INVALID_INSTITUTION');
      if (!institution.country_codes.some((c) => lt.countryCodes.includes(c))) {
        throw plaidError('INVALID_INSTITUTION', `institution ${institution.institution_id} is not available for the link token's country_codes`);
      }
      const unsupported = lt.products.filter((p) => !institution.products.includes(p));
      if (unsupported.length > 0) throw plaidError('PRODUCTS_NOT_SUPPORTED', `institution does not support: ${unsupported.join(', ')}`);
      const item = this.createItem(institution, lt.products, lt.webhook, lt.userId);
      return { public_token: this.issuePublicToken(item), item_id: item.itemId };
    }

    const item = this.updateTarget(lt);
    if (item.removed) throw plaidError('ITEM_NOT_FOUND');
    const wasLoginRequired = item.error?.error_code === 'ITEM_LOGIN_REQUIRED';
    item.error = null;
    item.pendingDisconnect = false;
    // A successful update-mode run resets consent as if the Item were new (REFERENCE 3.4).
    const days = item.institution.consentDays;
    item.consentExpirationTime = days ? new Date(this.now() + days * 86_400_000).toISOString() : null;
    if (wasLoginRequired) this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'LOGIN_REPAIRED'), ctx);
    return { public_token: this.issuePublicToken(item), item_id: item.itemId };
  }

  /** Update-mode Item: the token's Item, or for update.user the most recently broken of the user's Items. */
  private updateTarget(lt: LinkTokenRecord): ItemRecord {
    if (lt.itemId) return this.itemById(lt.itemId);
    const candidates = [...this.items.values()].filter(
      (i) => !i.removed && i.userId === lt.userId && (!lt.updateItemIds || lt.updateItemIds.length === 0 || lt.updateItemIds.includes(i.itemId)),
    );
    const broken = candidates.filter((i) => i.error !== null).sort((a, b) => b.errorSince - a.errorSince);
    const target = broken[0] ?? candidates[candidates.length - 1];
    if (!target) throw plaidError('ITEM_NOT_FOUND', 'the user has no items to update');
    return target;
  }

  // ---- Plaid endpoints --------------------------------------------------------------------------

  private validateProducts(products: readonly string[], forbidden: ReadonlySet<string>): void {
    for (const p of products) {
      if (!PRODUCTS.has(p)) throw plaidError('INVALID_PRODUCT', `${p} is not a valid product`);
      if (forbidden.has(p)) throw plaidError('INVALID_PRODUCT', `${p} is not a valid product for this endpoint`);
    }
  }

  private validateWebhookUrl(field: string, value: string | null | undefined): void {
    if (value !== undefined && value !== null && value !== '' && !isHttpUrl(value)) {
      throw plaidError('INVALID_FIELD', `${field} must be a valid http or https URL`);
    }
  }

  private resolveUser(b: { user_id?: string | undefined; user_token?: string | undefined }, required: boolean): string | null {
    if (b.user_id !== undefined) {
      if (!b.user_id.startsWith('usr_')) throw plaidError('INVALID_USER_ID', 'user_id must start with usr_');
      return b.user_id;
    }
    if (b.user_token !== undefined) {
      const known = this.userTokens.get(b.user_token);
      if (known) return known;
      if (required) throw plaidError('INVALID_USER_TOKEN');
      const id = this.userIdFor('user_token', b.user_token);
      this.userTokens.set(b.user_token, id);
      return id;
    }
    return null;
  }

  private linkTokenCreate(raw: Record<string, unknown>): Record<string, unknown> {
    const b = parseRequest(LinkTokenCreateRequest, raw);
    if (!b.user && b.user_id === undefined && b.user_token === undefined) {
      throw plaidError('MISSING_FIELDS', 'the following required fields are missing: user');
    }
    const clientUserId = b.user?.client_user_id;
    if (clientUserId && /[^\s@]+@[^\s@]+\.[^\s@]+/.test(clientUserId)) {
      throw plaidError('INVALID_FIELD', 'client_user_id must not contain personally identifiable information such as an email address');
    }
    const userId = this.resolveUser(b, false) ?? this.userIdFor('client_user_id', clientUserId as string);
    this.users.add(userId);

    this.validateWebhookUrl('webhook', b.webhook);
    if (b.redirect_uri !== undefined && b.redirect_uri !== '') {
      let u: URL | null = null;
      try {
        u = new URL(b.redirect_uri);
      } catch {
        u = null;
      }
      if (!u || u.search !== '') throw plaidError('INVALID_FIELD', 'redirect_uri must be a valid URI without query parameters');
      if (this.env === 'production' && u.protocol !== 'https:') throw plaidError('INVALID_FIELD', 'redirect_uri must use https in production');
    }

    const updateMode = (b.access_token !== undefined && b.access_token !== null) || b.update?.user === true;
    let item: ItemRecord | null = null;
    let products: string[] = [];
    if (updateMode) {
      if (b.access_token) item = this.itemByAccessToken(b.access_token);
      else if (b.user_id === undefined && b.user_token === undefined) {
        throw plaidError('MISSING_FIELDS', 'the following required fields are missing: user_token');
      }
      if (b.products && b.products.length > 0) {
        this.validateProducts(b.products, LINK_FORBIDDEN_PRODUCTS);
        const bad = b.products.filter((p) => !UPDATE_MODE_PRODUCTS.has(p));
        if (bad.length > 0) throw plaidError('INVALID_FIELD', `products should be omitted in update mode (got: ${bad.join(', ')})`);
        products = b.products;
      }
    } else {
      if (b.products === undefined || b.products === null) throw plaidError('MISSING_FIELDS', 'the following required fields are missing: products');
      if (b.products.length === 0) throw plaidError('INVALID_FIELD', 'products must contain at least one product');
      this.validateProducts(b.products, LINK_FORBIDDEN_PRODUCTS);
      products = b.products;
    }

    const nowMs = this.now();
    const ttl = b.hosted_link?.url_lifetime_seconds ? b.hosted_link.url_lifetime_seconds * 1000 : updateMode ? LINK_TTL_UPDATE : LINK_TTL_CREATE;
    const token = `link-${this.env}-${randomUUID()}`;
    this.linkTokens.set(token, {
      token,
      mode: updateMode ? 'update' : 'create',
      itemId: item?.itemId ?? null,
      updateItemIds: item ? null : (b.update?.item_ids ?? null),
      userId: item?.userId ?? userId,
      // `webhook` has no effect in update mode (REFERENCE 2.1).
      webhook: updateMode ? null : (b.webhook || null),
      redirectUri: b.redirect_uri ?? null,
      androidPackageName: b.android_package_name ?? null,
      accountSelectionEnabled: b.update?.account_selection_enabled ?? false,
      language: b.language,
      products,
      countryCodes: b.country_codes,
      expiresAt: nowMs + ttl,
      used: false,
    });
    const out: Record<string, unknown> = { expiration: isoSeconds(nowMs + ttl), link_token: token };
    if (b.hosted_link) out['hosted_link_url'] = `https://secure.plaid.com/hl/${randomId(32)}`;
    out['user_id'] = userId;
    return out;
  }

  private publicTokenExchange(raw: Record<string, unknown>): Record<string, unknown> {
    const b = parseRequest(PublicTokenExchangeRequest, raw);
    if (!b.public_token.startsWith(`public-${this.env}-`)) throw plaidError('INVALID_PUBLIC_TOKEN');
    const rec = this.publicTokens.get(b.public_token);
    if (!rec) throw plaidError('INVALID_PUBLIC_TOKEN', 'could not find matching public token');
    this.publicTokens.delete(b.public_token); // single use
    if (this.now() > rec.expiresAt) {
      throw plaidError('INVALID_PUBLIC_TOKEN', 'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged');
    }
    const item = this.itemById(rec.itemId);
    if (item.removed) throw plaidError('ITEM_NOT_FOUND');
    // After update mode the access token does not change, so the same one comes back.
    return { access_token: item.accessToken, item_id: item.itemId };
  }

  private itemGet(raw: Record<string, unknown>): Record<string, unknown> {
    const item = this.itemByAccessToken(parseRequest(AccessTokenRequest, raw).access_token);
    const hasTransactions = item.products.includes('transactions');
    return {
      item: this.itemJson(item, true),
      status: {
        investments: null,
        last_webhook: item.lastWebhook,
        transactions: hasTransactions
          ? { last_successful_update: item.createdAt, last_failed_update: item.error ? isoSeconds(item.errorSince) : null }
          : null,
      },
    };
  }

  private itemRemove(raw: Record<string, unknown>): Record<string, unknown> {
    const item = this.itemByAccessToken(parseRequest(ItemRemoveRequest, raw).access_token);
    item.removed = true;
    return {};
  }

  private itemWebhookUpdate(raw: Record<string, unknown>, ctx: Ctx): Record<string, unknown> {
    const b = parseRequest(WebhookUpdateRequest, raw);
    const item = this.itemByAccessToken(b.access_token);
    this.validateWebhookUrl('webhook', b.webhook);
    item.webhook = b.webhook || null;
    if (item.webhook) {
      this.emitWebhook(item, itemWebhook({ ...this.wctx(item), user_id: null }, 'ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', { error: null, new_webhook_url: item.webhook }), ctx);
    }
    return { item: this.itemJson(item, false) };
  }

  private institutionsGetById(raw: Record<string, unknown>): Record<string, unknown> {
    const b = parseRequest(InstitutionGetByIdRequest, raw);
    const inst = findInstitution(b.institution_id);
    if (!inst || !inst.country_codes.some((c) => b.country_codes.includes(c as (typeof b.country_codes)[number]))) {
      throw plaidError('INVALID_INSTITUTION');
    }
    const o = b.options ?? {};
    const institution: Record<string, unknown> = {
      country_codes: inst.country_codes,
      institution_id: inst.institution_id,
      name: inst.name,
      oauth: inst.oauth,
      products: inst.products,
      routing_numbers: inst.routing_numbers,
      dtc_numbers: [],
      logo: o.include_optional_metadata ? institutionLogo(inst) : null,
      primary_color: o.include_optional_metadata ? inst.primary_color : null,
      url: o.include_optional_metadata ? inst.url : null,
    };
    // Institution status is not available in Sandbox (REFERENCE 2.11).
    if (o.include_status) institution['status'] = null;
    if (o.include_auth_metadata) {
      institution['auth_metadata'] = inst.products.includes('auth')
        ? { supported_methods: { instant_auth: true, instant_match: inst.institution_id === 'ins_109512', automated_micro_deposits: true, instant_micro_deposits: false } }
        : null;
    }
    if (o.include_payment_initiation_metadata) institution['payment_initiation_metadata'] = null;
    return { institution };
  }

  private verificationKeyGet(raw: Record<string, unknown>): Record<string, unknown> {
    const key: PlaidJwk | undefined = this.signer.publicKey(parseRequest(WebhookVerificationKeyGetRequest, raw).key_id);
    if (!key) throw plaidError('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
    return { key };
  }

  private sandboxPublicTokenCreate(raw: Record<string, unknown>): Record<string, unknown> {
    const b = parseRequest(SandboxPublicTokenCreateRequest, raw);
    const inst = findInstitution(b.institution_id);
    if (!inst) throw plaidError('INVALID_INSTITUTION');
    this.validateProducts(b.initial_products, new Set(['balance']));
    const unsupported = b.initial_products.filter((p) => !inst.products.includes(p));
    if (unsupported.length > 0) throw plaidError('PRODUCTS_NOT_SUPPORTED', `institution does not support: ${unsupported.join(', ')}`);
    this.validateWebhookUrl('options.webhook', b.options?.webhook);
    // Sandbox test credentials: password error_<CODE> makes Item creation fail with that error.
    const password = b.options?.override_password ?? 'pass_good';
    const forced = /^error_([A-Z_]+)$/.exec(password)?.[1];
    if (forced) {
      const entry = ERROR_CATALOG[forced];
      if (entry && (entry.type === 'ITEM_ERROR' || entry.type === 'INSTITUTION_ERROR')) throw plaidError(forced);
    }
    const userId = this.resolveUser(b, false);
    const item = this.createItem(inst, b.initial_products, b.options?.webhook || null, userId);
    return { public_token: this.issuePublicToken(item) };
  }

  private sandboxItemResetLogin(raw: Record<string, unknown>, ctx: Ctx): Record<string, unknown> {
    const item = this.itemByAccessToken(parseRequest(AccessTokenRequest, raw).access_token);
    this.setLoginRequired(item, ctx);
    return { reset_login: true };
  }

  private sandboxUserResetLogin(raw: Record<string, unknown>, ctx: Ctx): Record<string, unknown> {
    const b = parseRequest(UserResetLoginRequest, raw);
    if (b.user_id === undefined && b.user_token === undefined) throw plaidError('MISSING_FIELDS', 'the following required fields are missing: user_id');
    const userId = this.resolveUser(b, true) as string;
    if (!this.users.has(userId)) throw plaidError(b.user_id !== undefined ? 'INVALID_USER_ID' : 'INVALID_USER_TOKEN', 'no user found for the provided identifier');
    const owned = [...this.items.values()].filter((i) => i.userId === userId && !i.removed);
    let targets = owned;
    if (b.item_ids && b.item_ids.length > 0) {
      const foreign = b.item_ids.filter((id) => !owned.some((i) => i.itemId === id));
      if (foreign.length > 0) throw plaidError('INVALID_FIELD', `item_ids contains items not associated with this user: ${foreign.join(', ')}`);
      targets = owned.filter((i) => b.item_ids?.includes(i.itemId));
    }
    for (const item of targets) this.setLoginRequired(item, ctx);
    return {};
  }

  private sandboxFireWebhook(raw: Record<string, unknown>, ctx: Ctx): Record<string, unknown> {
    const b = parseRequest(FireWebhookRequest, raw);
    const item = this.itemByAccessToken(b.access_token);
    if (!item.webhook || !isHttpUrl(item.webhook)) throw plaidError('SANDBOX_WEBHOOK_INVALID');
    const entry = FIRE_WEBHOOK_TABLE[b.webhook_code];
    if (!entry) throw plaidError('INVALID_FIELD', `webhook_code ${b.webhook_code} cannot be fired`);
    const type = b.webhook_type ?? entry.defaultType;
    if (!entry.types.includes(type)) throw plaidError('INVALID_FIELD', `webhook_code ${b.webhook_code} is not valid for webhook_type ${type}`);
    const product = entry.productFor?.[type];
    if (product && !item.products.includes(product)) throw plaidError('SANDBOX_PRODUCT_NOT_ENABLED', `the ${product} product is not enabled for this item`);
    if (entry.effect === 'pending_disconnect') item.pendingDisconnect = true;
    this.emitWebhook(item, entry.build(this.wctx(item), type), ctx);
    return { webhook_fired: true };
  }
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.destroy();
        reject(new Error('body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startPlaidEmulator(opts: PlaidEmulatorOptions): Promise<PlaidEmulator> {
  const emu = new PlaidEmulator(opts);
  await emu.listen(opts.host ?? '127.0.0.1', opts.port ?? 0);
  return emu;
}

export { SANDBOX_INSTITUTIONS };
