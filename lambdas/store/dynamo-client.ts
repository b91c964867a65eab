import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceClient } from '../telemetry/tracing';

/**
 * At most this many attempts per DynamoDB call (the first and two retries), set here rather than
 * left to the SDK: its DynamoDB default is 4, and AWS_MAX_ATTEMPTS or a config file could change
 * it. A throttled retry waits a random 0–1 s, then 0–2 s, so a call that is throttled throughout
 * gives up after at most ~3 s of backoff (4 attempts: ~7 s) and the function answers 429 well
 * inside its 10 s timeout. Retries also draw on the client's retry quota, so a storm of failures
 * stops retrying altogether. Tested in test/integration/faults.test.ts. A DynamoDB that hangs on
 * every attempt is the one case this does not bound within 10 s (three 3 s attempts and their
 * backoff): the function then times out, and API Gateway answers 502 itself.
 */
export const DYNAMODB_MAX_ATTEMPTS = 3;

/**
 * Built once per function instance, outside the handler, so warm invocations reuse its
 * connections. Locally the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB` points it at the local stack.
 */
export const dynamoDbClient = new DynamoDBClient({
  maxAttempts: DYNAMODB_MAX_ATTEMPTS,
  // A hung request fails in seconds, not at the function's timeout; DynamoDB answers in ms. No
  // connection timeout: under load a new socket can take over a second (seen locally with 200
  // concurrent requests), and a request timeout already bounds the whole attempt.
  requestHandler: { requestTimeout: 3000 },
});

traceClient(dynamoDbClient);

export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});
