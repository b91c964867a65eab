import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../config';
import type { StackSecret } from '../routes';

const secretsManager = new SecretsManagerClient({});

/** Where each secret comes from: deployed, a Secrets Manager ARN; locally, the key itself (base64). */
const SOURCES: Record<StackSecret, { arn: string; local: string }> = {
  cursor: { arn: ENV.cursorSecretArn, local: ENV.cursorSecret },
  tokenHash: { arn: ENV.tokenHashSecretArn, local: ENV.tokenHashSecret },
};

const loaded = new Map<StackSecret, Promise<Buffer>>();

/**
 * A key generated at deploy time (cursor signing key, token hash pepper), read once per function
 * instance. A failed read is not cached, so the next request tries again.
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
  const { arn, local } = SOURCES[name];
  const localValue = process.env[local];
  if (localValue) return Buffer.from(localValue, 'base64');
  const secretId = process.env[arn];
  if (!secretId) throw new Error(`neither ${local} nor ${arn} is set`);
  const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error(`the ${name} secret is empty`);
  return Buffer.from(out.SecretString, 'utf8');
}
