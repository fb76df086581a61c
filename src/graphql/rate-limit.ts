import { GatewayError } from '../connections/errors.js';

/**
 * Per-caller budget for mutations that call a provider: one token bucket per `sub`, in process.
 * The shared provider quota is the gateway's, so no single caller may spend it as fast as it likes.
 */

export interface RateLimitSettings {
  /** Tokens added per minute; 0 turns the limit off. */
  perMinute: number;
  /** Bucket size: calls a caller may make at once after a quiet period. */
  burst: number;
  /** Admin callers (internal tooling) get this many times the rate and the burst. */
  adminFactor: number;
}

/** The caller spent their budget; the answer says when one more call is allowed. */
export class RateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many provider requests; try again in ${retryAfterSeconds} s.`);
    this.name = 'RateLimitedError';
  }
}

interface Bucket {
  tokens: number;
  at: number;
  admin: boolean;
}

/** Above this many callers tracked, buckets that have refilled completely are forgotten (they equal a new one). */
const SWEEP_ABOVE = 10_000;

export function createRateLimiter(s: RateLimitSettings, now: () => number = () => performance.now()) {
  const buckets = new Map<string, Bucket>();
  const limits = (admin: boolean) => {
    const f = admin ? s.adminFactor : 1;
    return { capacity: s.burst * f, perMs: (s.perMinute * f) / 60_000 };
  };
  const level = (b: Bucket, t: number) => {
    const { capacity, perMs } = limits(b.admin);
    return Math.min(capacity, b.tokens + (t - b.at) * perMs);
  };

  function sweep(t: number) {
    for (const [key, b] of buckets) if (level(b, t) >= limits(b.admin).capacity) buckets.delete(key);
  }

  return {
    /** Spends one call of `userId`'s budget, or throws RateLimitedError with the wait until the next. */
    take(userId: string, admin: boolean): void {
      if (s.perMinute === 0) return;
      const key = `${admin ? 'a' : 'u'}:${userId}`;
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= SWEEP_ABOVE) sweep(t);
        b = { tokens: limits(admin).capacity, at: t, admin };
        buckets.set(key, b);
      }
      b.tokens = level(b, t);
      b.at = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      throw new RateLimitedError(Math.max(1, Math.ceil((1 - b.tokens) / limits(admin).perMs / 1000)));
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
