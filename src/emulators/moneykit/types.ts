// Types of the MoneyKit emulator: its public API (what tests, the harness and demo mode call) and the
// internal records its state keeps.
import type { Delivery, RecordedRequest } from '../kit/index.js';
import type { MoneyKitEmulatorApp } from './api.js';
import type { InstitutionRecord, LinkErrorCode, LinkState, Product, UpstreamProvider } from './data.js';
import type { BalancesInput, TransactionControlInput } from './finance.js';
import type { Ledger } from './ledger.js';
import type { CreateLinkInput, FaultSpec, LinkSessionRequest } from './schemas.js';
import type { SigningKey } from './signing.js';

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

export type { RecordedRequest } from '../kit/index.js';

/** MoneyKit's facts about one webhook, carried on each delivery attempt the kit records. */
export interface WebhookMeta {
  linkId: string;
  event: string;
  idempotencyKey: string;
  /** One per webhook, shared by its retries (MoneyKit-Delivery-Token). */
  deliveryToken: string;
  payload: Record<string, unknown>;
}
/** One delivery attempt: url, exact body bytes, headers, attempt, status (null: failed), error, at. */
export type WebhookDelivery = Delivery<WebhookMeta>;

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


// ---------------------------------------------------------------- internal records

export interface ProductRecord {
  refreshed_at: string | null;
  last_attempted_at: string | null;
  settings: LinkProductResponse['settings'];
}

export interface LinkRecord {
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

export interface SessionRecord {
  clientId: string;
  request: LinkSessionRequest;
  existingLinkId: string | null;
  completed: boolean;
}

export interface AccessToken {
  clientId: string;
  expiresAt: number;
  forcedExpired: boolean;
}

