import type { Harness } from '../helpers/harness.js';

/**
 * What differs per provider in the reliability tests: how a user finishes Link/Connect, which
 * provider endpoint each gateway operation hits, and how to inject a fault there.
 */
export type FaultKind = 'http500' | 'http429' | 'garbage' | 'hang' | 'reset';
export type Endpoint = 'read' | 'exchange' | 'linkToken';

export interface Driver {
  provider: 'PLAID' | 'MONEYKIT';
  products: string[];
  finishLink(h: Harness, linkToken: string): string;
  inject(h: Harness, endpoint: Endpoint, kind: FaultKind, opts?: { times?: number; retryAfterSeconds?: number }): void;
  /** Requests the provider received at an endpoint (faulted ones included). */
  count(h: Harness, endpoint: Endpoint): number;
}

// A re-read is the accounts read, which carries the connection's state (port v2).
const PLAID_PATHS: Record<Endpoint, string> = { read: '/accounts/get', exchange: '/item/public_token/exchange', linkToken: '/link/token/create' };
const MK_PATHS: Record<Endpoint, { method: string; path: string; match: RegExp }> = {
  read: { method: 'GET', path: '/links/{id}/accounts', match: /^\/links\/[^/]+\/accounts$/ },
  exchange: { method: 'POST', path: '/link-session/exchange-token', match: /^\/link-session\/exchange-token$/ },
  linkToken: { method: 'POST', path: '/link-session', match: /^\/link-session$/ },
};

export const DRIVERS: Driver[] = [
  {
    provider: 'PLAID',
    products: ['transactions'],
    finishLink: (h, t) => h.plaid.completeLink(t).public_token,
    inject: (h, e, kind, o = {}) =>
      h.plaid.injectFault({ path: PLAID_PATHS[e], kind, times: o.times ?? -1, ...(o.retryAfterSeconds !== undefined ? { retryAfterSeconds: o.retryAfterSeconds } : {}) }),
    count: (h, e) => h.plaid.requests.filter((r) => r.path === PLAID_PATHS[e]).length,
  },
  {
    provider: 'MONEYKIT',
    products: ['transactions'],
    finishLink: (h, t) => h.moneykit.completeConnect(t).exchangeable_token!,
    inject: (h, e, kind, o = {}) =>
      void h.moneykit.injectFault({
        method: MK_PATHS[e].method,
        path: MK_PATHS[e].path,
        kind,
        times: o.times ?? -1,
        ...(o.retryAfterSeconds !== undefined ? { retryAfterSeconds: o.retryAfterSeconds } : {}),
      }),
    count: (h, e) => h.moneykit.requests.filter((r) => r.method === MK_PATHS[e].method && MK_PATHS[e].match.test(r.path)).length,
  },
];

export const clearFaults = (h: Harness) => {
  h.plaid.clearFaults();
  h.moneykit.clearFaults();
};

export const ERROR_FIELDS = `__typename ... on Error { code message } ... on ProviderError { provider providerCode retryAfterSeconds requestId }`;
export const CREATE_LINK_TOKEN = `mutation($input: CreateLinkTokenInput!) { createLinkToken(input: $input) { ${ERROR_FIELDS} ... on CreateLinkTokenPayload { linkToken { token } } } }`;
export const EXCHANGE = `mutation($input: ExchangePublicTokenInput!) { exchangePublicToken(input: $input) { ${ERROR_FIELDS} ... on ExchangePublicTokenPayload { connection { id status providerConnectionId } } } }`;
export const REFRESH = `mutation($input: RefreshConnectionInput!) { refreshConnection(input: $input) { ${ERROR_FIELDS} ... on RefreshConnectionPayload { connection { id status } } } }`;

/** Create link token, finish Link, exchange: a stored connection. */
export async function connect(h: Harness, d: Driver, token: string): Promise<{ id: string; providerConnectionId: string }> {
  const lt = await h.gql(token, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } });
  const linkToken = lt.body.data.createLinkToken.linkToken.token as string;
  const ex = await h.gql(token, EXCHANGE, { input: { provider: d.provider, publicToken: d.finishLink(h, linkToken) } });
  const c = ex.body.data?.exchangePublicToken.connection;
  if (!c) throw new Error(`exchange failed: ${JSON.stringify(ex.body)}`);
  return c;
}
