import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPlaidWebhookVerifier } from '../../../src/providers/plaid/webhook.js';
import type { ClosableWebhookVerifier } from '../../../src/providers/signed-delivery.js';
import { PLAID_ITEM_WEBHOOK_EFFECT } from '../../../src/providers/plaid/status.js';
import type { WebhookEffect } from '../../../src/domain/webhook.js';
import { WebhookVerificationError } from '../../../src/providers/webhook.js';
import {
  hmacWithPublicKey,
  KeyServer,
  makeKey,
  PLAID_CLIENT_ID,
  PLAID_SECRET,
  post,
  reason,
  signParts,
  headerPart,
  claimsPart,
  rs256Token,
  sign,
  startReceiver,
  unsignedToken,
  type SigningKey,
} from './fixtures.js';
import { PLAID_WEBHOOK_SCHEMAS, loadPlaidSpec } from '../plaid/openapi.js';
import { offSpecViolation } from '../../helpers/specs.js';

const DAY = 24 * 60 * 60 * 1000;
const server = new KeyServer();
let live: SigningKey;
let nowMs: number;
let verifier: ClosableWebhookVerifier;

const iat = () => Math.floor(nowMs / 1000);
/**
 * A webhook body as Plaid sends it (indented with 2 spaces; the hash is over exactly these bytes),
 * checked against its *Webhook schema in the spec: a body that breaks the spec on purpose says why
 * (`offSpec`), and must then really break it.
 */
function plaidBody(o: Record<string, unknown>, offSpec?: string): string {
  const body: Record<string, unknown> = { environment: 'sandbox', ...o };
  const schema = PLAID_WEBHOOK_SCHEMAS[`${String(body['webhook_type'])}/${String(body['webhook_code'])}`];
  const problems = schema ? loadPlaidSpec().validateSchema(schema, JSON.parse(JSON.stringify(body))) : ['no webhook schema in the spec'];
  const wrong = offSpecViolation('the webhook body', problems, offSpec);
  if (wrong) throw new Error(wrong);
  return JSON.stringify(body, null, 2);
}

async function deliver(body: string, key = live, extra: Parameters<typeof sign>[2] extends infer O ? Partial<O> : never = {}) {
  const jwt = await sign(body, key, { iat: iat(), ...extra });
  return verifier.verify(Buffer.from(body), { 'plaid-verification': jwt });
}

async function deliverFrom(sender: string, body: string, key = live, extra: Parameters<typeof sign>[2] extends infer O ? Partial<O> : never = {}) {
  const jwt = await sign(body, key, { iat: iat(), ...extra });
  return verifier.verify(Buffer.from(body), { 'plaid-verification': jwt }, sender);
}

function newVerifier(o: Partial<Parameters<typeof createPlaidWebhookVerifier>[0]> = {}) {
  return createPlaidWebhookVerifier({
    baseUrl: server.url,
    clientId: PLAID_CLIENT_ID,
    secret: PLAID_SECRET,
    now: () => nowMs,
    ...o,
  });
}

beforeAll(async () => {
  await server.start();
  live = await makeKey('plaid-live-1');
  server.plaidKeys.set(live.kid, { key: live, expiredAt: null });
});
afterAll(() => server.stop());
beforeEach(() => {
  nowMs = Date.now();
  server.plaidFetches.length = 0;
  server.failing = false;
  verifier = newVerifier();
});
afterEach(() => verifier.close());

const ITEM = 'item-abc';
const loginRequired = {
  error_type: 'ITEM_ERROR',
  error_code: 'ITEM_LOGIN_REQUIRED',
  error_code_reason: 'OAUTH_INVALID_TOKEN',
  error_message: 'the login details of this item have changed',
  display_message: "The user's OAuth connection to this institution has been invalidated.",
  status: 400,
};
const revoked = {
  error_type: 'ITEM_ERROR',
  error_code: 'USER_PERMISSION_REVOKED',
  error_message: 'the holder of this account has revoked their permission for your application to access it',
  display_message: null,
  status: 400,
};

