import type { InstitutionInfo, LinkTokenInfo, ProviderConnectionState } from '../../domain/connection.js';
import type { ProviderAccountsRead } from '../../domain/account.js';
import type { ProviderTransactionsPage } from '../../domain/transaction.js';
import { ProviderCallError, TransactionsSyncMutationError } from '../errors.js';
import { createProviderHttpClient, httpSettings, type ProviderHttpSettings } from '../http.js';
import { parseProviderJson } from '../json.js';
import type { UnknownCodeReporter } from '../normalize.js';
import { assertSyncCount, type ConnectionRef, type CreateLinkTokenParams, type CreateUpdateLinkTokenParams, type ExchangeResult, type ProviderAdapterV2 } from '../provider.js';
import { onceReporter } from '../unknown-values.js';
import { plaidAccount } from './accounts.js';
import { createPlaidClient } from './client.js';
import { createPlaidInstitutionCache } from './institutions.js';
import {
  accountsGetResponse,
  transactionsSyncResponse,
  type PlaidItem,
  PLAID_COUNTRY_CODES,
  PLAID_LINK_PRODUCTS,
  itemGetResponse,
  linkTokenCreateResponse,
  publicTokenExchangeResponse,
  requestIdOnly,
} from './schemas.js';
import { plaidErrorInfo, plaidErrorStatus, plaidItemStatus } from './status.js';
import { plaidTransaction } from './transactions.js';
import type { z } from 'zod';

export const PLAID_HOSTS = {
  sandbox: 'https://sandbox.plaid.com',
  production: 'https://production.plaid.com',
} as const;

export interface PlaidAdapterSettings extends ProviderHttpSettings {
  clientId: string;
  secret: string;
  env: 'sandbox' | 'production';
  /** Overrides the environment's host (emulator, proxy). */
  baseUrl?: string;
  /** Shown in Link; Plaid truncates names over 30 characters to "This Application". */
  clientName?: string;
  /** How long institution details are reused. */
  institutionTtlMs?: number;
  /** Told once per value about account types this version has no row for. */
  unknownValueReporter?: UnknownCodeReporter;
}

export interface PlaidAdapter extends ProviderAdapterV2 {
  readonly provider: 'PLAID';
  close(): Promise<void>;
}

/** /item/get answers that mean the item no longer exists (its status, not a failed call). */
const PLAID_GONE_CODES = new Set(['ITEM_NOT_FOUND', 'ITEM_CONCURRENTLY_DELETED']);

/** /item/get answers meaning an access token offered for import names no item these keys can use. */
const PLAID_UNUSABLE_CREDENTIAL_CODES = new Set(['INVALID_ACCESS_TOKEN', ...PLAID_GONE_CODES]);

