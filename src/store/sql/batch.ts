// Statements that many concurrent requests make one at a time, sent as one.

/** At most this many items per statement; more wait for the next one (bounds statement size). */
export const MAX_BATCH = 500;

/**
 * Items asked for in one event-loop turn go to `run` together (one statement for all), once the
 * turn's I/O callbacks are done (setImmediate). Under load many requests reach the same read in
 * one turn; each one then costs a share of a round trip instead of a whole one, and the round trip
 * was the measured cost (BENCHMARKS.md, round 4). Every item is sent after its caller asked, so
 * nothing is older than an unbatched read would be.
 *
 * `run` answers in the order of its items. When a batch of several fails, each item is run again
 * alone, so one item the database refuses fails only its own caller.
 *
 * `limit` bounds what one batch may weigh (say, the rows its statement may answer): items go in
 * while the total stays within `max`, the first always; the rest wait for the next batch.
 */
export function turnBatcher<I, O>(
  run: (items: readonly I[]) => Promise<O[]>,
  limit?: { weight: (item: I) => number; max: number },
): (item: I) => Promise<O> {
  type Waiting = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  const queue: Waiting[] = [];

  async function answered(batch: readonly Waiting[]): Promise<O[]> {
    const out = await run(batch.map((w) => w.item));
    if (out.length !== batch.length) throw new Error(`batch answered ${out.length} of ${batch.length}`);
    return out;
  }

  /** How many queued items the next batch takes. */
  function taken(): number {
    const n = Math.min(queue.length, MAX_BATCH);
    if (!limit) return n;
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += limit.weight(queue[i]!.item);
      if (total > limit.max && i > 0) return i;
    }
    return n;
  }

  async function flush(): Promise<void> {
    const batch = queue.splice(0, taken());
    if (queue.length > 0) setImmediate(flush);
    try {
      const out = await answered(batch);
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (e) {
      if (batch.length === 1) return batch[0]!.reject(e);
      for (const w of batch) answered([w]).then(([o]) => w.resolve(o!), w.reject);
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ item, resolve, reject });
    });
}
