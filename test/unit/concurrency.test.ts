import { BULK_CONCURRENCY, mapLimited } from '../../lambdas/domain/concurrency';
import { rejection } from '../support/rejection';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapLimited', () => {
  it('keeps the order of its input, whatever order the work finishes in', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const out = await mapLimited(items, 5, async (i) => {
      await tick((i * 7) % 5);
      return i * 2;
    });
    expect(out).toStrictEqual(items.map((i) => i * 2));
  });

  it.each([1, 3, 16])('never has more than %i in flight, and uses them all', async (limit) => {
    let inFlight = 0;
    let most = 0;
    let started = 0;
    await mapLimited(
      Array.from({ length: 50 }, (_, i) => i),
      limit,
      async (i) => {
        started++;
        inFlight++;
        most = Math.max(most, inFlight);
        await tick(i % 3);
        inFlight--;
      },
    );
    expect(most).toBe(limit);
    expect(started).toBe(50);
    expect(inFlight).toBe(0);
  });

  it('runs each item exactly once, with fewer items than the limit', async () => {
    const seen: number[] = [];
    const out = await mapLimited([1, 2, 3], 16, async (i) => {
      seen.push(i);
      return `#${i}`;
    });
    expect(out).toStrictEqual(['#1', '#2', '#3']);
    expect(seen.sort()).toStrictEqual([1, 2, 3]);
  });

  it('handles empty input without calling the work', async () => {
    const work = jest.fn(async () => 1);
    expect(await mapLimited([], 4, work)).toStrictEqual([]);
    expect(work).not.toHaveBeenCalled();
  });

  it('propagates the first rejection', async () => {
    const work = async (i: number) => {
      await tick(i === 3 ? 1 : i === 7 ? 20 : 0);
      if (i === 3) throw new Error('first');
      if (i === 7) throw new Error('second');
      return i;
    };
    await expect(
      mapLimited(
        Array.from({ length: 10 }, (_, i) => i),
        4,
        work,
      ),
    ).rejects.toThrow('first');
  });

  it('propagates a synchronous throw from the work', async () => {
    await expect(
      mapLimited([1, 2], 2, (() => {
        throw new Error('sync');
      }) as (i: number) => Promise<number>),
    ).rejects.toThrow('sync');
  });

  it('starts nothing once the deadline aborts, waits for what is in flight, then refuses with a 500', async () => {
    const deadline = new AbortController();
    const started: number[] = [];
    const finished: number[] = [];
    const work = async (i: number) => {
      started.push(i);
      if (i === 2) deadline.abort();
      await tick(5);
      finished.push(i);
      return i;
    };
    const error = await rejection(
      mapLimited(
        Array.from({ length: 10 }, (_, i) => i),
        3,
        work,
        deadline.signal,
      ),
      'internal_error',
    );
    expect(error.message).toMatch(/what it changed stays changed\. Send it again to finish\.$/);
    expect(started).toEqual([0, 1, 2]);
    // Every write it started had ended before it gave its answer.
    expect(finished.sort()).toEqual([0, 1, 2]);
  });

  it('finishes as usual when the deadline aborts only after the last item started', async () => {
    const deadline = new AbortController();
    const results = await mapLimited(
      [1, 2],
      2,
      async (i) => {
        if (i === 2) deadline.abort();
        return i * 10;
      },
      deadline.signal,
    );
    expect(results).toEqual([10, 20]);
  });

  it('keeps bulk writes at a bounded concurrency', () => {
    expect(BULK_CONCURRENCY).toBeGreaterThanOrEqual(1);
    expect(BULK_CONCURRENCY).toBeLessThanOrEqual(50);
  });
});
