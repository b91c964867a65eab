import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import { ROUTES } from '../../lambdas/routes';
import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import { BUNDLE_FILE, TRACING_SWITCH } from '../../lib/handler-function';
import { functionLogicalId, type Synth, synth } from './synth';

// The module object itself (CDK spawns esbuild through it), not an import's read-only copy.
const childProcess: typeof import('node:child_process') = require('node:child_process');

interface Traced {
  synth: Synth;
  /** The arguments of every esbuild run of the synth, one list per function. */
  esbuildRuns: string[][];
}

/** A synth with `context`, watching the commands CDK spawns to bundle the functions. */
function synthWatchingEsbuild(context: Record<string, unknown>): Traced {
  const spawn = jest.spyOn(childProcess, 'spawnSync');
  try {
    const synthesized = synth(context);
    const esbuildRuns = spawn.mock.calls
      .map(([command, args]) => [command, ...(args ?? [])].map(String))
      .filter((argv) => argv.includes('--bundle'));
    return { synth: synthesized, esbuildRuns };
  } finally {
    spawn.mockRestore();
  }
}

/** A function's bundle as the synth wrote it, in `asset.<hash>/`, the hash in the code's S3 key. */
function bundleOf(synthesized: Synth, name: string): string {
  const key: string = synthesized.resources[functionLogicalId(synthesized, name)]!.Properties!.Code.S3Key;
  const asset = `asset.${key.replace(/\.zip$/, '')}`;
  return readFileSync(path.join(Stage.of(synthesized.stack)!.outdir, asset, BUNDLE_FILE), 'utf8');
}

/** Strings only the X-Ray SDK's code holds (the AWS SDK reads _X_AMZN_TRACE_ID too, so not that). */
const XRAY_SDK = /AWSXRay|AWS_XRAY_DAEMON_ADDRESS|XRaySDKInstrumentation/;

/** Every function the stack bundles: the routes' and the table consumers'. */
const FUNCTIONS = [...ROUTES, CASCADE_REPAIR];

// Each synth bundles every function with esbuild: two for the whole file.
let defaults: Traced;
let traced: Traced;

beforeAll(() => {
  defaults = synthWatchingEsbuild({});
  // A string, as `-c tracing=true` delivers it.
  traced = synthWatchingEsbuild({ tracing: 'true' });
}, 240_000);

describe('tracing, a deployment choice', () => {
  test('by default every function is bundled with the switch off, and holds no X-Ray SDK', () => {
    expect(defaults.esbuildRuns).toHaveLength(FUNCTIONS.length);
    for (const argv of defaults.esbuildRuns) expect(argv).toContain(`--define:${TRACING_SWITCH}="false"`);
    for (const route of FUNCTIONS)
      expect([route.name, XRAY_SDK.test(bundleOf(defaults.synth, route.name))]).toEqual([route.name, false]);
  });

  test('`-c tracing=true` bundles every function with the switch on, and the X-Ray SDK with it', () => {
    expect(traced.esbuildRuns).toHaveLength(FUNCTIONS.length);
    for (const argv of traced.esbuildRuns) expect(argv).toContain(`--define:${TRACING_SWITCH}="true"`);
    for (const route of FUNCTIONS)
      expect([route.name, XRAY_SDK.test(bundleOf(traced.synth, route.name))]).toEqual([route.name, true]);
  });

  test('Lambda traces every invocation either way (active tracing)', () => {
    for (const { synth: synthesized } of [defaults, traced]) {
      for (const route of FUNCTIONS) {
        const fn = synthesized.resources[functionLogicalId(synthesized, route.name)]!;
        expect(fn.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
      }
    }
  });
});
