import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH, turnBatcher } from '../../src/store/sql/batch.js';

/** A batcher over a fake statement that records each call and doubles numbers; 13 is refused. */
function doubling() {
  const calls: number[][] = [];
  const ask = turnBatcher(async (items: readonly number[]) => {
    calls.push([...items]);
    if (items.includes(13)) throw new Error('refused 13');
    return items.map((n) => n * 2);
  });
  return { ask, calls };
}

describe('turnBatcher', () => {
  it('sends what is asked in one turn as one batch, in order, and answers each caller its own', async () => {
    const { ask, calls } = doubling();
    const answers = await Promise.all([ask(1), ask(2), ask(3), ask(2)]);
    expect(answers).toEqual([2, 4, 6, 4]);
    expect(calls).toEqual([[1, 2, 3, 2]]);
  });

  it('asks made in later turns go in later batches', async () => {
    const { ask, calls } = doubling();
    const first = ask(1);
    await nextTurn();
    await nextTurn();
    const second = ask(5);
    expect(await Promise.all([first, second])).toEqual([2, 10]);
    expect(calls).toEqual([[1], [5]]);
  });

  it('with a weight limit, a batch takes items while their total stays within it (the first always)', async () => {
    const calls: number[][] = [];
    const ask = turnBatcher(
      async (items: readonly number[]) => {
        calls.push([...items]);
        return items.map((n) => n * 2);
      },
      { weight: (n) => n, max: 10 },
    );
    const answers = await Promise.all([4, 6, 1, 12, 3, 3, 3, 3].map(ask));
    expect(answers).toEqual([8, 12, 2, 24, 6, 6, 6, 6]);
    // 4+6 = 10 fits; +1 would not. 1 alone, as 1+12 is over; 12 alone though over; 3+3+3 = 9; the last 3.
    expect(calls).toEqual([[4, 6], [1], [12], [3, 3, 3], [3]]);
  });

  it(`a batch holds at most ${MAX_BATCH}; the rest go in the next`, async () => {
    const { ask, calls } = doubling();
    const n = MAX_BATCH + 7;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => ask(i + 100)));
    expect(answers[n - 1]).toBe((n - 1 + 100) * 2);
    expect(calls.map((c) => c.length)).toEqual([500, 7]);
  });

  it('when a batch fails, each item is run alone: only the refused one fails', async () => {
    const { ask, calls } = doubling();
    const results = await Promise.allSettled([ask(4), ask(13), ask(6)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 8 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'refused 13' } });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 12 });
    expect(calls).toEqual([[4, 13, 6], [4], [13], [6]]);
  });

  it('a batch of one that fails is not run again', async () => {
    const { ask, calls } = doubling();
    await expect(ask(13)).rejects.toThrow('refused 13');
    expect(calls).toEqual([[13]]);
  });

  it('an answer of the wrong length fails the callers instead of answering them wrongly', async () => {
    const ask = turnBatcher(async (items: readonly number[]) => items.slice(1));
    const results = await Promise.allSettled([ask(1), ask(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toContain('batch answered 0 of 1');
  });
});
