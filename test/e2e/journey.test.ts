import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { CREATE_LINK_TOKEN, EXCHANGE, GET, LIST, REFRESH, REMOVE, RESET, UPDATE_LINK } from './operations.js';

/**
 * One journey, run once per provider with identical GraphQL operations: what a team swapping
 * aggregators relies on. Only the "user finishes the widget" steps differ, because those happen
 * in the provider's UI (the emulators expose them as plain calls).
 */
interface ProviderDriver {
  provider: 'PLAID' | 'MONEYKIT';
  products: string[];
  finishLink(h: Harness, linkToken: string): Promise<string>;
  finishUpdate(h: Harness, linkToken: string): Promise<void>;
  /** The provider received an update-mode request for this connection. */
  assertUpdateModeRequest(h: Harness, providerConnectionId: string): void;
}

const drivers: ProviderDriver[] = [
  {
    provider: 'PLAID',
    products: ['transactions'],
    finishLink: async (h, t) => h.plaid.completeLink(t).public_token,
    finishUpdate: async (h, t) => void h.plaid.completeLink(t),
    assertUpdateModeRequest(h) {
      const calls = h.plaid.requests.filter((r) => r.path === '/link/token/create');
      const body = calls[calls.length - 1]!.body as Record<string, unknown>;
      expect(typeof body.access_token).toBe('string');
      expect(body.access_token).toMatch(/^access-sandbox-/);
      expect(body).not.toHaveProperty('products');
      expect((body.user as { client_user_id: string }).client_user_id).toBe('alice');
    },
  },
  {
    provider: 'MONEYKIT',
    products: ['transactions'],
    finishLink: async (h, t) => h.moneykit.completeConnect(t).exchangeable_token!,
    finishUpdate: async (h, t) => void h.moneykit.completeConnect(t),
    assertUpdateModeRequest(h, linkId) {
      const calls = h.moneykit.requests.filter((r) => r.path === '/link-session' && r.method === 'POST');
      const body = calls[calls.length - 1]!.body as Record<string, unknown>;
      expect(body.existing_link_id).toBe(linkId);
      expect(body.webhook).toBe(`${h.url}/webhooks/moneykit`);
      expect((body.customer_user as { id: string }).id).toBe('alice');
    },
  },
];

let h: Harness;
let alice: string;
beforeAll(async () => {
  h = await startHarness();
  alice = await h.token('alice');
});
afterAll(async () => {
  await h?.close();
});

