import type { StackSecret } from './routes';

/**
 * Environment variables the functions read. The CDK stack sets them from these names, and the
 * local stack runs each function with the environment the synthesized template gives it.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  adminGroupName: 'ADMIN_GROUP_NAME',
  allowedOrigins: 'ALLOWED_ORIGINS',
  /** The app client whose ID tokens the API accepts (API Gateway's authorizer does not pin it). */
  userPoolClientId: 'USER_POOL_CLIENT_ID',
  /** The user pool whose people the admin routes name; set only where the route lists `userPool` actions. */
  userPoolId: 'USER_POOL_ID',
  /** ARN of the Secrets Manager secret holding the cursor signing key. */
  cursorSecretArn: 'CURSOR_SECRET_ARN',
  /** ARN of the Secrets Manager secret holding the token hash pepper. */
  tokenHashSecretArn: 'TOKEN_HASH_SECRET_ARN',
} as const;

/** The variable through which a function learns each stack secret's ARN. */
export const SECRET_ARN_VARIABLE: Readonly<Record<StackSecret, string>> = {
  cursor: ENV.cursorSecretArn,
  tokenHash: ENV.tokenHashSecretArn,
};

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
