import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';
import { eventsFor, linkConnection, postWebhook, settledEvents } from '../webhooks/helpers.js';
import { COMPLETE_UPDATE, CREATE_LINK_TOKEN, EXCHANGE, GET, REFRESH, RESET, UPDATE_LINK } from './operations.js';

/**
 * Real signed deliveries: the emulators sign with their own keys and POST to the gateway's
 * listening port; the gateway fetches the verification keys from the emulators, records every
 * verified delivery and applies it. No GraphQL read in between: the webhook alone moves the status.
 */
let h: Harness;
let alice: string;
beforeAll(async () => {
  // Long freshness window: any status change seen here came from a webhook, not a re-read.
  h = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '3600' } });
  alice = await h.token('alice');
});
afterAll(async () => {
  await h?.close();
});

const stored = async (id: string) => (await h.store.getConnections([id]))[0]!;
const itemGets = () => h.plaid.requests.filter((r) => r.path === '/item/get').length;
const linkGets = (linkId: string) => h.moneykit.requests.filter((r) => r.method === 'GET' && r.path === `/links/${linkId}`).length;
const LOGIN_REQUIRED = { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' };

describe('Plaid webhooks through the emulator', () => {
  it('reset at Plaid -> ITEM ERROR -> LOGIN_REQUIRED; update mode -> LOGIN_REPAIRED -> CONNECTED; no provider read', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    const readsBefore = itemGets();

    h.plaid.setItemError(c.providerConnectionId, LOGIN_REQUIRED, { webhook: true });
    const d1 = await h.plaid.waitForWebhook((d) => d.itemId === c.providerConnectionId && d.webhookCode === 'ERROR');
    expect(d1.status).toBe(200);
    const broken = await stored(c.internalId);
    expect(broken.status).toBe('LOGIN_REQUIRED');
    expect(broken.error?.providerCode).toBe('ITEM_LOGIN_REQUIRED');

    const upd = await h.gql(alice, UPDATE_LINK, { input: { connectionId: c.id } });
    h.plaid.completeLink(upd.body.data.createUpdateLinkToken.linkToken.token);
    const d2 = await h.plaid.waitForWebhook((d) => d.itemId === c.providerConnectionId && d.webhookCode === 'LOGIN_REPAIRED');
    expect(d2.status).toBe(200);
    const healed = await stored(c.internalId);
    expect(healed).toMatchObject({ status: 'CONNECTED', error: null });

    expect(itemGets()).toBe(readsBefore);
    const log = await settledEvents(h, 'PLAID', c.providerConnectionId, 2);
    expect(log.map((e) => [e.eventType, e.outcome])).toEqual([
      ['ITEM.ERROR', 'applied'],
      ['ITEM.LOGIN_REPAIRED', 'applied'],
    ]);
    // The gateway answered well inside Plaid's 10 s.
    expect(h.logs.some((l) => l.includes('"webhook processed"') && l.includes('ITEM.ERROR'))).toBe(true);
  });

  it('the resetConnection mutation makes Plaid send ITEM ERROR, which is recorded (and changes nothing twice)', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    const r = await h.gql(alice, RESET, { input: { connectionId: c.id } });
    expect(r.body.data.resetConnection.connection.status).toBe('LOGIN_REQUIRED');
    const [e] = await settledEvents(h, 'PLAID', c.providerConnectionId, 1);
    expect(e!.eventType).toBe('ITEM.ERROR');
    // Either the webhook or the mutation's own read got there first; never both as changes.
    expect(['applied', 'unchanged']).toContain(e!.outcome);
    expect((await stored(c.internalId)).status).toBe('LOGIN_REQUIRED');
  });

  it('ERROR, LOGIN_REPAIRED, ERROR are three changes: an identical body sent again is not dropped', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    const v0 = (await stored(c.internalId)).version;
    const steps: Array<[unknown, string]> = [
      [LOGIN_REQUIRED, 'LOGIN_REQUIRED'],
      [null, 'CONNECTED'],
      [LOGIN_REQUIRED, 'LOGIN_REQUIRED'],
    ];
    for (const [i, [err, expected]] of steps.entries()) {
      h.plaid.setItemError(c.providerConnectionId, err as typeof LOGIN_REQUIRED | null, { webhook: true });
      await eventually(async () => h.plaid.webhookDeliveries.filter((d) => d.itemId === c.providerConnectionId && d.done).length === i + 1);
      expect((await stored(c.internalId)).status).toBe(expected);
    }
    const log = await settledEvents(h, 'PLAID', c.providerConnectionId, 3);
    expect(log.map((e) => e.eventType)).toEqual(['ITEM.ERROR', 'ITEM.LOGIN_REPAIRED', 'ITEM.ERROR']);
    expect(log.map((e) => e.outcome)).toEqual(['applied', 'applied', 'applied']);
    const [first, , third] = h.plaid.webhookDeliveries.filter((d) => d.itemId === c.providerConnectionId);
    expect(third!.body).toBe(first!.body); // same bytes, still a new delivery
    expect((await stored(c.internalId)).version).toBe(v0 + 3);
  });

  it('an exact replay of a genuine delivery is acknowledged and not applied again', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    h.plaid.setItemError(c.providerConnectionId, LOGIN_REQUIRED, { webhook: true });
    const d = await h.plaid.waitForWebhook((x) => x.itemId === c.providerConnectionId && x.webhookCode === 'ERROR');
    const before = await stored(c.internalId);

    const replay = await postWebhook(h.url, '/webhooks/plaid', d.body, d.headers);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { outcome: string }).outcome).toBe('duplicate');
    const after = await stored(c.internalId);
    expect(after.version).toBe(before.version);
    expect(after.statusChangedAt).toEqual(before.statusChangedAt);
    expect(await eventsFor(h, 'PLAID', c.providerConnectionId)).toHaveLength(1);
  });

  it('a replay with the same signature re-encoded (high-S twin, spare bits of the last character) is a duplicate', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    h.plaid.setItemError(c.providerConnectionId, LOGIN_REQUIRED, { webhook: true });
    const d = await h.plaid.waitForWebhook((x) => x.itemId === c.providerConnectionId && x.webhookCode === 'ERROR');
    expect(d.status).toBe(200);
    const before = await stored(c.internalId);
    const jws = d.headers['Plaid-Verification']!;
    const [input, sigText] = [jws.slice(0, jws.lastIndexOf('.') + 1), jws.slice(jws.lastIndexOf('.') + 1)];

    // (r, n - s) verifies as well as (r, s).
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const sig = Buffer.from(sigText, 'base64url');
    const s = BigInt('0x' + sig.subarray(32).toString('hex'));
    const highS = Buffer.concat([sig.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]).toString('base64url');
    // 64 bytes take 86 characters: the last one carries 4 bits nobody reads.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sigText.at(-1)!);
    const spareBits = sigText.slice(0, -1) + alphabet[last ^ 0b0001]!;

    for (const variant of [highS, spareBits]) {
      expect(variant).not.toBe(sigText);
      const res = await postWebhook(h.url, '/webhooks/plaid', d.body, { ...d.headers, 'Plaid-Verification': input + variant });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { outcome: string }).outcome).toBe('duplicate');
    }
    const after = await stored(c.internalId);
    expect(after.version).toBe(before.version);
    expect(await eventsFor(h, 'PLAID', c.providerConnectionId)).toHaveLength(1);
  });

  it('PENDING_EXPIRATION and PENDING_DISCONNECT -> EXPIRING (UPDATE_LINK); a healthy re-read keeps it', async () => {
    const a = await linkConnection(h, alice, 'PLAID');
    const inSixDays = new Date(Date.now() + 6 * 86_400_000).toISOString();
    h.plaid.setConsentExpiration(a.providerConnectionId, inSixDays, { webhook: true });
    await h.plaid.waitForWebhook((d) => d.itemId === a.providerConnectionId && d.webhookCode === 'PENDING_EXPIRATION');
    expect((await stored(a.internalId)).status).toBe('EXPIRING');

    const b = await linkConnection(h, alice, 'PLAID');
    const disconnectAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const sent = await h.plaid.sendWebhook(b.providerConnectionId, {
      webhook_type: 'ITEM',
      webhook_code: 'PENDING_DISCONNECT',
      item_id: b.providerConnectionId,
      reason: 'INSTITUTION_MIGRATION',
      disconnect_time: disconnectAt,
      environment: 'sandbox',
    });
    expect(sent.status).toBe(200);
    const pending = await stored(b.internalId);
    expect(pending.status).toBe('EXPIRING');
    expect(pending.expiringUntil?.toISOString()).toBe(disconnectAt);

    for (const c of [a, b]) {
      // Plaid's /item/get still answers a healthy Item: the announced end of access must survive it.
      const r = await h.gql(alice, REFRESH, { input: { connectionId: c.id } });
      expect(r.body.data.refreshConnection.connection).toMatchObject({ status: 'EXPIRING', requiredAction: 'UPDATE_LINK', error: null });
    }
    const log = await settledEvents(h, 'PLAID', b.providerConnectionId, 1);
    expect(log[0]).toMatchObject({ eventType: 'ITEM.PENDING_DISCONNECT', outcome: 'applied' });

    // The user goes through update mode; the frontend reports the widget's success.
    const upd = await h.gql(alice, UPDATE_LINK, { input: { connectionId: b.id } });
    h.plaid.completeLink(upd.body.data.createUpdateLinkToken.linkToken.token);
    const done = await h.gql(alice, COMPLETE_UPDATE, { input: { connectionId: b.id } });
    expect(done.body.data.completeUpdateLink.connection).toMatchObject({ status: 'CONNECTED', requiredAction: 'NONE' });
    expect((await stored(b.internalId)).expiringUntil).toBeNull();
  });
});

