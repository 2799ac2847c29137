import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher, type Row } from '../../src/serving/batcher.js';

/**
 * A clock that stands still until the test moves it: the batcher reads `performance.now()` of
 * node:perf_hooks, which vitest's fake timers do not replace (they swap the global object).
 */
function frozenClock(): { advance(ms: number): void; readonly advanced: number } {
  // A whole number, so that (start + 50) - start is exactly 50 and not 49.99999999999 (a CI flake).
  const start = Math.round(performance.now());
  let advanced = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => start + advanced);
  return {
    advance: (ms) => (advanced += ms),
    get advanced() {
      return advanced;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const echo = (calls: number[]) => (rows: readonly Row[]) => {
  calls.push(rows.length);
  return rows.map((r) => (r[0] ?? 0) * 10);
};

describe('MicroBatcher', () => {
  it('coalesces requests that arrive together into one call and gives each its own results', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher(echo(calls), { maxBatchSize: 64, maxBatchWaitMs: 5 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit([[n], [n + 100]])));
    expect(calls).toEqual([10]);
    expect(results).toEqual([1, 2, 3, 4, 5].map((n) => [n * 10, (n + 100) * 10]));
  });

  it('never exceeds maxBatchSize rows per call; a larger single request runs alone, unsplit', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher(echo(calls), { maxBatchSize: 3, maxBatchWaitMs: 5 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => batcher.submit([[i]])));
    expect(calls).toEqual([3, 3, 1]);
    calls.length = 0;
    await Promise.all([
      batcher.submit([[1]]),
      batcher.submit(Array.from({ length: 10 }, () => [2])),
      batcher.submit([[3]]),
    ]);
    expect(calls).toEqual([1, 10, 1]);
  });

  it('a lone request does not wait for maxBatchWaitMs: it is answered in the next event-loop turn', async () => {
    const clock = frozenClock();
    const batcher = new MicroBatcher(echo([]), { maxBatchSize: 64, maxBatchWaitMs: 1000 });
    const order: string[] = [];
    const answer = batcher.submit([[4]]).then((rows) => (order.push('answered'), rows));
    await new Promise((r) => setImmediate(r)).then(() => order.push('next turn'));
    expect(order).toEqual(['answered', 'next turn']);
    expect(await answer).toEqual([40]);
    // The clock never moved: nothing waited for time to pass.
    expect(clock.advanced).toBe(0);
  });

  it('requests arriving over several event-loop turns join the batch until the wait is up', async () => {
    const clock = frozenClock();
    const calls: number[] = [];
    const batcher = new MicroBatcher(echo(calls), { maxBatchSize: 64, maxBatchWaitMs: 50 });
    const pending = [batcher.submit([[1]]), batcher.submit([[2]])];
    // A new request in each of the next turns: still within the wait, so still the same batch.
    for (let i = 0; i < 3; i += 1) {
      await new Promise((r) => setImmediate(r));
      pending.push(batcher.submit([[i]]));
    }
    await Promise.all(pending);
    expect(calls).toEqual([5]);

    // Once maxBatchWaitMs has passed since its first request, a batch closes although requests are
    // still arriving: the late one goes to the next batch.
    calls.length = 0;
    const more = [batcher.submit([[1]]), batcher.submit([[2]])];
    await new Promise((r) => setImmediate(r));
    more.push(batcher.submit([[3]]));
    clock.advance(50);
    await new Promise((r) => setImmediate(r));
    more.push(batcher.submit([[4]]));
    await Promise.all(more);
    expect(calls).toEqual([3, 1]);
  });

  it('with maxBatchWaitMs 0 a batch closes at the end of the turn', async () => {
    const calls: number[] = [];
    const batcher = new MicroBatcher(echo(calls), { maxBatchSize: 64, maxBatchWaitMs: 0 });
    const first = [batcher.submit([[1]]), batcher.submit([[2]])];
    await new Promise((r) => setImmediate(r));
    await Promise.all([...first, batcher.submit([[3]])]);
    expect(calls).toEqual([2, 1]);
  });

  it('one failing request does not fail the others of its batch', async () => {
    const batcher = new MicroBatcher(
      (rows: readonly Row[]) =>
        rows.map((r) => {
          if (Number.isNaN(r[0])) throw new Error('bad row');
          return r[0];
        }),
      { maxBatchSize: 64, maxBatchWaitMs: 1 },
    );
    const results = await Promise.allSettled([
      batcher.submit([[1]]),
      batcher.submit([[Number.NaN]]),
      batcher.submit([[3]]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseFulfilledResult<number[]>).value).toEqual([3]);
  });

  it('reports every call size to onBatch', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher(echo([]), {
      maxBatchSize: 4,
      maxBatchWaitMs: 1,
      onBatch: (n) => sizes.push(n),
    });
    await Promise.all(Array.from({ length: 6 }, () => batcher.submit([[1]])));
    expect(sizes).toEqual([4, 2]);
  });
});
