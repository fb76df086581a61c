// Every endpoint the MoneyKit emulator serves, driven over HTTP, each answer (success and error)
// validated against the response schemas of MoneyKit's rebuilt OpenAPI document.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MoneyKitEmulator } from '../../../src/emulators/moneykit/index.js';
import { LIVE, OTHER_SANDBOX, SANDBOX, call, getToken, newConnectedLink, start, startReceiver } from './helpers.js';
import { loadMoneyKitSpec } from './spec.js';

const spec = loadMoneyKitSpec();

let emu: MoneyKitEmulator;
let token: string;
beforeEach(async () => {
  emu = await start();
  token = await getToken(emu);
});
afterEach(() => emu.close());

/** Calls the emulator and returns the status after checking the body against the spec. */
async function checked(method: string, path: string, opts: Parameters<typeof call>[3] = {}): Promise<{ status: number; body: any }> {
  const res = await call(emu, method, path, opts);
  expect(spec.validateResponse(method, path, res.status, res.body), `${method} ${path} -> ${res.status}`).toEqual([]);
  return res;
}

async function form(body: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${emu.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  const json = (await res.json()) as unknown;
  expect(spec.validateResponse('POST', '/auth/token', res.status, json)).toEqual([]);
  return { status: res.status, body: json };
}

describe('MoneyKit emulator answers match the rebuilt spec', () => {
  it('the validator rejects a body that breaks the spec (it is not vacuous)', () => {
    expect(spec.validateResponse('GET', '/links/mk_x/accounts', 200, { accounts: [{ account_id: 'a' }], link: {} })).not.toEqual([]);
    expect(spec.validateResponse('GET', '/links/mk_x/transactions/sync', 200, { transactions: { created: [] } })).not.toEqual([]);
    expect(spec.validateResponse('GET', '/links/mk_x', 418, {})).not.toEqual([]);
    expect(spec.template('/links/mk_x/transactions/sync')).toBe('/links/{id}/transactions/sync');
  });

  it('auth: token (201, 400, 401) and introspect (200, 401)', async () => {
    expect((await form({ grant_type: 'client_credentials', client_id: SANDBOX.clientId, client_secret: SANDBOX.clientSecret })).status).toBe(201);
    expect((await form({ grant_type: 'password', client_id: SANDBOX.clientId, client_secret: SANDBOX.clientSecret })).status).toBe(400);
    expect((await form({ grant_type: 'client_credentials', client_id: SANDBOX.clientId, client_secret: 'wrong' })).status).toBe(401);
    expect((await checked('GET', '/auth/introspect', { token })).status).toBe(200);
    expect((await checked('GET', '/auth/introspect', { token: 'nope' })).status).toBe(401);
    emu.expireAccessTokens();
    expect((await checked('GET', '/auth/introspect', { token })).body.error_code).toBe('api_error.auth.expired_access_token');
  });

  it('link session and token exchange (201, 400, 403, 422)', async () => {
    const session = await checked('POST', '/link-session', { token, json: { customer_user: { id: 'user-0001' }, redirect_uri: 'https://app.example.com/cb' } });
    expect(session.status).toBe(201);
    const done = emu.completeConnect(session.body.link_session_token);
    expect((await checked('POST', '/link-session/exchange-token', { token, json: { exchangeable_token: done.exchangeable_token } })).status).toBe(201);
    expect((await checked('POST', '/link-session/exchange-token', { token, json: { exchangeable_token: done.exchangeable_token } })).status).toBe(400);
    const other = await newConnectedLink(emu, token, { userId: 'user-0002' });
    const forbidden = await checked('POST', '/link-session', {
      token,
      json: { customer_user: { id: 'user-0001' }, redirect_uri: 'https://app.example.com/cb', existing_link_id: other },
    });
    expect(forbidden.status).toBe(403);
    const invalid = await call(emu, 'POST', '/link-session', { token, json: { redirect_uri: 'https://app.example.com/cb' } });
    expect(invalid.status).toBe(422);
    expect(spec.validateResponse('POST', '/link-session', 422, invalid.body)).toEqual([]);
  });

  it('links: get, patch, reset, delete, users, with their link errors (401, 403, 404, 410)', async () => {
    const linkId = await newConnectedLink(emu, token);
    expect((await checked('GET', `/links/${linkId}`, { token })).status).toBe(200);
    expect((await checked('PATCH', `/links/${linkId}`, { token, json: { webhook: 'https://hooks.example.com/mk', link_tags: ['a1'] } })).status).toBe(200);
    expect((await checked('POST', `/links/${linkId}/reset`, { token })).status).toBe(200);
    expect((await checked('GET', '/users/user-0001/links', { token })).status).toBe(200);
    expect((await checked('GET', '/links/mk_unknown', { token })).status).toBe(404);
    const otherToken = await getToken(emu, OTHER_SANDBOX);
    expect((await checked('GET', `/links/${linkId}`, { token: otherToken })).status).toBe(401);
    const liveToken = await getToken(emu, LIVE);
    const liveLink = emu.createLink({ client_id: LIVE.clientId }).link_id;
    expect((await checked('POST', `/links/${liveLink}/reset`, { token: liveToken })).status).toBe(403);
    const deleted = await call(emu, 'DELETE', `/links/${linkId}`, { token });
    expect(deleted.status).toBe(204);
    expect(spec.statuses('DELETE', `/links/${linkId}`)).toContain('2XX');
    expect((await checked('PATCH', `/links/${linkId}`, { token, json: { webhook: null } })).status).toBe(410);
    expect((await checked('GET', `/links/${linkId}`, { token })).body.state).toBe('deleted');
  });

  it('institutions, jwks and test webhooks (200, 400, 404)', async () => {
    expect((await checked('GET', '/institutions/chase', { token })).status).toBe(200);
    expect((await checked('GET', '/institutions/no_such_bank', { token })).status).toBe(404);
    expect((await checked('GET', '/.well-known/jwks.json', { headers: { 'x-client-id': SANDBOX.clientId } })).status).toBe(200);
    const linkId = await newConnectedLink(emu, token);
    const noHook = await checked('POST', `/webhooks/test/link/${linkId}`, {
      token,
      json: { webhook_event: 'transactions.updates_available', webhook_idempotency_key: 'k-1' },
    });
    expect(noHook.status).toBe(400);
    await call(emu, 'PATCH', `/links/${linkId}`, { token, json: { webhook: 'http://127.0.0.1:9/unreachable' } });
    const sent = await checked('POST', `/webhooks/test/link/${linkId}`, {
      token,
      json: { webhook_event: 'transactions.updates_available', webhook_idempotency_key: 'k-2' },
    });
    expect(sent.status).toBe(200);
  });

  it('accounts and transactions sync, with every change kind and the tricky numbers (200)', async () => {
    const linkId = await newConnectedLink(emu, token);
    const first = await checked('GET', `/links/${linkId}/transactions/sync?size=500`, { token });
    const posted = first.body.transactions.created.find((t: { pending: boolean }) => !t.pending);
    const pending = first.body.transactions.created.find((t: { pending: boolean }) => t.pending);
    emu.trickyNumbers(linkId);
    emu.modifyTransaction(linkId, posted.transaction_id, { amount: '99.99' });
    emu.settleTransaction(linkId, pending.transaction_id);
    const second = emu.listTransactions(linkId).find((t) => t.pending === false && t.transaction_id !== posted.transaction_id)!;
    emu.removeTransaction(linkId, String(second.transaction_id));
    const delta = await checked('GET', `/links/${linkId}/transactions/sync?cursor=${first.body.cursor.next}`, { token });
    expect(delta.body.transactions.updated).toHaveLength(1);
    expect(delta.body.transactions.removed).toEqual([second.transaction_id]);
    expect((await checked('GET', `/links/${linkId}/accounts`, { token })).status).toBe(200);
    const account = (await checked('GET', `/links/${linkId}/accounts`, { token })).body.accounts[0];
    expect((await checked('GET', `/links/${linkId}/accounts?account_ids=${account.account_id}`, { token })).body.accounts).toHaveLength(1);
  });

  it('accounts and sync errors: bad state, bad query, other app, unknown, deleted, rate limited (401, 404, 410, 422, 429)', async () => {
    const linkId = await newConnectedLink(emu, token);
    emu.setLinkState(linkId, 'error', 'auth_expired', { webhook: false });
    for (const path of [`/links/${linkId}/accounts`, `/links/${linkId}/transactions/sync`]) {
      const res = await checked('GET', path, { token });
      expect(res.status).toBe(422);
      expect(res.body.link_error_code).toBe('auth_expired');
    }
    const ok = await newConnectedLink(emu, token);
    expect((await checked('GET', `/links/${ok}/transactions/sync?size=0`, { token })).status).toBe(422);
    expect((await checked('GET', `/links/${ok}/transactions/sync?cursor=garbage`, { token })).status).toBe(422);
    expect((await checked('GET', `/links/${ok}/accounts`, { token: await getToken(emu, OTHER_SANDBOX) })).status).toBe(401);
    expect((await checked('GET', '/links/mk_unknown/transactions/sync', { token })).status).toBe(404);
    emu.injectFault({ path: '/links/{id}/accounts', kind: 'http429', retryAfterSeconds: 1 });
    expect((await checked('GET', `/links/${ok}/accounts`, { token })).status).toBe(429);
    await call(emu, 'DELETE', `/links/${ok}`, { token });
    expect((await checked('GET', `/links/${ok}/accounts`, { token })).status).toBe(410);
  });

  it('every kind of webhook the emulator sends, as received over HTTP, matches the spec\'s link_event payloads', async () => {
    const hook = await startReceiver();
    try {
      const linkId = await newConnectedLink(emu, token, { webhook: hook.url, link_tags: ['team:a'] });
      // One trigger at a time, each waited for: every kind the emulator sends on its own, then the
      // four test events.
      let n = 0;
      const tx = emu.listTransactions(linkId).find((t) => t.pending === false)!;
      const triggers: Array<() => unknown> = [
        () => emu.setLinkState(linkId, 'error', 'auth_expired'), // link.state_changed
        () => emu.modifyTransaction(linkId, String(tx.transaction_id), { amount: '1.23' }), // transactions.updates_available
        () => emu.setBalances(linkId, String(tx.account_id), { current: '10.5', available: '10', limit: null }), // link.product_refresh
        ...['link.state_changed', 'transactions.updates_available', 'link.product_refresh', 'product.state_changed'].map(
          (webhook_event) => async () =>
            expect((await call(emu, 'POST', `/webhooks/test/link/${linkId}`, { token, json: { webhook_event, webhook_idempotency_key: `k-${webhook_event}` } })).status).toBe(200),
        ),
      ];
      for (const trigger of triggers) {
        await trigger();
        await hook.waitFor(++n);
      }
      const bodies = hook.received.map((r) => r.json);
      expect([...new Set(bodies.map((b) => b.webhook_event))].sort()).toEqual(
        ['link.product_refresh', 'link.state_changed', 'product.state_changed', 'transactions.updates_available'],
      );
      for (const body of bodies) {
        // REFERENCE §8: product.state_changed has no model of its own ("possibly a new name for product
        // refresh events"); its fields are held to ProductStateChangedWebhook's.
        const asSpecified = body.webhook_event === 'product.state_changed' ? { ...body, webhook_event: 'link.product_refresh' } : body;
        expect(spec.validateWebhook(asSpecified), JSON.stringify(body)).toEqual([]);
      }
      expect(bodies.find((b) => b.webhook_event === 'link.state_changed' && b.state === 'error')).toMatchObject({ error: 'auth_expired', link_tags: ['team:a'] });
      // Not vacuous: a payload missing a required field, or with an unknown event, is refused.
      const { webhook_timestamp: _t, ...noTimestamp } = bodies[0]!;
      expect(spec.validateWebhook(noTimestamp)).not.toEqual([]);
      expect(spec.validateWebhook({ ...bodies[0], webhook_event: 'link.exploded' })).not.toEqual([]);
    } finally {
      await hook.close();
    }
  });
});
