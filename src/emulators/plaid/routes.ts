// The Plaid API endpoints the emulator serves (POST, JSON; REFERENCE.md section 2 and the OpenAPI
// file's *Request / *Response schemas), on the kit's router.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Router, type Defer, type Handler, type Reply } from '../kit/index.js';
import { ERROR_CATALOG, PlaidApiError, plaidError } from './errors.js';
import { findInstitution, institutionLogo } from './institutions.js';
import { jsonText } from './json-text.js';
import {
  AccessTokenRequest,
  AccountsGetRequest,
  FireWebhookRequest,
  InstitutionGetByIdRequest,
  ItemRemoveRequest,
  LINK_FORBIDDEN_PRODUCTS,
  LinkTokenCreateRequest,
  PRODUCTS,
  PublicTokenExchangeRequest,
  SandboxPublicTokenCreateRequest,
  TransactionsSyncRequest,
  UPDATE_MODE_PRODUCTS,
  UserResetLoginRequest,
  WebhookUpdateRequest,
  WebhookVerificationKeyGetRequest,
  parseRequest,
} from './schemas.js';
import { accountJson, applyTrickyNumbers, transactionJson } from './shapes.js';
import type { WebhookSigner } from './signing.js';
import { isoSeconds, randomId, type ItemRecord, type PlaidState } from './state.js';
import { FIRE_WEBHOOK_TABLE, itemWebhook } from './webhooks.js';

type Body = Record<string, unknown>;
/** A Plaid handler: the parsed JSON object in, the success body out (request_id is added). */
type PlaidHandler = (body: Body, defer: Defer) => Body | { text: (requestId: string) => string };

const MINUTE = 60_000;
const LINK_TTL_CREATE = 240 * MINUTE;
const LINK_TTL_UPDATE = 30 * MINUTE;

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export type PlaidRoutesDeps = { state: PlaidState; signer: WebhookSigner; clientId: string; secret: string };

