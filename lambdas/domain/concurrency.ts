/**
 * Runs `work` over `items` with at most `limit` in flight: bulk revocations stay fast without
 * flooding DynamoDB (or the SDK's connection pool) with thousands of simultaneous writes.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many writes a bulk operation keeps in flight. */
export const BULK_CONCURRENCY = 32;
