import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from '../config';
import { withSourceMappedStacks } from './stack-traces';

/**
 * One per function instance, shared by every middleware and handler in it. Every error it logs
 * has its stack in the project's own source lines (see stack-traces.ts).
 */
export const logger = new Logger({
  serviceName: SERVICE_NAME,
  jsonReplacerFn: (_key, value) => withSourceMappedStacks(value),
});

/**
 * Metrics per route, with the route as a default dimension: a deployed function serves one
 * route, and the local stack, which serves them all in one process, gets one instance each.
 */
export const metricsFor = (route: string) =>
  new Metrics({ serviceName: SERVICE_NAME, namespace: 'TokenLedger', defaultDimensions: { route } });
