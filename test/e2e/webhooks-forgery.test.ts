import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { hmacWithPublicKey, makeKey, sign, unsignedToken, type SigningKey } from '../providers/webhooks/fixtures.js';
import { eventsFor, linkConnection, postWebhook, type Linked } from '../webhooks/helpers.js';

/**
 * Forged deliveries against the gateway's real webhook routes: every one is refused with 401 and
 * leaves no trace in the store (no event recorded, connection untouched). Each forged body asks for
 * a change (the connection to break), so a forgery that got through would show.
 */
let h: Harness;
/** How far behind the MoneyKit emulator's clock runs (stale-signature test). */
let mkSkewMs = 0;
let attacker: SigningKey;
const conns: Record<'PLAID' | 'MONEYKIT', Linked> = {} as never;
const genuine: Record<'PLAID' | 'MONEYKIT', { body: string; headers: Record<string, string> }> = {} as never;

beforeAll(async () => {
  h = await startHarness({ moneykitNow: () => Date.now() - mkSkewMs });
  attacker = await makeKey('attacker');
  const alice = await h.token('alice');
  conns.PLAID = await linkConnection(h, alice, 'PLAID');
  conns.MONEYKIT = await linkConnection(h, alice, 'MONEYKIT');
  // Harmless genuine deliveries (recorded only) whose signatures the tampering case reuses.
  const p = await h.plaid.sendWebhook(conns.PLAID.providerConnectionId, {
    webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: conns.PLAID.providerConnectionId, error: null, environment: 'sandbox',
  });
  const m = await h.moneykit.sendWebhook(conns.MONEYKIT.providerConnectionId, { webhook_event: 'transactions.updates_available' });
  expect(p.status).toBe(200);
  expect(m?.status).toBe(200);
  genuine.PLAID = { body: p.body, headers: p.headers };
  genuine.MONEYKIT = { body: m!.body, headers: m!.headers };
});
afterAll(async () => {
  await h?.close();
});

const nowS = () => Math.floor(Date.now() / 1000);

const PROVIDERS = {
  PLAID: {
    path: '/webhooks/plaid',
    header: 'Plaid-Verification',
    kid: () => h.plaid.currentSigningKeyId,
    // Plaid's key endpoint is open to any Plaid client: an attacker can know the public key.
    publicKey: () => JSON.stringify((h.plaid as unknown as { signer: { publicKey(k: string): unknown } }).signer.publicKey(h.plaid.currentSigningKeyId)),
    body: (c: Linked) =>
      JSON.stringify(
        { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: c.providerConnectionId, error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'x' }, environment: 'sandbox' },
        null,
        2,
      ),
  },
  MONEYKIT: {
    path: '/webhooks/moneykit',
    header: 'MoneyKit-Signature',
    kid: () => h.moneykit.currentKid,
    publicKey: () => JSON.stringify(h.moneykit.jwks.keys[0]),
    body: (c: Linked) =>
      JSON.stringify({
        webhook_event: 'link.state_changed',
        webhook_idempotency_key: randomUUID(),
        webhook_timestamp: new Date().toISOString(),
        link_id: c.providerConnectionId,
        state: 'error',
        error: 'auth_expired',
      }),
  },
} as const;

type P = keyof typeof PROVIDERS;
type Forgery = { name: string; reason: string; make: (p: P, c: Linked) => Promise<{ body: string; headers: Record<string, string> }> };

