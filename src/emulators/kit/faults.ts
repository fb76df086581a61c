// Fault injection: a list of rules matched per request (path pattern as in router.ts, optional
// method), each used `times` times (default 1, -1 = until cleared). What a fault answers is the
// provider's business; the kit only handles the transport kinds `hang` and `reset`.
import { setTimeout as sleep } from 'node:timers/promises';
import { matchSegments, splitPath } from './router.js';

export type FaultRule = { path: string; method?: string | undefined; times?: number | undefined };

type Entry<S> = { id: string; spec: S; segments: string[]; remaining: number };

export class FaultBook<S extends FaultRule> {
  private entries: Entry<S>[] = [];
  private seq = 0;

  /** Adds a rule; returns its id. */
  add(spec: S): string {
    const id = `fault_${++this.seq}`;
    this.entries.push({ id, spec, segments: splitPath(spec.path), remaining: spec.times ?? 1 });
    return id;
  }

  /** Consumes one use of the first rule matching this request. */
  take(method: string, path: string): S | null {
    const segments = splitPath(path);
    for (const e of this.entries) {
      if (e.remaining === 0) continue;
      if (e.spec.method && e.spec.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!matchSegments(e.segments, segments)) continue;
      if (e.remaining > 0) e.remaining -= 1;
      if (e.remaining === 0) this.entries = this.entries.filter((x) => x !== e);
      return e.spec;
    }
    return null;
  }

  list(): Array<S & { id: string; remaining: number }> {
    return this.entries.map((e) => ({ ...e.spec, id: e.id, remaining: e.remaining }));
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
  }
}

/** Waits `ms`, or less when `signal` aborts (closing an emulator must not wait for its latency). */
export async function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
