import { errorCodeOf } from './connections/errors.js';
import type { ProviderName } from './domain/connection.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CircuitState, ProviderAttempt, ProviderHttpObserver } from './providers/http.js';

/**
 * Prometheus metrics through prom-client. Each app has its own registry (two gateways in one
 * process, as in tests, count separately). Label values come from small fixed sets (routes,
 * providers, codes), never from user input, so cardinality stays bounded; label names are listed
 * alphabetically and passed in that order, so series read the same in every exposition.
 */

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const CIRCUIT_STATES: CircuitState[] = ['closed', 'half_open', 'open'];

/**
 * Process and runtime metrics (CPU, memory, event-loop lag, GC, handles) describe the process,
 * not an app: one registry per process, created on first use. Collecting them once per app would
 * add an event-loop monitor and a GC observer per app that nothing can remove.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const httpRequests = new Counter({ name: 'gateway_http_requests_total', help: 'HTTP requests served, by route, method and status.', labelNames: ['method', 'route', 'status'], registers });
  const httpDuration = new Histogram({ name: 'gateway_http_request_duration_seconds', help: 'HTTP request latency, by route and method.', labelNames: ['method', 'route'], buckets: DEFAULT_BUCKETS, registers });
  const providerAttempts = new Counter({ name: 'gateway_provider_http_requests_total', help: 'HTTP attempts sent to providers, by provider and outcome (ok, http_error, network_error, circuit_open).', labelNames: ['outcome', 'provider', 'status'], registers });
  const providerAttemptDuration = new Histogram({ name: 'gateway_provider_http_request_duration_seconds', help: 'Latency of single HTTP attempts to providers.', labelNames: ['provider'], buckets: DEFAULT_BUCKETS, registers });
  const providerCalls = new Counter({ name: 'gateway_provider_calls_total', help: 'Provider operations (retries included), by provider, operation and result.', labelNames: ['operation', 'provider', 'result'], registers });
  const providerCallDuration = new Histogram({ name: 'gateway_provider_call_duration_seconds', help: 'Provider operation latency (retries included), by provider and operation.', labelNames: ['operation', 'provider'], buckets: DEFAULT_BUCKETS, registers });
  const providerErrors = new Counter({ name: 'gateway_provider_errors_total', help: 'Failed provider operations, by provider and normalized error code.', labelNames: ['code', 'provider'], registers });
  const webhookFailures = new Counter({ name: 'gateway_webhook_verification_failures_total', help: 'Webhook deliveries refused because verification failed, by provider.', labelNames: ['provider'], registers });
  const circuit = new Gauge({ name: 'gateway_provider_circuit_state', help: 'Circuit breaker state per provider: 1 for the current state, 0 for the others.', labelNames: ['provider', 'state'], registers });
  const proc = processMetrics();

  const providerObserver: ProviderHttpObserver = {
    onAttempt(a: ProviderAttempt) {
      providerAttempts.inc({ outcome: a.outcome, provider: a.provider, status: a.status === null ? 'none' : String(a.status) });
      if (a.outcome !== 'circuit_open') providerAttemptDuration.observe({ provider: a.provider }, a.durationMs / 1000);
    },
    onCircuitState(provider: ProviderName, state: CircuitState) {
      for (const s of CIRCUIT_STATES) circuit.set({ provider, state: s }, s === state ? 1 : 0);
    },
  };

  return {
    registry,
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
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },

    /** The exposition body for GET /metrics: this app's metrics, then the process's. */
    async render(): Promise<string> {
      const [app, runtime] = await Promise.all([registry.metrics(), proc.metrics()]);
      return `${app}\n${runtime}`;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * Times and counts one provider operation, failures by the contract's normalized code (the code
 * GraphQL answers). Used as (part of) the wrapper of every adapter operation (wrapOperations).
 */
export async function observeOperation<T>(metrics: Metrics, provider: ProviderName, operation: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const out = await call();
    metrics.providerCalls.inc({ operation, provider, result: 'ok' });
    return out;
  } catch (e) {
    metrics.providerCalls.inc({ operation, provider, result: 'error' });
    metrics.providerErrors.inc({ code: errorCodeOf(e), provider });
    throw e;
  } finally {
    metrics.providerCallDuration.observe({ operation, provider }, (performance.now() - started) / 1000);
  }
}
