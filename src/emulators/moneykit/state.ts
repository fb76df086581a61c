// The MoneyKit emulator's state: apps, access tokens, link sessions, exchangeable tokens and links
// (each with its ledger of accounts and transactions), signing keys, and the operations API routes
// and controls share (link views, relink rules, state changes, links made outside the gateway).
// resetState() rebuilds everything except apps and signing keys.
import { ApiError, newId, nowIso, type MoneyKitEmulatorApp } from './api.js';
import {
  DEFAULT_INSTITUTION_ID,
  INSTITUTIONS,
  PRODUCTS,
  SETTABLE_PRODUCTS,
  type InstitutionRecord,
  type LinkErrorCode,
  type LinkState,
} from './data.js';
import { Ledger } from './ledger.js';
import { createLinkRequestSchema, setStateRequestSchema, type CreateLinkInput, type LinkSessionRequest, type ProductSettingsInput } from './schemas.js';
import { createSigningKey, randomId, type SigningKey } from './signing.js';
import {
  EmulatorError,
  type AccessToken,
  type CompleteConnectResult,
  type LinkCommon,
  type LinkProductResponse,
  type LinkRecord,
  type SessionRecord,
} from './types.js';
import type { Emitted, Schedule } from './webhooks.js';

export interface StateConfig {
  apps: MoneyKitEmulatorApp[];
  now: () => number;
  /** Sends a webhook for `link` (see webhooks.ts); late-bound because the sender signs with this state's keys. */
  emit: (link: LinkRecord, body: Record<string, unknown>, schedule?: Schedule) => Emitted;
}

function settingsOf(s: ProductSettingsInput): NonNullable<LinkProductResponse['settings']> {
  return {
    required: s.required ?? false,
    require_permission: s.require_permission ?? false,
    prefetch: s.prefetch ?? false,
    reason: s.reason ?? null,
  };
}



function emptyData() {
  return {
    tokens: new Map<string, AccessToken>(),
    sessions: new Map<string, SessionRecord>(),
    exchangeTokens: new Map<string, { clientId: string; linkId: string; used: boolean }>(),
    links: new Map<string, LinkRecord>(),
    tokenRequests: 0,
  };
}

export function createState(cfg: StateConfig) {
  const apps = new Map(cfg.apps.map((a) => [a.clientId, a]));
  const now = cfg.now;
  const emit: StateConfig['emit'] = (...args) => cfg.emit(...args);
  let data = emptyData();
  let keys: SigningKey[] = [createSigningKey()];

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
    const link = data.links.get(id);
    if (!link) throw new ApiError('link_error.not_found');
    if (link.clientId !== app.clientId) throw new ApiError('link_error.unauthorized_access');
    if (link.state === 'deleted' && !allowDeleted) throw new ApiError('link_error.deleted');
    return link;
  }

    function setLinkState(
    linkId: string,
    state: LinkState,
    errorCode: LinkErrorCode | null,
    o: { webhook?: boolean } = {},
    schedule?: (fn: () => void) => void,
  ): LinkCommon {
    const parsed = setStateRequestSchema.safeParse({ state, error_code: errorCode, webhook: o.webhook });
    if (!parsed.success) throw new EmulatorError('invalid_state', 400, `Invalid state/error code: ${parsed.error.message}`);
    const link = data.links.get(linkId);
    if (!link) throw new EmulatorError('link_not_found', 404, `No link ${linkId}`);
    link.state = state;
    link.error_code = errorCode;
    if (state === 'deleted') link.deleted_at ??= new Date();
    if (o.webhook !== false) emit(link, { webhook_event: 'link.state_changed' }, schedule);
    return toLinkCommon(link);
  }

    function completeConnect(linkSessionToken: string, o: { institutionId?: string | null } = {}): CompleteConnectResult {
    const session = data.sessions.get(linkSessionToken);
    if (!session) throw new EmulatorError('unknown_session', 404, 'Unknown link session token');
    if (session.completed) throw new EmulatorError('session_completed', 409, 'This link session was already completed');
    const req = session.request;

    if (session.existingLinkId) {
      const link = data.links.get(session.existingLinkId);
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
      if (changed) emit(link, { webhook_event: 'link.state_changed' });
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
    data.exchangeTokens.set(exchangeable, { clientId: session.clientId, linkId: link.link_id, used: false });
    return { link_id: link.link_id, exchangeable_token: exchangeable };
  }

  /** A new link with its seeded accounts and transaction history. */
    function addLink(init: Pick<LinkRecord, 'clientId' | 'customerUserId' | 'institution' | 'state' | 'error_code' | 'link_tags' | 'webhook'>): LinkRecord {
    const link_id = newId('mk_');
    const link: LinkRecord = { ...init, link_id, products: new Map(), last_synced_at: null, deleted_at: null, ledger: new Ledger(link_id, now, newId) };
    data.links.set(link_id, link);
    return link;
  }

  /** A link made outside the gateway (another backend, a dashboard), for import tests: no session, no exchange. */
    function createLink(input: CreateLinkInput): LinkCommon {
    const b = createLinkRequestSchema.safeParse(input);
    if (!b.success) throw new EmulatorError('invalid_link', 400, `Invalid link: ${b.error.message}`);
    const clientId = b.data.client_id ?? cfg.apps[0]!.clientId;
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

  return {
    apps,
    get data() {
      return data;
    },
    get keys() {
      return keys;
    },
    currentKey: (): SigningKey => keys[keys.length - 1]!,
    rotateSigningKey(o: { keepPrevious: boolean }): string {
      const key = createSigningKey();
      keys = o.keepPrevious ? [...keys, key] : [key];
      return key.kid;
    },
    resetData(): void {
      data = emptyData();
    },
    toLinkCommon,
    grantProducts,
    findInstitution,
    requireLink,
    setLinkState,
    completeConnect,
    createLink,
  };
}

export type EmulatorState = ReturnType<typeof createState>;
