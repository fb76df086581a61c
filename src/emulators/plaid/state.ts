// The Plaid emulator's state: Items, tokens and users, and the operations on them that API routes,
// control routes and the programmatic surface share. Webhooks leave through `emit`, which the
// server wires to the signed webhook queue.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Defer } from '../kit/index.js';
import { ERROR_CATALOG, itemErrorObject, plaidError, type PlaidErrorBody } from './errors.js';
import { findInstitution, type SandboxInstitution } from './institutions.js';
import { Ledger } from './ledger.js';
import type { ItemErrorInput } from './schemas.js';
import type { TrickyNumber } from './shapes.js';
import { itemWebhook, type WebhookContext } from './webhooks.js';

export type PlaidEnv = 'sandbox' | 'production';

export type ItemRecord = {
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
  ledger: Ledger;
  /** Armed by the tricky-numbers control: the next answer of each endpoint carries these raw. */
  tricky: Map<string, TrickyNumber[]>;
  lastWebhook: { sent_at: string; code_sent: string } | null;
};

export type LinkTokenRecord = {
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

/** Sends a signed webhook body to `url` for `item`, when `defer` says (after the response). */
export type Emit = (item: ItemRecord, url: string, payload: Record<string, unknown>, defer: Defer) => void;

const MINUTE = 60_000;
const PUBLIC_TOKEN_TTL = 30 * MINUTE;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE62[(bytes[i % bytes.length] as number) % 62];
  return out;
}
export const randomId = (length: number): string => base62(randomBytes(length), length);
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Outside a request there is no response to wait for: send on the next turn. */
export const soon: Defer = (fn) => void setImmediate(fn);

export class PlaidState {
  readonly items = new Map<string, ItemRecord>();
  readonly accessTokens = new Map<string, string>();
  readonly linkTokens = new Map<string, LinkTokenRecord>();
  readonly publicTokens = new Map<string, { itemId: string; expiresAt: number }>();
  /** Plaid users seen (usr_…), and legacy user_token -> user id. */
  readonly users = new Set<string>();
  readonly userTokens = new Map<string, string>();

  constructor(
    readonly env: PlaidEnv,
    readonly clientId: string,
    readonly now: () => number,
    private readonly emit: Emit,
  ) {}

  clear(): void {
    for (const m of [this.items, this.accessTokens, this.linkTokens, this.publicTokens, this.userTokens]) m.clear();
    this.users.clear();
  }

  itemById(itemId: string): ItemRecord {
    const it = this.items.get(itemId);
    if (!it) throw plaidError('ITEM_NOT_FOUND', `no item with id ${itemId}`, { status: 404 });
    return it;
  }

  itemByAccessToken(token: string): ItemRecord {
    if (!token.startsWith(`access-${this.env}-`)) throw plaidError('INVALID_ACCESS_TOKEN');
    const itemId = this.accessTokens.get(token);
    const item = itemId ? this.items.get(itemId) : undefined;
    if (!item) throw plaidError('INVALID_ACCESS_TOKEN', 'could not find matching access token');
    if (item.removed) throw plaidError('ITEM_NOT_FOUND');
    return item;
  }

  userIdFor(kind: 'client_user_id' | 'user_token', value: string): string {
    // Deterministic per client and value, so the same end user always maps to the same Plaid user.
    const digest = createHash('sha256').update(`${this.clientId}\0${kind}\0${value}`).digest();
    return `usr_${base62(digest, 14)}`;
  }

  wctx(item: ItemRecord): WebhookContext {
    return { item_id: item.itemId, user_id: item.userId, environment: this.env, account_id: item.ledger.accounts[0]?.account_id ?? '', now: new Date(this.now()) };
  }

  /** Queues a signed webhook to the Item's URL (or `url`); records it as the Item's last webhook. */
  emitWebhook(item: ItemRecord, payload: Record<string, unknown>, defer: Defer, url: string | null = item.webhook): void {
    if (!url) return;
    item.lastWebhook = { sent_at: isoSeconds(this.now()), code_sent: String(payload['webhook_code']) };
    this.emit(item, url, payload, defer);
  }

  createItem(institution: SandboxInstitution, products: string[], webhook: string | null, userId: string | null): ItemRecord {
    const nowMs = this.now();
    const itemId = randomId(37);
    const item: ItemRecord = {
      itemId,
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
      ledger: new Ledger(itemId, institution.country_codes[0] ?? 'US', nowMs),
      tricky: new Map(),
      lastWebhook: null,
    };
    this.items.set(item.itemId, item);
    this.accessTokens.set(item.accessToken, item.itemId);
    if (userId) this.users.add(userId);
    return item;
  }

  issuePublicToken(item: ItemRecord): string {
    const token = `public-${this.env}-${randomUUID()}`;
    this.publicTokens.set(token, { itemId: item.itemId, expiresAt: this.now() + PUBLIC_TOKEN_TTL });
    return token;
  }

  snapshot(it: ItemRecord): ItemSnapshot {
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
  itemJson(it: ItemRecord, withConsentFields: boolean): Record<string, unknown> {
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

  setLoginRequired(item: ItemRecord, defer: Defer): void {
    this.setItemError(item, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, true, defer);
  }

  /** Puts an Item into a Plaid error or clears it; `webhook` sends ITEM ERROR (LOGIN_REPAIRED on clear). */
  setItemError(item: ItemRecord, error: ItemErrorInput | null, webhook: boolean, defer: Defer): void {
    const previous = item.error;
    if (error === null) {
      item.error = null;
      if (webhook && previous?.error_code === 'ITEM_LOGIN_REQUIRED') {
        this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'LOGIN_REPAIRED'), defer);
      }
      return;
    }
    item.error = itemErrorObject(error);
    item.errorSince = this.now();
    if (webhook) {
      const status = ERROR_CATALOG[error.error_code]?.status ?? 400;
      this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'ERROR', { error: { ...item.error, status } }), defer);
    }
  }

  /** What a finished Plaid Link session does: a new Item, or update mode healing the Item. */
  completeLink(linkToken: string, institutionId: string | undefined, defer: Defer): LinkCompleteResult {
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
    if (wasLoginRequired) this.emitWebhook(item, itemWebhook(this.wctx(item), 'ITEM', 'LOGIN_REPAIRED'), defer);
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
}
