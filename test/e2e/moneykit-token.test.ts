import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { linkConnection } from '../webhooks/helpers.js';
import { LIST, REFRESH } from './operations.js';

// MoneyKit's bearer token: cached across calls, renewed once when MoneyKit says it expired.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

it('renews an expired MoneyKit token once and retries, through the gateway and the emulator', async () => {
  const token = await h.token('carol-mk');
  const c = await linkConnection(h, token, 'MONEYKIT');
  const issued = h.moneykit.tokenRequests;
  // Many calls, one cached token.
  for (let i = 0; i < 3; i++) expect((await h.gql(token, REFRESH, { input: { connectionId: c.id } })).body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
  expect(h.moneykit.tokenRequests).toBe(issued);

  h.moneykit.expireAccessTokens();
  const results = await Promise.all(Array.from({ length: 5 }, () => h.gql(token, REFRESH, { input: { connectionId: c.id } })));
  for (const r of results) expect(r.body.data.refreshConnection.connection.status).toBe('CONNECTED');
  // Five concurrent calls saw the expiry; they shared one renewal.
  expect(h.moneykit.tokenRequests).toBe(issued + 1);
  expect((await h.gql(token, LIST, {})).body.data.connections.totalCount).toBe(1);
});
