import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMoneyKitWebhookVerifier, type MoneyKitWebhookVerifierOptions } from '../../../src/providers/moneykit/webhook.js';
import type { ClosableWebhookVerifier } from '../../../src/providers/signed-delivery.js';
import type { ConnectionStatus } from '../../../src/domain/connection.js';
import {
  hmacWithPublicKey,
  KeyServer,
  makeKey,
  MONEYKIT_CLIENT_ID,
  post,
  reason,
  rs256Token,
  sign,
  startReceiver,
  unsignedToken,
  type SigningKey,
} from './fixtures.js';
import { loadMoneyKitSpec } from '../../emulators/moneykit/spec.js';
import { offSpecViolation } from '../../helpers/specs.js';

const ISS = 'https://api.moneykit.com';
const server = new KeyServer();
let live: SigningKey;
let nowMs: number;
let verifier: ClosableWebhookVerifier;

const iat = () => Math.floor(nowMs / 1000);
let seq = 0;
/**
 * A webhook body as MoneyKit sends it, checked against the spec's link_event payloads: a body that
 * breaks the spec on purpose says why (`offSpec`), and must then really break it.
 */
function mkBody(o: Record<string, unknown>, offSpec?: string): string {
  const body = {
    webhook_major_version: 1,
    webhook_minor_version: 0,
    webhook_idempotency_key: `idem-${++seq}`,
    webhook_timestamp: '2025-03-04T05:06:07Z',
    link_id: 'mk_link_1',
    link_tags: ['user_type:admin'],
    ...o,
  };
  const wrong = offSpecViolation('the webhook body', loadMoneyKitSpec().validateWebhook(JSON.parse(JSON.stringify(body))), offSpec);
  if (wrong) throw new Error(wrong);
  return JSON.stringify(body);
}

async function deliver(body: string, key = live, extra: Partial<Parameters<typeof sign>[2]> = {}) {
  const jwt = await sign(body, key, { iat: iat(), claims: { iss: ISS }, ...extra });
  return verifier.verify(Buffer.from(body), { 'moneykit-signature': jwt });
}

async function deliverFrom(sender: string, body: string, key = live, extra: Partial<Parameters<typeof sign>[2]> = {}) {
  const jwt = await sign(body, key, { iat: iat(), claims: { iss: ISS }, ...extra });
  return verifier.verify(Buffer.from(body), { 'moneykit-signature': jwt }, sender);
}

function newVerifier(o: Partial<MoneyKitWebhookVerifierOptions> = {}) {
  return createMoneyKitWebhookVerifier({ baseUrl: server.url, clientId: MONEYKIT_CLIENT_ID, now: () => nowMs, ...o });
}

beforeAll(async () => {
  await server.start();
  live = await makeKey('mk-live-1');
  server.moneyKitKeys.push(live);
});
afterAll(() => server.stop());
beforeEach(() => {
  nowMs = Date.now();
  server.jwksFetches = 0;
  server.failing = false;
  server.moneyKitKeys.splice(0, server.moneyKitKeys.length, live);
  verifier = newVerifier();
});
afterEach(() => verifier.close());