describe.each(drivers)('the update-mode journey on $provider', (d) => {
  it('create → exchange → list → reset → LOGIN_REQUIRED → update link → repaired → refresh → CONNECTED → remove', async () => {
    const created = await h.gql(alice, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } });
    expect(created.body.errors).toBeUndefined();
    const link = created.body.data.createLinkToken;
    expect(link.__typename).toBe('CreateLinkTokenPayload');
    expect(link.linkToken).toMatchObject({ provider: d.provider, mode: 'CREATE' });
    expect(new Date(link.linkToken.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const publicToken = await d.finishLink(h, link.linkToken.token);
    const exchanged = (await h.gql(alice, EXCHANGE, { input: { provider: d.provider, publicToken } })).body.data.exchangePublicToken;
    expect(exchanged.__typename).toBe('ExchangePublicTokenPayload');
    const conn = exchanged.connection;
    expect(conn).toMatchObject({ provider: d.provider, userId: 'alice', status: 'CONNECTED', requiredAction: 'NONE', error: null });
    expect(conn.institution?.name).toBeTruthy();
    // The global id is opaque and carries no provider secret.
    expect(conn.id).not.toContain(conn.providerConnectionId);
    expect(Buffer.from(conn.id, 'base64').toString()).toMatch(/^Connection:[0-9a-f-]{36}$/);

    const listed = (await h.gql(alice, LIST, { filter: { provider: d.provider } })).body.data.connections;
    expect(listed.edges.map((e: any) => e.node.id)).toContain(conn.id);

    const reset = (await h.gql(alice, RESET, { input: { connectionId: conn.id } })).body.data.resetConnection;
    expect(reset.__typename).toBe('ResetConnectionPayload');
    expect(reset.connection).toMatchObject({ id: conn.id, status: 'LOGIN_REQUIRED', requiredAction: 'UPDATE_LINK' });
    expect(reset.connection.error.providerCode).toBe(d.provider === 'PLAID' ? 'ITEM_LOGIN_REQUIRED' : 'auth_expired');

    const update = (await h.gql(alice, UPDATE_LINK, { input: { connectionId: conn.id } })).body.data.createUpdateLinkToken;
    expect(update.__typename).toBe('CreateUpdateLinkTokenPayload');
    expect(update.linkToken).toMatchObject({ provider: d.provider, mode: 'UPDATE' });
    expect(update.connection.id).toBe(conn.id);
    d.assertUpdateModeRequest(h, conn.providerConnectionId);

    await d.finishUpdate(h, update.linkToken.token);
    const refreshed = (await h.gql(alice, REFRESH, { input: { connectionId: conn.id } })).body.data.refreshConnection;
    expect(refreshed.__typename).toBe('RefreshConnectionPayload');
    expect(refreshed.connection).toMatchObject({ id: conn.id, status: 'CONNECTED', requiredAction: 'NONE', error: null });
    expect(new Date(refreshed.connection.statusChangedAt).getTime()).toBeGreaterThanOrEqual(new Date(reset.connection.statusChangedAt).getTime());

    const removed = (await h.gql(alice, REMOVE, { input: { connectionId: conn.id } })).body.data.removeConnection;
    expect(removed).toEqual({ __typename: 'RemoveConnectionPayload', removedConnectionId: conn.id });
    expect((await h.gql(alice, GET, { id: conn.id })).body.data.connection).toBeNull();
    const again = (await h.gql(alice, REFRESH, { input: { connectionId: conn.id } })).body.data.refreshConnection;
    expect(again).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});

describe('providers side by side', () => {
  it('one connections page mixes Plaid and MoneyKit, newest first, with cursors', async () => {
    const bob = await h.token('bob-mixed');
    const ids: string[] = [];
    for (const d of [drivers[0]!, drivers[1]!, drivers[0]!]) {
      const lt = (await h.gql(bob, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } })).body.data.createLinkToken.linkToken.token;
      const pt = await d.finishLink(h, lt);
      ids.push((await h.gql(bob, EXCHANGE, { input: { provider: d.provider, publicToken: pt } })).body.data.exchangePublicToken.connection.id);
    }
    const all = (await h.gql(bob, LIST, { first: 10 })).body.data.connections;
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((e: any) => e.node.id)).toEqual([...ids].reverse());
    expect(new Set(all.edges.map((e: any) => e.node.provider))).toEqual(new Set(['PLAID', 'MONEYKIT']));

    const first = (await h.gql(bob, LIST, { first: 2 })).body.data.connections;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await h.gql(bob, LIST, { first: 2, after: first.pageInfo.endCursor })).body.data.connections;
    expect(second.edges.map((e: any) => e.node.id)).toEqual([ids[0]]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const onlyMk = (await h.gql(bob, LIST, { filter: { provider: 'MONEYKIT' } })).body.data.connections;
    expect(onlyMk.edges.map((e: any) => e.node.id)).toEqual([ids[1]]);
  });
});

