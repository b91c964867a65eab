import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnTemplate, resourcesOfType } from './cfn-template';
import { type KeyPair, newKeyPair } from './local-aws';

/** What the local stack must remember across restarts, kept in LOCAL_DIR. */
export interface LocalState {
  userPoolId: string;
  userPoolClientId: string;
  tableName: string;
  adminGroupName: string;
}

const stateFile = (dir: string) => join(dir, 'stack.json');

export function readState(dir: string): LocalState | undefined {
  return existsSync(stateFile(dir)) ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as LocalState) : undefined;
}

export function writeState(dir: string, state: LocalState): void {
  writeFileAtomically(stateFile(dir), JSON.stringify(state, null, 2));
}

/** A key pair made once per LOCAL_DIR, so it survives restarts: what a local service caller signs with. */
export function localKeyPair(dir: string, name: string): KeyPair {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(newKeyPair()), { mode: 0o600, flag: 'wx' });
  return JSON.parse(readFileSync(file, 'utf8')) as KeyPair;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A value as Secrets Manager generates one for `GenerateSecretString` (length and character set). */
function generatedSecret(spec: { PasswordLength?: number; ExcludePunctuation?: boolean }): string {
  const characters = spec.ExcludePunctuation ? ALPHANUMERIC : ALPHANUMERIC + PUNCTUATION;
  const length = spec.PasswordLength ?? 32;
  // Rejection sampling: no character is likelier than another.
  const limit = 256 - (256 % characters.length);
  let value = '';
  while (value.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < limit && value.length < length) value += characters[byte % characters.length];
    }
  }
  return value;
}

/**
 * The value of every secret the template generates (cursor key, token hash pepper), by logical
 * id: made once per LOCAL_DIR the way Secrets Manager makes it, kept in a file only the user may
 * read, so cursors and token values stay valid across restarts.
 */
export function localSecretValues(dir: string, template: CfnTemplate): Map<string, string> {
  const file = join(dir, 'secrets.json');
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  let added = false;
  for (const [id, secret] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
    if (kept[id] !== undefined) continue;
    const spec = (secret.Properties?.GenerateSecretString ?? {}) as {
      PasswordLength?: number;
      ExcludePunctuation?: boolean;
    };
    kept[id] = generatedSecret(spec);
    added = true;
  }
  if (added) writeFileAtomically(file, JSON.stringify(kept));
  return new Map(Object.entries(kept));
}

/** Readers polling for the file never see it half-written. */
export function writeFileAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}