/** Contract section 3, MoneyKit rows: every PublicLinkState, and every PublicLinkError under `error`. */
const stateCases: { state: string; error: string | null; status: ConnectionStatus; offSpec?: string }[] = [
  { state: 'connecting', error: null, status: 'CONNECTING' },
  { state: 'awaiting_token_exchange', error: null, status: 'CONNECTING' },
  { state: 'connected', error: null, status: 'CONNECTED' },
  { state: 'deleted', error: null, status: 'DISCONNECTED' },
  { state: 'error', error: 'auth_expired', status: 'LOGIN_REQUIRED' },
  { state: 'error', error: 'invalid_credentials', status: 'LOGIN_REQUIRED' },
  { state: 'error', error: 'user_input_incorrect', status: 'LOGIN_REQUIRED' },
  { state: 'error', error: 'user_oauth_denied', status: 'LOGIN_REQUIRED' },
  { state: 'error', error: 'user_setup_required', status: 'USER_ACTION_REQUIRED' },
  { state: 'error', error: 'user_error', status: 'USER_ACTION_REQUIRED' },
  { state: 'error', error: 'incomplete', status: 'USER_ACTION_REQUIRED' },
  { state: 'error', error: 'no_accounts', status: 'USER_ACTION_REQUIRED' },
  { state: 'error', error: 'institution_error', status: 'INSTITUTION_ERROR' },
  { state: 'error', error: 'provider_error', status: 'PROVIDER_ERROR' },
  { state: 'error', error: 'system_error', status: 'PROVIDER_ERROR' },
  { state: 'error', error: 'brand_new_error', status: 'UNKNOWN', offSpec: 'an error code the spec does not list yet' },
];

describe('MoneyKit webhook verifier: genuine deliveries', () => {
  it.each(stateCases)('link.state_changed $state/$error -> $status', async ({ state, error, status, offSpec }) => {
    const raw = mkBody({ webhook_event: 'link.state_changed', state, error, error_message: error ? `mk says ${error}` : null }, offSpec);
    const v = await deliver(raw);
    expect(v).toMatchObject({
      provider: 'MONEYKIT',
      eventType: 'link.state_changed',
      providerConnectionId: 'mk_link_1',
      dedupeKey: `idem-${seq}`,
      occurredAt: new Date('2025-03-04T05:06:07Z'),
      effect: { kind: 'state', status },
      payload: JSON.parse(raw),
    });
    const effect = v.effect as { kind: 'state'; error: unknown };
    if (error === null) expect(effect.error).toBeNull();
    // The webhook's field is `error`; the raw code is kept and MoneyKit's own text is the message.
    else expect(effect.error).toEqual({ providerCode: error, providerType: null, message: `mk says ${error}`, displayMessage: expect.toSatisfy((d: unknown) => d === null || typeof d === 'string') });
  });

  it('state error without error_message keeps the raw code with a message', async () => {
    const v = await deliver(mkBody({ webhook_event: 'link.state_changed', state: 'error', error: 'auth_expired' }));
    expect(v.effect).toMatchObject({ kind: 'state', status: 'LOGIN_REQUIRED', error: { providerCode: 'auth_expired', providerType: null, message: expect.any(String) } });
  });

  it('transactions.updates_available announces transactions; an accounts refresh re-reads accounts; other product events are recorded only', async () => {
    const at = '2025-03-04T05:06:07Z';
    for (const [body, effect, offSpec] of [
      [{ webhook_event: 'transactions.updates_available', has_history: true }, { kind: 'updates', transactions: true, accounts: false }],
      [{ webhook_event: 'link.product_refresh', product: 'accounts', state: 'completed', state_changed_at: at }, { kind: 'updates', transactions: false, accounts: true }],
      [{ webhook_event: 'link.product_refresh', product: 'transactions', state: 'completed', state_changed_at: at }, { kind: 'none' }],
      // REFERENCE §8: a test-trigger event with no model of its own.
      [{ webhook_event: 'product.state_changed' }, { kind: 'none' }, 'no payload model in the spec'],
    ] as const) {
      const v = await deliver(mkBody(body, offSpec));
      expect(v.eventType).toBe(body.webhook_event);
      expect(v.effect, body.webhook_event).toEqual(effect);
    }
  });

  it('a zoned webhook_timestamp is honoured; a naive one is UTC; a missing one falls back to iat', async () => {
    const zoned = await deliver(mkBody({ webhook_event: 'link.state_changed', state: 'connected', webhook_timestamp: '2025-03-04T05:06:07+02:00' }));
    expect(zoned.occurredAt).toEqual(new Date('2025-03-04T03:06:07Z'));
    // The spec says date-time, yet REFERENCE's examples show MoneyKit's naive timestamps.
    const naive = await deliver(mkBody({ webhook_event: 'link.state_changed', state: 'connected', webhook_timestamp: '2025-03-04T05:06:07' }, 'a naive timestamp'));
    expect(naive.occurredAt).toEqual(new Date('2025-03-04T05:06:07Z'));
    const none = await deliver(mkBody({ webhook_event: 'link.state_changed', state: 'connected', webhook_timestamp: undefined }, 'no webhook_timestamp'));
    expect(none.occurredAt).toEqual(new Date(iat() * 1000));
  });

  it('fetches the JWKS once with X-Client-Id, then serves from cache until the TTL', async () => {
    const raw = mkBody({ webhook_event: 'link.state_changed', state: 'connected' });
    await deliver(raw);
    await deliver(raw);
    // The key server answers 401 without the X-Client-Id, so acceptance proves it was sent.
    expect(server.jwksFetches).toBe(1);
    nowMs += 24 * 60 * 60 * 1000 + 1;
    await deliver(raw, live, { iat: iat() });
    expect(server.jwksFetches).toBe(2);
  });

  it('accepts a token without iss (optional in MoneyKit example); refuses a foreign iss', async () => {
    const raw = mkBody({ webhook_event: 'link.state_changed', state: 'connected' });
    await expect(deliver(raw, live, { claims: {} })).resolves.toBeDefined();
    expect(await reason(deliver(raw, live, { claims: { iss: 'https://evil.example' } }))).toBe('bad_signature');
  });

  it('works end to end over HTTP: 200 for a genuine delivery, 401 for a forgery', async () => {
    const rx = await startReceiver(verifier);
    try {
      const raw = mkBody({ webhook_event: 'link.state_changed', state: 'error', error: 'auth_expired' });
      const jwt = await sign(raw, live, { iat: iat(), claims: { iss: ISS } });
      const ok = await post(rx.url, raw, { 'MoneyKit-Signature': jwt, 'MoneyKit-Delivery-Attempt': '1' });
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ eventType: 'link.state_changed', effect: { kind: 'state', status: 'LOGIN_REQUIRED' } });
      const forged = await post(rx.url, raw.replace('auth_expired', 'auth_expirex'), { 'MoneyKit-Signature': jwt });
      expect(forged.status).toBe(401);
    } finally {
      await rx.close();
    }
  });
});

