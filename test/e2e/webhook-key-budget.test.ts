import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { makeKey, sign, type SigningKey } from '../providers/webhooks/fixtures.js';
import { linkConnection, postWebhook, type Linked } from '../webhooks/helpers.js';

/**
 * Key-fetch budgets over the real webhook routes. Behind our own proxy (TRUST_PROXY=true) the
 * sender is the X-Forwarded-For address; the emulators' genuine deliveries come straight from
 * loopback, so they are a different sender than the flooding one.
 */
let h: Harness;
let attacker: SigningKey;
const conns: Record<'PLAID' | 'MONEYKIT', Linked> = {} as never;

beforeAll(async () => {
  h = await startHarness({ env: { TRUST_PROXY: 'true' } });
  attacker = await makeKey('attacker');
  const alice = await h.token('alice');
  conns.PLAID = await linkConnection(h, alice, 'PLAID');
  conns.MONEYKIT = await linkConnection(h, alice, 'MONEYKIT');
});
afterAll(async () => {
  await h?.close();
});

const PROVIDERS = {
  PLAID: {
    path: '/webhooks/plaid',
    header: 'Plaid-Verification',
    rotate: () => h.plaid.rotateSigningKey(),
    body: (id: string) => JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: id, error: null, environment: 'sandbox' }, null, 2),
    genuine: async (id: string) => (await h.plaid.sendWebhook(id, { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: id, error: null, environment: 'sandbox' })).status,
  },
  MONEYKIT: {
    path: '/webhooks/moneykit',
    header: 'MoneyKit-Signature',
    rotate: () => h.moneykit.rotateSigningKey({ keepPrevious: false }),
    body: (id: string) => JSON.stringify({ webhook_event: 'transactions.updates_available', link_id: id, webhook_idempotency_key: randomUUID() }),
    genuine: async (id: string) => (await h.moneykit.sendWebhook(id, { webhook_event: 'transactions.updates_available' }))!.status,
  },
} as const;

describe.each(['PLAID', 'MONEYKIT'] as const)('%s verification-key fetch budget', (p) => {
  it('a flood of random kids from one sender gets 503 once its budget is spent, and a delivery signed with a newly rotated key from another sender still verifies', async () => {
    const P = PROVIDERS[p];
    const id = conns[p].providerConnectionId;
    // The provider rotates: its next genuine delivery needs a key the gateway has never fetched.
    P.rotate();
    const forge = async () => {
      const body = P.body(id);
      const jws = await sign(body, attacker, { iat: Math.floor(Date.now() / 1000), kid: `kid-${randomUUID()}` });
      return (await postWebhook(h.url, P.path, body, { [P.header]: jws, 'x-forwarded-for': '198.51.100.1, 203.0.113.66' })).status;
    };
    // Waves: concurrent misses of one wave may share one fetch (MoneyKit's one JWKS document).
    const flood: number[] = [];
    for (let wave = 0; wave < 3; wave++) flood.push(...(await Promise.all(Array.from({ length: 10 }, forge))));
    // Unknown kids the provider was asked about are refused (401); past the sender's budget the
    // answer is retry-later (503), never a verdict about a key nobody looked up.
    expect(new Set(flood.filter((s) => s !== 401 && s !== 503))).toEqual(new Set());
    expect(flood.filter((s) => s === 503).length).toBeGreaterThan(0);
    // Right away, the genuine delivery (another sender) gets its new key fetched and is accepted.
    expect(await P.genuine(id)).toBe(200);
  });
});
