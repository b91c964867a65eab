import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_ARN_VARIABLE } from '../config';
import type { StackSecret } from '../routes';
import { traceClient } from '../telemetry/tracing';

const secretsManager = new SecretsManagerClient({});
traceClient(secretsManager);

const loaded = new Map<StackSecret, Promise<Buffer>>();

/**
 * A key generated at deploy time (cursor signing key, token hash pepper), read from Secrets
 * Manager once per function instance; its UTF-8 bytes are the HMAC key. A failed read is not
 * cached, so the next request tries again.
 */
export function stackSecret(name: StackSecret): Promise<Buffer> {
  let secret = loaded.get(name);
  if (!secret) {
    secret = load(name).catch((error: unknown) => {
      loaded.delete(name);
      throw error;
    });
    loaded.set(name, secret);
  }
  return secret;
}

async function load(name: StackSecret): Promise<Buffer> {
  const secretId = process.env[SECRET_ARN_VARIABLE[name]];
  if (!secretId) throw new Error(`${SECRET_ARN_VARIABLE[name]} is not set`);
  const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error(`the ${name} secret is empty`);
  return Buffer.from(out.SecretString, 'utf8');
}
