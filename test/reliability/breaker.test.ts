import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../src/providers/http.js';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';
import { clearFaults, connect, DRIVERS, REFRESH } from './drivers.js';

describe('CircuitBreaker (clocked by hand)', () => {
  it('opens after the threshold, refuses while open, lets exactly one probe through, closes on its success', () => {
    let t = 0;
    const seen: CircuitState[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, now: () => t, onStateChange: (s) => seen.push(s) });
    for (let i = 0; i < 2; i++) {
      expect(b.admit()).toBe(true);
      b.failure();
    }
    expect(b.state).toBe('closed');
    b.success(); // a success resets the count of consecutive failures
    for (let i = 0; i < 3; i++) {
      expect(b.admit()).toBe(true);
      b.failure();
    }
    expect(b.state).toBe('open');
    expect(b.admit()).toBe(false);
    t = 999;
    expect(b.admit()).toBe(false);
    t = 1000;
    expect(b.admit()).toBe(true); // the probe
    expect(b.state).toBe('half_open');
    expect(b.admit()).toBe(false); // only one probe at a time
    b.failure();
    expect(b.state).toBe('open'); // failed probe: open again for a full period
    t = 1999;
    expect(b.admit()).toBe(false);
    t = 2000;
    expect(b.admit()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.admit()).toBe(true);
    expect(seen).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
  });
});

describe('the circuit breaker per provider, end to end', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { PROVIDER_RETRIES: '0', CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_OPEN_MS: '300', STATUS_MAX_AGE_SECONDS: '0' },
    });
    token = await h.token('breaker');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The value of one series in the exposition, or NaN. */
  const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(series + ' '))?.slice(series.length + 1));
  const metricsText = async () => (await (await fetch(`${h.url}/metrics`)).text());

  it.each(DRIVERS)('$provider: answers PROVIDER_UNAVAILABLE at once while failing, other provider unaffected, probes back', async (d) => {
    const other = DRIVERS.find((x) => x !== d)!;
    const c = await connect(h, d, token);
    const o = await connect(h, other, token);
    d.inject(h, 'read', 'http500');
    const before = d.count(h, 'read');
    for (let i = 0; i < 3; i++) {
      const r = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      expect(r.body.data.refreshConnection.code).toBe('PROVIDER_UNAVAILABLE');
    }
    expect(d.count(h, 'read') - before).toBe(3);
    expect(await metricsText()).toContain(`gateway_provider_circuit_state{provider="${d.provider}",state="open"} 1`);

    // Open: refused without a request reaching the provider.
    const t0 = Date.now();
    const fast = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
    expect(fast.body.data.refreshConnection.code).toBe('PROVIDER_UNAVAILABLE');
    expect(fast.body.data.refreshConnection.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Refused at once rather than after a provider timeout (seconds); the request count proves no call.
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(d.count(h, 'read') - before).toBe(3);
    expect(sample(await metricsText(), `gateway_provider_http_requests_total{outcome="circuit_open",provider="${d.provider}",status="none"}`)).toBeGreaterThanOrEqual(1);

    // The other provider's circuit is its own.
    const ok = await h.gql(token, REFRESH, { input: { connectionId: o.id } });
    expect(ok.body.data.refreshConnection.__typename).toBe('RefreshConnectionPayload');

    // Provider back: after the open period one probe goes through and closes the circuit.
    clearFaults(h);
    await eventually(async () => {
      const r = await h.gql(token, REFRESH, { input: { connectionId: c.id } });
      return r.body.data.refreshConnection.__typename === 'RefreshConnectionPayload';
    }, 3000);
    expect(await metricsText()).toContain(`gateway_provider_circuit_state{provider="${d.provider}",state="closed"} 1`);
    expect(sample(await metricsText(), `gateway_provider_errors_total{code="PROVIDER_UNAVAILABLE",provider="${d.provider}"}`)).toBeGreaterThanOrEqual(4);
  });
});