/** Every ITEM webhook code (spec examples), with the effect the contract gives it. */
const itemCases: {
  name: string;
  code: keyof typeof PLAID_ITEM_WEBHOOK_EFFECT;
  body: Record<string, unknown>;
  effect: (occurredAt: Date) => WebhookEffect;
  /** Why the body breaks the spec on purpose. */
  offSpec?: string;
}[] = [
  {
    name: 'ERROR ITEM_LOGIN_REQUIRED',
    code: 'ERROR',
    body: { error: loginRequired, user_id: 'usr_1' },
    effect: () => ({
      kind: 'state',
      status: 'LOGIN_REQUIRED',
      error: {
        providerCode: 'ITEM_LOGIN_REQUIRED',
        providerType: 'ITEM_ERROR',
        message: loginRequired.error_message,
        displayMessage: loginRequired.display_message,
      },
    }),
  },
  {
    name: 'ERROR with an unlisted INSTITUTION_ERROR code falls back to the type row',
    code: 'ERROR',
    body: { error: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_BRAND_NEW', error_message: 'x', display_message: null } },
    effect: () => ({
      kind: 'state',
      status: 'INSTITUTION_ERROR',
      error: { providerCode: 'INSTITUTION_BRAND_NEW', providerType: 'INSTITUTION_ERROR', message: 'x', displayMessage: null },
    }),
  },
  {
    name: 'ERROR with an unknown code and type is UNKNOWN, raw code kept',
    code: 'ERROR',
    body: { error: { error_type: 'NEW_TYPE', error_code: 'NEW_CODE', error_message: 'y', display_message: null } },
    offSpec: 'an error type the spec does not list yet',
    effect: () => ({
      kind: 'state',
      status: 'UNKNOWN',
      error: { providerCode: 'NEW_CODE', providerType: 'NEW_TYPE', message: 'y', displayMessage: null },
    }),
  },
  {
    name: 'ERROR INSTITUTION_NO_LONGER_SUPPORTED is DISCONNECTED (code row beats type row)',
    code: 'ERROR',
    body: { error: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_NO_LONGER_SUPPORTED', error_message: 'z', display_message: null } },
    effect: () => ({
      kind: 'state',
      status: 'DISCONNECTED',
      error: { providerCode: 'INSTITUTION_NO_LONGER_SUPPORTED', providerType: 'INSTITUTION_ERROR', message: 'z', displayMessage: null },
    }),
  },
  {
    name: 'PENDING_EXPIRATION until consent_expiration_time',
    code: 'PENDING_EXPIRATION',
    body: { consent_expiration_time: '2030-01-15T13:25:17.766Z' },
    effect: () => ({ kind: 'expiring', until: new Date('2030-01-15T13:25:17.766Z') }),
  },
  {
    name: 'PENDING_DISCONNECT until disconnect_time',
    code: 'PENDING_DISCONNECT',
    body: { reason: 'INSTITUTION_MIGRATION', disconnect_time: '2030-02-01T00:00:00Z' },
    effect: () => ({ kind: 'expiring', until: new Date('2030-02-01T00:00:00Z') }),
  },
  {
    name: 'PENDING_DISCONNECT without disconnect_time: 7 days after the event',
    code: 'PENDING_DISCONNECT',
    body: { reason: 'INSTITUTION_TOKEN_EXPIRATION' },
    offSpec: 'disconnect_time missing: the fallback for a sloppy body',
    effect: (at) => ({ kind: 'expiring', until: new Date(at.getTime() + 7 * DAY) }),
  },
  {
    name: 'USER_PERMISSION_REVOKED with its error',
    code: 'USER_PERMISSION_REVOKED',
    body: { error: revoked },
    effect: () => ({
      kind: 'state',
      status: 'DISCONNECTED',
      error: { providerCode: 'USER_PERMISSION_REVOKED', providerType: 'ITEM_ERROR', message: revoked.error_message, displayMessage: null },
    }),
  },
  {
    name: 'USER_PERMISSION_REVOKED without error (optional in the spec) is still DISCONNECTED',
    code: 'USER_PERMISSION_REVOKED',
    body: {},
    effect: () => ({
      kind: 'state',
      status: 'DISCONNECTED',
      error: { providerCode: 'USER_PERMISSION_REVOKED', providerType: 'ITEM_ERROR', message: expect.any(String) as unknown as string, displayMessage: null },
    }),
  },
  { name: 'USER_ACCOUNT_REVOKED is recorded only', code: 'USER_ACCOUNT_REVOKED', body: { account_id: 'acc_1' }, effect: () => ({ kind: 'none' }) },
  { name: 'LOGIN_REPAIRED', code: 'LOGIN_REPAIRED', body: {}, effect: () => ({ kind: 'repaired' }) },
  { name: 'NEW_ACCOUNTS_AVAILABLE is recorded only', code: 'NEW_ACCOUNTS_AVAILABLE', body: { error: null }, effect: () => ({ kind: 'none' }) },
  {
    name: 'WEBHOOK_UPDATE_ACKNOWLEDGED without error',
    code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
    body: { error: null, new_webhook_url: 'https://example.com/hook' },
    effect: () => ({ kind: 'none' }),
  },
  {
    name: 'WEBHOOK_UPDATE_ACKNOWLEDGED carrying the item error',
    code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
    body: { error: loginRequired, new_webhook_url: 'https://example.com/hook' },
    effect: () => ({
      kind: 'state',
      status: 'LOGIN_REQUIRED',
      error: { providerCode: 'ITEM_LOGIN_REQUIRED', providerType: 'ITEM_ERROR', message: loginRequired.error_message, displayMessage: loginRequired.display_message },
    }),
  },
];

describe('Plaid webhook verifier: genuine deliveries', () => {
  it('covers every ITEM code in PLAID_ITEM_WEBHOOK_EFFECT', () => {
    expect(new Set(itemCases.map((c) => c.code))).toEqual(new Set(Object.keys(PLAID_ITEM_WEBHOOK_EFFECT)));
  });

  it.each(itemCases)('$name', async ({ code, body, effect, offSpec }) => {
    const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: code, item_id: ITEM, ...body }, offSpec);
    const v = await deliver(raw);
    const occurredAt = new Date(iat() * 1000);
    expect(v).toEqual({
      provider: 'PLAID',
      eventType: `ITEM.${code}`,
      providerConnectionId: ITEM,
      // Plaid sends no idempotency key: one signed delivery is identified by its signature.
      dedupeKey: expect.stringMatching(/^sig:[0-9a-f]{64}$/),
      occurredAt,
      effect: effect(occurredAt),
      payload: JSON.parse(raw),
    });
  });

  it('the dedupe key names one signed delivery: a replay repeats it, a new signing of the same body does not', async () => {
    const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: ITEM });
    const jwt = await sign(raw, live, { iat: iat() });
    const first = await verifier.verify(Buffer.from(raw), { 'plaid-verification': jwt });
    const replay = await verifier.verify(Buffer.from(raw), { 'plaid-verification': jwt });
    const resent = await deliver(raw);
    expect(replay.dedupeKey).toBe(first.dedupeKey);
    expect(resent.dedupeKey).not.toBe(first.dedupeKey);
  });

  it('TRANSACTIONS announcements mark transactions (DEFAULT_UPDATE also re-reads accounts: Plaid has no balance webhook)', async () => {
    const tx = await deliver(plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: ITEM, initial_update_complete: true, historical_update_complete: false }));
    expect(tx.eventType).toBe('TRANSACTIONS.SYNC_UPDATES_AVAILABLE');
    expect(tx.effect).toEqual({ kind: 'updates', transactions: true, accounts: false });
    const def = await deliver(plaidBody({ webhook_type: 'TRANSACTIONS', webhook_code: 'DEFAULT_UPDATE', item_id: ITEM, new_transactions: 0 }));
    expect(def.effect).toEqual({ kind: 'updates', transactions: true, accounts: true });
  });

  it('other non-ITEM webhooks and unknown ITEM codes are recorded only', async () => {
    const auth = await deliver(plaidBody({ webhook_type: 'AUTH', webhook_code: 'AUTOMATICALLY_VERIFIED', item_id: ITEM, account_id: 'acc_1' }));
    expect(auth.effect).toEqual({ kind: 'none' });
    const other = await deliver(plaidBody({ webhook_type: 'ITEM', webhook_code: 'SOMETHING_NEW', item_id: ITEM, error: loginRequired }, 'a code the spec does not list yet'));
    expect(other.effect).toEqual({ kind: 'none' });
  });

  it('reads the header case-insensitively and from a one-element array', async () => {
    const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: ITEM });
    const jwt = await sign(raw, live, { iat: iat() });
    await expect(verifier.verify(Buffer.from(raw), { 'Plaid-Verification': jwt })).resolves.toMatchObject({ effect: { kind: 'repaired' } });
    await expect(verifier.verify(Buffer.from(raw), { 'PLAID-VERIFICATION': [jwt] })).resolves.toMatchObject({ effect: { kind: 'repaired' } });
  });

  it('fetches a key once with the Plaid credentials and then serves it from cache', async () => {
    const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: ITEM });
    await deliver(raw);
    await deliver(raw);
    await deliver(raw);
    // The key server refuses requests without PLAID-CLIENT-ID/PLAID-SECRET, so acceptance proves they were sent.
    expect(server.plaidFetches).toEqual([live.kid]);
  });

  it('works end to end over HTTP: 200 for a genuine delivery, 401 for a forgery', async () => {
    const rx = await startReceiver(verifier);
    try {
      const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: ITEM, error: loginRequired });
      const jwt = await sign(raw, live, { iat: iat() });
      const ok = await post(rx.url, raw, { 'Plaid-Verification': jwt });
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ eventType: 'ITEM.ERROR', effect: { kind: 'state', status: 'LOGIN_REQUIRED' } });
      const forged = await post(rx.url, raw.replace('ITEM_LOGIN_REQUIRED', 'ITEM_LOGIN_REQUIREX'), { 'Plaid-Verification': jwt });
      expect(forged.status).toBe(401);
    } finally {
      await rx.close();
    }
  });

  it('accepts an iat just inside the 5-minute window', async () => {
    const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: ITEM });
    await expect(deliver(raw, live, { iat: iat() - 299 })).resolves.toBeDefined();
  });
});