export function createPlaidAdapter(settings: PlaidAdapterSettings): PlaidAdapter {
  const http = createProviderHttpClient({ provider: 'PLAID', baseUrl: settings.baseUrl ?? PLAID_HOSTS[settings.env], ...httpSettings(settings) });
  const client = createPlaidClient({ http, credentials: { clientId: settings.clientId, secret: settings.secret } });
  const institutions = createPlaidInstitutionCache({ client, ttlMs: settings.institutionTtlMs ?? 60 * 60 * 1000 });
  const clientName = (settings.clientName ?? 'Aggregator Gateway').slice(0, 30);
  const unknownValue = onceReporter(settings.unknownValueReporter);

  function requireToken(ref: ConnectionRef): string {
    if (!ref.credential) {
      throw new ProviderCallError({ provider: 'PLAID', kind: 'REJECTED', message: 'Plaid connection has no access token' });
    }
    return ref.credential;
  }

  function linkToken(mode: 'CREATE' | 'UPDATE', r: z.infer<typeof linkTokenCreateResponse>): LinkTokenInfo {
    return {
      provider: 'PLAID',
      mode,
      token: r.link_token,
      expiresAt: new Date(r.expiration),
      hostedLinkUrl: r.hosted_link_url ?? null,
      providerUserId: r.user_id ?? null,
    };
  }

  /** An item as the normalized state, its institution looked up (cached). */
  async function itemState(item: PlaidItem): Promise<Omit<ProviderConnectionState, 'lastSyncedAt'>> {
    const fallbackInstitution: InstitutionInfo | null = item.institution_id
      ? { id: item.institution_id, name: item.institution_name ?? null, logoUrl: null, primaryColor: null }
      : null;
    const known = item.institution_id ? await institutions.get(item.institution_id) : null;
    const institution: InstitutionInfo | null = known
      ? { id: known.id, name: known.name, logoUrl: known.logoUrl, primaryColor: known.primaryColor }
      : fallbackInstitution;
    return {
      status: plaidItemStatus(item.error, unknownValue),
      error: item.error ? plaidErrorInfo(item.error) : null,
      institution,
      products: item.products ?? item.billed_products ?? [],
      consentExpiresAt: item.consent_expiration_time ? new Date(item.consent_expiration_time) : null,
    };
  }

  async function getConnection(ref: ConnectionRef): Promise<ProviderConnectionState> {
    let r: z.infer<typeof itemGetResponse>;
    try {
      r = await client.call('/item/get', { access_token: requireToken(ref) }, itemGetResponse, true);
    } catch (e) {
      // The item is gone at Plaid (removed, deleted by the user): that is the connection's state.
      const gone = e instanceof ProviderCallError && e.providerCode !== null && PLAID_GONE_CODES.has(e.providerCode);
      if (!gone) throw e;
      return {
        status: plaidErrorStatus(e.providerCode!, e.providerType, unknownValue),
        error: { providerCode: e.providerCode!, providerType: e.providerType, message: e.message, displayMessage: null },
        institution: null,
        products: [],
        consentExpiresAt: null,
        lastSyncedAt: null,
      };
    }
    return itemGetState(r);
  }

  async function itemGetState(r: z.infer<typeof itemGetResponse>): Promise<ProviderConnectionState> {
    const lastSync = r.status?.transactions?.last_successful_update ?? r.status?.investments?.last_successful_update ?? null;
    return { ...(await itemState(r.item)), lastSyncedAt: lastSync ? new Date(lastSync) : null };
  }

  async function lookupConnection(credential: string): Promise<ExchangeResult> {
    let r: z.infer<typeof itemGetResponse>;
    try {
      r = await client.call('/item/get', { access_token: credential }, itemGetResponse, true);
    } catch (e) {
      if (!(e instanceof ProviderCallError && e.providerCode !== null && PLAID_UNUSABLE_CREDENTIAL_CODES.has(e.providerCode))) throw e;
      // Said in our own words: the provider's message is not needed to act, and never the token.
      throw new ProviderCallError({
        provider: 'PLAID',
        kind: 'INVALID_INPUT',
        message: `credential is not the access token of a Plaid item these keys can use (${e.providerCode}).`,
        providerCode: e.providerCode,
        providerType: e.providerType,
        httpStatus: e.httpStatus,
        requestId: e.requestId,
      });
    }
    return { providerConnectionId: r.item.item_id, credential, providerUserId: null, state: await itemGetState(r) };
  }

  /** An item-level refusal of a product call (login broken, item gone): the item's state, not a failed read. */
  const itemRefusal = (e: unknown): boolean =>
    e instanceof ProviderCallError && (e.providerType === 'ITEM_ERROR' || (e.providerCode !== null && PLAID_GONE_CODES.has(e.providerCode)));

  async function getAccounts(ref: ConnectionRef): Promise<ProviderAccountsRead> {
    let r: z.infer<typeof accountsGetResponse>;
    try {
      r = await client.call('/accounts/get', { access_token: requireToken(ref) }, accountsGetResponse, true, parseProviderJson);
    } catch (e) {
      // Plaid refuses product calls on an item in error; /item/get still says which state it is in.
      if (!itemRefusal(e)) throw e;
      return { state: await getConnection(ref), accounts: null };
    }
    const readAt = new Date();
    return { state: await itemState(r.item), accounts: r.accounts.map((a) => plaidAccount(a, readAt, unknownValue)) };
  }

  async function syncTransactions(ref: ConnectionRef, page: { cursor: string | null; count: number }): Promise<ProviderTransactionsPage> {
    assertSyncCount('PLAID', page.count);
    const body: Record<string, unknown> = {
      access_token: requireToken(ref),
      count: page.count,
      // providerCategory is personal_finance_category; ask for it where it is not yet the default.
      options: { include_personal_finance_category: true },
    };
    // Plaid: omit the cursor (or send "") for the beginning of the history.
    if (page.cursor) body.cursor = page.cursor;
    let r: z.infer<typeof transactionsSyncResponse>;
    try {
      // Reading a page changes nothing at Plaid: safe to repeat.
      r = await client.call('/transactions/sync', body, transactionsSyncResponse, true, parseProviderJson);
    } catch (e) {
      if (e instanceof ProviderCallError && e.providerCode === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION') {
        throw new TransactionsSyncMutationError({ provider: 'PLAID', providerCode: e.providerCode, providerType: e.providerType, httpStatus: e.httpStatus, requestId: e.requestId });
      }
      throw e;
    }
    return {
      added: r.added.map(plaidTransaction),
      modified: r.modified.map(plaidTransaction),
      removed: r.removed.map((t) => t.transaction_id),
      nextCursor: r.next_cursor,
      hasMore: r.has_more,
      // Plaid reports a pending transaction that posted or vanished in `removed` itself.
      pendingReplacedWholesale: false,
    };
  }

  async function resetLogin(ref: ConnectionRef): Promise<void> {
    assertSandbox();
    await client.call('/sandbox/item/reset_login', { access_token: requireToken(ref) }, requestIdOnly, true);
  }

  /** The countries of the item's institution that Plaid accepts on link tokens; ["US"] when unknown. */
  async function itemCountries(ref: ConnectionRef): Promise<string[]> {
    const institutionId =
      ref.institutionId ?? (await client.call('/item/get', { access_token: requireToken(ref) }, itemGetResponse, true)).item.institution_id;
    const inst = institutionId ? await institutions.get(institutionId) : null;
    const codes = (inst?.countryCodes ?? []).filter((c) => (PLAID_COUNTRY_CODES as readonly string[]).includes(c));
    return codes.length ? codes : ['US'];
  }

  /** The /link/token/create fields both modes share. Plaid ignores `webhook` in update mode; sent anyway. */
  function linkTokenBody(p: (CreateLinkTokenParams | CreateUpdateLinkTokenParams) & { countryCodes: string[] }): Record<string, unknown> {
    const body: Record<string, unknown> = {
      client_name: clientName,
      language: p.language,
      country_codes: p.countryCodes,
      user: { client_user_id: p.userId },
      webhook: p.webhookUrl,
    };
    if (p.redirectUri) body.redirect_uri = p.redirectUri;
    if (p.androidPackageName) body.android_package_name = p.androidPackageName;
    return body;
  }

  function assertSandbox(): void {
    if (settings.env !== 'sandbox') {
      throw new ProviderCallError({ provider: 'PLAID', kind: 'SANDBOX_ONLY', message: 'Plaid reset is sandbox-only', notSent: true });
    }
  }

  return {
    specificationVersion: 'v2',
    provider: 'PLAID',
    sandbox: settings.env === 'sandbox',
    products: PLAID_LINK_PRODUCTS,
    countryCodes: PLAID_COUNTRY_CODES,
    // Plaid needs redirect_uri only for OAuth in a browser, and only allow-listed ones.
    requiresRedirectUri: false,

    async createLinkToken(p) {
      const body = { ...linkTokenBody(p), products: p.products };
      // Not idempotent: a retried create may mint a second token; harmless but not blind-retried.
      return linkToken('CREATE', await client.call('/link/token/create', body, linkTokenCreateResponse, false));
    },

    async createUpdateLinkToken(p) {
      // Update mode: the item's access_token and no products (Plaid's update-mode rule), and the
      // item's own countries: a UK item relinked under ["US"] would be refused.
      const countryCodes = p.countryCodes ?? (await itemCountries(p.connection));
      const body: Record<string, unknown> = { ...linkTokenBody({ ...p, countryCodes }), access_token: requireToken(p.connection) };
      if (p.accountSelectionEnabled !== null) body.update = { account_selection_enabled: p.accountSelectionEnabled };
      return linkToken('UPDATE', await client.call('/link/token/create', body, linkTokenCreateResponse, false));
    },

    async exchangePublicToken({ publicToken }) {
      const r = await client.call('/item/public_token/exchange', { public_token: publicToken }, publicTokenExchangeResponse, false);
      const ref = { providerConnectionId: r.item_id, credential: r.access_token };
      let state: ProviderConnectionState;
      try {
        state = await getConnection(ref);
      } catch {
        // The item exists and its token is ours; its details can be read later.
        state = { status: 'CONNECTED', error: null, institution: null, products: [], consentExpiresAt: null, lastSyncedAt: null };
      }
      return { providerConnectionId: r.item_id, credential: r.access_token, providerUserId: null, state };
    },

    getConnection,
    lookupConnection,

    async setWebhookUrl(ref, url) {
      // Setting the same URL twice leaves the same state (Plaid acknowledges each time).
      await client.call('/item/webhook/update', { access_token: requireToken(ref), webhook: url }, requestIdOnly, true);
    },

    getAccounts,
    syncTransactions,
    resetLogin,

    async resetLogins({ connections }) {
      assertSandbox();
      const userIds = new Set(connections.map((c) => c.providerUserId ?? null));
      const [only] = [...userIds];
      if (connections.length > 1 && userIds.size === 1 && only) {
        // One call for all of one Plaid user's items instead of one per item.
        await client.call(
          '/sandbox/user/reset_login',
          { user_id: only, item_ids: connections.map((c) => c.providerConnectionId) },
          requestIdOnly,
          true,
        );
        return;
      }
      for (const c of connections) await resetLogin(c);
    },

    async removeConnection(ref) {
      try {
        await client.call('/item/remove', { access_token: requireToken(ref) }, requestIdOnly, true);
      } catch (e) {
        if (e instanceof ProviderCallError && e.kind === 'NOT_FOUND') return; // already gone
        throw e;
      }
    },

    close: () => http.close(),
  };
}
