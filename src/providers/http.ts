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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createProviderHttpClient(opts: ProviderHttpClientOptions): ProviderHttpClient {
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

  async function once(req: HttpRequest): Promise<HttpResponse> {
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
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
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