describe('Plaid webhook verifier: forgeries', () => {
  const raw = plaidBody({ webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: ITEM, error: loginRequired });

  it('no header: missing_signature', async () => {
    expect(await reason(verifier.verify(Buffer.from(raw), {}))).toBe('missing_signature');
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': '' }))).toBe('missing_signature');
  });

  it('garbage header: malformed_signature', async () => {
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': 'not-a-jwt' }))).toBe('malformed_signature');
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': '!!.??.##' }))).toBe('malformed_signature');
  });

  it('signed with another key under the real kid: bad_signature', async () => {
    const attacker = await makeKey(live.kid);
    expect(await reason(deliver(raw, attacker))).toBe('bad_signature');
  });

  it('a genuine signature in another encoding (DER, padded, cut short, one byte more): bad_signature', async () => {
    const [h, p, sig] = (await sign(raw, live, { iat: iat() })).split('.') as [string, string, string];
    const rs = Buffer.from(sig, 'base64url');
    // DER: SEQUENCE { INTEGER r, INTEGER s }, each with a leading zero so it stays positive.
    const int = (b: Buffer) => Buffer.concat([Buffer.from([0x02, b.length + 1, 0]), b]);
    const der = Buffer.concat([int(rs.subarray(0, 32)), int(rs.subarray(32))]);
    const variants = [
      Buffer.concat([Buffer.from([0x30, der.length]), der]).toString('base64url'),
      `${sig}==`,
      sig.slice(0, -1),
      Buffer.concat([rs, Buffer.from([0])]).toString('base64url'),
    ];
    for (const v of variants) {
      expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': `${h}.${p}.${v}` }))).toBe('bad_signature');
    }
    // The untouched token passes: the variants fail for their encoding alone.
    await expect(verifier.verify(Buffer.from(raw), { 'plaid-verification': `${h}.${p}.${sig}` })).resolves.toBeDefined();
  });

  it('validly signed, but with critical extensions or parts that are not base64url: refused', async () => {
    const header = { alg: 'ES256', kid: live.kid, typ: 'JWT' };
    const ok = signParts(live, headerPart(header), claimsPart(raw, iat()));
    await expect(verifier.verify(Buffer.from(raw), { 'plaid-verification': ok })).resolves.toBeDefined();
    const crit = signParts(live, headerPart({ ...header, crit: ['exp'], exp: 1 }), claimsPart(raw, iat()));
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': crit }))).toBe('bad_algorithm');
    const unencoded = signParts(live, headerPart({ ...header, b64: false }), claimsPart(raw, iat()));
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': unencoded }))).toBe('bad_algorithm');
    // '+' and '=' belong to base64, not base64url: a decoder that skipped them would read other claims.
    const plus = signParts(live, headerPart(header), `${claimsPart(raw, iat())}+`);
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': plus }))).toBe('malformed_signature');
    const padded = signParts(live, `${headerPart(header)}=`, claimsPart(raw, iat()));
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': padded }))).toBe('malformed_signature');
    const arrayHeader = signParts(live, Buffer.from('["ES256"]').toString('base64url'), claimsPart(raw, iat()));
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': arrayHeader }))).toBe('malformed_signature');
  });

  it('a key whose point is not on P-256 does not import: key_fetch_failed', async () => {
    const offCurve = await makeKey(`off-curve-${Date.now()}`);
    const x = Buffer.from(offCurve.publicJwk.x!, 'base64url');
    x[31] = x[31]! ^ 1;
    offCurve.publicJwk = { ...offCurve.publicJwk, x: x.toString('base64url') };
    server.plaidKeys.set(offCurve.kid, { key: offCurve, expiredAt: null });
    expect(await reason(deliver(raw, offCurve))).toBe('key_fetch_failed');
  });

  it('alg none: bad_algorithm, and no key is fetched', async () => {
    const token = unsignedToken(raw, live.kid, iat());
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': token }))).toBe('bad_algorithm');
    expect(server.plaidFetches).toEqual([]);
  });

  it('HS256 keyed with the public key (PEM or JWK text): bad_algorithm', async () => {
    for (const secret of [live.publicPem, JSON.stringify(live.publicJwk)]) {
      const token = hmacWithPublicKey(raw, live.kid, iat(), secret);
      expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': token }))).toBe('bad_algorithm');
    }
  });

  it('RS256: bad_algorithm', async () => {
    const token = await rs256Token(raw, live.kid, iat());
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': token }))).toBe('bad_algorithm');
  });

  it('one byte of the body changed: body_hash_mismatch', async () => {
    const jwt = await sign(raw, live, { iat: iat() });
    const tampered = Buffer.from(raw);
    const at = raw.indexOf('ITEM_LOGIN_REQUIRED');
    tampered[at] = 'J'.charCodeAt(0);
    expect(await reason(verifier.verify(tampered, { 'plaid-verification': jwt }))).toBe('body_hash_mismatch');
  });

  it('the same JSON re-serialised without the indentation: body_hash_mismatch', async () => {
    const jwt = await sign(raw, live, { iat: iat() });
    const compact = Buffer.from(JSON.stringify(JSON.parse(raw)));
    expect(await reason(verifier.verify(compact, { 'plaid-verification': jwt }))).toBe('body_hash_mismatch');
  });

  it('stale iat, future iat, missing iat', async () => {
    expect(await reason(deliver(raw, live, { iat: iat() - 301 }))).toBe('stale');
    expect(await reason(deliver(raw, live, { iat: iat() + 600 }))).toBe('stale');
    expect(await reason(deliver(raw, live, { omitIat: true }))).toBe('malformed_signature');
  });

  it('a replay after 5 minutes is stale', async () => {
    const jwt = await sign(raw, live, { iat: iat() });
    await expect(verifier.verify(Buffer.from(raw), { 'plaid-verification': jwt })).resolves.toBeDefined();
    nowMs += 301_000;
    expect(await reason(verifier.verify(Buffer.from(raw), { 'plaid-verification': jwt }))).toBe('stale');
  });

  it('malformed body after a valid signature: malformed_body', async () => {
    expect(await reason(deliver('not json at all'))).toBe('malformed_body');
    expect(await reason(deliver(plaidBody({ webhook_type: 'ITEM', item_id: ITEM }, 'no webhook_code')))).toBe('malformed_body');
    expect(await reason(deliver('[1,2]'))).toBe('malformed_body');
  });

  it('unknown kid: unknown_key, negatively cached until the interval passes', async () => {
    const stranger = await makeKey('kid-plaid-never-issued');
    expect(await reason(deliver(raw, stranger))).toBe('unknown_key');
    expect(await reason(deliver(raw, stranger))).toBe('unknown_key');
    expect(server.plaidFetches).toEqual([stranger.kid]);
    nowMs += 61_000;
    expect(await reason(deliver(raw, stranger))).toBe('unknown_key');
    expect(server.plaidFetches).toEqual([stranger.kid, stranger.kid]);
  });

  it('50 forged random kids from one sender: two fetches, the rest told to retry later; another sender is not blocked', async () => {
    const attacker = await makeKey('x');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => reason(deliverFrom('203.0.113.66', raw, attacker, { kid: `forged-${i}-${Math.random()}` }))),
    );
    // Per-sender budget (2 a second): the budget's exhaustion is retry-later, never unknown_key.
    expect(results.filter((r) => r === 'unknown_key')).toHaveLength(2);
    expect(results.filter((r) => r === 'key_fetch_throttled')).toHaveLength(48);
    expect(server.plaidFetches).toHaveLength(2);
    // Same instant, another sender: the genuine (never fetched) key is fetched and verifies.
    await expect(deliverFrom('52.21.26.131', raw)).resolves.toMatchObject({ eventType: 'ITEM.ERROR' });
    // The flooding sender's budget refills a second later.
    nowMs += 1_000;
    expect(await reason(deliverFrom('203.0.113.66', raw, attacker, { kid: 'forged-late' }))).toBe('unknown_key');
  });

  it('the total budget bounds fetches across many senders, also answered retry-later', async () => {
    const attacker = await makeKey('x');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => reason(deliverFrom(`198.51.100.${i}`, raw, attacker, { kid: `forged-${i}` }))),
    );
    expect(results.filter((r) => r === 'unknown_key')).toHaveLength(10);
    expect(results.filter((r) => r === 'key_fetch_throttled')).toHaveLength(20);
  });

  it('concurrent deliveries for one new kid share one fetch', async () => {
    await Promise.all(Array.from({ length: 10 }, () => deliver(raw)));
    expect(server.plaidFetches).toEqual([live.kid]);
  });

  it('expired Plaid key: expired_key (and it stays cached)', async () => {
    const old = await makeKey('plaid-expired-1');
    server.plaidKeys.set(old.kid, { key: old, expiredAt: 1_600_000_000 });
    expect(await reason(deliver(raw, old))).toBe('expired_key');
    expect(await reason(deliver(raw, old))).toBe('expired_key');
    expect(server.plaidFetches).toEqual([old.kid]);
  });

  it('a new kid makes cached keys re-checked: a key Plaid expired since is then refused', async () => {
    const k1 = await makeKey('rot-1');
    const k2 = await makeKey('rot-2');
    server.plaidKeys.set(k1.kid, { key: k1, expiredAt: null });
    server.plaidKeys.set(k2.kid, { key: k2, expiredAt: null });
    await deliver(raw, k1);
    server.plaidKeys.set(k1.kid, { key: k1, expiredAt: Math.floor(nowMs / 1000) });
    await deliver(raw, k2); // rotation seen
    nowMs += 1_000; // one sender: two fetches a second
    expect(await reason(deliver(raw, k1))).toBe('expired_key');
    expect(server.plaidFetches).toEqual([k1.kid, k2.kid, k1.kid]);
  });

  it('key server failing: key_fetch_failed, with no secret in the message; a cached key keeps working', async () => {
    server.failing = true;
    let err: unknown;
    try {
      await deliver(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WebhookVerificationError);
    expect((err as WebhookVerificationError).reason).toBe('key_fetch_failed');
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.toContain(PLAID_SECRET);

    server.failing = false;
    nowMs += 6_000; // past the short retry delay after a failure
    await deliver(raw);
    // Past the key TTL with Plaid down: the known key still verifies.
    server.failing = true;
    nowMs += DAY + 1;
    await expect(deliver(raw)).resolves.toBeDefined();
  });

  it('wrong Plaid credentials surface as key_fetch_failed, not as an unknown key', async () => {
    await verifier.close();
    verifier = newVerifier({ secret: 'wrong-secret' });
    expect(await reason(deliver(raw))).toBe('key_fetch_failed');
  });
});
