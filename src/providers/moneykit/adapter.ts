import { z } from 'zod';
import type { ProviderAccountsRead } from '../../domain/account.js';
import type { LinkTokenInfo, ProviderConnectionState } from '../../domain/connection.js';
import type { ProviderTransactionsPage } from '../../domain/transaction.js';
import { eachLimited } from '../each-limited.js';
import { ProviderCallError } from '../errors.js';
import { createProviderHttpClient, httpSettings, type ProviderHttpSettings } from '../http.js';
import type { UnknownCodeReporter } from '../normalize.js';
import {
  assertSyncCount,
  type ConnectionRef,
  type CreateLinkTokenParams,
  type CreateUpdateLinkTokenParams,
  type ExchangeResult,
  type ProviderAdapterV2,
} from '../provider.js';
import { onceReporter } from '../unknown-values.js';
import { moneyKitAccount } from './accounts.js';
import { createTokenSource } from './auth.js';
import { createMoneyKitClient } from './client.js';
import { createRedactor, invalidInput, parseErrorBody, sandboxOnly } from './errors.js';
import { createInstitutionCache } from './institutions.js';
import {
  accountsResponseSchema,
  transactionsSyncSchema,
  exchangeTokenSchema,
  jwtExpiry,
  linkSchema,
  linkSessionSchema,
  MONEYKIT_COUNTRIES,
  MONEYKIT_PRODUCT_SETTINGS,
  MONEYKIT_PRODUCTS,
  userLinksSchema,
  type MoneyKitLink,
  type MoneyKitLinkProduct,
} from './schemas.js';
import { GONE_LINK_CODES, goneLinkState, normalizeLink } from './status.js';
import { moneyKitTransaction } from './transactions.js';

export const MONEYKIT_DEFAULT_BASE_URL = 'https://api.moneykit.com';

/**
 * MoneyKit does not document a link_session_token lifetime and the token's `exp` claim is read
 * when present; without one we assume 30 minutes (short on purpose: claiming too long a life
 * would hand the frontend a dead token).
 */
export const MONEYKIT_DEFAULT_LINK_TOKEN_TTL_MS = 30 * 60_000;

const settingsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  env: z.enum(['sandbox', 'production']),
  baseUrl: z.url().optional(),
});

export interface MoneyKitAdapterSettings extends ProviderHttpSettings {
  clientId: string;
  clientSecret: string;
  /** Sandbox and live share one host; the key pair decides. `sandbox` allows resets. */
  env: 'sandbox' | 'production';
  /** Default https://api.moneykit.com. */
  baseUrl?: string;
  /** Clock for token renewal, caches and link-token expiry. */
  now?: () => number;
  /** Link-token lifetime when the token carries no `exp`. Default 30 minutes. */
  defaultLinkTokenTtlMs?: number;
  /** How long institution details are cached. Default 1 hour. */
  institutionTtlMs?: number;
  /** Parallel resets in resetLogins (MoneyKit has no batch reset). Default 4. */
  resetConcurrency?: number;
  /** Told once per value about account types this version has no row for. */
  unknownValueReporter?: UnknownCodeReporter;
}

export interface MoneyKitUserLink {
  providerConnectionId: string;
  state: ProviderConnectionState;
}

export interface MoneyKitAdapter extends ProviderAdapterV2 {
  readonly provider: 'MONEYKIT';
  /** Every link MoneyKit holds for one customer_user.id (`GET /users/{id}/links`). */
  listUserLinks(userId: string): Promise<MoneyKitUserLink[]>;
  /** Closes the HTTP pool the adapter owns (not an injected dispatcher). */
  close(): Promise<void>;
}

/** `GET /links/{id}` refusals meaning a link id offered for import names no link this app can use. */
const MONEYKIT_UNUSABLE_LINK_CODES: ReadonlySet<string> = new Set(['link_error.not_found', 'link_error.unauthorized_access', 'link_error.deleted']);