const forgeries: Forgery[] = [
  { name: 'no signature header', reason: 'missing_signature', make: async (p, c) => ({ body: PROVIDERS[p].body(c), headers: {} }) },
  {
    name: "signed with another key under the provider's kid",
    reason: 'bad_signature',
    make: async (p, c) => {
      const body = PROVIDERS[p].body(c);
      return { body, headers: { [PROVIDERS[p].header]: await sign(body, attacker, { iat: nowS(), kid: PROVIDERS[p].kid() }) } };
    },
  },
  {
    name: 'alg none',
    reason: 'bad_algorithm',
    make: async (p, c) => {
      const body = PROVIDERS[p].body(c);
      return { body, headers: { [PROVIDERS[p].header]: unsignedToken(body, PROVIDERS[p].kid(), nowS()) } };
    },
  },
  {
    name: 'HS256 keyed with the public key',
    reason: 'bad_algorithm',
    make: async (p, c) => {
      const body = PROVIDERS[p].body(c);
      return { body, headers: { [PROVIDERS[p].header]: hmacWithPublicKey(body, PROVIDERS[p].kid(), nowS(), PROVIDERS[p].publicKey()) } };
    },
  },
  {
    name: 'genuine signature, tampered body',
    reason: 'body_hash_mismatch',
    make: async (p, c) => ({ body: PROVIDERS[p].body(c), headers: genuine[p].headers }),
  },
  {
    name: 'unknown kid',
    reason: 'unknown_key',
    make: async (p, c) => {
      // An unknown kid costs a key fetch, budgeted per sender per second (MoneyKit: 1/s); a spent
      // budget answers 503 by design (webhook-key-budget.test.ts). Let this second's budget refill.
      await new Promise((r) => setTimeout(r, 1_100));
      const body = PROVIDERS[p].body(c);
      return { body, headers: { [PROVIDERS[p].header]: await sign(body, attacker, { iat: nowS(), kid: `kid-${randomUUID()}` }) } };
    },
  },
];

describe.each(['PLAID', 'MONEYKIT'] as const)('forged deliveries to %s', (p) => {
  // Each case forges against a connection of its own and reads only the log lines it caused, so a
  // forgery that got through fails its own case and no other.
  it.each(forgeries)('$name -> 401, nothing recorded or applied', async (f) => {
    const c = await linkConnection(h, await h.token(`victim-${randomUUID()}`), p);
    const before = (await h.store.getConnections([c.internalId]))[0]!;
    const eventsBefore = (await eventsFor(h, p, c.providerConnectionId)).length;
    const { body, headers } = await f.make(p, c);
    const logsBefore = h.logs.length;
    const res = await postWebhook(h.url, PROVIDERS[p].path, body, headers);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(f.reason); // the reason is logged, never told to the sender
    const after = (await h.store.getConnections([c.internalId]))[0]!;
    expect(after).toEqual(before);
    expect(after.status).toBe('CONNECTED');
    expect(await eventsFor(h, p, c.providerConnectionId)).toHaveLength(eventsBefore);
    const rejected = h.logs.slice(logsBefore).filter((l) => l.includes('"webhook rejected"'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toContain(`"reason":"${f.reason}"`);
    expect(rejected[0]).toContain(`"provider":"${p}"`);
  });
});

describe('a genuinely signed delivery with a stale iat', () => {
  it('MoneyKit signed it 10 minutes ago: 401, not recorded, not applied', async () => {
    const c = await linkConnection(h, await h.token(`victim-${randomUUID()}`), 'MONEYKIT');
    const logsBefore = h.logs.length;
    const eventsBefore = (await eventsFor(h, 'MONEYKIT', c.providerConnectionId)).length;
    // The emulator's clock runs ten minutes behind while it signs this one delivery.
    mkSkewMs = 10 * 60_000;
    let d;
    try {
      d = await h.moneykit.sendWebhook(c.providerConnectionId, { webhook_event: 'link.state_changed', state: 'error', error: 'auth_expired' });
    } finally {
      mkSkewMs = 0;
    }
    expect(d?.status).toBe(401);
    expect(JSON.parse(Buffer.from(d!.headers['moneykit-signature']!.split('.')[1]!, 'base64url').toString()).iat).toBeLessThan(nowS() - 500);
    expect((await h.store.getConnections([c.internalId]))[0]!.status).toBe('CONNECTED');
    expect(await eventsFor(h, 'MONEYKIT', c.providerConnectionId)).toHaveLength(eventsBefore);
    expect(h.logs.slice(logsBefore).filter((l) => l.includes('"webhook rejected"') && l.includes('"reason":"stale"'))).toHaveLength(1);
  });
});

it('the genuine deliveries used above were accepted and recorded (the forgeries are the only difference)', async () => {
  expect((await eventsFor(h, 'PLAID', conns.PLAID.providerConnectionId)).map((e) => e.eventType)).toEqual(['ITEM.NEW_ACCOUNTS_AVAILABLE']);
  expect((await eventsFor(h, 'MONEYKIT', conns.MONEYKIT.providerConnectionId)).map((e) => e.eventType)).toEqual(['transactions.updates_available']);
});
