import { describe, expect, it } from 'vitest';
import { OrderedChunks } from './ordered-chunks.js';

/** Resolves after `ticks` turns of the event loop: later chunks below finish their work first. */
const afterTicks = <T>(ticks: number, value: T, fail = false): Promise<T> =>
  new Promise((resolve, reject) => {
    const step = (n: number) => (n === 0 ? (fail ? reject(new Error(`chunk ${String(value)} failed`)) : resolve(value)) : setImmediate(() => step(n - 1)));
    step(ticks);
  });

/** Runs `n` chunks through a queue of `limit`, the work of chunk c done after n − c ticks (the newest first). */
async function run(n: number, limit: number, failAt = -1) {
  let started = 0;
  let maxInFlight = 0;
  const finished: [number, number][] = [];
  const q = new OrderedChunks(
    limit,
    (c: number) => {
      started++;
      maxInFlight = Math.max(maxInFlight, started - finished.length);
      return afterTicks(n - c, c, c === failAt);
    },
    (c, r: number) => void finished.push([c, r]),
  );
  let error: Error | null = null;
  try {
    for (let c = 0; c < n; c++) {
      await q.submit(c);
      expect(q.inFlight).toBeLessThanOrEqual(limit);
    }
    await q.drain();
  } catch (e) {
    error = e as Error;
  }
  return { started, maxInFlight, finished, error };
}

describe('OrderedChunks', () => {
  it.each([1, 3, 8])('finishes chunks in submission order with at most %i in flight, though newer work completes first', async (limit) => {
    const { started, maxInFlight, finished, error } = await run(20, limit);
    expect(error).toBeNull();
    expect(started).toBe(20);
    expect(finished).toEqual(Array.from({ length: 20 }, (_, c) => [c, c]));
    // The bound holds and is reached: chunks do run concurrently, up to the limit and never past it.
    expect(maxInFlight).toBe(limit);
  });

  it('a failed chunk stops the run at its turn: earlier chunks are finished, none after it', async () => {
    const { finished, error } = await run(12, 4, 5);
    expect(error?.message).toBe('chunk 5 failed');
    expect(finished.map(([c]) => c)).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a limit below 1', () => {
    expect(() => new OrderedChunks(0, async () => 0, () => undefined)).toThrow(/chunks in flight must be a positive integer, got 0/);
  });
});
