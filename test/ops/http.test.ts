import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import { startHarness, type Harness } from '../helpers/harness.js';

/** Issue 11 item 14: the gateway's own /health and /ready, prom-client metrics, route labels. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const metricsText = async () => (await fetch(`${h.url}/metrics`)).text();
/** The value of one exact series line, or null when absent. */
const sample = (text: string, series: string): number | null => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
};

describe('health and readiness', () => {
  it("/health is the gateway's own JSON answer, not Yoga's built-in check", async () => {
    const res = await fetch(`${h.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-yoga-id')).toBeNull();
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('other paths ending in /health are not health checks', async () => {
    for (const path of ['/graphql/health', '/anything/health', '/graphql?x=/health']) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.headers.get('x-yoga-id'), path).toBeNull();
      const text = await res.text();
      expect(res.status === 200 && text === '', path).toBe(false);
    }
  });

  it('/ready reports the migrated store and the configured providers', async () => {
    const res = await fetch(`${h.url}/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('ready');
    expect(body.checks).toMatchObject({ database: 'ok', migrations: 'v4', providers: 'PLAID,MONEYKIT' });
  });
});

describe('metrics (prom-client)', () => {
  it('labels known routes by path and everything else as other', async () => {
    await fetch(`${h.url}/health`);
    await fetch(`${h.url}/no/such/path-${Date.now()}`);
    await fetch(`${h.url}/webhooks/unknown-provider`, { method: 'POST', body: '{}' });
    const text = await metricsText();
    expect(sample(text, 'gateway_http_requests_total{method="GET",route="/health",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_http_requests_total{method="GET",route="other",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/gateway_http_requests_total\{method="POST",route="other",status="\d+"\} [1-9]/);
    // No series is labelled with a raw unknown path.
    expect(text).not.toContain('no/such/path');
    expect(text).not.toContain('unknown-provider');
  });

  it('includes process and runtime metrics', async () => {
    const text = await metricsText();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('keeps one registry per app: two apps in one process count separately', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.recordHttp('/graphql', 'POST', 200, 0.01);
    a.recordHttp('/graphql', 'POST', 200, 0.02);
    b.recordHttp('/graphql', 'POST', 200, 0.01);
    expect(sample(await a.render(), 'gateway_http_requests_total{method="POST",route="/graphql",status="200"}')).toBe(2);
    expect(sample(await b.render(), 'gateway_http_requests_total{method="POST",route="/graphql",status="200"}')).toBe(1);
    // Both expose the process metrics too.
    expect(await b.render()).toContain('# TYPE process_cpu_user_seconds_total counter');
  });
});