export function plaidApiRoutes({ state, signer, clientId, secret }: PlaidRoutesDeps): Router<Handler> {
  const env = state.env;

  function authenticate(headers: IncomingHttpHeaders, body: Body): void {
    const h = (name: string): string | undefined => {
      const v = headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const id = h('plaid-client-id') ?? (typeof body['client_id'] === 'string' ? body['client_id'] : undefined);
    const key = h('plaid-secret') ?? (typeof body['secret'] === 'string' ? body['secret'] : undefined);
    const missing = [id ? null : 'client_id', key ? null : 'secret'].filter((x): x is string => x !== null);
    if (missing.length > 0) throw plaidError('MISSING_FIELDS', `the following required fields are missing: ${missing.join(', ')}`);
    if (id !== clientId || key !== secret) throw plaidError('INVALID_API_KEYS');
  }

  /** Content type, JSON object body, client credentials and environment checks, in Plaid's order. */
  const endpoint =
    (path: string, sandboxOnly: boolean, handler: PlaidHandler): Handler =>
    (ctx): Reply => {
      const contentType = ctx.headers['content-type'];
      if (!contentType) throw plaidError('INVALID_HEADERS');
      let parsed: unknown = null;
      try {
        parsed = ctx.rawBody.length > 0 ? JSON.parse(ctx.rawBody.toString('utf8')) : null;
      } catch {
        parsed = null;
      }
      if (!/^application\/json\b/i.test(contentType) || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw plaidError('INVALID_BODY');
      const body = parsed as Body;
      authenticate(ctx.headers, body);
      if (sandboxOnly && env !== 'sandbox') throw plaidError('SANDBOX_ONLY', `access to ${path} is only available in the sandbox environment`);
      const out = handler(body, ctx.defer);
      const requestId = randomId(15);
      if (typeof out['text'] === 'function') return { status: 200, raw: (out as { text: (id: string) => string }).text(requestId), headers: { 'content-type': 'application/json; charset=utf-8' } };
      return { status: 200, body: { ...out, request_id: requestId } };
    };

  function validateProducts(products: readonly string[], forbidden: ReadonlySet<string>): void {
    for (const p of products) {
      if (!PRODUCTS.has(p)) throw plaidError('INVALID_PRODUCT', `${p} is not a valid product`);
      if (forbidden.has(p)) throw plaidError('INVALID_PRODUCT', `${p} is not a valid product for this endpoint`);
    }
  }

  function validateWebhookUrl(field: string, value: string | null | undefined): void {
    if (value !== undefined && value !== null && value !== '' && !isHttpUrl(value)) throw plaidError('INVALID_FIELD', `${field} must be a valid http or https URL`);
  }

  function resolveUser(b: { user_id?: string | undefined; user_token?: string | undefined }, required: boolean): string | null {
    if (b.user_id !== undefined) {
      if (!b.user_id.startsWith('usr_')) throw plaidError('INVALID_USER_ID', 'user_id must start with usr_');
      return b.user_id;
    }
    if (b.user_token !== undefined) {
      const known = state.userTokens.get(b.user_token);
      if (known) return known;
      if (required) throw plaidError('INVALID_USER_TOKEN');
      const id = state.userIdFor('user_token', b.user_token);
      state.userTokens.set(b.user_token, id);
      return id;
    }
    return null;
  }

  /** Data endpoints answer the Item's own error while it has one, as Plaid does. */
  function healthyItem(accessToken: string): ItemRecord {
    const item = state.itemByAccessToken(accessToken);
    if (item.error) throw new PlaidApiError(ERROR_CATALOG[item.error.error_code]?.status ?? 400, item.error);
    return item;
  }

  /** The answer as text when the tricky-numbers control armed this endpoint for the Item. */
  function maybeTricky(item: ItemRecord, path: string, out: Body, accounts: Body[], transactions: Body[]): Body | { text: (requestId: string) => string } {
    const values = item.tricky.get(path);
    if (!values) return out;
    item.tricky.delete(path);
    applyTrickyNumbers(accounts, transactions, values);
    return { text: (requestId) => jsonText({ ...out, request_id: requestId }) };
  }

  const linkTokenCreate: PlaidHandler = (raw) => {
    const b = parseRequest(LinkTokenCreateRequest, raw);
    if (!b.user && b.user_id === undefined && b.user_token === undefined) throw plaidError('MISSING_FIELDS', 'the following required fields are missing: user');
    const clientUserId = b.user?.client_user_id;
    if (clientUserId && /[^\s@]+@[^\s@]+\.[^\s@]+/.test(clientUserId)) {
      throw plaidError('INVALID_FIELD', 'client_user_id must not contain personally identifiable information such as an email address');
    }
    const userId = resolveUser(b, false) ?? state.userIdFor('client_user_id', clientUserId as string);
    state.users.add(userId);

    validateWebhookUrl('webhook', b.webhook);
    if (b.redirect_uri !== undefined && b.redirect_uri !== '') {
      let u: URL | null = null;
      try {
        u = new URL(b.redirect_uri);
      } catch {
        u = null;
      }
      if (!u || u.search !== '') throw plaidError('INVALID_FIELD', 'redirect_uri must be a valid URI without query parameters');
      if (env === 'production' && u.protocol !== 'https:') throw plaidError('INVALID_FIELD', 'redirect_uri must use https in production');
    }

    const updateMode = (b.access_token !== undefined && b.access_token !== null) || b.update?.user === true;
    let item: ItemRecord | null = null;
    let products: string[] = [];
    if (updateMode) {
      if (b.access_token) item = state.itemByAccessToken(b.access_token);
      else if (b.user_id === undefined && b.user_token === undefined) throw plaidError('MISSING_FIELDS', 'the following required fields are missing: user_token');
      if (b.products && b.products.length > 0) {
        validateProducts(b.products, LINK_FORBIDDEN_PRODUCTS);
        const bad = b.products.filter((p) => !UPDATE_MODE_PRODUCTS.has(p));
        if (bad.length > 0) throw plaidError('INVALID_FIELD', `products should be omitted in update mode (got: ${bad.join(', ')})`);
        products = b.products;
      }
    } else {
      if (b.products === undefined || b.products === null) throw plaidError('MISSING_FIELDS', 'the following required fields are missing: products');
      if (b.products.length === 0) throw plaidError('INVALID_FIELD', 'products must contain at least one product');
      validateProducts(b.products, LINK_FORBIDDEN_PRODUCTS);
      products = b.products;
    }

    const nowMs = state.now();
    const ttl = b.hosted_link?.url_lifetime_seconds ? b.hosted_link.url_lifetime_seconds * 1000 : updateMode ? LINK_TTL_UPDATE : LINK_TTL_CREATE;
    const token = `link-${env}-${randomUUID()}`;
    state.linkTokens.set(token, {
      token,
      mode: updateMode ? 'update' : 'create',
      itemId: item?.itemId ?? null,
      updateItemIds: item ? null : (b.update?.item_ids ?? null),
      userId: item?.userId ?? userId,
      // `webhook` has no effect in update mode (REFERENCE 2.1).
      webhook: updateMode ? null : b.webhook || null,
      redirectUri: b.redirect_uri ?? null,
      androidPackageName: b.android_package_name ?? null,
      accountSelectionEnabled: b.update?.account_selection_enabled ?? false,
      language: b.language,
      products,
      countryCodes: b.country_codes,
      expiresAt: nowMs + ttl,
      used: false,
    });
    const out: Body = { expiration: isoSeconds(nowMs + ttl), link_token: token };
    if (b.hosted_link) out['hosted_link_url'] = `https://secure.plaid.com/hl/${randomId(32)}`;
    out['user_id'] = userId;
    return out;
  };

  const publicTokenExchange: PlaidHandler = (raw) => {
    const b = parseRequest(PublicTokenExchangeRequest, raw);
    if (!b.public_token.startsWith(`public-${env}-`)) throw plaidError('INVALID_PUBLIC_TOKEN');
    const rec = state.publicTokens.get(b.public_token);
    if (!rec) throw plaidError('INVALID_PUBLIC_TOKEN', 'could not find matching public token');
    state.publicTokens.delete(b.public_token); // single use
    if (state.now() > rec.expiresAt) {
      throw plaidError('INVALID_PUBLIC_TOKEN', 'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged');
    }
    const item = state.itemById(rec.itemId);
    if (item.removed) throw plaidError('ITEM_NOT_FOUND');
    // After update mode the access token does not change, so the same one comes back.
    return { access_token: item.accessToken, item_id: item.itemId };
  };

  const itemGet: PlaidHandler = (raw) => {
    const item = state.itemByAccessToken(parseRequest(AccessTokenRequest, raw).access_token);
    const hasTransactions = item.products.includes('transactions');
    return {
      item: state.itemJson(item, true),
      status: {
        investments: null,
        last_webhook: item.lastWebhook,
        transactions: hasTransactions ? { last_successful_update: item.createdAt, last_failed_update: item.error ? isoSeconds(item.errorSince) : null } : null,
      },
    };
  };

  const itemRemove: PlaidHandler = (raw) => {
    state.itemByAccessToken(parseRequest(ItemRemoveRequest, raw).access_token).removed = true;
    return {};
  };

  const itemWebhookUpdate: PlaidHandler = (raw, defer) => {
    const b = parseRequest(WebhookUpdateRequest, raw);
    const item = state.itemByAccessToken(b.access_token);
    validateWebhookUrl('webhook', b.webhook);
    item.webhook = b.webhook || null;
    if (item.webhook) {
      const ack = itemWebhook({ ...state.wctx(item), user_id: null }, 'ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', { error: null, new_webhook_url: item.webhook });
      state.emitWebhook(item, ack, defer);
    }
    return { item: state.itemJson(item, false) };
  };

  const accountsGet: PlaidHandler = (raw) => {
    const b = parseRequest(AccountsGetRequest, raw);
    const item = healthyItem(b.access_token);
    const wanted = b.options?.account_ids;
    if (wanted) for (const id of wanted) item.ledger.account(id);
    const accounts = item.ledger.accounts.filter((a) => !wanted || wanted.includes(a.account_id)).map(accountJson);
    return maybeTricky(item, '/accounts/get', { accounts, item: state.itemJson(item, false) }, accounts, []);
  };

  const transactionsSync: PlaidHandler = (raw) => {
    const b = parseRequest(TransactionsSyncRequest, raw);
    const item = healthyItem(b.access_token);
    const accountId = b.options?.account_id;
    if (accountId !== undefined) item.ledger.account(accountId);
    const page = item.ledger.sync(b.cursor, b.count, accountId);
    const accounts = item.ledger.accounts.map(accountJson);
    const added = page.added.map(transactionJson);
    const modified = page.modified.map(transactionJson);
    const out = { accounts, added, modified, removed: page.removed, next_cursor: page.next_cursor, has_more: page.has_more, transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE' };
    return maybeTricky(item, '/transactions/sync', out, accounts, [...added, ...modified]);
  };

  const institutionsGetById: PlaidHandler = (raw) => {
    const b = parseRequest(InstitutionGetByIdRequest, raw);
    const inst = findInstitution(b.institution_id);
    if (!inst || !inst.country_codes.some((c) => b.country_codes.includes(c as (typeof b.country_codes)[number]))) throw plaidError('INVALID_INSTITUTION');
    const o = b.options ?? {};
    const institution: Body = {
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
  };

  const verificationKeyGet: PlaidHandler = (raw) => {
    const key = signer.publicKey(parseRequest(WebhookVerificationKeyGetRequest, raw).key_id);
    if (!key) throw plaidError('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
    return { key };
  };

  const sandboxPublicTokenCreate: PlaidHandler = (raw) => {
    const b = parseRequest(SandboxPublicTokenCreateRequest, raw);
    const inst = findInstitution(b.institution_id);
    if (!inst) throw plaidError('INVALID_INSTITUTION');
    validateProducts(b.initial_products, new Set(['balance']));
    const unsupported = b.initial_products.filter((p) => !inst.products.includes(p));
    if (unsupported.length > 0) throw plaidError('PRODUCTS_NOT_SUPPORTED', `institution does not support: ${unsupported.join(', ')}`);
    validateWebhookUrl('options.webhook', b.options?.webhook);
    // Sandbox test credentials: password error_<CODE> makes Item creation fail with that error.
    const forced = /^error_([A-Z_]+)$/.exec(b.options?.override_password ?? 'pass_good')?.[1];
    if (forced) {
      const entry = ERROR_CATALOG[forced];
      if (entry && (entry.type === 'ITEM_ERROR' || entry.type === 'INSTITUTION_ERROR')) throw plaidError(forced);
    }
    const item = state.createItem(inst, b.initial_products, b.options?.webhook || null, resolveUser(b, false));
    return { public_token: state.issuePublicToken(item) };
  };

  const sandboxItemResetLogin: PlaidHandler = (raw, defer) => {
    state.setLoginRequired(state.itemByAccessToken(parseRequest(AccessTokenRequest, raw).access_token), defer);
    return { reset_login: true };
  };

  const sandboxUserResetLogin: PlaidHandler = (raw, defer) => {
    const b = parseRequest(UserResetLoginRequest, raw);
    if (b.user_id === undefined && b.user_token === undefined) throw plaidError('MISSING_FIELDS', 'the following required fields are missing: user_id');
    const userId = resolveUser(b, true) as string;
    if (!state.users.has(userId)) throw plaidError(b.user_id !== undefined ? 'INVALID_USER_ID' : 'INVALID_USER_TOKEN', 'no user found for the provided identifier');
    const owned = [...state.items.values()].filter((i) => i.userId === userId && !i.removed);
    let targets = owned;
    if (b.item_ids && b.item_ids.length > 0) {
      const foreign = b.item_ids.filter((id) => !owned.some((i) => i.itemId === id));
      if (foreign.length > 0) throw plaidError('INVALID_FIELD', `item_ids contains items not associated with this user: ${foreign.join(', ')}`);
      targets = owned.filter((i) => b.item_ids?.includes(i.itemId));
    }
    for (const item of targets) state.setLoginRequired(item, defer);
    return {};
  };

  const sandboxFireWebhook: PlaidHandler = (raw, defer) => {
    const b = parseRequest(FireWebhookRequest, raw);
    const item = state.itemByAccessToken(b.access_token);
    if (!item.webhook || !isHttpUrl(item.webhook)) throw plaidError('SANDBOX_WEBHOOK_INVALID');
    const entry = FIRE_WEBHOOK_TABLE[b.webhook_code];
    if (!entry) throw plaidError('INVALID_FIELD', `webhook_code ${b.webhook_code} cannot be fired`);
    const type = b.webhook_type ?? entry.defaultType;
    if (!entry.types.includes(type)) throw plaidError('INVALID_FIELD', `webhook_code ${b.webhook_code} is not valid for webhook_type ${type}`);
    const product = entry.productFor?.[type];
    if (product && !item.products.includes(product)) throw plaidError('SANDBOX_PRODUCT_NOT_ENABLED', `the ${product} product is not enabled for this item`);
    if (entry.effect === 'pending_disconnect') item.pendingDisconnect = true;
    state.emitWebhook(item, entry.build(state.wctx(item), type), defer);
    return { webhook_fired: true };
  };

  const table: Array<[path: string, sandboxOnly: boolean, handler: PlaidHandler]> = [
    ['/link/token/create', false, linkTokenCreate],
    ['/item/public_token/exchange', false, publicTokenExchange],
    ['/item/get', false, itemGet],
    ['/item/remove', false, itemRemove],
    ['/item/webhook/update', false, itemWebhookUpdate],
    ['/accounts/get', false, accountsGet],
    ['/transactions/sync', false, transactionsSync],
    ['/institutions/get_by_id', false, institutionsGetById],
    ['/webhook_verification_key/get', false, verificationKeyGet],
    ['/sandbox/public_token/create', true, sandboxPublicTokenCreate],
    ['/sandbox/item/reset_login', true, sandboxItemResetLogin],
    ['/sandbox/user/reset_login', true, sandboxUserResetLogin],
    ['/sandbox/item/fire_webhook', true, sandboxFireWebhook],
  ];
  const router = new Router<Handler>();
  for (const [path, sandboxOnly, handler] of table) router.add('POST', path, endpoint(path, sandboxOnly, handler));
  return router;
}
