import { LOCAL_FUNCTION_VERSION } from './local-aws';
import type { FunctionModel } from './stack-model';

/** Where a function's AWS calls go locally, and who it is there. */
interface LocalAwsAccess {
  readonly region: string;
  /** The local AWS endpoint (local/aws-endpoint.ts), which checks every call against the function's role. */
  readonly endpoint: string;
  /** The credentials the endpoint knows as this function's role. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * A function's environment variables, locally: exactly those of the template, plus what Lambda's
 * runtime itself sets (region, the role's credentials, the function's name and memory), the SDK's
 * standard service-endpoint variables pointing at the local AWS endpoint, and the local stack's
 * own `POWERTOOLS_*` settings (so a debug run can turn on debug logs everywhere). The functions'
 * code has no local-only branch: it reads these as it reads Lambda's.
 */
export function functionEnvironment(fn: FunctionModel, aws: LocalAwsAccess): Record<string, string> {
  const powertools = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[0].startsWith('POWERTOOLS_') && entry[1] !== undefined,
  );
  return {
    // No CloudWatch or X-Ray locally: metrics would only print, and the tracer would have no daemon.
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...Object.fromEntries(powertools),
    ...fn.environment,
    AWS_REGION: aws.region,
    AWS_DEFAULT_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: LOCAL_FUNCTION_VERSION,
    // So Powertools knows a fresh environment's first call for a cold start, as it does on Lambda.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ENDPOINT_URL_DYNAMODB: aws.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: aws.endpoint,
    // Lambda runs Node.js 22; on the Node.js 20 of a laptop the SDK would print a notice at every cold start.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TZ: 'UTC',
  };
}
