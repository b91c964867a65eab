import type { Context } from 'aws-lambda';

/**
 * How long before the function's timeout its deadline aborts: time for the writes in flight to
 * finish (DynamoDB answers in milliseconds; a stuck call gives up after its request timeout).
 */
const DEADLINE_MARGIN_MS = 2000;

/**
 * Aborts shortly before the function's timeout: work that loops (bulk revocation, cascades) starts
 * nothing new, lets what is in flight finish and stops, so no write outlives the invocation. Past
 * the timeout itself, Lambda ends the whole execution environment.
 */
export function deadlineOf(context: Pick<Context, 'getRemainingTimeInMillis'>): AbortSignal {
  const remaining = context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
  // setTimeout's longest delay; a context without a deadline (a test's) never aborts.
  return AbortSignal.timeout(Math.max(0, Math.min(remaining - DEADLINE_MARGIN_MS, 2 ** 31 - 1)));
}
