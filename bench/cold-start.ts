/**
 * Cold start: every function's bundle exactly as `cdk synth` writes it, its size, and the time a
 * fresh `node` process takes to import it, against baselines bundled in the same run.
 *
 * `npx tsx bench/cold-start.ts` runs this section alone and prints its tables. Environment:
 * COLD_START_RUNS (fresh processes per bundle and setting, default 20), COLD_START_CDK_OUT (an
 * existing `cdk synth` output to measure instead of synthesizing), COLD_START_KEEP=1 (keep the
 * temporary directory and say where it is).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ROUTES } from '../lambdas/routes';
import { trimSourceMapFile } from '../lib/first-party-source-map.cjs';
import { BUNDLE_FILE, esbuildOptions, FUNCTION_MEMORY_MB } from '../lib/handler-function';
import { type BenchSection, markdownTable, median, percentile, runStandalone, type TargetCheck } from './section';

const ROOT = path.join(__dirname, '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');

const BYTES_TARGET = 0.5;
const INIT_TARGET = 0.6;

/** Imports one bundle the way the Lambda runtime loads a handler and reports how long that took. */
const RUNNER = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const file = process.argv[2];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// As the Lambda runtime does: .mjs through import(), CommonJS through require().
const mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : createRequire(import.meta.url)(file);
const t1 = performance.now();
const cpu = process.cpuUsage(cpu0);
if (typeof (mod.handler ?? mod.default?.handler) !== 'function') {
  console.error('no handler export in ' + file);
  process.exit(2);
}
process.stdout.write(JSON.stringify({ importMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000 }));
`;

/** Baseline (a): nothing but a handler. */
const EMPTY_HANDLER = `export const handler = async () => ({ statusCode: 200 });\n`;

/**
 * Baseline (b), and reference (c) bundled our way: a handler making the same SDK calls as the
 * token repository, through lib-dynamodb's package root, with the client built at module scope.
 */
const SDK_HANDLER = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const TableName = process.env.TABLE_NAME;

export const handler = async (event) => {
  const tokenId = event.pathParameters?.tokenId ?? 'none';
  const got = await client.send(new GetCommand({ TableName, Key: { tokenId }, ConsistentRead: true }));
  const listed = await client.send(new QueryCommand({ TableName, IndexName: 'byUser', KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': tokenId }, ScanIndexForward: false }));
  const scanned = await client.send(new ScanCommand({ TableName, Limit: 20 }));
  await client.send(new PutCommand({ TableName, Item: { tokenId }, ConditionExpression: 'attribute_not_exists(tokenId)' }));
  await client.send(new UpdateCommand({ TableName, Key: { tokenId }, UpdateExpression: 'SET revokedAt = :now', ExpressionAttributeValues: { ':now': Date.now() }, ReturnValues: 'ALL_NEW' }));
  return { statusCode: 200, body: JSON.stringify({ got: got.Item, listed: listed.Count, scanned: scanned.Count }) };
};
`;

interface InitStats {
  runs: number;
  /** Time to load the bundle (`import()` or `require()`) inside the fresh process. */
  importMedianMs: number;
  importP95Ms: number;
  /**
   * CPU time the process spent on the import (all its threads, so V8's background compiler and
   * GC too): less disturbed than the wall clock when other work shares the machine.
   */
  importCpuMedianMs: number;
  /** Whole process, spawn to exit, as the parent saw it (Node's own startup included). */
  wallMedianMs: number;
  wallP95Ms: number;
}

interface Measured {
  bytes: number;
  /** The .map beside the bundle, shipped in the asset but not counted in `bytes`. */
  mapBytes: number;
  /** Without --enable-source-maps. */
  init: InitStats;
  /** With --enable-source-maps (only bundles that have a map). */
  initSourceMaps?: InitStats;
}

