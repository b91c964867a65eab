import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { sourceMappedStack, withSourceMappedStacks } from '../../lambdas/telemetry/stack-traces';
import { trimSourceMapFile } from '../../lib/first-party-source-map.cjs';
import { bundleFixture } from '../support/bundle-fixture';

const ROOT = path.join(__dirname, '..', '..');
let dir: string;
let app: string;
let bundleFile: string;

/**
 * A function-like bundle: our code, which throws (with a cause) and calls a dependency that
 * throws, logging both through the functions' own logger. Built with the functions' options and
 * their source-map step, run without --enable-source-maps, as the functions run.
 */
beforeAll(async () => {
  ({ dir, app, bundleFile } = await bundleFixture('stack-traces-', {
    dep: ["exports.boom = () => { throw new Error('dep'); };"],
    app: [
      `import { logger } from ${JSON.stringify(path.join(ROOT, 'lambdas', 'telemetry', 'observability'))};`,
      "import { boom } from 'dep';",
      'function ours(): never {',
      "  throw new Error('ours', { cause: new Error('why') });",
      '}',
      'for (const f of [ours, boom]) {',
      '  try {',
      '    f();',
      '  } catch (error) {',
      "    logger.error('failed', error as Error);",
      '  }',
      '}',
    ],
  }));
  trimSourceMapFile(`${bundleFile}.map`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LoggedError {
  location: string;
  stack: string;
  cause?: LoggedError;
}

test('errors the functions log name our source lines, without --enable-source-maps', () => {
  const run = spawnSync(process.execPath, [bundleFile], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', POWERTOOLS_DEV: '' },
  });
  expect(run.status).toBe(0);
  // The logger writes errors to stderr, one JSON object a line.
  const [ours, theirs] = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line).error as LoggedError);
  expect(ours!.location).toBe(`${app}:4`);
  expect(ours!.stack).toContain(`${app}:4:`);
  expect(ours!.stack).toContain(`${app}:8:`);
  expect(ours!.stack).not.toMatch(/index\.js:/);
  expect(ours!.cause!.stack).toContain(`${app}:4:`);
  // The dependency's frame keeps its place in the bundle; our caller's frame is mapped.
  expect(theirs!.location).toMatch(/out\/index\.js:\d+$/);
  expect(theirs!.stack).toContain(`${app}:8:`);
  expect(theirs!.stack).not.toContain('node_modules/dep');
});

test('stacks without a bundle or a map pass through unchanged', () => {
  const stack = new Error('here').stack!;
  expect(sourceMappedStack(stack)).toBe(stack);
  const frames = [
    'Error: x',
    '    at f (file:///nowhere/index.mjs:1:2)',
    '    at g (/var/task/node_modules/p/index.js:3:4)',
    '    at async Promise.all (index 0)',
  ].join('\n');
  expect(sourceMappedStack(frames)).toBe(frames);
});

test('an error is mapped once, whatever else is logged', () => {
  const error = new Error('once');
  const stack = error.stack;
  expect(withSourceMappedStacks(error)).toBe(error);
  expect(withSourceMappedStacks(withSourceMappedStacks(error)).stack).toBe(stack);
  for (const value of ['text', 42, null, undefined, { stack: 'at x (/a.js:1:1)' }]) {
    expect(withSourceMappedStacks(value)).toBe(value);
  }
});
