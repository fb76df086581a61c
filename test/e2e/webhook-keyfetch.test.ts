import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { eventsFor, linkConnection } from '../webhooks/helpers.js';

// When the provider's key endpoint fails, a genuine delivery is not a forgery: 503 (redeliver),
// nothing recorded, nothing counted as a verification failure; the redelivery then succeeds.
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
