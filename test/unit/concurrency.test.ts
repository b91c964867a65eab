import { BULK_CONCURRENCY, mapLimited } from '../../lambdas/domain/concurrency';

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

  it('keeps bulk writes at a bounded concurrency', () => {
    expect(BULK_CONCURRENCY).toBeGreaterThanOrEqual(1);
    expect(BULK_CONCURRENCY).toBeLessThanOrEqual(50);
  });
});
