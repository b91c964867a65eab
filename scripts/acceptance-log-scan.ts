/**
 * Runs a test suite against a local stack whose whole output is captured, then scans that output
 * for token values, JWTs, Authorization headers and signatures:
 *   node --import tsx scripts/acceptance-log-scan.ts COMMAND [ARG...]
 * The command finds the stack through STACK_OUTPUTS (the stack's outputs.json). CI runs it with
 * an external conformance suite. Exits 1 if the suite fails or anything secret-looking is logged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findSecrets } from './secret-patterns';

const root = resolve(__dirname, '..');
const [command, ...args] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'token-ledger-scan-'));
const logFile = join(dir, 'stack.log');
const outputs = join(dir, 'outputs.json');

async function main(): Promise<number> {
  const log = openSync(logFile, 'w');
  const stack = spawn('npm', ['start'], {
    cwd: root,
    detached: true, // its own process group, stopped as a whole below
    stdio: ['ignore', log, log],
    env: { ...process.env, LOCAL_DIR: dir, API_PORT: '0', COGNITO_PORT: '0', DYNAMODB_PORT: '0', LOCAL_SEED: '0' },
  });
  const { pid } = stack;
  if (pid === undefined) throw new Error('npm start could not be spawned');
  try {
    const deadline = Date.now() + 90_000;
    while (!existsSync(outputs)) {
      if (stack.exitCode !== null || Date.now() > deadline)
        throw new Error(`the stack did not start:\n${readFileSync(logFile, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!command) throw new Error('usage: acceptance-log-scan.ts COMMAND [ARG...]');
    const suite = spawnSync(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, STACK_OUTPUTS: outputs },
    });
    if (suite.status !== 0) {
      console.error(`log scan: the acceptance suite failed (${suite.status})`);
      return 1;
    }
  } finally {
    process.kill(-pid, 'SIGTERM');
    await new Promise((r) => stack.once('exit', r));
  }
  const text = readFileSync(logFile, 'utf8');
  if (process.env.SCAN_SHOW_LOG) console.log(text);
  const found = findSecrets(text);
  console.log(
    `log scan: ${text.split('\n').length} lines of stack output after ${[command, ...args].join(' ')}; ` +
      `${found.length} secret-looking strings`,
  );
  for (const f of found.slice(0, 20)) console.log(`  ${f.kind}: ${f.sample}`);
  if (found.length === 0) rmSync(dir, { recursive: true, force: true });
  else console.log(`log scan: the stack's output is kept in ${logFile}`);
  return found.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
