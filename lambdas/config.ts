/**
 * Environment variables the functions read. The CDK function construct and the local gateway
 * set them from these names, so a rename cannot leave one side behind.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  adminGroupName: 'ADMIN_GROUP_NAME',
  allowedOrigins: 'ALLOWED_ORIGINS',
  /** Deployed: ARN of the Secrets Manager secret holding the cursor signing key. */
  cursorSecretArn: 'CURSOR_SECRET_ARN',
  /** Local stack only: the cursor signing key itself (base64). */
  cursorSecret: 'CURSOR_SECRET',
  /** Deployed: ARN of the Secrets Manager secret holding the token hash pepper. */
  tokenHashSecretArn: 'TOKEN_HASH_SECRET_ARN',
  /** Local stack only: the token hash pepper itself (base64). */
  tokenHashSecret: 'TOKEN_HASH_SECRET',
  /** Local stack only: DynamoDB-compatible endpoint. */
  dynamoDbEndpoint: 'DYNAMODB_ENDPOINT',
} as const;

export const DEFAULT_ADMIN_GROUP = 'token-admins';

/** The service every function's logs, metrics and traces are recorded under. */
export const SERVICE_NAME = 'token-ledger';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Comma-separated origins; `*` allows any. */
export function allowedOrigins(): string[] {
  return (process.env[ENV.allowedOrigins] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}