describe('a connection gone at the provider', () => {
  it('Plaid ITEM_NOT_FOUND on a re-read is DISCONNECTED / RECONNECT, raw code kept', async () => {
    const carol = await h.token('carol-gone');
    const lt = (await h.gql(carol, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
    const pt = h.plaid.completeLink(lt).public_token;
    const id = (await h.gql(carol, EXCHANGE, { input: { provider: 'PLAID', publicToken: pt } })).body.data.exchangePublicToken.connection.id;
    h.plaid.injectFault({ path: '/item/get', kind: 'plaid_error', error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_NOT_FOUND', status: 400 } });
    const r = (await h.gql(carol, REFRESH, { input: { connectionId: id } })).body.data.refreshConnection;
    expect(r.__typename).toBe('RefreshConnectionPayload');
    expect(r.connection).toMatchObject({ status: 'DISCONNECTED', requiredAction: 'RECONNECT', error: { providerCode: 'ITEM_NOT_FOUND', providerType: 'ITEM_ERROR' } });
    // What was known about the institution is kept.
    expect(r.connection.institution?.name).toBeTruthy();
  });

  it('a deleted MoneyKit link is DISCONNECTED / RECONNECT', async () => {
    const carol = await h.token('carol-gone-mk');
    const d = drivers[1]!;
    const lt = (await h.gql(carol, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } })).body.data.createLinkToken.linkToken.token;
    const pt = await d.finishLink(h, lt);
    const conn = (await h.gql(carol, EXCHANGE, { input: { provider: d.provider, publicToken: pt } })).body.data.exchangePublicToken.connection;
    h.moneykit.setLinkState(conn.providerConnectionId, 'deleted', null, { webhook: false });
    const r = (await h.gql(carol, REFRESH, { input: { connectionId: conn.id } })).body.data.refreshConnection;
    expect(r.connection).toMatchObject({ status: 'DISCONNECTED', requiredAction: 'RECONNECT' });
  });
});

describe('exchanging a token for a connection that already exists', () => {
  it('answers the same connection with the state the provider reports; another user gets INVALID_INPUT', async () => {
    const dave = await h.token('dave-dup');
    const lt = (await h.gql(dave, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['auth'] } })).body.data.createLinkToken.linkToken.token;
    const conn = (await h.gql(dave, EXCHANGE, { input: { provider: 'PLAID', publicToken: h.plaid.completeLink(lt).public_token } })).body.data.exchangePublicToken.connection;
    expect((await h.gql(dave, RESET, { input: { connectionId: conn.id } })).body.data.resetConnection.connection.status).toBe('LOGIN_REQUIRED');
    const upd = (await h.gql(dave, UPDATE_LINK, { input: { connectionId: conn.id } })).body.data.createUpdateLinkToken.linkToken.token;
    // Plaid says not to exchange after update mode; a client that does gets the same connection, healed.
    const again = (await h.gql(dave, EXCHANGE, { input: { provider: 'PLAID', publicToken: h.plaid.completeLink(upd).public_token } })).body.data.exchangePublicToken;
    expect(again.connection).toMatchObject({ id: conn.id, status: 'CONNECTED' });

    const upd2 = (await h.gql(dave, UPDATE_LINK, { input: { connectionId: conn.id } })).body.data.createUpdateLinkToken.linkToken.token;
    const eve = await h.token('eve-dup');
    const stolen = (await h.gql(eve, EXCHANGE, { input: { provider: 'PLAID', publicToken: h.plaid.completeLink(upd2).public_token } })).body.data.exchangePublicToken;
    expect(stolen).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect((await h.gql(eve, LIST, {})).body.data.connections.totalCount).toBe(0);
    // Dave's item was not touched by the refused exchange.
    expect((await h.gql(dave, REFRESH, { input: { connectionId: conn.id } })).body.data.refreshConnection.connection.status).toBe('CONNECTED');
  });
});

describe('update mode for a non-US item', () => {
  it("sends the item's own country codes to Plaid", async () => {
    const fay = await h.token('fay-uk');
    const lt = (await h.gql(fay, CREATE_LINK_TOKEN, { input: { provider: 'PLAID', products: ['transactions'], countryCodes: ['GB'] } })).body.data.createLinkToken.linkToken.token;
    const pt = h.plaid.completeLink(lt, { institutionId: 'ins_117650' }).public_token;
    const conn = (await h.gql(fay, EXCHANGE, { input: { provider: 'PLAID', publicToken: pt } })).body.data.exchangePublicToken.connection;
    const upd = (await h.gql(fay, UPDATE_LINK, { input: { connectionId: conn.id } })).body.data.createUpdateLinkToken;
    expect(upd.__typename).toBe('CreateUpdateLinkTokenPayload');
    const calls = h.plaid.requests.filter((r) => r.path === '/link/token/create');
    const body = calls[calls.length - 1]!.body as { country_codes: string[]; access_token?: string };
    expect(body.access_token).toBeTruthy();
    expect(body.country_codes).toEqual(['GB']);
  });
});
