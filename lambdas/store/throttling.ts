/**
 * AWS's "slow down" answers, by error name: DynamoDB's (throughput, request rate) and Cognito's
 * (a request quota). The caller should try again later; nothing is broken.
 */
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
]);

export const isThrottling = (error: unknown): boolean => error instanceof Error && THROTTLING_ERRORS.has(error.name);
