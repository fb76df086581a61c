import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { clearFaults, connect, CREATE_LINK_TOKEN, DRIVERS, EXCHANGE, REFRESH, type FaultKind } from './drivers.js';

/**
 * Faults injected per provider endpoint on the real emulators: each operation answers the
 * contract's typed error within a bounded time, the process stays up, the next request succeeds,
 * nothing is stored half-way, and only what may be repeated is retried.
 */
const HEADERS_TIMEOUT_MS = 300;
let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness({
    env: {
      PROVIDER_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      PROVIDER_BODY_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      PROVIDER_RETRIES: '1',
      PROVIDER_RETRY_BASE_MS: '10',
      // The breaker has its own test; here every fault must reach the provider.
      CIRCUIT_MIN_OPERATIONS: '1000000',
      // Reads always go to the provider in this file.
      STATUS_MAX_AGE_SECONDS: '0',
    },
  });
  token = await h.token('faulty');
});
afterEach(() => clearFaults(h));
afterAll(async () => {
  await h?.close();
});

const EXPECTED: Record<FaultKind, string> = {
  http500: 'PROVIDER_UNAVAILABLE',
  http429: 'RATE_LIMITED',
  garbage: 'PROVIDER_UNAVAILABLE',
  hang: 'PROVIDER_UNAVAILABLE',
  reset: 'PROVIDER_UNAVAILABLE',
};
const KINDS = Object.keys(EXPECTED) as FaultKind[];
/**
 * Idempotent reads are retried once (PROVIDER_RETRIES=1); a hang costs one headers timeout per
 * attempt, and undici checks its timeouts with a coarse (about 1 s) timer.
 */
const BOUND_MS = 2 * (HEADERS_TIMEOUT_MS + 1000) + 1000;

async function storedRows(userId: string) {
  return (await h.store.listConnections({ userId }, { first: 100, after: null })).items;
}

async function processStaysUp() {
  const res = await fetch(`${h.url}/health`);
  expect(res.status).toBe(200);
}

describe.each(DRIVERS)('$provider under injected faults', (d) => {
  describe.each(KINDS)('%s', (kind) => {
    it('on the status read (refreshConnection): typed error in bounded time, retried once, stored state kept', async () => {
      const c = await connect(h, d, token);
      const [before] = await h.store.getConnections([(await storedRows('faulty')).find((r) => r.providerConnectionId === c.providerConnectionId)!.id]);
      const reads = d.count(h, 'read');
      d.inject(h, 'read', kind, kind === 'http429' ? { retryAfterSeconds: 60 } : {});

      const t0 = Date.now();
      const res = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      const elapsed = Date.now() - t0;
      const r = res.body.data.refreshConnection;
      expect(r.__typename).toBe('ProviderError');
      expect(r.code).toBe(EXPECTED[kind]);
      expect(r.provider).toBe(d.provider);
      expect(elapsed).toBeLessThan(BOUND_MS);
      // Retry-After beyond the wait budget is not waited for: surfaced, one attempt only. A 200
      // with a garbage body is judged by the adapter, after the transport: not retried either.
      expect(d.count(h, 'read') - reads).toBe(kind === 'http429' || kind === 'garbage' ? 1 : 2);
      if (kind === 'http429') expect(r.retryAfterSeconds).toBe(60);
      // No secret in the message the client sees.
      for (const s of h.secrets) expect(JSON.stringify(res.body)).not.toContain(s);

      const [after] = await h.store.getConnections([before!.id]);
      expect(after!.version).toBe(before!.version);
      expect(after!.status).toBe(before!.status);

      await processStaysUp();
      clearFaults(h);
      const ok = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      expect(ok.body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    });

    it('on the token exchange: typed error, never retried once sent, nothing stored', async () => {
      const lt = await h.gql(token, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } });
      const publicToken = d.finishLink(h, lt.body.data.createLinkToken.linkToken.token);
      const rowsBefore = (await storedRows('faulty')).length;
      const sent = d.count(h, 'exchange');
      d.inject(h, 'exchange', kind);

      const t0 = Date.now();
      const res = await h.gql(token, EXCHANGE, { input: { provider: d.provider, publicToken } });
      expect(Date.now() - t0).toBeLessThan(BOUND_MS);
      expect(res.body.data.exchangePublicToken.code).toBe(EXPECTED[kind]);
      // The exchange may have taken effect at the provider: exactly one attempt.
      expect(d.count(h, 'exchange') - sent).toBe(1);
      expect((await storedRows('faulty')).length).toBe(rowsBefore);

      await processStaysUp();
      clearFaults(h);
      const ok = await h.gql(token, EXCHANGE, { input: { provider: d.provider, publicToken } });
      expect(ok.body.data.exchangePublicToken.__typename).toBe('ExchangePublicTokenPayload');
      expect((await storedRows('faulty')).length).toBe(rowsBefore + 1);
    });
  });

  it('link token creation is not retried blindly after a 500 and answers PROVIDER_UNAVAILABLE', async () => {
    const sent = d.count(h, 'linkToken');
    d.inject(h, 'linkToken', 'http500');
    const res = await h.gql(token, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } });
    expect(res.body.data.createLinkToken.code).toBe('PROVIDER_UNAVAILABLE');
    const attempts = d.count(h, 'linkToken') - sent;
    // Creating a link token / session may have taken effect: exactly one attempt once sent.
    expect(attempts).toBe(1);
    clearFaults(h);
    const ok = await h.gql(token, CREATE_LINK_TOKEN, { input: { provider: d.provider, products: d.products } });
    expect(ok.body.data.createLinkToken.__typename).toBe('CreateLinkTokenPayload');
  });

  it('a 429 with a short Retry-After is waited for and the read then succeeds', async () => {
    const c = await connect(h, d, token);
    const reads = d.count(h, 'read');
    d.inject(h, 'read', 'http429', { times: 1, retryAfterSeconds: 1 });
    const t0 = Date.now();
    const res = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
    const elapsed = Date.now() - t0;
    expect(res.body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    expect(d.count(h, 'read') - reads).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3000);
  });
});
