/**
 * Plaid Sandbox emulator: a real HTTP server on loopback that answers the Plaid endpoints the
 * gateway uses with Plaid's documented shapes and PlaidError bodies, and sends signed webhooks.
 * Written from specs/plaid (REFERENCE.md, 2020-09-14.yml) and the seeds; shares no code with
 * src/providers. Built on the emulator kit (../kit); the parts:
 *   state.ts     Items, tokens, users and the operations on them
 *   ledger.ts    each Item's accounts and transactions, /transactions/sync over a change log
 *   activity.ts  changes "at the bank" (add, modify, remove, settle, balances) and their webhooks
 *   routes.ts    the Plaid API endpoints (list there); controls.ts: the /emulator/* control routes
 *               (list there and in the README)
 */
import { FaultBook, RequestRecorder, WebhookQueue, startEmulatorServer, type EmulatorServer, type RecordedRequest } from '../kit/index.js';
import { Activity, type BalancePatch, type NewTransaction, type Notify, type TransactionPatch } from './activity.js';
import { PlaidApiError, itemErrorObject, plaidError } from './errors.js';
import { SANDBOX_INSTITUTIONS, findInstitution } from './institutions.js';
import { plaidControlRoutes } from './controls.js';
import type { AccountRecord, TransactionRecord } from './ledger.js';
import { plaidApiRoutes } from './routes.js';
import { FaultSpec, ItemErrorInput } from './schemas.js';
import type { TrickyNumber } from './shapes.js';
import { WebhookSigner } from './signing.js';
import { PlaidState, isoSeconds, randomId, soon, type ItemRecord, type ItemSnapshot, type LinkCompleteResult, type PlaidEnv } from './state.js';
import { itemWebhook, type PlaidDeliveryMeta, type WebhookDelivery } from './webhooks.js';
import { TRICKY_NUMBERS } from './ledger-data.js';

export type { FaultSpec, ItemErrorInput } from './schemas.js';
export type { WebhookDelivery } from './webhooks.js';
export type { PlaidErrorBody } from './errors.js';
export type { PlaidJwk } from './signing.js';
export type { RecordedRequest } from '../kit/index.js';
export type { ItemSnapshot, LinkCompleteResult, PlaidEnv } from './state.js';
export type { AccountRecord, TransactionRecord } from './ledger.js';
export type { TrickyNumber } from './shapes.js';
export { PlaidApiError } from './errors.js';

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

/** Request bodies above this are refused (Plaid's own limit is not documented; 1 MB is generous). */
const MAX_BODY = 1_048_576;
/** 429 error_code per endpoint (REFERENCE 6); RATE_LIMIT is the catch-all. */
const RATE_LIMIT_CODES: Record<string, string> = {
  '/item/get': 'ITEM_GET_LIMIT',
  '/institutions/get_by_id': 'INSTITUTIONS_GET_BY_ID_LIMIT',
};

export class PlaidEmulator {
  url = '';
  readonly env: PlaidEnv;
  private readonly now: () => number;
  private readonly signer: WebhookSigner;
  private readonly webhooks: WebhookQueue<PlaidDeliveryMeta>;
  private readonly recorder: RequestRecorder;
  private readonly faults = new FaultBook<FaultSpec>();
  private readonly state: PlaidState;
  private readonly activity: Activity;
  private latencyMs: number;
  private server: EmulatorServer | null = null;

  constructor(private readonly opts: PlaidEmulatorOptions) {
    this.env = opts.env ?? 'sandbox';
    this.now = opts.now ?? Date.now;
    this.latencyMs = opts.latencyMs ?? 0;
    this.signer = new WebhookSigner(this.now);
    // Plaid waits 10 s for a receiver (REFERENCE 5.1); its retries are not emulated.
    this.webhooks = new WebhookQueue<PlaidDeliveryMeta>({
      sign: (body) => ({ 'Content-Type': 'application/json', 'Plaid-Verification': this.signer.sign(body) }),
      timeoutMs: 10_000,
      now: this.now,
    });
    this.recorder = new RequestRecorder({ keys: ['secret', 'plaid-secret'], values: () => [opts.secret] });
    this.state = new PlaidState(this.env, opts.clientId, this.now, (item, url, payload, defer) =>
      defer(() => {
        const meta = { itemId: item.itemId, webhookType: stringOrNull(payload['webhook_type']), webhookCode: stringOrNull(payload['webhook_code']) };
        void this.webhooks.send(url, JSON.stringify(payload, null, 2), meta).finished;
      }),
    );
    this.activity = new Activity(this.state);
  }

