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

/** The cursor signing key: made once per LOCAL_DIR, so cursors survive restarts. */
export function cursorSecret(dir: string): string {
  const file = join(dir, 'cursor-secret.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

/** Readers polling for the file never see it half-written. */
export function writeFileAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}