interface FunctionResult extends Measured {
  route: string;
  method: string;
  path: string;
  asset: string;
  /** NODE_OPTIONS the function is deployed with (from the template). */
  nodeOptions: string;
  bytesRatio: number;
  /** As deployed: with source maps if NODE_OPTIONS enables them. */
  initRatio: number;
  initRatioWithoutSourceMaps: number;
  initRatioWithSourceMaps: number;
  /** The same comparison in CPU time (as deployed): a check on the wall-clock ratio. */
  initCpuRatio: number;
}

export interface ColdStartResults {
  node: string;
  runsPerSetting: number;
  synthSeconds: number;
  measureSeconds: number;
  baselines: {
    empty: Measured;
    naive: Measured;
    /** The naive bundle not minified: shown for reference, not a target's baseline. */
    naiveUnminified: Measured;
    sdkOurWay: Measured;
  };
  alternatives: {
    /** Measured only as the template deploys the functions (NODE_OPTIONS included). */
    sdkFromRuntime: Measured & { route: string; nodeOptions: string; bytesRatio: number; initRatio: number };
  };
  functions: FunctionResult[];
  /** What the first route's bundle is made of, by package group (esbuild's metafile). */
  composition: { route: string; parts: Part[] };
}

type Template = { Resources: Record<string, { Type: string; Properties?: any; Metadata?: Record<string, unknown> }> };

function log(message: string): void {
  console.error(`cold start: ${message}`);
}

