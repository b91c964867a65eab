import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { dynamoDbClient } from '../store/dynamo-client';

const serviceName = 'token-ledger';

/** One per function instance, shared by every middleware and handler in it. */
export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });

/**
 * Metrics per route, with the route as a default dimension: a deployed function serves one
 * route, and the local stack, which serves them all in one process, gets one instance each.
 */
export const metricsFor = (route: string) =>
  new Metrics({ serviceName, namespace: 'TokenLedger', defaultDimensions: { route } });

tracer.captureAWSv3Client(dynamoDbClient);