export function createMoneyKitAdapter(settings: MoneyKitAdapterSettings): MoneyKitAdapter {
  const checked = settingsSchema.safeParse(settings);
  if (!checked.success) {
    // Names the fields only: never the values (one of them is the client secret).
    const fields = checked.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Invalid MoneyKit adapter settings: ${fields}`);
  }
  const now = settings.now ?? Date.now;
  const sandbox = settings.env === 'sandbox';
  const defaultTtl = settings.defaultLinkTokenTtlMs ?? MONEYKIT_DEFAULT_LINK_TOKEN_TTL_MS;
  const resetConcurrency = Math.max(1, settings.resetConcurrency ?? 4);

  const http = createProviderHttpClient({ provider: 'MONEYKIT', baseUrl: settings.baseUrl ?? MONEYKIT_DEFAULT_BASE_URL, ...httpSettings(settings) });
  // The redactor needs the token source it is handed to: late-bound through this holder.
  const known: { tokens: () => string[] } = { tokens: () => [] };
  const redact = createRedactor(() => [settings.clientSecret, ...known.tokens()]);
  const tokens = createTokenSource({ http, clientId: settings.clientId, clientSecret: settings.clientSecret, now, redact });
  known.tokens = () => tokens.known();
  const client = createMoneyKitClient({ http, tokens, redact, now });
  const institutions = createInstitutionCache({
    client,
    now,
    ...(settings.institutionTtlMs !== undefined ? { ttlMs: settings.institutionTtlMs } : {}),
  });

  const linkPath = (id: string) => `/links/${encodeURIComponent(id)}`;
  const unknownValue = onceReporter(settings.unknownValueReporter);

  async function normalize(link: MoneyKitLink): Promise<ProviderConnectionState> {
    return normalizeLink(link, await institutions.get(link.institution_id), unknownValue);
  }

  function linkTokenInfo(mode: LinkTokenInfo['mode'], token: string): LinkTokenInfo {
    return {
      provider: 'MONEYKIT',
      mode,
      token,
      expiresAt: jwtExpiry(token) ?? new Date(now() + defaultTtl),
      hostedLinkUrl: null,
      providerUserId: null,
    };
  }

  function requireRedirect(redirectUri: string | null): string {
    // MoneyKit requires one; the gateway fills LINK_REDIRECT_URI in, so null is a wiring bug.
    if (!redirectUri) throw invalidInput('MoneyKit link sessions need a redirect URI');
    return redirectUri;
  }

  async function createLinkSession(body: Record<string, unknown>): Promise<string> {
    const res = await client.json(
      // May have taken effect (and counts against MoneyKit's per-user limit): retried only when never sent.
      { op: 'link-session.create', method: 'POST', path: '/link-session', body, idempotent: false },
      linkSessionSchema,
    );
    return res.link_session_token;
  }

  async function getLink(id: string): Promise<MoneyKitLink> {
    return client.json({ op: 'links.get', method: 'GET', path: linkPath(id), idempotent: true }, linkSchema);
  }

  /** GET /links/{id}, with a link that is gone read as its state (DISCONNECTED), not as a failure. */
  async function getConnection(ref: ConnectionRef): Promise<ProviderConnectionState> {
    const call = { op: 'links.get', method: 'GET', path: linkPath(ref.providerConnectionId), idempotent: true } as const;
    const res = await client.raw(call);
    if (res.status === 404 || res.status === 410) {
      // A link that is gone is a state of the connection, not a failed read.
      const code = parseErrorBody(res.text)?.error_code;
      if (code && Object.prototype.hasOwnProperty.call(GONE_LINK_CODES, code)) {
        return goneLinkState(code as keyof typeof GONE_LINK_CODES);
      }
    }
    return normalize(client.parse(call, res, linkSchema));
  }

  async function resetLogin(ref: ConnectionRef): Promise<void> {
    if (!sandbox) throw sandboxOnly('link reset');
    await client.json(
      // Resetting twice leaves the same state.
      { op: 'links.reset', method: 'POST', path: `${linkPath(ref.providerConnectionId)}/reset`, idempotent: true },
      linkSchema,
    );
  }

  return {
    specificationVersion: 'v2',
    provider: 'MONEYKIT',
    sandbox,
    products: MONEYKIT_PRODUCTS,
    countryCodes: MONEYKIT_COUNTRIES,
    // redirect_uri is a required field of POST /link-session.
    requiresRedirectUri: true,

    async createLinkToken(input: CreateLinkTokenParams): Promise<LinkTokenInfo> {
      const productSettings: Record<string, { required: boolean }> = {};
      for (const p of input.products) {
        if (!Object.prototype.hasOwnProperty.call(MONEYKIT_PRODUCT_SETTINGS, p)) {
          throw invalidInput(`MoneyKit has no link product "${p}"`);
        }
        const key = MONEYKIT_PRODUCT_SETTINGS[p as MoneyKitLinkProduct];
        if (key) productSettings[key] = { required: true };
      }
      const wanted = input.countryCodes.map((c) => c.toUpperCase());
      const countries = MONEYKIT_COUNTRIES.filter((c) => wanted.includes(c));
      if (wanted.length > 0 && countries.length === 0) {
        throw invalidInput(`MoneyKit supports the countries ${MONEYKIT_COUNTRIES.join(', ')} only`);
      }
      // Order of preference is the caller's.
      countries.sort((a, b) => wanted.indexOf(a) - wanted.indexOf(b));
      const linkSettings: Record<string, unknown> = {};
      if (Object.keys(productSettings).length > 0) linkSettings.products = productSettings;
      if (countries.length > 0) linkSettings.countries = countries;
      // language and androidPackageName have no MoneyKit equivalent.
      const token = await createLinkSession({
        customer_user: { id: input.userId },
        redirect_uri: requireRedirect(input.redirectUri),
        webhook: input.webhookUrl,
        ...(Object.keys(linkSettings).length > 0 ? { settings: linkSettings } : {}),
      });
      return linkTokenInfo('CREATE', token);
    },

    async createUpdateLinkToken(input: CreateUpdateLinkTokenParams): Promise<LinkTokenInfo> {
      const redirectUri = requireRedirect(input.redirectUri);
      // MoneyKit clears a link's webhook and tags when an update session omits them: read the
      // current tags first and send them back with the gateway's webhook.
      const link = await getLink(input.connection.providerConnectionId);
      if (link.state === 'deleted') {
        throw new ProviderCallError({
          provider: 'MONEYKIT',
          kind: 'INVALID_STATE',
          message: 'MoneyKit link is deleted: only a new connection helps',
          providerCode: 'link_error.deleted',
        });
      }
      const linkTags = link.link_tags ?? link.tags ?? null;
      // Institution, user and countries cannot change in update mode (MoneyKit ignores them);
      // accountSelectionEnabled has no equivalent: MoneyKit offers new accounts by itself.
      const token = await createLinkSession({
        customer_user: { id: input.userId },
        redirect_uri: redirectUri,
        existing_link_id: link.link_id,
        webhook: input.webhookUrl,
        ...(linkTags !== null ? { link_tags: linkTags } : {}),
      });
      return linkTokenInfo('UPDATE', token);
    },

    async exchangePublicToken(input: { publicToken: string; userId: string }): Promise<ExchangeResult> {
      if (!input.publicToken) throw invalidInput('empty exchangeable token');
      const res = await client.json(
        {
          op: 'link-session.exchange-token',
          method: 'POST',
          path: '/link-session/exchange-token',
          body: { exchangeable_token: input.publicToken },
          // A token exchanged twice fails the second time: never repeat blindly.
          idempotent: false,
        },
        exchangeTokenSchema,
      );
      return {
        providerConnectionId: res.link.link_id,
        credential: null,
        providerUserId: null,
        state: await normalize(res.link),
      };
    },

    getConnection,

    async lookupConnection(credential: string): Promise<ExchangeResult> {
      let link: MoneyKitLink;
      try {
        link = await getLink(credential);
      } catch (e) {
        if (!(e instanceof ProviderCallError && e.providerCode !== null && MONEYKIT_UNUSABLE_LINK_CODES.has(e.providerCode))) throw e;
        throw new ProviderCallError({ provider: 'MONEYKIT', kind: 'INVALID_INPUT', message: `credential is not a MoneyKit link this app can use (${e.providerCode}).`, providerCode: e.providerCode, httpStatus: e.httpStatus, requestId: e.requestId });
      }
      // Deleted links are still answered for 90 days: nothing left to import.
      if (link.state === 'deleted') throw new ProviderCallError({ provider: 'MONEYKIT', kind: 'INVALID_INPUT', message: 'credential names a deleted MoneyKit link.', providerCode: 'link_error.deleted' });
      return { providerConnectionId: link.link_id, credential: null, providerUserId: null, state: await normalize(link) };
    },

    async setWebhookUrl(ref: ConnectionRef, url: string): Promise<void> {
      // Only `webhook` is sent: PATCH leaves the link's tags as they are.
      await client.json({ op: 'links.update', method: 'PATCH', path: linkPath(ref.providerConnectionId), body: { webhook: url }, idempotent: true }, linkSchema);
    },

    async getAccounts(ref: ConnectionRef): Promise<ProviderAccountsRead> {
      let res: z.infer<typeof accountsResponseSchema>;
      try {
        res = await client.json(
          { op: 'links.accounts', method: 'GET', path: `${linkPath(ref.providerConnectionId)}/accounts`, idempotent: true, exactNumbers: true },
          accountsResponseSchema,
        );
      } catch (e) {
        // A link in error (422 bad_state), deleted (410) or unknown (404) lists no accounts; its
        // state says why. GET /links/{id} reads that state (gone links included).
        if (!(e instanceof ProviderCallError) || (e.kind !== 'INVALID_STATE' && e.kind !== 'NOT_FOUND')) throw e;
        return { state: await getConnection(ref), accounts: null };
      }
      const readAt = new Date(now());
      // The answer carries the link: its state is read in the same call.
      return { state: await normalize(res.link), accounts: res.accounts.map((a) => moneyKitAccount(a, readAt, unknownValue)) };
    },

    async syncTransactions(ref: ConnectionRef, page: { cursor: string | null; count: number }): Promise<ProviderTransactionsPage> {
      assertSyncCount('MONEYKIT', page.count);
      const query = new URLSearchParams({ size: String(page.count) });
      if (page.cursor) query.set('cursor', page.cursor);
      const res = await client.json(
        {
          op: 'links.transactions.sync',
          method: 'GET',
          path: `${linkPath(ref.providerConnectionId)}/transactions/sync?${query.toString()}`,
          idempotent: true,
          exactNumbers: true,
        },
        transactionsSyncSchema,
      );
      return {
        added: res.transactions.created.map(moneyKitTransaction),
        modified: res.transactions.updated.map(moneyKitTransaction),
        removed: res.transactions.removed,
        nextCursor: res.cursor.next ?? page.cursor,
        hasMore: res.has_more,
        // MoneyKit re-sends the current pending transactions in `created` on every sync.
        pendingReplacedWholesale: true,
      };
    },

    resetLogin,

    async resetLogins(input: { userId: string; connections: ConnectionRef[] }): Promise<void> {
      if (!sandbox) throw sandboxOnly('link reset');
      // MoneyKit has no batch reset: one call per link, bounded.
      await eachLimited(input.connections, resetConcurrency, resetLogin);
    },

    async removeConnection(ref: ConnectionRef): Promise<void> {
      const res = await client.raw({
        op: 'links.delete',
        method: 'DELETE',
        path: linkPath(ref.providerConnectionId),
        idempotent: true,
      });
      if (res.status >= 200 && res.status < 300) return;
      // Already gone is success.
      if (res.status === 404 || res.status === 410) return;
      client.fail('links.delete', res);
    },

    async listUserLinks(userId: string): Promise<MoneyKitUserLink[]> {
      const res = await client.json(
        { op: 'users.links', method: 'GET', path: `/users/${encodeURIComponent(userId)}/links`, idempotent: true },
        userLinksSchema,
      );
      return Promise.all(
        Object.values(res.links ?? {}).map(async (link) => ({
          providerConnectionId: link.link_id,
          state: await normalize(link),
        })),
      );
    },

    close: () => http.close(),
  };
}