async function synthesize(outDir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '-o', outDir], {
      cwd: ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`cdk synth exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

function stackTemplate(cdkOut: string): Template {
  const manifest = JSON.parse(readFileSync(path.join(cdkOut, 'manifest.json'), 'utf8'));
  const stacks = Object.values(manifest.artifacts as Record<string, any>).filter(
    (a) => a.type === 'aws:cloudformation:stack',
  );
  if (stacks.length !== 1) throw new Error(`expected one stack in ${cdkOut}, found ${stacks.length}`);
  return JSON.parse(readFileSync(path.join(cdkOut, stacks[0].properties.templateFile), 'utf8'));
}

interface DeployedFunction {
  route: (typeof ROUTES)[number];
  asset: string;
  file: string;
  nodeOptions: string;
  env: Record<string, string>;
}

/** Each route's function in the template, with the asset directory its code was bundled into. */
function deployedFunctions(cdkOut: string): DeployedFunction[] {
  const template = stackTemplate(cdkOut);
  const found: DeployedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const description = String(resource.Properties?.Description ?? '');
    const route = ROUTES.find((r) => description.startsWith(`${r.method} ${r.path}:`));
    if (!route) continue;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    const key = String(resource.Properties?.Code?.S3Key ?? '');
    const asset = typeof assetPath === 'string' ? assetPath : `asset.${key.replace(/\.zip$/, '')}`;
    const file = path.join(cdkOut, asset, BUNDLE_FILE);
    if (!existsSync(file)) throw new Error(`${logicalId} (${route.name}): no ${file}`);
    const variables: Record<string, unknown> = resource.Properties?.Environment?.Variables ?? {};
    // Values the template leaves to CloudFormation (table name, secret ARNs) become stand-ins.
    const env = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]),
    );
    found.push({ route, asset, file, nodeOptions: String(variables.NODE_OPTIONS ?? ''), env });
  }
  const missing = ROUTES.filter((r) => !found.some((f) => f.route.name === r.name));
  if (missing.length > 0) throw new Error(`no function in the template for ${missing.map((r) => r.name).join(', ')}`);
  return ROUTES.map((r) => found.find((f) => f.route.name === r.name)!);
}

/** esbuild options equivalent to what NodejsFunction runs with FUNCTION_BUNDLING. */
const ourBundling = (): esbuild.BuildOptions => esbuildOptions();

async function bundle(entry: string, outfile: string, options: esbuild.BuildOptions): Promise<void> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  // The sources live outside the repository, so packages resolve from its node_modules.
  await esbuild.build({ ...options, entryPoints: [entry], outfile, nodePaths: [NODE_MODULES] });
}

/** Bundled like the functions: FUNCTION_BUNDLING's esbuild options, then its afterBundling step. */
async function bundleOurWay(entry: string, outfile: string, extra: esbuild.BuildOptions = {}): Promise<void> {
  await bundle(entry, outfile, { ...ourBundling(), ...extra });
  trimSourceMapFile(`${outfile}.map`);
}

/** Which packages make up a bundle, grouped; matched in order against each input's path. */
const PARTS: [string, RegExp][] = [
  [
    'AWS SDK v3 (DynamoDB, Secrets Manager, their dependencies)',
    /node_modules\/(@aws-sdk|@smithy|@aws\/lambda-invoke-store|mnemonist|obliterator)\//,
  ],
  [
    "X-Ray SDK (Powertools Tracer's dependency)",
    /node_modules\/(aws-xray-sdk-core|semver|cls-hooked|emitter-listener|shimmer|atomic-batcher)\//,
  ],
  ['Powertools logger, metrics, tracer', /node_modules\/@aws-lambda-powertools\//],
  ['zod', /node_modules\/zod\//],
  ['middy', /node_modules\/@middy\//],
  ['token ledger (lambdas/)', /(^|\/)lambdas\//],
];

interface Part {
  part: string;
  bytes: number;
}

/** esbuild's own account of a function's bundle (same options, not written), by package group. */
async function composition(entry: string): Promise<Part[]> {
  const built = await esbuild.build({
    ...ourBundling(),
    entryPoints: [entry],
    outfile: path.join(tmpdir(), 'composition.mjs'),
    write: false,
    metafile: true,
    sourcemap: false,
  });
  const [output] = Object.values(built.metafile!.outputs);
  const bytes = new Map<string, number>();
  let inputs = 0;
  for (const [file, input] of Object.entries(output!.inputs)) {
    const part = PARTS.find(([, pattern]) => pattern.test(file))?.[0] ?? 'other packages';
    bytes.set(part, (bytes.get(part) ?? 0) + input.bytesInOutput);
    inputs += input.bytesInOutput;
  }
  bytes.set('esbuild runtime and banner', output!.bytes - inputs);
  return [...PARTS.map(([part]) => part), 'other packages', 'esbuild runtime and banner']
    .map((part) => ({ part, bytes: bytes.get(part) ?? 0 }))
    .filter((p) => p.bytes > 0);
}

const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** What the Lambda service sets in a function's environment, plus stand-in credentials. */
function lambdaEnvironment(
  home: string,
  taskRoot: string,
  functionName: string,
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    // An empty home: the SDK must find nothing of this machine's own AWS configuration.
    HOME: home,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MEMORY_MB),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench-access-key-id',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
    TABLE_NAME: 'bench-table',
    ADMIN_GROUP_NAME: 'token-admins',
    POWERTOOLS_SERVICE_NAME: 'token-ledger',
    // The SDK warns once on Node < 22; Lambda's nodejs22.x never prints it.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

interface Setting {
  label: string;
  file: string;
  env: NodeJS.ProcessEnv;
  imports: number[];
  cpus: number[];
  walls: number[];
}

function stats(s: Setting): InitStats {
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    runs: s.imports.length,
    importMedianMs: round(median(s.imports)),
    importP95Ms: round(percentile(s.imports, 95)),
    importCpuMedianMs: round(median(s.cpus)),
    wallMedianMs: round(median(s.walls)),
    wallP95Ms: round(percentile(s.walls, 95)),
  };
}

/**
 * Every setting gets `runs` fresh processes, one after another, round-robin (so a busy moment
 * of the machine hits all settings alike, not one), after one unrecorded warm-up round that
 * brings the files into the page cache.
 */
function measureAll(settings: Setting[], runner: string, runs: number): void {
  for (let round = -1; round < runs; round++) {
    for (const s of settings) {
      const started = performance.now();
      const out = spawnSync(process.execPath, [runner, s.file], { env: s.env, encoding: 'utf8' });
      const wall = performance.now() - started;
      if (out.status !== 0)
        throw new Error(`${s.label}: node exited ${out.status}\n${(out.stderr ?? '').slice(-2000)}`);
      if (round < 0) continue;
      const { importMs, cpuMs } = JSON.parse(out.stdout);
      s.imports.push(importMs);
      s.cpus.push(cpuMs);
      s.walls.push(wall);
    }
  }
}

const kb = (bytes: number) => (bytes < 10240 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KiB`);
const ratio = (x: number) => x.toFixed(2);
const ms = (s: InitStats | undefined) => (s ? `${s.importMedianMs.toFixed(0)} (${s.importP95Ms.toFixed(0)})` : '–');