  async listen(host: string, port: number): Promise<void> {
    this.server = await startEmulatorServer<FaultSpec>({
      host,
      port,
      bodyLimit: MAX_BODY,
      api: plaidApiRoutes({ state: this.state, signer: this.signer, clientId: this.opts.clientId, secret: this.opts.secret }),
      control: plaidControlRoutes({ emu: this, state: this.state, activity: this.activity }),
      recorder: this.recorder,
      latencyMs: () => this.latencyMs,
      faults: this.faults,
      faultOutcome: (spec, ctx) => faultOutcome(spec, ctx.path),
      errorReply: (err) => {
        const e = err instanceof PlaidApiError ? err : plaidError('INTERNAL_SERVER_ERROR');
        return { status: e.status, body: { ...e.body, request_id: randomId(15) } };
      },
      notFound: (method, path, control) => {
        const e = plaidError('NOT_FOUND', control ? `the requested endpoint ${method} ${path} was not found` : `the requested endpoint ${path} was not found`);
        return { status: e.status, body: { ...e.body, request_id: randomId(15) } };
      },
      bodyTooLarge: () => ({ status: 413, body: { ...plaidError('INVALID_BODY', 'request body is too large').body, request_id: randomId(15) } }),
      jsonSpaces: 2,
      now: this.now,
      onClose: () => this.webhooks.close(),
    });
    this.url = this.server.url;
  }

  /** Stops the server, drops every socket (hanging ones too) and aborts webhook deliveries. */
  async close(): Promise<void> {
    await this.server?.close();
  }

  // ---- recording, faults, latency, keys ---------------------------------------------------------

  /** Plaid API requests as received (secrets included; `recordedRequests()` is the redacted view). */
  get requests(): RecordedRequest[] {
    return this.recorder.requests;
  }

  recordedRequests(): RecordedRequest[] {
    return this.recorder.redacted();
  }

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

