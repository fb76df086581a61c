import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { ProviderName } from '../domain/connection.js';
import { ProviderCallError } from './errors.js';

/**
 * The one HTTP client every adapter uses: keep-alive pool per provider host (which also bounds
 * concurrency), timeouts per phase, bounded retries of retryable failures with jittered backoff
 * honouring Retry-After, and network failures shaped as ProviderCallError.
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
  /** Shared per provider: every client of one provider fails fast together. */
  breaker?: CircuitBreaker;
  /** Metrics hook: one call per attempt. */
  observer?: ProviderHttpObserver;
  baseUrl: string;
  /** Injectable for tests (undici MockAgent) or shared pools. */
  dispatcher?: Dispatcher;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryPolicy>;
  /** Concurrent connections per provider host; further requests queue. */
  maxConcurrency?: number;
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

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses before one probe goes through. */
  openMs: number;
  now?: () => number;
  onStateChange?: (state: CircuitState) => void;
}

export const DEFAULT_CIRCUIT: Omit<CircuitBreakerOptions, 'now' | 'onStateChange'> = { failureThreshold: 5, openMs: 10_000 };

/**
 * Per-provider circuit breaker. Closed: everything passes; `failureThreshold` consecutive
 * failures open it. Open: calls are refused at once until `openMs` passed, then exactly one
 * probe is let through (half-open); its success closes the circuit, its failure re-opens it.
 */
export class CircuitBreaker {
  private _state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): CircuitState {
    return this._state;
  }

  /** May a request go out now? A true answer in half-open state is the probe. */
  admit(): boolean {
    if (this._state === 'closed') return true;
    if (this._state === 'open') {
      if (this.now() - this.openedAt < this.opts.openMs) return false;
      this.set('half_open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until an open circuit lets a probe through. */
  retryInMs(): number {
    return this._state === 'open' ? Math.max(0, this.opts.openMs - (this.now() - this.openedAt)) : 0;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this._state !== 'closed') this.set('closed');
  }

  failure(): void {
    this.probing = false;
    this.failures++;
    if (this._state === 'half_open' || (this._state === 'closed' && this.failures >= this.opts.failureThreshold)) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private set(state: CircuitState): void {
    this._state = state;
    this.opts.onStateChange?.(state);
  }
}

/** A failure that says the provider itself is unwell (not a refusal of our input). */
function countsAsProviderFailure(status: number): boolean {
  return status >= 500;
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

/** Marks the refusal of an open circuit (never retried inside one send). */
const CIRCUIT_OPEN = Symbol('circuit open');

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ProviderTransportOptions {
  provider: ProviderName;
  timeouts?: Partial<HttpTimeouts>;
  maxConcurrency?: number;
  maxResponseBytes?: number;
  circuit?: Partial<Omit<CircuitBreakerOptions, 'onStateChange'>>;
  observer?: ProviderHttpObserver;
}

export interface ProviderTransport {
  readonly dispatcher: Dispatcher;
  readonly breaker: CircuitBreaker;
  close(): Promise<void>;
}

/** Hooks travelling with a dispatcher, so adapters that only forward `dispatcher` get them too. */
const transportHooks = new WeakMap<Dispatcher, { breaker: CircuitBreaker; observer?: ProviderHttpObserver }>();

/**
 * One provider's shared transport: the connection pool (bounding concurrency), its timeouts,
 * its circuit breaker and metrics hooks. Pass `dispatcher` to the provider's adapters.
 */
export function createProviderTransport(opts: ProviderTransportOptions): ProviderTransport {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const agent = new Agent({
    connections: opts.maxConcurrency ?? 32,
    keepAliveTimeout: 30_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    maxResponseSize: opts.maxResponseBytes ?? 5 * 1024 * 1024,
  });
  const breaker = new CircuitBreaker({
    ...DEFAULT_CIRCUIT,
    ...opts.circuit,
    onStateChange: (state) => opts.observer?.onCircuitState?.(opts.provider, state),
  });
  opts.observer?.onCircuitState?.(opts.provider, 'closed');
  transportHooks.set(agent, { breaker, ...(opts.observer ? { observer: opts.observer } : {}) });
  return { dispatcher: agent, breaker, close: () => agent.close() };
}

export function createProviderHttpClient(opts: ProviderHttpClientOptions): ProviderHttpClient {
  const hooks = opts.dispatcher ? transportHooks.get(opts.dispatcher) : undefined;
  if (hooks) opts = { breaker: hooks.breaker, ...(hooks.observer ? { observer: hooks.observer } : {}), ...opts };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const retry = { ...DEFAULT_RETRY, ...opts.retry };
  const maxResponseBytes = opts.maxResponseBytes ?? 5 * 1024 * 1024;
  const ownDispatcher = opts.dispatcher
    ? null
    : new Agent({
        connections: opts.maxConcurrency ?? 32,
        keepAliveTimeout: 30_000,
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        maxResponseSize: maxResponseBytes,
      });
  const dispatcher: Dispatcher = opts.dispatcher ?? (ownDispatcher as Agent);
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');

  const breaker = opts.breaker;
  const observe = (req: HttpRequest, started: number, status: number | null, outcome: ProviderAttempt['outcome']) =>
    opts.observer?.onAttempt?.({ provider: opts.provider, method: req.method, path: req.path, status, outcome, durationMs: performance.now() - started });

  async function once(req: HttpRequest): Promise<HttpResponse> {
    if (breaker && !breaker.admit()) {
      observe(req, performance.now(), null, 'circuit_open');
      // Fail fast while the provider is down: nothing was sent, so the caller may try again later.
      throw new ProviderCallError({
        provider: opts.provider,
        kind: 'UNAVAILABLE',
        message: `${opts.provider} ${req.method} ${req.path}: circuit open (provider failing)`,
        retryable: true,
        notSent: true,
        retryAfterSeconds: Math.max(1, Math.ceil(breaker.retryInMs() / 1000)),
        cause: CIRCUIT_OPEN,
      });
    }
    const started = performance.now();
    try {
      const res = await request(baseUrl + req.path, {
        method: req.method,
        headers: req.headers ?? {},
        body: req.body ?? null,
        dispatcher,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
      const text = await res.body.text();
      const failed = countsAsProviderFailure(res.statusCode);
      if (failed) breaker?.failure();
      else breaker?.success();
      observe(req, started, res.statusCode, res.statusCode >= 400 ? 'http_error' : 'ok');
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      breaker?.failure();
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
    for (let attempt = 0; ; attempt++) {
      let delayMs: number;
      try {
        const res = await once(req);
        if (!isRetryableStatus(res.status) || !req.idempotent || attempt >= retry.retries) return res;
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        if (retryAfter !== null && retryAfter * 1000 > retry.maxRetryAfterMs) return res;
        delayMs = retryAfter !== null ? retryAfter * 1000 : backoff(attempt);
      } catch (err) {
        const e = err as ProviderCallError;
        if (e.cause === CIRCUIT_OPEN) throw err;
        // A call that may have taken effect is never repeated blindly.
        if (!(req.idempotent || e.notSent) || attempt >= retry.retries) throw err;
        delayMs = backoff(attempt);
      }
      await sleep(delayMs);
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
