import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { dynamoDbClient } from '../store/dynamo-client';

const serviceName = 'token-ledger';

/** One of each per function instance, shared by every middleware and handler in it. */
export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: 'TokenLedger' });

tracer.captureAWSv3Client(dynamoDbClient);
