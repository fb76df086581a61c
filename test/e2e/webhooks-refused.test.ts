import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { eventsFor, linkConnection } from '../webhooks/helpers.js';

// Genuine deliveries the gateway refuses: while the provider's key endpoint fails (503: not a
// forgery, redeliver later) and when the signature is older than five minutes (401). Neither
// records nor changes anything.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '3600' } });
});
afterAll(async () => {
  await h?.close();
});

it('a key fetch failure answers 503 and changes nothing, also while the failed key is briefly not refetched', async () => {
  const alice = await h.token('alice-keys');
  const c = await linkConnection(h, alice, 'PLAID');
  h.plaid.rotateSigningKey({ expirePrevious: false });
  h.plaid.injectFault({ path: '/webhook_verification_key/get', kind: 'http500', times: -1 });
  h.plaid.setItemError(c.providerConnectionId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, { webhook: true });
  const d = await h.plaid.waitForWebhook((x) => x.itemId === c.providerConnectionId && x.webhookCode === 'ERROR');
  expect(d.status).toBe(503);
  expect(await eventsFor(h, 'PLAID', c.providerConnectionId)).toHaveLength(0);
  expect((await h.store.getConnections([c.internalId]))[0]!.status).toBe('CONNECTED');
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  expect(metrics).not.toMatch(/gateway_webhook_verification_failures_total\{provider="PLAID"\} [1-9]/);

  h.plaid.clearFaults();
  // Right after a failed fetch the kid is not fetched again for a few seconds (a flood of forged
  // kids must not become a flood of fetches); the provider's redelivery comes later (Plaid: 30 s).
  const again = await h.plaid.sendWebhook(c.providerConnectionId, {
    webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: c.providerConnectionId, environment: 'sandbox',
    error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed', display_message: null, status: 400 },
  });
  expect(again.status).toBe(503);
  expect((await h.store.getConnections([c.internalId]))[0]!.status).toBe('CONNECTED');
});

it('a genuinely signed Plaid delivery older than 5 minutes is refused (401) and changes nothing', async () => {
  let skewMs = 0;
  const old = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '3600' }, plaidNow: () => Date.now() - skewMs });
  try {
    const bob = await old.token('bob-stale');
    const c = await linkConnection(old, bob, 'PLAID');
    skewMs = 6 * 60_000; // the emulator now signs with an iat six minutes in the past
    old.plaid.setItemError(c.providerConnectionId, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, { webhook: true });
    const d = await old.plaid.waitForWebhook((x) => x.itemId === c.providerConnectionId && x.webhookCode === 'ERROR');
    expect(d.status).toBe(401);
    expect(await eventsFor(old, 'PLAID', c.providerConnectionId)).toHaveLength(0);
    expect((await old.store.getConnections([c.internalId]))[0]!.status).toBe('CONNECTED');
  } finally {
    await old.close();
  }
});
