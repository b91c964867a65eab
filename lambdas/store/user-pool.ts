import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { ENV, requiredEnv } from '../config';
import { logger } from '../telemetry/observability';
import { traceClient } from '../telemetry/tracing';
import { CognitoUserDirectory } from './user-directory';

/**
 * Built once per function instance, outside the handler, like the DynamoDB client. Two attempts
 * at most, each bounded: a slow or throttled Cognito costs an admin's list an email or two, never
 * the list (README, "Cognito request quotas"). Locally the SDK's standard
 * `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` points it at the local stack.
 */
const cognito = new CognitoIdentityProviderClient({ maxAttempts: 2, requestHandler: { requestTimeout: 1500 } });
traceClient(cognito);

/** The people of this stack's user pool, for the functions whose route lists `userPool` actions. */
export const userDirectory = new CognitoUserDirectory(cognito, {
  userPoolId: requiredEnv(ENV.userPoolId),
  onLookupFailure: ({ reason, users }) => logger.warn('user email look-up failed', { reason, users }),
});
