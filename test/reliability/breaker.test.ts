import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';
import { clearFaults, connect, DRIVERS, REFRESH } from './drivers.js';

/** The value of one series in the exposition, or NaN. */
const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(series + ' '))?.slice(series.length + 1));
const metricsText = async (h: Harness) => await (await fetch(`${h.url}/metrics`)).text();

describe('the operation deadline (PROVIDER_DEADLINE_MS)', () => {
  const DEADLINE_MS = 600;
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    // Default per-phase timeouts (10 s) and retries (2): only the deadline can end a hang early.
    h = await startHarness({ env: { PROVIDER_DEADLINE_MS: String(DEADLINE_MS), STATUS_MAX_AGE_SECONDS: '0' } });
    token = await h.token('deadline');
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(DRIVERS)('$provider: a hanging provider answers PROVIDER_UNAVAILABLE within the deadline, retries included', async (d) => {
    const c = await connect(h, d, token);
    d.inject(h, 'read', 'hang');
    const t0 = Date.now();
    const res = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
    const elapsed = Date.now() - t0;
    clearFaults(h);
    expect(res.body.data.refreshConnection.code).toBe('PROVIDER_UNAVAILABLE');
    expect(res.body.data.refreshConnection.provider).toBe(d.provider);
    // Generous margin for a loaded machine; without the deadline this takes 10 s or more.
    expect(elapsed).toBeLessThan(DEADLINE_MS + 2_000);
    const ok = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
    expect(ok.body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
  });
});

describe('the circuit breaker per provider judges operations (default settings)', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '0' } });
    token = await h.token('breaker');
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(DRIVERS)('$provider: a handful of failed requests at low traffic (retries included) do not open it', async (d) => {
    const c = await connect(h, d, token);
    d.inject(h, 'read', 'http500');
    const before = d.count(h, 'read');
    // Five failed operations of fifteen failed attempts, more than half of the operations in the
    // window, yet fewer than CIRCUIT_MIN_OPERATIONS (10) ran.
    for (let i = 0; i < 5; i++) {
      const r = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      expect(r.body.data.refreshConnection.code).toBe('PROVIDER_UNAVAILABLE');
    }
    // Each failed operation made three attempts (PROVIDER_RETRIES=2).
    expect(d.count(h, 'read') - before).toBe(15);
    clearFaults(h);
    const ok = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
    expect(ok.body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');
    expect(d.count(h, 'read') - before).toBe(16);
    expect(await metricsText(h)).toContain(`gateway_provider_circuit_state{provider="${d.provider}",state="closed"} 1`);
  });

  it.each(DRIVERS)('$provider: 429s answer RATE_LIMITED with retryAfterSeconds and never open it', async (d) => {
    const c = await connect(h, d, token);
    d.inject(h, 'read', 'http429', { retryAfterSeconds: 60 });
    const before = d.count(h, 'read');
    // More than CIRCUIT_MIN_OPERATIONS (10), all refused by the provider.
    for (let i = 0; i < 12; i++) {
      const r = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      expect(r.body.data.refreshConnection.code).toBe('RATE_LIMITED');
      expect(r.body.data.refreshConnection.retryAfterSeconds).toBe(60);
    }
    // Every one reached the provider: nothing was refused by an open circuit.
    expect(d.count(h, 'read') - before).toBe(12);
    clearFaults(h);
    expect(await metricsText(h)).toContain(`gateway_provider_circuit_state{provider="${d.provider}",state="closed"} 1`);
  });

  it.each(DRIVERS)('$provider: opens during an outage, other provider unaffected, serves again within seconds of recovery', async (d) => {
    const other = DRIVERS.find((x) => x !== d)!;
    const c = await connect(h, d, token);
    const o = await connect(h, other, token);
    d.inject(h, 'read', 'http500');
    // Enough failed operations in the window (CIRCUIT_MIN_OPERATIONS=10) to open it.
    await eventually(async () => {
      const before = d.count(h, 'read');
      const r = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      expect(r.body.data.refreshConnection.code).toBe('PROVIDER_UNAVAILABLE');
      return d.count(h, 'read') === before;
    }, 30_000);
    expect(await metricsText(h)).toContain(`gateway_provider_circuit_state{provider="${d.provider}",state="open"} 1`);

    // Open: refused at once, nothing reaches the provider, the client is told when to come back.
    const sent = d.count(h, 'read');
    const fast = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
    expect(fast.body.data.refreshConnection.code).toBe('PROVIDER_UNAVAILABLE');
    expect(fast.body.data.refreshConnection.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(d.count(h, 'read')).toBe(sent);
    expect(sample(await metricsText(h), `gateway_provider_http_requests_total{outcome="circuit_open",provider="${d.provider}",status="none"}`)).toBeGreaterThanOrEqual(1);

    // The other provider's circuit is its own.
    const ok = await h.gql(token, REFRESH, { input: { connectionId: o.id } });
    expect(ok.body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');

    // Provider back: a probe goes through after CIRCUIT_HALF_OPEN_MS (1 s) and closes the circuit.
    clearFaults(h);
    await eventually(async () => {
      const r = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      return r.body.data.refreshConnection.__typename === 'RefreshConnectionPayload';
    }, 3_000);
    expect(await metricsText(h)).toContain(`gateway_provider_circuit_state{provider="${d.provider}",state="closed"} 1`);
  });
});