describe('MoneyKit webhooks through the emulator', () => {
  it('reset at MoneyKit -> link.state_changed(error) -> LOGIN_REQUIRED; relink -> link.state_changed -> CONNECTED', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    const readsBefore = linkGets(c.providerConnectionId);

    h.moneykit.setLinkState(c.providerConnectionId, 'error', 'auth_expired');
    const d1 = await h.moneykit.waitForWebhookDelivery((d) => d.linkId === c.providerConnectionId && d.payload.state === 'error');
    expect(d1.status).toBe(200);
    expect(await stored(c.internalId)).toMatchObject({ status: 'LOGIN_REQUIRED', error: { providerCode: 'auth_expired' } });
    expect(linkGets(c.providerConnectionId)).toBe(readsBefore);

    const upd = await h.gql(alice, UPDATE_LINK, { input: { connectionId: c.id } });
    const readsAfterUpdateToken = linkGets(c.providerConnectionId);
    h.moneykit.completeConnect(upd.body.data.createUpdateLinkToken.linkToken.token);
    const d2 = await h.moneykit.waitForWebhookDelivery((d) => d.linkId === c.providerConnectionId && d.payload.state === 'connected');
    expect(d2.status).toBe(200);
    expect(await stored(c.internalId)).toMatchObject({ status: 'CONNECTED', error: null });
    expect(linkGets(c.providerConnectionId)).toBe(readsAfterUpdateToken);

    const log = await settledEvents(h, 'MONEYKIT', c.providerConnectionId, 2);
    expect(log.map((e) => [e.eventType, e.outcome, e.dedupeKey])).toEqual([
      ['link.state_changed', 'applied', d1.idempotencyKey],
      ['link.state_changed', 'applied', d2.idempotencyKey],
    ]);
  });

  it('the resetConnection mutation -> link.state_changed recorded; a replay is deduplicated by webhook_idempotency_key', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    const r = await h.gql(alice, RESET, { input: { connectionId: c.id } });
    expect(r.body.data.resetConnection.connection.status).toBe('LOGIN_REQUIRED');
    const d = await h.moneykit.waitForWebhookDelivery((x) => x.linkId === c.providerConnectionId);
    expect(d.status).toBe(200);
    const [e] = await settledEvents(h, 'MONEYKIT', c.providerConnectionId, 1);
    expect(['applied', 'unchanged']).toContain(e!.outcome);
    const before = await stored(c.internalId);

    const replay = await postWebhook(h.url, '/webhooks/moneykit', d.body, d.headers);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { outcome: string }).outcome).toBe('duplicate');
    expect(await eventsFor(h, 'MONEYKIT', c.providerConnectionId)).toHaveLength(1);
    expect((await stored(c.internalId)).version).toBe(before.version);
  });

  it('a Plaid DEFAULT_UPDATE whose accounts re-read fails is not recorded as applied (a redelivery applies it)', async () => {
    const c = await linkConnection(h, alice, 'PLAID');
    h.plaid.injectFault({ path: '/accounts/get', kind: 'http500', times: -1 });
    try {
      const sent = await h.plaid.sendWebhook(c.providerConnectionId, {
        webhook_type: 'TRANSACTIONS', webhook_code: 'DEFAULT_UPDATE', item_id: c.providerConnectionId, new_transactions: 1, environment: 'sandbox',
      });
      expect(sent.status).toBe(500);
    } finally {
      h.plaid.clearFaults();
    }
    const log = await eventsFor(h, 'PLAID', c.providerConnectionId);
    expect(log.map((e) => [e.eventType, e.outcome])).toEqual([['TRANSACTIONS.DEFAULT_UPDATE', null]]);
  });

  it('a redelivery of an event recorded but never applied (its first apply failed) is applied', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    const key = `retry-${c.providerConnectionId}`;
    // The first delivery got as far as the event log, then the apply failed: outcome still null.
    const first = await h.store.recordWebhookEvent({
      provider: 'MONEYKIT', dedupeKey: key, eventType: 'link.state_changed', providerConnectionId: c.providerConnectionId,
      occurredAt: new Date(), payload: { webhook_event: 'link.state_changed' },
    });
    expect(first?.outcome).toBeNull();
    const d = await h.moneykit.sendWebhook(c.providerConnectionId, {
      webhook_event: 'link.state_changed', state: 'error', error: 'auth_expired', webhook_idempotency_key: key,
    });
    expect(d?.status).toBe(200);
    expect((await stored(c.internalId)).status).toBe('LOGIN_REQUIRED');
    const log = await eventsFor(h, 'MONEYKIT', c.providerConnectionId);
    expect(log.map((e) => [e.id, e.outcome])).toEqual([[first!.id, 'applied']]);
  });

  it('an out-of-order delivery (older webhook_timestamp) is recorded as stale and does not roll the status back', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    h.moneykit.setLinkState(c.providerConnectionId, 'error', 'auth_expired');
    const broke = await h.moneykit.waitForWebhookDelivery((d) => d.linkId === c.providerConnectionId && d.payload.state === 'error');
    h.moneykit.setLinkState(c.providerConnectionId, 'connected', null);
    await h.moneykit.waitForWebhookDelivery((d) => d.linkId === c.providerConnectionId && d.payload.state === 'connected');
    expect((await stored(c.internalId)).status).toBe('CONNECTED');

    // The "error" event arrives again, late, as its own delivery (new key) stamped before the repair.
    const late = await h.moneykit.sendWebhook(c.providerConnectionId, {
      webhook_event: 'link.state_changed',
      state: 'error',
      error: 'auth_expired',
      webhook_timestamp: broke.payload.webhook_timestamp,
    });
    expect(late?.status).toBe(200);
    const log = await settledEvents(h, 'MONEYKIT', c.providerConnectionId, 3);
    expect(log.map((e) => e.outcome)).toEqual(['applied', 'applied', 'stale']);
    expect((await stored(c.internalId)).status).toBe('CONNECTED');
  });

  it('an event older than a provider read does not roll back what the read showed', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    const refreshed = await h.gql(alice, REFRESH, { input: { connectionId: c.id } });
    expect(refreshed.body.data.refreshConnection.connection.status).toBe('CONNECTED');
    const late = await h.moneykit.sendWebhook(c.providerConnectionId, {
      webhook_event: 'link.state_changed',
      state: 'error',
      error: 'auth_expired',
      webhook_timestamp: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(late?.status).toBe(200);
    const log = await settledEvents(h, 'MONEYKIT', c.providerConnectionId, 1);
    expect(log.map((e) => e.outcome)).toEqual(['stale']);
    expect((await stored(c.internalId)).status).toBe('CONNECTED');
  });

  it('every delivery is in the event log, with its payload and no secrets', async () => {
    const c = await linkConnection(h, alice, 'MONEYKIT');
    await h.moneykit.sendWebhook(c.providerConnectionId, { webhook_event: 'transactions.updates_available' });
    const log = await settledEvents(h, 'MONEYKIT', c.providerConnectionId, 1);
    expect(log[0]).toMatchObject({ eventType: 'transactions.updates_available', outcome: 'applied' });
    expect((log[0]!.payload as { link_id: string }).link_id).toBe(c.providerConnectionId);
    const all = JSON.stringify(await h.store.listWebhookEvents({ limit: 1000 }));
    for (const s of h.secrets) expect(all).not.toContain(s);
    for (const s of h.secrets) expect(h.logs.join('\n')).not.toContain(s);
    const g = await h.gql(alice, GET, { id: c.id });
    expect(g.body.data.connection.status).toBe('CONNECTED');
  });
});

