import { fromProviderFailure, ProviderError } from './connections/errors.js';
import type { ProviderName } from './domain/connection.js';
import type { CircuitState, ProviderAttempt, ProviderHttpObserver } from './providers/http.js';

/**
 * Prometheus text exposition (format 0.0.4) written by hand: counters, gauges and histograms
 * with labels, kept in memory per app. Label values come from small fixed sets (routes, providers,
 * codes), never from user input, so cardinality stays bounded.
 */

type Labels = Record<string, string>;

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function fmt(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return Number.isNaN(n) ? 'NaN' : String(n);
}

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${fmt(v)}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  set(labels: Labels, v: number): void {
    this.values.set(labelKey(labels), v);
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(labelKey(labels));
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${fmt(v)}`);
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, private readonly buckets = DEFAULT_BUCKETS) {}
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s!.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${k}${sep}le="${fmt(b)}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${fmt(s.sum)}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

const CIRCUIT_STATES: CircuitState[] = ['closed', 'half_open', 'open'];

export function createMetrics() {
  const httpRequests = new Counter('gateway_http_requests_total', 'HTTP requests served, by route, method and status.');
  const httpDuration = new Histogram('gateway_http_request_duration_seconds', 'HTTP request latency, by route and method.');
  const providerAttempts = new Counter('gateway_provider_http_requests_total', 'HTTP attempts sent to providers, by provider and outcome (ok, http_error, network_error, circuit_open).');
  const providerAttemptDuration = new Histogram('gateway_provider_http_request_duration_seconds', 'Latency of single HTTP attempts to providers.');
  const providerCalls = new Counter('gateway_provider_calls_total', 'Provider operations (retries included), by provider, operation and result.');
  const providerCallDuration = new Histogram('gateway_provider_call_duration_seconds', 'Provider operation latency (retries included), by provider and operation.');
  const providerErrors = new Counter('gateway_provider_errors_total', 'Failed provider operations, by provider and normalized error code.');
  const webhookFailures = new Counter('gateway_webhook_verification_failures_total', 'Webhook deliveries refused because verification failed, by provider.');
  const circuit = new Gauge('gateway_provider_circuit_state', 'Circuit breaker state per provider: 1 for the current state, 0 for the others.');
  const all: Metric[] = [httpRequests, httpDuration, providerAttempts, providerAttemptDuration, providerCalls, providerCallDuration, providerErrors, webhookFailures, circuit];

  const providerObserver: ProviderHttpObserver = {
    onAttempt(a: ProviderAttempt) {
      providerAttempts.inc({ provider: a.provider, outcome: a.outcome, status: a.status === null ? 'none' : String(a.status) });
      if (a.outcome !== 'circuit_open') providerAttemptDuration.observe({ provider: a.provider }, a.durationMs / 1000);
    },
    onCircuitState(provider: ProviderName, state: CircuitState) {
      for (const s of CIRCUIT_STATES) circuit.set({ provider, state: s }, s === state ? 1 : 0);
    },
  };

  return {
    httpRequests,
    httpDuration,
    providerAttempts,
    providerCalls,
    providerCallDuration,
    providerErrors,
    webhookFailures,
    circuit,
    providerObserver,

    recordHttp(route: string, method: string, status: number, seconds: number): void {
      httpRequests.inc({ route, method, status: String(status) });
      httpDuration.observe({ route, method }, seconds);
    },

    /** The exposition body for GET /metrics. */
    render(): string {
      const lines: string[] = [];
      for (const m of all) {
        lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
      }
      return lines.join('\n') + '\n';
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Adapter fields that are data, not provider operations. */
const NOT_OPERATIONS = new Set(['close', 'constructor']);

/**
 * Wraps an adapter so every provider operation is timed and counted, failures by the contract's
 * normalized code (the same code GraphQL answers). Behaviour is otherwise unchanged.
 */
export function instrumentAdapter<A extends object>(adapter: A, provider: ProviderName, metrics: Metrics): A {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || NOT_OPERATIONS.has(prop)) return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          metrics.providerCalls.inc({ provider, operation: prop, result: 'ok' });
          return out;
        } catch (e) {
          const mapped = fromProviderFailure(e);
          const code = mapped instanceof ProviderError ? mapped.code : 'INTERNAL';
          metrics.providerCalls.inc({ provider, operation: prop, result: 'error' });
          metrics.providerErrors.inc({ provider, code });
          throw e;
        } finally {
          metrics.providerCallDuration.observe({ provider, operation: prop }, (performance.now() - started) / 1000);
        }
      };
    },
  });
}
