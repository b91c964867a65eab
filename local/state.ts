import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** A random key made once per LOCAL_DIR (cursor signing key, token hash pepper), so it survives restarts. */
export function localKey(dir: string, name: string): string {
  const file = join(dir, `${name}.key`);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

/** The key pair service callers sign with locally (in place of IAM credentials). */
export function serviceCredentials(dir: string): { accessKeyId: string; secretAccessKey: string } {
  const file = join(dir, 'service-credentials.json');
  if (!existsSync(file)) {
    const accessKeyId = `LOCAL${randomBytes(10).toString('hex').toUpperCase()}`.slice(0, 20);
    const secretAccessKey = randomBytes(30).toString('base64');
    writeFileSync(file, JSON.stringify({ accessKeyId, secretAccessKey }), { mode: 0o600, flag: 'wx' });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
}

/** Readers polling for the file never see it half-written. */
export function writeFileAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}
