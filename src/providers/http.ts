import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, circuitBreaker, CircuitState as CockatielState, handleWhen, SamplingBreaker, TaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { ProviderName } from '../domain/connection.js';
import { ProviderCallError } from './errors.js';

/**
 * The one HTTP client every adapter uses: keep-alive pool per provider host (which also bounds
 * concurrency), timeouts per phase, one deadline per provider operation (retries included),
 * bounded retries of retryable failures with jittered backoff honouring Retry-After inside that
 * deadline, a breaker judging operations, and network failures shaped as ProviderCallError.
 * Retries stay hand-written (not cockatiel's retry): they depend on idempotency, on whether the
 * request was sent, and on the answer's Retry-After.
 */

export interface HttpTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error surfaces with retryAfterSeconds. */
  maxRetryAfterMs: number;
}

export interface ProviderHttpClientOptions {
  provider: ProviderName;
  /** Metrics hook: one call per attempt (default: the transport's). */
  observer?: ProviderHttpObserver;
  baseUrl: string;
  /** Injectable for tests (undici MockAgent). Ignored when `transport` is given. */
  dispatcher?: Dispatcher;
  /** The provider's shared transport (pool, deadline, breaker, metrics hooks): the gateway passes it explicitly. */
  transport?: ProviderTransport;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryPolicy>;
  /** Concurrent connections per provider host; further requests queue. */
  maxConcurrency?: number;
  /** Budget of a `send` outside a transport's operation (default DEFAULT_DEADLINE_MS). */
  deadlineMs?: number;
  /** Largest response body read; larger answers count as garbage. */
  maxResponseBytes?: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to repeat: retried on retryable failures. Non-idempotent calls are retried only when never sent. */
  idempotent: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface ProviderHttpClient {
  readonly provider: ProviderName;
  readonly baseUrl: string;
  send(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** What one attempt did, for metrics. `status` is null when no response came. */
export interface ProviderAttempt {
  provider: ProviderName;
  method: string;
  path: string;
  status: number | null;
  outcome: 'ok' | 'http_error' | 'network_error' | 'circuit_open';
  durationMs: number;
}

export interface ProviderHttpObserver {
  onAttempt?(a: ProviderAttempt): void;
  onCircuitState?(provider: ProviderName, state: CircuitState): void;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * The breaker judges provider *operations* (an adapter call, retries included), never single
 * attempts: it opens when more than `failureRatio` of the operations in the last `windowMs`
 * failed, and only once at least `minOperations` ran in that window (a few failures at low
 * traffic never lock a provider out). After `halfOpenMs` one probe goes through; its success
 * closes the circuit, so a recovered provider serves again within about that long.
 */
export interface CircuitOptions {
  failureRatio: number;
  windowMs: number;
  minOperations: number;
  halfOpenMs: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = { failureRatio: 0.5, windowMs: 30_000, minOperations: 10, halfOpenMs: 1_000 };
/** The most one provider operation may take, retries included (contract §9). */
export const DEFAULT_DEADLINE_MS = 10_000;

const STATE_NAMES: Record<CockatielState, CircuitState> = {
  [CockatielState.Closed]: 'closed',
  [CockatielState.Open]: 'open',
  [CockatielState.HalfOpen]: 'half_open',
  [CockatielState.Isolated]: 'open',
};

/** The operation in progress: its attempts share one deadline and are aborted when it ends. */
interface OperationScope {
  signal: AbortSignal;
  deadlineAt: number;
}
const operationScope = new AsyncLocalStorage<OperationScope>();

/** Runs `fn` as one provider operation bounded by `deadlineMs`; nested calls join the running one. */
function createDeadline(provider: ProviderName, deadlineMs: number) {
  // The operation's signal is its own, aborted when the deadline passes or the operation fails
  // (attempts still running stop), never when it succeeds: nothing is in flight then, and abort()
  // builds a DOMException with its stack (about 2 % of a provider-bound mutation's CPU, profiled;
  // cockatiel aborts on every return unless told not to).
  const policy = timeout(deadlineMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (operationScope.getStore()) return fn();
    const ended = new AbortController();
    try {
      return await policy.execute((_ctx, timedOut) => {
        timedOut.addEventListener('abort', () => ended.abort(), { once: true });
        return operationScope.run({ signal: ended.signal, deadlineAt: Date.now() + deadlineMs }, fn);
      });
    } catch (e) {
      ended.abort();
      if (!(e instanceof TaskCancelledError)) throw e;
      throw new ProviderCallError({
        provider,
        kind: 'UNAVAILABLE',
        message: `${provider}: no answer within the ${deadlineMs} ms deadline`,
        retryable: true,
        cause: e,
      });
    }
  };
}

/** An operation failure that says the provider is unwell; 429 and refusals of our input are not. */
function countsAsProviderFailure(e: unknown): boolean {
  return e instanceof ProviderCallError && e.kind === 'UNAVAILABLE';
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 3_000, headersMs: 10_000, bodyMs: 10_000 };
export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 5_000 };

const RETRYABLE_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Retry-After in seconds (delta or HTTP date), or null. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function headerValue(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Errors undici raises before the request could have reached the provider. */
function wasNotSent(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return (
    err instanceof undiciErrors.ConnectTimeoutError ||
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

function describeNetworkError(err: unknown): string {
  if (err instanceof undiciErrors.HeadersTimeoutError) return 'timed out waiting for response headers';
  if (err instanceof undiciErrors.BodyTimeoutError) return 'timed out reading the response body';
  if (err instanceof undiciErrors.ConnectTimeoutError) return 'timed out connecting';
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) return 'response body too large';
  const code = (err as { code?: string } | null)?.code;
  return code ? `network error (${code})` : 'network error';
}

export interface ProviderTransportOptions {
  provider: ProviderName;
  timeouts?: Partial<HttpTimeouts>;
  maxConcurrency?: number;
  maxResponseBytes?: number;
  circuit?: Partial<CircuitOptions>;
  deadlineMs?: number;
  observer?: ProviderHttpObserver;
}

export interface ProviderTransport {
  readonly provider: ProviderName;
  readonly dispatcher: Dispatcher;
  /** Metrics hook for every attempt sent through this transport. */
  readonly observer?: ProviderHttpObserver;
  /** One provider operation: bounded by the deadline, judged and possibly refused by the breaker. */
  run<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One provider's shared transport: the connection pool (bounding concurrency), its timeouts, the
 * operation deadline, its circuit breaker (cockatiel) and metrics hooks. Pass `dispatcher` to
 * the provider's adapters and run each adapter operation through `run` (app.ts, wrapOperations).
 */
export function createProviderTransport(opts: ProviderTransportOptions): ProviderTransport {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const c = { ...DEFAULT_CIRCUIT, ...opts.circuit };
  const agent = new Agent({
    connections: opts.maxConcurrency ?? 32,
    keepAliveTimeout: 30_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    maxResponseSize: opts.maxResponseBytes ?? 5 * 1024 * 1024,
  });
  const breaker = circuitBreaker(handleWhen(countsAsProviderFailure), {
    halfOpenAfter: c.halfOpenMs,
    breaker: new SamplingBreaker({ threshold: c.failureRatio, duration: c.windowMs, minimumRps: (c.minOperations * 1000) / c.windowMs }),
  });
  breaker.onStateChange((s) => opts.observer?.onCircuitState?.(opts.provider, STATE_NAMES[s]));
  opts.observer?.onCircuitState?.(opts.provider, 'closed');
  const withinDeadline = createDeadline(opts.provider, opts.deadlineMs ?? DEFAULT_DEADLINE_MS);

  async function run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (operationScope.getStore()) return fn();
    try {
      return await breaker.execute(() => withinDeadline(fn));
    } catch (e) {
      if (!(e instanceof BrokenCircuitError)) throw e;
      opts.observer?.onAttempt?.({ provider: opts.provider, method: 'OPERATION', path: operation, status: null, outcome: 'circuit_open', durationMs: 0 });
      // Fail fast while the provider is down: nothing was sent, so the caller may try again soon.
      throw new ProviderCallError({
        provider: opts.provider,
        kind: 'UNAVAILABLE',
        message: `${opts.provider} ${operation}: circuit open (provider failing)`,
        retryable: true,
        notSent: true,
        retryAfterSeconds: Math.max(1, Math.ceil(c.halfOpenMs / 1000)),
        cause: e,
      });
    }
  }

  return { provider: opts.provider, dispatcher: agent, ...(opts.observer ? { observer: opts.observer } : {}), run, close: () => agent.close() };
}

/** What an adapter's settings may say about its HTTP client; the gateway passes only `transport`. */
export type ProviderHttpSettings = Pick<ProviderHttpClientOptions, 'dispatcher' | 'transport' | 'timeouts' | 'retry' | 'maxConcurrency'>;

/** The HTTP fields an adapter's settings carry, without the unset ones (exact optional types). */
export function httpSettings(s: ProviderHttpSettings): ProviderHttpSettings {
  return {
    ...(s.dispatcher ? { dispatcher: s.dispatcher } : {}),
    ...(s.transport ? { transport: s.transport } : {}),
    ...(s.timeouts ? { timeouts: s.timeouts } : {}),
    ...(s.retry ? { retry: s.retry } : {}),
    ...(s.maxConcurrency !== undefined ? { maxConcurrency: s.maxConcurrency } : {}),
  };
}

export function createProviderHttpClient(opts: ProviderHttpClientOptions): ProviderHttpClient {
  const transport = opts.transport;
  const observer = opts.observer ?? transport?.observer;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const retry = { ...DEFAULT_RETRY, ...opts.retry };
  const maxResponseBytes = opts.maxResponseBytes ?? 5 * 1024 * 1024;
  const ownDispatcher = transport || opts.dispatcher
    ? null
    : new Agent({
        connections: opts.maxConcurrency ?? 32,
        keepAliveTimeout: 30_000,
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        maxResponseSize: maxResponseBytes,
      });
  const dispatcher: Dispatcher = transport?.dispatcher ?? opts.dispatcher ?? (ownDispatcher as Agent);
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  // A send outside any operation is an operation of its own.
  const standalone = transport
    ? <T>(fn: () => Promise<T>) => transport.run('request', fn)
    : createDeadline(opts.provider, opts.deadlineMs ?? DEFAULT_DEADLINE_MS);

  const observe = (req: HttpRequest, started: number, status: number | null, outcome: ProviderAttempt['outcome']) =>
    observer?.onAttempt?.({ provider: opts.provider, method: req.method, path: req.path, status, outcome, durationMs: performance.now() - started });

  async function once(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const started = performance.now();
    try {
      const res = await request(baseUrl + req.path, {
        method: req.method,
        headers: req.headers ?? {},
        body: req.body ?? null,
        dispatcher,
        signal,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
      const text = await res.body.text();
      observe(req, started, res.statusCode, res.statusCode >= 400 ? 'http_error' : 'ok');
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      observe(req, started, null, 'network_error');
      throw new ProviderCallError({
        provider: opts.provider,
        kind: 'UNAVAILABLE',
        message: `${opts.provider} ${req.method} ${req.path}: ${describeNetworkError(err)}`,
        retryable: true,
        notSent: wasNotSent(err),
        cause: err,
      });
    }
  }

  async function send(req: HttpRequest): Promise<HttpResponse> {
    const scope = operationScope.getStore();
    if (!scope) return standalone(() => send(req));
    for (let attempt = 0; ; attempt++) {
      let delayMs: number;
      try {
        const res = await once(req, scope.signal);
        if (!isRetryableStatus(res.status) || !req.idempotent || attempt >= retry.retries) return res;
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        if (retryAfter !== null && retryAfter * 1000 > retry.maxRetryAfterMs) return res;
        delayMs = retryAfter !== null ? retryAfter * 1000 : backoff(attempt);
        // Retries only inside the operation's budget: otherwise this answer is the result.
        if (Date.now() + delayMs >= scope.deadlineAt) return res;
      } catch (err) {
        const e = err as ProviderCallError;
        // A call that may have taken effect is never repeated blindly.
        if (!(req.idempotent || e.notSent) || attempt >= retry.retries || scope.signal.aborted) throw err;
        delayMs = backoff(attempt);
        if (Date.now() + delayMs >= scope.deadlineAt) throw err;
      }
      await sleep(delayMs, undefined, { signal: scope.signal });
    }
  }

  function backoff(attempt: number): number {
    // Full jitter: spreads retries of many callers apart.
    const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
    return Math.round(Math.random() * cap);
  }

  return {
    provider: opts.provider,
    baseUrl,
    send,
    async close() {
      if (ownDispatcher) await ownDispatcher.close();
    },
  };
}

export { headerValue };
