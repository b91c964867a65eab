import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { logger } from './observability';
import { tracingMiddleware } from './tracing';

/**
 * The start of every function's middy stack, routes and stream consumers alike: Powertools logging,
 * tracing and metrics.
 */
export function instrumented<Event, Result>(metrics: Metrics, options: { captureColdStartMetric?: boolean } = {}) {
  return (
    // No early timeout of middy's own: it would answer while the handler kept running (and, frozen
    // after the answer, resumed writing in a later invocation). The handler's deadline stops the work
    // instead, and past the timeout Lambda ends the whole environment.
    middy<Event, Result>({ timeoutEarlyInMillis: 0 })
      // Never the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds ID tokens, token values and
      // the table's records.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(tracingMiddleware())
      .use(logMetrics(metrics, options))
  );
}