export async function run(): Promise<BenchSection> {
  const runs = Number(process.env.COLD_START_RUNS ?? 20);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`COLD_START_RUNS must be a positive whole number`);
  const work = mkdtempSync(path.join(tmpdir(), 'token-ledger-cold-start-'));
  try {
    let synthSeconds = 0;
    let cdkOut = process.env.COLD_START_CDK_OUT;
    if (!cdkOut) {
      cdkOut = path.join(work, 'cdk.out');
      log('cdk synth…');
      const started = Date.now();
      await synthesize(cdkOut);
      synthSeconds = (Date.now() - started) / 1000;
    }
    const functions = deployedFunctions(cdkOut);

    log('bundling the baselines…');
    const src = path.join(work, 'src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'empty.mjs'), EMPTY_HANDLER);
    writeFileSync(path.join(src, 'sdk.mjs'), SDK_HANDLER);
    const emptyFile = path.join(work, 'empty', BUNDLE_FILE);
    await bundleOurWay(path.join(src, 'empty.mjs'), emptyFile);
    // (b) what a first attempt looks like: CommonJS, esbuild's defaults (main before module).
    const naiveFile = path.join(work, 'naive', 'index.js');
    const naiveOptions: esbuild.BuildOptions = {
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      logLevel: 'warning',
    };
    await bundle(path.join(src, 'sdk.mjs'), naiveFile, { ...naiveOptions, minify: true });
    // (b) without minifying, esbuild's true default: a reference only, the targets use (b).
    const naivePlainFile = path.join(work, 'naive-unminified', 'index.js');
    await bundle(path.join(src, 'sdk.mjs'), naivePlainFile, naiveOptions);
    // (c) the same handler, bundled with our options: how much of (b) is the SDK itself.
    const sdkOurWayFile = path.join(work, 'sdk-our-way', BUNDLE_FILE);
    await bundleOurWay(path.join(src, 'sdk.mjs'), sdkOurWayFile);
    // The alternative we did not take: the first route's function with the SDK left to the
    // runtime (NodejsFunction's default). Its imports resolve from the repository's node_modules,
    // standing in for the runtime's copy under /var/runtime.
    const altRoute = functions[0]!.route;
    const altDir = path.join(work, 'alt');
    mkdirSync(altDir);
    symlinkSync(NODE_MODULES, path.join(altDir, 'node_modules'), 'dir');
    const altFile = path.join(altDir, 'sdk-from-runtime', BUNDLE_FILE);
    await bundleOurWay(path.join(ROOT, 'lambdas', `${altRoute.name}.ts`), altFile, {
      external: ['@aws-sdk/*', '@smithy/*'],
    });
    const parts = await composition(path.join(ROOT, 'lambdas', `${altRoute.name}.ts`));

    const runner = path.join(work, 'runner.mjs');
    writeFileSync(runner, RUNNER);
    const home = path.join(work, 'home');
    mkdirSync(home);

    const settings: Setting[] = [];
    const setting = (label: string, file: string, env: NodeJS.ProcessEnv): Setting => {
      const s: Setting = { label, file, env, imports: [], cpus: [], walls: [] };
      settings.push(s);
      return s;
    };
    const withSourceMaps = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
      ...env,
      NODE_OPTIONS: '--enable-source-maps',
    });
    const baseEnv = (file: string, name: string) => lambdaEnvironment(home, path.dirname(file), name, {});

    const emptyPlain = setting('empty', emptyFile, baseEnv(emptyFile, 'bench-empty'));
    const emptyMaps = setting('empty +maps', emptyFile, withSourceMaps(baseEnv(emptyFile, 'bench-empty')));
    const naivePlain = setting('naive', naiveFile, baseEnv(naiveFile, 'bench-naive'));
    const naiveUnminified = setting(
      'naive unminified',
      naivePlainFile,
      baseEnv(naivePlainFile, 'bench-naive-unminified'),
    );
    const ourWayPlain = setting('sdk our way', sdkOurWayFile, baseEnv(sdkOurWayFile, 'bench-sdk'));
    const altDeployed = setting(
      'sdk from runtime',
      altFile,
      lambdaEnvironment(home, path.dirname(altFile), `bench-${altRoute.name}`, functions[0]!.env),
    );
    const perFunction = functions.map((f) => {
      const env = lambdaEnvironment(home, path.dirname(f.file), `bench-${f.route.name}`, f.env);
      const plainEnv = { ...env };
      delete plainEnv.NODE_OPTIONS;
      return {
        f,
        plain: setting(f.route.name, f.file, plainEnv),
        maps: setting(`${f.route.name} +maps`, f.file, withSourceMaps(env)),
      };
    });

    log(`importing ${settings.length} bundles × ${runs} fresh processes…`);
    const measureStarted = Date.now();
    measureAll(settings, runner, runs);
    const measureSeconds = (Date.now() - measureStarted) / 1000;
    log(`synthesized in ${synthSeconds.toFixed(0)} s, measured in ${measureSeconds.toFixed(0)} s`);

    const measured = (file: string, plain: Setting, maps?: Setting): Measured => ({
      bytes: size(file),
      mapBytes: size(`${file}.map`),
      init: stats(plain),
      ...(maps && { initSourceMaps: stats(maps) }),
    });
    const naive = measured(naiveFile, naivePlain);
    // The naive bundle has no source map, so the flag would change nothing for it.
    const naiveInit = naive.init.importMedianMs;
    const functionResults: FunctionResult[] = perFunction.map(({ f, plain, maps }) => {
      const m = measured(f.file, plain, maps);
      const deployed = f.nodeOptions.includes('--enable-source-maps') ? m.initSourceMaps! : m.init;
      const withoutMaps = m.init.importMedianMs / naiveInit;
      const withMaps = m.initSourceMaps!.importMedianMs / naiveInit;
      return {
        route: f.route.name,
        method: f.route.method,
        path: f.route.path,
        asset: f.asset,
        nodeOptions: f.nodeOptions,
        ...m,
        bytesRatio: m.bytes / naive.bytes,
        initRatio: deployed.importMedianMs / naiveInit,
        initRatioWithoutSourceMaps: withoutMaps,
        initRatioWithSourceMaps: withMaps,
        initCpuRatio: deployed.importCpuMedianMs / naive.init.importCpuMedianMs,
      };
    });
    const alt = measured(altFile, altDeployed);
    const results: ColdStartResults = {
      node: process.version,
      runsPerSetting: runs,
      synthSeconds: Math.round(synthSeconds),
      measureSeconds: Math.round(measureSeconds),
      baselines: {
        empty: measured(emptyFile, emptyPlain, emptyMaps),
        naive,
        naiveUnminified: measured(naivePlainFile, naiveUnminified),
        sdkOurWay: measured(sdkOurWayFile, ourWayPlain),
      },
      alternatives: {
        sdkFromRuntime: {
          route: altRoute.name,
          nodeOptions: functions[0]!.nodeOptions,
          ...alt,
          bytesRatio: alt.bytes / naive.bytes,
          initRatio: alt.init.importMedianMs / naiveInit,
        },
      },
      functions: functionResults,
      composition: { route: altRoute.name, parts },
    };

    const targets: TargetCheck[] = functionResults.flatMap((f) => [
      {
        name: `${f.route} bundle bytes ≤ ${BYTES_TARGET} × naive`,
        target: `≤ ${BYTES_TARGET}`,
        measured: ratio(f.bytesRatio),
        met: f.bytesRatio <= BYTES_TARGET,
      },
      {
        name: `${f.route} init (median import, as deployed) ≤ ${INIT_TARGET} × naive`,
        target: `≤ ${INIT_TARGET}`,
        measured: ratio(f.initRatio),
        met: f.initRatio <= INIT_TARGET,
      },
    ]);

    return {
      key: 'coldStart',
      title: 'Cold start',
      method: method(results),
      tables: tables(results),
      results,
      targets,
    };
  } finally {
    if (process.env.COLD_START_KEEP) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function method(r: ColdStartResults): string {
  return [
    'Reproduce: `npm run bench` (all sections) or `npx tsx bench/cold-start.ts` (this section alone; it prints ' +
      `its tables). This section took ${r.synthSeconds} s to synthesize and ${r.measureSeconds} s to measure. ` +
      'Set `COLD_START_RUNS` for more or fewer processes per bundle.',
    '',
    '- **Bundles**: `cdk synth --quiet -o <temp dir>` builds every function exactly as a deploy would; each ' +
      "route's function is found in the template by its description (`GET /tokens: …`), its code in the asset " +
      'directory the template names. *Bytes* is the size of `index.js`; the `.map` beside it ships in the asset ' +
      'but is not counted.',
    '- **Baselines**, bundled with esbuild in the same run: (a) *empty*, `export const handler = async () => ' +
      "({ statusCode: 200 })`, with the functions' own bundling (`FUNCTION_BUNDLING` in `lib/handler-function.ts`, " +
      'source-map step included); (b) *naive*, a handler making the same DynamoDB calls as the repository (Get, ' +
      "Query, Scan, Put, Update) through `@aws-sdk/lib-dynamodb`'s package root, client built at module scope, " +
      "bundled as a first attempt would be: CommonJS, `platform: node`, `target: node22`, minified, esbuild's " +
      "default main fields, no source map (the same bundle not minified, esbuild's default, is shown for " +
      'reference; the targets use the minified one, the smaller of the two, as the functions are minified too); (c) *SDK calls, our options*: the same handler bundled like the ' +
      'functions, which shows how much of (b) the SDK itself takes once tree-shaken. Also measured, as the ' +
      "alternative not taken: the first route's function with `@aws-sdk/*` and `@smithy/*` left to the Lambda " +
      "runtime's copy (NodejsFunction's default), resolved here from `node_modules`.",
    `- **Init**: every bundle is loaded by ${r.runsPerSetting} fresh \`node\` processes (${r.node} here; Lambda ` +
      'runs nodejs22.x), one after another, round-robin over all bundles (so a busy moment of the machine hits ' +
      'them all alike) after one unrecorded warm-up round. Each process reads `performance.now()` and ' +
      '`process.cpuUsage()` before and after loading the bundle (`import()` for `.mjs`, `require()` for the ' +
      'CommonJS baseline, as the Lambda runtime loads them), so all module-scope work, SDK clients, Powertools, ' +
      'the X-Ray SDK, schema construction, is inside the figure. The environment is what Lambda sets (region, ' +
      'function name and memory, `LAMBDA_TASK_ROOT`, X-Ray daemon address, stand-in role credentials) plus the ' +
      "function's own variables from the template, with an empty `HOME`. *init* is the wall-clock median (p95 in " +
      'brackets), *CPU* the median CPU time of the same loads (all threads), a check on the wall clock when the ' +
      "machine is shared, *process* the whole process from spawn to exit, Node's own startup included.",
    '- **Source maps**: the functions run with `NODE_OPTIONS=--enable-source-maps`, and Node reads and parses a ' +
      "bundle's map while it loads the bundle, so every function is measured with and without the flag; the " +
      "*init* target uses the setting the template deploys. The maps keep only the mappings into the project's " +
      'own code (`lib/first-party-source-map.cjs`, run after esbuild), which is what keeps the flag cheap. The ' +
      'naive bundle has no map, so the flag changes nothing for it.',
    `- **Targets**, per function: bytes ≤ ${BYTES_TARGET} × naive, and init (median, as deployed) ≤ ${INIT_TARGET} × naive.`,
  ].join('\n');
}

function tables(r: ColdStartResults): string {
  const naive = r.baselines.naive;
  const rel = (x: InitStats | undefined) => (x ? ratio(x.importMedianMs / naive.init.importMedianMs) : '–');
  const alt = r.alternatives.sdkFromRuntime;
  const altWithMaps = alt.nodeOptions.includes('--enable-source-maps');
  const references: { label: string; bytes: number; plain?: InitStats; maps?: InitStats }[] = [
    {
      label: '(a) empty handler',
      bytes: r.baselines.empty.bytes,
      plain: r.baselines.empty.init,
      maps: r.baselines.empty.initSourceMaps,
    },
    { label: '(b) naive CommonJS, SDK calls', bytes: naive.bytes, plain: naive.init },
    {
      label: '(b) not minified (reference only)',
      bytes: r.baselines.naiveUnminified.bytes,
      plain: r.baselines.naiveUnminified.init,
    },
    { label: '(c) SDK calls, our options', bytes: r.baselines.sdkOurWay.bytes, plain: r.baselines.sdkOurWay.init },
    {
      label: `${alt.route}, SDK left to the runtime (not taken)`,
      bytes: alt.bytes,
      ...(altWithMaps ? { maps: alt.init } : { plain: alt.init }),
    },
  ];
  const referenceRows = references.map((x) => [
    x.label,
    kb(x.bytes),
    ratio(x.bytes / naive.bytes),
    ms(x.plain),
    rel(x.plain),
    ms(x.maps),
    rel(x.maps),
    (x.plain ?? x.maps)!.importCpuMedianMs.toFixed(0),
    (x.plain ?? x.maps)!.wallMedianMs.toFixed(0),
  ]);
  const functionRows = r.functions.map((f) => [
    `${f.method} ${f.path}`,
    kb(f.bytes),
    ratio(f.bytesRatio),
    kb(f.mapBytes),
    ms(f.init),
    ratio(f.initRatioWithoutSourceMaps),
    ms(f.initSourceMaps),
    ratio(f.initRatioWithSourceMaps),
    `${f.initSourceMaps!.importCpuMedianMs.toFixed(0)} (${ratio(f.initCpuRatio)})`,
    `${f.init.wallMedianMs.toFixed(0)} / ${f.initSourceMaps!.wallMedianMs.toFixed(0)}`,
  ]);
  return [
    'Init in ms, median (p95) of the import; ratios against the naive bundle (b). *CPU* is the median CPU ' +
      "time of the import (for the functions as deployed, with its ratio to the naive bundle's); *process* the " +
      'median whole-process time, spawn to exit.',
    '',
    markdownTable(
      ['bundle', 'bytes', '× naive', 'init', '× naive', 'init, source maps on', '× naive', 'CPU', 'process'],
      referenceRows,
    ),
    '',
    `Every function as \`cdk synth\` builds it (deployed with \`NODE_OPTIONS=${r.functions[0]?.nodeOptions ?? ''}\`):`,
    '',
    markdownTable(
      [
        'route',
        'bytes',
        '× naive',
        '.map',
        'init',
        '× naive',
        'init, source maps on',
        '× naive',
        'CPU (× naive)',
        'process, maps off / on',
      ],
      functionRows,
    ),
    '',
    `What the ${r.composition.route} bundle is made of (esbuild's metafile, same options; the bytes target ` +
      `allows ${kb(naive.bytes * BYTES_TARGET)} in all):`,
    '',
    markdownTable(
      ['part', 'bytes', '× naive'],
      r.composition.parts.map((p) => [p.part, kb(p.bytes), ratio(p.bytes / naive.bytes)]),
    ),
    '',
    whyNotMet(r),
  ].join('\n');
}

/** The targets against what the SDK alone takes, from this run's figures. */
function whyNotMet(r: ColdStartResults): string {
  const naive = r.baselines.naive;
  const sdk = r.baselines.sdkOurWay;
  const sdkBytes = sdk.bytes / naive.bytes;
  const sdkInit = sdk.init.importMedianMs / naive.init.importMedianMs;
  const part = (prefix: string) =>
    (r.composition.parts.find((p) => p.part.startsWith(prefix))?.bytes ?? 0) / naive.bytes;
  const composed = r.composition.parts.reduce((n, p) => n + p.bytes, 0) / naive.bytes;
  const withoutXray = composed - part('X-Ray SDK');
  const plain = r.baselines.naiveUnminified;
  const range = (xs: number[]) => `${ratio(Math.min(...xs))}–${ratio(Math.max(...xs))}`;
  const againstPlain =
    `Against the naive bundle not minified (${kb(plain.bytes)}), the functions would be ` +
    `${range(r.functions.map((f) => f.bytes / plain.bytes))} × in bytes and ` +
    `${range(r.functions.map((f) => (f.initRatio * naive.init.importMedianMs) / plain.init.importMedianMs))} × in init (as deployed).`;
  const misses = r.functions.filter((f) => f.bytesRatio > BYTES_TARGET || f.initRatio > INIT_TARGET);
  if (misses.length === 0) return `**Every function meets both targets.** ${againstPlain}`;
  return (
    `**Why ${misses.length} of ${r.functions.length} functions miss a target.** The SDK calls alone, bundled our way (c), ` +
    `take ${ratio(sdkBytes)} × naive in bytes and ${ratio(sdkInit)} × in init, against budgets of ${BYTES_TARGET} and ${INIT_TARGET} for ` +
    `the whole function. What remains, ${ratio(BYTES_TARGET - sdkBytes)} × in bytes and ${ratio(INIT_TARGET - sdkInit)} × in init, ` +
    'is what the required stack around the SDK must fit in: the Powertools Tracer brings the X-Ray SDK ' +
    `(${ratio(part('X-Ray SDK'))} × naive on its own, CommonJS, so esbuild cannot tree-shake it, and loaded at module ` +
    `scope by the Tracer), Powertools logger, metrics and tracer ${ratio(part('Powertools'))} ×, zod/mini ${ratio(part('zod'))} ×, ` +
    `middy ${ratio(part('middy'))} ×, our own code ${ratio(part('token ledger'))} ×. What the bundling choices already ` +
    'removed (README, Performance): ESM with `module` main fields, no barrel imports, the credential providers ' +
    'Lambda never loads left out, source maps cut to our own code, zod replaced by zod/mini. Leaving the SDK to the ' +
    'runtime shrinks the bundle but makes init slower (the row "not taken" above): the runtime\'s SDK is CommonJS ' +
    'and loads file by file. Even without the X-Ray SDK, which the required Powertools Tracer brings, the ' +
    `${r.composition.route} bundle would be ${ratio(withoutXray)} × naive in bytes. ${againstPlain}`
  );
}

if (require.main === module) runStandalone(run);