  get latency(): number {
    return this.latencyMs;
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  injectFault(spec: FaultSpec): void {
    this.faults.add(FaultSpec.parse(spec));
  }

  activeFaults(): Array<FaultSpec & { remaining: number }> {
    return this.faults.list().map(({ id: _id, ...f }) => f);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  resetState(): void {
    this.state.clear();
    this.recorder.clear();
    this.webhooks.clear();
    this.faults.clear();
    this.latencyMs = this.opts.latencyMs ?? 0;
  }

  // ---- Items --------------------------------------------------------------------------------------

  getItem(itemId: string): ItemSnapshot | undefined {
    const it = this.state.items.get(itemId);
    return it ? this.state.snapshot(it) : undefined;
  }

  /** What a finished Plaid Link session does (new Item, or update mode healing the Item). */
  completeLink(linkToken: string, opts: { institutionId?: string } = {}): LinkCompleteResult {
    return this.state.completeLink(linkToken, opts.institutionId, soon);
  }

  /**
   * An Item made outside the gateway (another app linked it), for imports: returns its id and the
   * access token its owner would hold.
   */
  createItem(opts: { institutionId?: string; products?: string[]; webhook?: string | null; clientUserId?: string } = {}): { item_id: string; access_token: string } {
    const inst = findInstitution(opts.institutionId ?? 'ins_109508');
    if (!inst) throw plaidError('INVALID_INSTITUTION');
    const products = opts.products ?? ['transactions'];
    const unsupported = products.filter((p) => !inst.products.includes(p));
    if (unsupported.length > 0) throw plaidError('PRODUCTS_NOT_SUPPORTED', `institution does not support: ${unsupported.join(', ')}`);
    const userId = opts.clientUserId ? this.state.userIdFor('client_user_id', opts.clientUserId) : null;
    const item = this.state.createItem(inst, products, opts.webhook ?? null, userId);
    return { item_id: item.itemId, access_token: item.accessToken };
  }

  /** Puts an Item into any Plaid error (or clears it); `webhook` sends ITEM ERROR (or LOGIN_REPAIRED on clear). */
  setItemError(itemId: string, error: ItemErrorInput | null, opts: { webhook?: boolean } = {}): void {
    this.state.setItemError(this.item(itemId), error === null ? null : ItemErrorInput.parse(error), opts.webhook ?? false, soon);
  }

  /** Sets consent_expiration_time; `webhook` sends PENDING_EXPIRATION when a time is set. */
  setConsentExpiration(itemId: string, iso: string | null, opts: { webhook?: boolean } = {}): void {
    const item = this.item(itemId);
    item.consentExpirationTime = iso === null ? null : new Date(iso).toISOString();
    if (opts.webhook && item.consentExpirationTime) {
      this.state.emitWebhook(item, itemWebhook(this.state.wctx(item), 'ITEM', 'PENDING_EXPIRATION', { consent_expiration_time: item.consentExpirationTime }), soon);
    }
  }

  /** Sends an arbitrary signed webhook body to the Item's webhook URL. */
  sendWebhook(itemId: string, body: Record<string, unknown>): Promise<WebhookDelivery> {
    const item = this.item(itemId);
    if (!item.webhook) throw plaidError('SANDBOX_WEBHOOK_INVALID');
    item.lastWebhook = { sent_at: isoSeconds(this.now()), code_sent: String(body['webhook_code'] ?? '') };
    const meta = { itemId: item.itemId, webhookType: stringOrNull(body['webhook_type']), webhookCode: stringOrNull(body['webhook_code']) };
    return this.webhooks.send(item.webhook, JSON.stringify(body, null, 2), meta).finished;
  }

  // ---- accounts and transactions ------------------------------------------------------------------

  accounts(itemId: string): AccountRecord[] {
    return this.item(itemId).ledger.accounts.map((a) => ({ ...a, balances: { ...a.balances } }));
  }

  transactions(itemId: string): TransactionRecord[] {
    return [...this.item(itemId).ledger.transactions.values()].map((t) => ({ ...t }));
  }

  addTransaction(itemId: string, input: NewTransaction & Notify): TransactionRecord {
    return { ...this.activity.add(this.item(itemId), input, soon) };
  }

  modifyTransaction(itemId: string, transactionId: string, patch: TransactionPatch & Notify): TransactionRecord {
    return { ...this.activity.modify(this.item(itemId), transactionId, patch, soon) };
  }

  removeTransaction(itemId: string, transactionId: string, notify: Notify = {}): void {
    this.activity.remove(this.item(itemId), transactionId, notify, soon);
  }

  settleTransaction(itemId: string, transactionId: string, patch: { amount?: number; date?: string } & Notify = {}): { removed: TransactionRecord; added: TransactionRecord } {
    return this.activity.settle(this.item(itemId), transactionId, patch, soon);
  }

  setBalance(itemId: string, accountId: string, patch: BalancePatch & Notify): AccountRecord {
    return { ...this.activity.setBalance(this.item(itemId), accountId, patch, soon) };
  }

  /** The next answer of each listed endpoint for this Item carries `values` written raw (see shapes.ts). */
  armTrickyNumbers(itemId: string, opts: { endpoints?: Array<'/accounts/get' | '/transactions/sync'>; values?: TrickyNumber[] } = {}): void {
    const item = this.item(itemId);
    for (const e of opts.endpoints ?? ['/accounts/get', '/transactions/sync']) item.tricky.set(e, [...(opts.values ?? TRICKY_NUMBERS)]);
  }

  /** The next `times` continuation pages of /transactions/sync fail with TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION. */
  forceMutationDuringPagination(itemId: string, times = 1): void {
    this.item(itemId).ledger.forcedMutations += times;
  }

  /** The Item or a 404 ITEM_NOT_FOUND (control surface: any Item, removed ones included). */
  item(itemId: string): ItemRecord {
    return this.state.itemById(itemId);
  }
}

const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function faultOutcome(spec: FaultSpec, path: string) {
  const error = (e: PlaidApiError, headers?: Record<string, string>) => ({ status: e.status, body: { ...e.body, request_id: randomId(15) }, ...(headers ? { headers } : {}) });
  switch (spec.kind) {
    case 'http500':
      return error(plaidError('INTERNAL_SERVER_ERROR'));
    case 'http429':
      return error(plaidError(RATE_LIMIT_CODES[path] ?? 'RATE_LIMIT'), spec.retryAfterSeconds !== undefined ? { 'Retry-After': String(spec.retryAfterSeconds) } : undefined);
    case 'garbage':
      return { status: 200, raw: '<html><body><h1>502 Bad Gateway</h1>upstream sent an invalid response</body></html>', headers: { 'content-type': 'text/html' } };
    case 'hang':
    case 'reset':
      return spec.kind;
    case 'plaid_error': {
      const e = spec.error ?? { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' };
      return error(new PlaidApiError(e.status ?? 400, itemErrorObject(e)));
    }
  }
}

export async function startPlaidEmulator(opts: PlaidEmulatorOptions): Promise<PlaidEmulator> {
  const emu = new PlaidEmulator(opts);
  await emu.listen(opts.host ?? '127.0.0.1', opts.port ?? 0);
  return emu;
}

export { SANDBOX_INSTITUTIONS };
