import { deadlineExceeded } from './errors';

/**
 * Runs `work` over `items` with at most `limit` in flight: bulk revocations stay fast without
 * flooding DynamoDB (or the SDK's connection pool) with thousands of simultaneous writes. After
 * a failure, or once `deadline` aborts, it starts nothing new and waits for what is in flight
 * before rejecting, so no write is still running when the request has already answered (in
 * Lambda it would resume inside the next, unrelated invocation).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  deadline?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && !deadline?.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
  if (next < items.length) throw deadlineExceeded();
  return results;
}

/** How many writes a bulk operation keeps in flight. */
export const BULK_CONCURRENCY = 32;
