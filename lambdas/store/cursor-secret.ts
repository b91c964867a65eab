import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../config';

const secretsManager = new SecretsManagerClient({});
let secret: Promise<Buffer> | undefined;

/**
 * The cursor signing key: generated at deploy time into Secrets Manager and read once per
 * function instance, or given directly by the local stack (from its LOCAL_DIR).
 */
export function cursorSecret(): Promise<Buffer> {
  secret ??= load().catch((error: unknown) => {
    secret = undefined; // a failed read is retried by the next request, not cached
    throw error;
  });
  return secret;
}

async function load(): Promise<Buffer> {
  const local = process.env[ENV.cursorSecret];
  if (local) return Buffer.from(local, 'base64');
  const arn = process.env[ENV.cursorSecretArn];
  if (!arn) throw new Error(`neither ${ENV.cursorSecret} nor ${ENV.cursorSecretArn} is set`);
  const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString) throw new Error('the cursor secret is empty');
  return Buffer.from(out.SecretString, 'utf8');
}