describe('MoneyKit webhook verifier: forgeries', () => {
  const raw = mkBody({ webhook_event: 'link.state_changed', state: 'connected' });
  const h = (token: string) => ({ 'moneykit-signature': token });

  it('no header: missing_signature; Plaid header is not accepted in its place', async () => {
    expect(await reason(verifier.verify(Buffer.from(raw), {}))).toBe('missing_signature');
    const jwt = await sign(raw, live, { iat: iat() });
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': jwt }))).toBe('missing_signature');
  });

  it('signed with another key under the real kid: bad_signature', async () => {
    expect(await reason(deliver(raw, await makeKey(live.kid)))).toBe('bad_signature');
  });

  it('alg none, HS256 with the public key, RS256: bad_algorithm without a key fetch', async () => {
    expect(await reason(verifier.verify(Buffer.from(raw), h(unsignedToken(raw, live.kid, iat()))))).toBe('bad_algorithm');
    for (const secret of [live.publicPem, JSON.stringify(live.publicJwk)]) {
      expect(await reason(verifier.verify(Buffer.from(raw), h(hmacWithPublicKey(raw, live.kid, iat(), secret))))).toBe('bad_algorithm');
    }
    expect(await reason(verifier.verify(Buffer.from(raw), h(await rs256Token(raw, live.kid, iat()))))).toBe('bad_algorithm');
    expect(server.jwksFetches).toBe(0);
  });

  it('one byte changed and whitespace-reformatted body: body_hash_mismatch', async () => {
    const pretty = JSON.stringify(JSON.parse(raw), null, 2);
    const jwt = await sign(pretty, live, { iat: iat() });
    const tampered = Buffer.from(pretty);
    tampered[pretty.indexOf('connected')] = 'C'.charCodeAt(0);
    expect(await reason(verifier.verify(tampered, h(jwt)))).toBe('body_hash_mismatch');
    expect(await reason(verifier.verify(Buffer.from(raw), h(jwt)))).toBe('body_hash_mismatch');
    await expect(verifier.verify(Buffer.from(pretty), h(jwt))).resolves.toBeDefined();
  });

  it('stale and future iat: stale', async () => {
    expect(await reason(deliver(raw, live, { iat: iat() - 301 }))).toBe('stale');
    expect(await reason(deliver(raw, live, { iat: iat() + 600 }))).toBe('stale');
  });

  it('malformed body after a valid signature: malformed_body', async () => {
    expect(await reason(deliver('{"link_id": "x"'))).toBe('malformed_body');
    expect(await reason(deliver(JSON.stringify({ link_id: 'x', state: 'connected' })))).toBe('malformed_body');
  });

  it('50 forged unknown kids at once: unknown_key with a single JWKS fetch; a known-missing kid is not refetched', async () => {
    const attacker = await makeKey('x');
    // Signed first, then delivered in one synchronous burst: every delivery joins the one fetch.
    // (Signing each on the way let the later ones arrive after it, where the sender's spent budget
    // rightly answers key_fetch_throttled: a flake under load.)
    const jwts = await Promise.all(Array.from({ length: 50 }, (_, i) => sign(raw, attacker, { iat: iat(), claims: { iss: ISS }, kid: `forged-${i}` })));
    const results = await Promise.all(jwts.map((jwt) => reason(verifier.verify(Buffer.from(raw), { 'moneykit-signature': jwt }, '203.0.113.66'))));
    expect(new Set(results)).toEqual(new Set(['unknown_key']));
    expect(server.jwksFetches).toBe(1);
    nowMs += 60_000;
    expect(await reason(deliverFrom('203.0.113.66', raw, attacker, { kid: 'forged-1' }))).toBe('unknown_key');
    expect(server.jwksFetches).toBe(1);
  });

  it("a sender past its budget is told to retry later (key_fetch_throttled), never unknown_key; other senders' fetches go on", async () => {
    const attacker = await makeKey('x');
    expect(await reason(deliverFrom('203.0.113.66', raw, attacker, { kid: 'forged-a' }))).toBe('unknown_key');
    expect(await reason(deliverFrom('203.0.113.66', raw, attacker, { kid: 'forged-b' }))).toBe('key_fetch_throttled');
    expect(server.jwksFetches).toBe(1);
    // Same instant: MoneyKit rotates and delivers with the new key from its own address.
    const next = await makeKey('mk-live-rotated');
    server.moneyKitKeys.push(next);
    await expect(deliverFrom('34.120.1.1', raw, next)).resolves.toMatchObject({ eventType: 'link.state_changed' });
    expect(server.jwksFetches).toBe(2);
  });

  it('a rotated-in key is picked up by the unknown-kid refetch once the interval allows', async () => {
    await deliver(raw); // fills the cache
    const next = await makeKey('mk-live-2');
    server.moneyKitKeys.push(next);
    nowMs += 5 * 60_000;
    await expect(deliver(raw, next)).resolves.toMatchObject({ eventType: 'link.state_changed' });
    expect(server.jwksFetches).toBe(2);
  });

  it('JWKS endpoint failing: key_fetch_failed; wrong client id too', async () => {
    server.failing = true;
    expect(await reason(deliver(raw))).toBe('key_fetch_failed');
    server.failing = false;
    await verifier.close();
    verifier = newVerifier({ clientId: 'someone-else' });
    expect(await reason(deliver(raw))).toBe('key_fetch_failed');
  });
});
