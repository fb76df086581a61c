import { WebhookVerificationError } from './webhook.js';

/**
 * What the Plaid and MoneyKit webhook key caches share: a key-fetch budget per sender and in
 * total, a negative cache of key ids the provider said it does not know, and one fetch shared by
 * concurrent misses.
 *
 * A sender is the delivery's client address as the gateway sees it (route.ts: the socket peer,
 * or with TRUST_PROXY the address our proxy appended to X-Forwarded-For). One sender flooding
 * random key ids spends only its own budget, so a genuine delivery signed with a newly rotated
 * key, arriving from the provider's address, still gets its key fetched. An exhausted budget is
 * our limit, not a verdict on the delivery: it answers retry-later (503), never "unknown key".
 */

export interface KeyFetchBudgetOptions {
  /** Key fetches one sender may cause per second. */
  perSenderPerSecond: number;
  /** Key fetches all senders together may cause per second (protects the provider's key endpoint). */
  totalPerSecond: number;
  now: () => number;
}

/** Delivery whose sender is not known (a direct in-process call). */
export const UNKNOWN_SENDER = 'unknown';

interface Window {
  start: number;
  used: number;
}

export class KeyFetchBudget {
  private readonly total: Window = { start: Number.NEGATIVE_INFINITY, used: 0 };
  private readonly senders = new Map<string, Window>();

  constructor(private readonly o: KeyFetchBudgetOptions) {}

  /** Synchronous, so concurrent deliveries cannot overshoot between awaits. False: retry later. */
  tryTake(sender: string): boolean {
    const now = this.o.now();
    if (this.senders.size > 10_000) {
      for (const [k, w] of this.senders) if (now - w.start >= 1_000) this.senders.delete(k);
    }
    const mine = this.senders.get(sender) ?? { start: Number.NEGATIVE_INFINITY, used: 0 };
    this.senders.set(sender, mine);
    for (const w of [mine, this.total]) {
      if (now - w.start >= 1_000) {
        w.start = now;
        w.used = 0;
      }
    }
    if (mine.used >= this.o.perSenderPerSecond || this.total.used >= this.o.totalPerSecond) return false;
    mine.used++;
    this.total.used++;
    return true;
  }

  /** Take from the budget or throw the retry-later error. */
  take(sender: string): void {
    if (!this.tryTake(sender)) throw new WebhookVerificationError('key_fetch_throttled', 'key fetch budget spent; retry later');
  }
}

/** Key ids the provider said it does not know, each until a time; bounded by pruning lapsed ones. */
export class NegativeCache {
  private readonly until = new Map<string, number>();
  constructor(private readonly now: () => number) {}

  has(kid: string): boolean {
    const t = this.until.get(kid);
    return t !== undefined && t > this.now();
  }

  add(kid: string, forMs: number): void {
    if (this.until.size > 10_000) {
      const now = this.now();
      for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
    }
    this.until.set(kid, this.now() + forMs);
  }

  delete(kid: string): void {
    this.until.delete(kid);
  }
}

/** Concurrent callers with the same key share one running fetch. */
export function sharedInflight<V>(): (key: string, start: () => Promise<V>) => Promise<V> {
  const running = new Map<string, Promise<V>>();
  return (key, start) => {
    const existing = running.get(key);
    if (existing) return existing;
    const p = start().finally(() => running.delete(key));
    running.set(key, p);
    return p;
  };
}
