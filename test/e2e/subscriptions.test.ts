import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { linkConnection, subscribeSse, type SseSubscription } from '../webhooks/helpers.js';
import { REFRESH, RESET } from './operations.js';

/** Subscription.connectionUpdated over SSE through the gateway's own fetch handler. */
const SUB = `subscription Watch($id: ID) { connectionUpdated(id: $id) { id userId status requiredAction error { providerCode } } }`;

let h: Harness;
let alice: string;
let bob: string;
let admin: string;
const open: SseSubscription[] = [];
const watch = async (token: string | null, vars: Record<string, unknown> = {}) => {
  const s = await subscribeSse(h.fetch, token, SUB, vars);
  open.push(s);
  return s;
};

beforeAll(async () => {
  h = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '3600' } });
  [alice, bob, admin] = await Promise.all([h.token('alice'), h.token('bob-user'), h.token('ops', { scope: 'admin' })]);
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await h?.close();
});

const LOGIN_REQUIRED = { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' };

describe('connectionUpdated', () => {
  it('emits mutation-, webhook- and refresh-caused changes; owners only, admin sees all', async () => {
    const a = await linkConnection(h, alice, 'PLAID');
    const b = await linkConnection(h, bob, 'MONEYKIT');
    const sa = await watch(alice);
    const sb = await watch(bob);
    const sadm = await watch(admin);
    expect([sa.status, sb.status, sadm.status]).toEqual([200, 200, 200]);

    // Mutation-caused.
    const t0 = Date.now();
    const r = await h.gql(alice, RESET, { input: { connectionId: a.id } });
    expect(r.body.data.resetConnection.connection.status).toBe('LOGIN_REQUIRED');
    const e1 = await sa.next(5_000);
    // Contract 4: within a second; bounded generously here so a loaded machine does not flake.
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(e1.data.connectionUpdated).toMatchObject({ id: a.id, userId: 'alice', status: 'LOGIN_REQUIRED', requiredAction: 'UPDATE_LINK', error: { providerCode: 'ITEM_LOGIN_REQUIRED' } });

    // Webhook-caused: the provider heals the Item and says so; nobody calls the gateway.
    h.plaid.setItemError(a.providerConnectionId, null, { webhook: true });
    const e2 = await sa.next();
    expect(e2.data.connectionUpdated).toMatchObject({ id: a.id, status: 'CONNECTED', error: null });

    // Refresh-caused: a change the provider did not announce, found by refreshConnection.
    h.plaid.setItemError(a.providerConnectionId, LOGIN_REQUIRED, { webhook: false });
    await h.gql(alice, REFRESH, { input: { connectionId: a.id } });
    const e3 = await sa.next();
    expect(e3.data.connectionUpdated).toMatchObject({ id: a.id, status: 'LOGIN_REQUIRED' });

    // Bob's connection changes (webhook-caused, MoneyKit).
    h.moneykit.setLinkState(b.providerConnectionId, 'error', 'auth_expired');
    const eb = await sb.next();
    expect(eb.data.connectionUpdated).toMatchObject({ id: b.id, userId: 'bob-user', status: 'LOGIN_REQUIRED' });

    // Admin saw all four, in order.
    const adminSeen = [];
    for (let i = 0; i < 4; i++) adminSeen.push((await sadm.next()).data.connectionUpdated);
    expect(adminSeen.map((c) => [c.id, c.status])).toEqual([
      [a.id, 'LOGIN_REQUIRED'],
      [a.id, 'CONNECTED'],
      [a.id, 'LOGIN_REQUIRED'],
      [b.id, 'LOGIN_REQUIRED'],
    ]);
    // Each side: nothing else, in particular never the other user's connection.
    await expect(sa.next(300)).rejects.toThrow(/no subscription event/);
    expect(sb.pending()).toEqual([]);
    expect(sa.pending()).toEqual([]);
  });

  it('a re-read that finds the same status and accounts publishes nothing; one that finds a new balance does', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    const s = await watch(alice, { id: c.id });
    // Two re-reads with nothing changed at Plaid (only the read time moves).
    for (let i = 0; i < 2; i++) {
      expect((await h.gql(alice, REFRESH, { input: { connectionId: c.id } })).body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    }
    // A balance change Plaid did not announce, found by the next re-read.
    const [account] = h.plaid.accounts(c.providerConnectionId);
    h.plaid.setBalance(c.providerConnectionId, account!.account_id, { current: 1234.56, webhook: false });
    await h.gql(alice, REFRESH, { input: { connectionId: c.id } });
    expect((await s.next()).data.connectionUpdated).toMatchObject({ id: c.id, status: 'CONNECTED' });
    // Exactly one event: the unchanged re-reads published none.
    await expect(s.next(400)).rejects.toThrow(/no subscription event/);
  });

  it('the id argument narrows the stream to one connection', async () => {
    const one = await linkConnection(h, alice, 'MONEYKIT');
    const other = await linkConnection(h, alice, 'MONEYKIT');
    const s = await watch(alice, { id: one.id });
    h.moneykit.setLinkState(other.providerConnectionId, 'error', 'auth_expired');
    await h.moneykit.waitForWebhookDelivery((d) => d.linkId === other.providerConnectionId);
    h.moneykit.setLinkState(one.providerConnectionId, 'error', 'auth_expired');
    const e = await s.next();
    expect(e.data.connectionUpdated).toMatchObject({ id: one.id, status: 'LOGIN_REQUIRED' });
    expect(s.pending()).toEqual([]);
  });

  it("another user's id yields nothing (no existence leak)", async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    const s = await watch(bob, { id: c.id });
    const owner = await watch(alice, { id: c.id });
    await h.gql(alice, RESET, { input: { connectionId: c.id } });
    // The owner's stream carries the change (so the event was published) ...
    expect((await owner.next()).data.connectionUpdated).toMatchObject({ id: c.id, status: 'LOGIN_REQUIRED' });
    // ... and bob's stream, open at the same time, does not.
    await expect(s.next(400)).rejects.toThrow(/no subscription event/);
  });

  it('an unauthenticated subscription is refused with 401', async () => {
    const res = await h.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUB }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.text()).toContain("UNAUTHENTICATED");
    const bad = await h.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: SUB }),
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("UNAUTHENTICATED");
  });
});
