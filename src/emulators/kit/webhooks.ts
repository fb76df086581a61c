// Signed webhook delivery: a provider hands over the exact body text and a signer that returns the
// headers for it; the queue POSTs, records each attempt, retries if asked, and lets tests wait.
import { EventEmitter } from 'node:events';
import { delay } from './faults.js';

/** One delivery attempt. `M` is the provider's own metadata (item id, event name, ...). */
export type Delivery<M extends object> = M & {
  id: number;
  url: string;
  /** Exact body bytes sent (UTF-8). */
  body: string;
  headers: Record<string, string>;
  /** 1 for the first attempt. */
  attempt: number;
  at: string;
  /** Receiver's HTTP status, or null while pending / when the request failed. */
  status: number | null;
  /** Network error code or text, or null. */
  error: string | null;
  done: boolean;
};

export type WebhookQueueOptions = {
  /** Headers for this body and attempt (signature, content type, delivery ids). Called per attempt. */
  sign: (body: string, attempt: number) => Record<string, string>;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Attempts including the first (default 1: no retries); a non-2xx answer or a network error retries. */
  maxAttempts?: number;
  /** Wait before the second attempt, doubled each time after (default 50 ms). */
  retryDelayMs?: number;
  now?: () => number;
};

export class WebhookQueue<M extends object> {
  readonly deliveries: Delivery<M>[] = [];
  private readonly events = new EventEmitter();
  private readonly closing = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();
  private seq = 0;

  constructor(private readonly opts: WebhookQueueOptions) {
    this.events.setMaxListeners(0);
  }

  /**
   * Starts delivering now; returns the first attempt's record (already listed, `done: false`) and a
   * promise of the last attempt's record. After close() nothing is sent and the record says so.
   */
  send(url: string, body: string, meta: M): { delivery: Delivery<M>; finished: Promise<Delivery<M>> } {
    const first = this.attemptRecord(url, body, meta, 1);
    const finished = this.run(first);
    this.pending.add(finished);
    void finished.finally(() => this.pending.delete(finished));
    return { delivery: first, finished };
  }

  private attemptRecord(url: string, body: string, meta: M, attempt: number): Delivery<M> {
    const d = {
      ...meta,
      id: ++this.seq,
      url,
      body,
      headers: this.opts.sign(body, attempt),
      attempt,
      at: new Date((this.opts.now ?? Date.now)()).toISOString(),
      status: null,
      error: null,
      done: false,
    } as Delivery<M>;
    this.deliveries.push(d);
    return d;
  }

  private async run(first: Delivery<M>): Promise<Delivery<M>> {
    const max = Math.max(1, this.opts.maxAttempts ?? 1);
    let d = first;
    for (;;) {
      await this.post(d);
      const ok = d.status !== null && d.status >= 200 && d.status < 300;
      if (ok || d.attempt >= max || this.closing.signal.aborted) return d;
      await delay((this.opts.retryDelayMs ?? 50) * 2 ** (d.attempt - 1), this.closing.signal);
      if (this.closing.signal.aborted) return d;
      d = this.attemptRecord(d.url, d.body, d, d.attempt + 1);
    }
  }

  private async post(d: Delivery<M>): Promise<void> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)]);
    try {
      if (this.closing.signal.aborted) throw new Error('emulator closed');
      const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal });
      d.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      d.error = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    }
    d.done = true;
    this.events.emit('delivery', d);
  }

  /** Resolves with the first finished attempt matching `pred`, past or future. */
  waitFor(pred: (d: Delivery<M>) => boolean, timeoutMs = 5_000): Promise<Delivery<M>> {
    const found = this.deliveries.find((d) => d.done && pred(d));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onDelivery = (d: Delivery<M>): void => {
        if (!pred(d)) return;
        clearTimeout(timer);
        this.events.off('delivery', onDelivery);
        resolve(d);
      };
      const timer = setTimeout(() => {
        this.events.off('delivery', onDelivery);
        reject(new Error(`no matching webhook delivery within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('delivery', onDelivery);
    });
  }

  /** Forgets past deliveries (in-flight ones still finish). */
  clear(): void {
    this.deliveries.length = 0;
  }

  /** Aborts in-flight deliveries and pending retries; resolves when all have settled. */
  async close(): Promise<void> {
    this.closing.abort(new Error('emulator closed'));
    await Promise.allSettled([...this.pending]);
  }
}