describe('a webhook that races the token exchange', () => {
  it('is held until the connection is stored, then applied (or found stale against the exchange read)', async () => {
    const bea = await h.token('bea-race');
    const lt = (await h.gql(bea, CREATE_LINK_TOKEN, { input: { provider: 'MONEYKIT', products: ['transactions'] } })).body.data.createLinkToken.linkToken.token;
    const { link_id: linkId, exchangeable_token: token } = h.moneykit.completeConnect(lt);
    const old = await h.moneykit.sendWebhook(linkId, {
      webhook_event: 'link.state_changed', state: 'error', error: 'institution_error', webhook_timestamp: new Date(Date.now() - 10_000).toISOString(),
    });
    const later = await h.moneykit.sendWebhook(linkId, {
      webhook_event: 'link.state_changed', state: 'error', error: 'auth_expired', webhook_timestamp: new Date(Date.now() + 5_000).toISOString(),
    });
    expect([old?.status, later?.status]).toEqual([200, 200]);
    expect((await eventsFor(h, 'MONEYKIT', linkId)).map((e) => e.outcome)).toEqual(['unknown_connection', 'unknown_connection']);

    const conn = (await h.gql(bea, EXCHANGE, { input: { provider: 'MONEYKIT', publicToken: token } })).body.data.exchangePublicToken.connection;
    expect(conn).toMatchObject({ status: 'LOGIN_REQUIRED', error: { providerCode: 'auth_expired' } });
    const outcomes = (await eventsFor(h, 'MONEYKIT', linkId)).map((e) => [e.payload && (e.payload as { error?: string }).error, e.outcome]);
    expect(outcomes).toEqual(expect.arrayContaining([['institution_error', 'stale'], ['auth_expired', 'applied']]));
  });
});
