/**
 * Cold start: every function's bundle exactly as `cdk synth` writes it, by default and with
 * `-c tracing=true`, its size, and the time a fresh `node` process takes to import it, against
 * baselines bundled in the same run; and what each package of the default bundle costs.
 *
 * `npx tsx bench/cold-start.ts` runs this section alone and prints its tables. The prose around
 * them is bench/cold-start.md, filled from the run's figures. Environment: COLD_START_RUNS (fresh
 * processes per bundle, default 20), COLD_START_CDK_OUT and COLD_START_CDK_OUT_TRACING (existing
 * `cdk synth` outputs, default and `-c tracing=true`, to measure instead of synthesizing),
 * COLD_START_KEEP=1 (keep the temporary directory and say where it is).
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
import { ROUTES, type RouteName, routeNamed } from '../lambdas/routes';
import { trimSourceMapFile } from '../lib/first-party-source-map.cjs';
import { BUNDLE_FILE, esbuildOptions, FUNCTION_MEMORY_MB } from '../lib/handler-function';
import {
  type BenchSection,
  type BudgetCheck,
  markdownTable,
  median,
  percentile,
  renderTemplate,
  runStandalone,
} from './section';

const ROOT = path.join(__dirname, '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');

/** The design budgets, per function as deployed by default (their reasons: bench/cold-start.md). */
const BYTES_BUDGET = 0.5;
const INIT_BUDGET = 0.6;

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
import {
  DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const TableName = process.env.TABLE_NAME;

export const handler = async (event) => {
  const tokenId = event.pathParameters?.tokenId ?? 'none';
  const got = await client.send(new GetCommand({ TableName, Key: { tokenId }, ConsistentRead: true }));
  const listed = await client.send(new QueryCommand({
    TableName, IndexName: 'byUser', KeyConditionExpression: 'userId = :u',
    ExpressionAttributeValues: { ':u': tokenId }, ScanIndexForward: false,
  }));
  const scanned = await client.send(new ScanCommand({ TableName, Limit: 20 }));
  await client.send(new PutCommand({
    TableName, Item: { tokenId }, ConditionExpression: 'attribute_not_exists(tokenId)',
  }));
  await client.send(new UpdateCommand({
    TableName, Key: { tokenId }, UpdateExpression: 'SET revokedAt = :now',
    ExpressionAttributeValues: { ':now': Date.now() }, ReturnValues: 'ALL_NEW',
  }));
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
  init: InitStats;
}

/** A bundle against the naive one (b). */
interface Compared extends Measured {
  bytesRatio: number;
  initRatio: number;
  /** The same comparison in CPU time: a check on the wall-clock ratio. */
  initCpuRatio: number;
}

interface FunctionResult {
  route: string;
  method: string;
  path: string;
  /** As `cdk synth` builds it by default. */
  default: Compared & { asset: string };
  /** As `cdk synth -c tracing=true` builds it. */
  tracing: Compared & { asset: string };
}

/** Whether a build is over a budget, against the naive bundle. */
const overBytesBudget = (c: Compared) => c.bytesRatio > BYTES_BUDGET;
const overInitBudget = (c: Compared) => c.initRatio > INIT_BUDGET;

interface Part {
  part: string;
  /** In the default bundle, then with tracing (esbuild's metafile). */
  bytes: number;
  tracingBytes: number;
  /**
   * What the default bundle's import loses with the package replaced by an inert stand-in, in CPU
   * time (which other work on the machine disturbs less than the wall clock): the median over the
   * rounds of the two imports' difference. Absent for what is not replaced (the SDK's shared core,
   * the project's own code).
   */
  initCostCpuMs?: number;
}

export interface ColdStartResults {
  node: string;
  runsPerSetting: number;
  synthSeconds: number;
  measureSeconds: number;
  budgets: { bytes: number; init: number };
  baselines: {
    empty: Measured;
    naive: Measured;
    /** The naive bundle not minified: shown for reference, not a budget's baseline. */
    naiveUnminified: Measured;
    sdkOurWay: Compared;
  };
  /** Measured on the largest function, as alternatives not taken. */
  alternatives: {
    sdkFromRuntime: Compared & { route: string };
    /** An ES module (`index.mjs`, which the runtime loads with `import()`), not CommonJS. */
    esModule: Compared & { route: string };
    enableSourceMaps: Compared & { route: string };
  };
  functions: FunctionResult[];
  /**
   * What the largest function's bundle is made of, by package (esbuild's metafile), and the AWS SDK in
   * all (its init cost with the whole SDK replaced at once).
   */
  composition: { route: string; parts: Part[]; sdk: { bytes: number; initCostCpuMs: number } };
}

type Template = { Resources: Record<string, { Type: string; Properties?: any; Metadata?: Record<string, unknown> }> };

function log(message: string): void {
  console.error(`cold start: ${message}`);
}

async function synthesize(outDir: string, context: Record<string, string>): Promise<void> {
  const contextArgs = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '-o', outDir, ...contextArgs], {
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
  /** The function's own variables from the template (NODE_OPTIONS included, if it sets any). */
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
    found.push({ route, asset, file, env });
  }
  const missing = ROUTES.filter((r) => !found.some((f) => f.route.name === r.name));
  if (missing.length > 0) throw new Error(`no function in the template for ${missing.map((r) => r.name).join(', ')}`);
  return ROUTES.map((r) => found.find((f) => f.route.name === r.name)!);
}

async function bundle(entry: string, outfile: string, options: esbuild.BuildOptions): Promise<void> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  // The sources live outside the repository, so packages resolve from its node_modules.
  await esbuild.build({ ...options, entryPoints: [entry], outfile, nodePaths: [NODE_MODULES] });
}

/** Bundled like the functions by default: their esbuild options, then their source-map step. */
async function bundleOurWay(entry: string, outfile: string, extra: esbuild.BuildOptions = {}): Promise<void> {
  await bundle(entry, outfile, { ...esbuildOptions(), ...extra });
  trimSourceMapFile(`${outfile}.map`);
}

/** The DynamoDB client's own packages, and lib-dynamodb's (the rest of the SDK is shared). */
const DYNAMODB_PACKAGES = [
  'client-dynamodb',
  'lib-dynamodb',
  'util-dynamodb',
  'dynamodb-codec',
  'endpoint-cache',
  'middleware-endpoint-discovery',
];

/**
 * The packages of a bundle, matched in order against each input's path (`inputs`). Those with
 * `imports` can be replaced by an inert stand-in wherever the code imports them, to measure what
 * they cost at init.
 */
const PACKAGES: { part: string; inputs: RegExp; imports?: RegExp }[] = [
  {
    part: 'AWS SDK: DynamoDB client, lib-dynamodb',
    inputs: new RegExp(`node_modules/(@aws-sdk/(${DYNAMODB_PACKAGES.join('|')})|mnemonist|obliterator)/`),
    imports: /^@aws-sdk\/(client-dynamodb|lib-dynamodb)$/,
  },
  {
    part: 'AWS SDK: Secrets Manager client',
    inputs: /node_modules\/@aws-sdk\/client-secrets-manager\//,
    imports: /^@aws-sdk\/client-secrets-manager$/,
  },
  {
    part: 'AWS SDK: Cognito user pools client',
    inputs: /node_modules\/@aws-sdk\/client-cognito-identity-provider\//,
    imports: /^@aws-sdk\/client-cognito-identity-provider$/,
  },
  {
    part: "AWS SDK: the clients' shared core",
    inputs: /node_modules\/(@aws-sdk|@smithy|@aws\/lambda-invoke-store)\//,
  },
  {
    part: "X-Ray SDK (the Tracer's dependency)",
    inputs: /node_modules\/(aws-xray-sdk-core|semver|cls-hooked|emitter-listener|shimmer|atomic-batcher)\//,
  },
  { part: 'Powertools Tracer', inputs: /node_modules\/@aws-lambda-powertools\/tracer\// },
  {
    part: 'Powertools Logger',
    inputs: /node_modules\/@aws-lambda-powertools\/logger\//,
    imports: /^@aws-lambda-powertools\/logger/,
  },
  {
    part: 'Powertools Metrics',
    inputs: /node_modules\/@aws-lambda-powertools\/metrics\//,
    imports: /^@aws-lambda-powertools\/metrics/,
  },
  { part: 'Powertools commons (shared by the above)', inputs: /node_modules\/@aws-lambda-powertools\/commons\// },
  { part: 'zod/mini', inputs: /node_modules\/zod\//, imports: /^zod/ },
  { part: '@middy/core', inputs: /node_modules\/@middy\/core\//, imports: /^@middy\/core/ },
  { part: '@middy/http-cors', inputs: /node_modules\/@middy\/(http-cors|util)\//, imports: /^@middy\/http-cors/ },
  { part: 'token ledger (lambdas/)', inputs: /(^|\/)lambdas\// },
];
/** The whole AWS SDK, replaced at once: what it costs in all. */
const WHOLE_SDK = { part: 'AWS SDK in all', imports: /^@(aws-sdk|smithy)\// };
const OTHER_PACKAGES = 'other packages';
const RUNTIME = 'esbuild runtime';

/**
 * A module that stands in for a whole package: every property, call and `new` gives the stand-in
 * back, so the code around it runs as before and only the package's own work is missing.
 */
const STAND_IN = `const handler = {
  get: (_, key) => (key === Symbol.toPrimitive ? () => '' : key === 'then' ? undefined : standIn),
  apply: () => standIn,
  construct: () => standIn,
  getPrototypeOf: () => standIn,
};
const standIn = new Proxy(function () {}, handler);
module.exports = standIn;
`;

const standInFor = (imports: RegExp): esbuild.Plugin => ({
  name: 'stand-in',
  setup(build) {
    build.onResolve({ filter: imports }, (args) => ({ path: args.path, namespace: 'stand-in' }));
    build.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({ contents: STAND_IN, loader: 'js' }));
  },
});

/** esbuild's own account of a function's bundle (same options, not written), bytes by package. */
async function composition(entry: string, tracing: boolean): Promise<Map<string, number>> {
  const built = await esbuild.build({
    ...esbuildOptions(tracing),
    entryPoints: [entry],
    outfile: path.join(tmpdir(), BUNDLE_FILE),
    write: false,
    metafile: true,
    sourcemap: false,
  });
  const [output] = Object.values(built.metafile!.outputs);
  const bytes = new Map<string, number>();
  let inputs = 0;
  for (const [file, input] of Object.entries(output!.inputs)) {
    const part = PACKAGES.find((p) => p.inputs.test(file))?.part ?? OTHER_PACKAGES;
    bytes.set(part, (bytes.get(part) ?? 0) + input.bytesInOutput);
    inputs += input.bytesInOutput;
  }
  bytes.set(RUNTIME, output!.bytes - inputs);
  return bytes;
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
const ms = (s: InitStats) => `${s.importMedianMs.toFixed(0)} (${s.importP95Ms.toFixed(0)})`;
const range = (xs: number[], format = ratio) => {
  const [low, high] = [format(Math.min(...xs)), format(Math.max(...xs))];
  return low === high ? low : `${low}–${high}`;
};

export async function run(): Promise<BenchSection> {
  const runs = Number(process.env.COLD_START_RUNS ?? 20);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`COLD_START_RUNS must be a positive whole number`);
  const work = mkdtempSync(path.join(tmpdir(), 'token-ledger-cold-start-'));
  try {
    let synthSeconds = 0;
    /** The synth output a variable names, else a fresh `cdk synth` with `context`. */
    const synthOutput = async (variable: string, name: string, context: Record<string, string>) => {
      const existing = process.env[variable];
      if (existing) return existing;
      const outDir = path.join(work, name);
      const flags = Object.entries(context).map(([k, v]) => ` -c ${k}=${v}`);
      log(`cdk synth${flags.join('')}…`);
      const started = Date.now();
      await synthesize(outDir, context);
      synthSeconds += (Date.now() - started) / 1000;
      return outDir;
    };
    const defaults = deployedFunctions(await synthOutput('COLD_START_CDK_OUT', 'cdk.out', {}));
    const traced = deployedFunctions(
      await synthOutput('COLD_START_CDK_OUT_TRACING', 'cdk.out.tracing', { tracing: 'true' }),
    );
    // The largest function carries every package any function does, so its make-up accounts for all of them.
    const subjectIndex = defaults.reduce(
      (best, f, i) => (statSync(f.file).size > statSync(defaults[best]!.file).size ? i : best),
      0,
    );
    const subject = defaults[subjectIndex]!;
    const subjectEntry = path.join(ROOT, 'lambdas', `${subject.route.name}.ts`);

    log('bundling the baselines and stand-ins…');
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
    // (b) without minifying, esbuild's true default: a reference only, the budgets use (b).
    const naivePlainFile = path.join(work, 'naive-unminified', 'index.js');
    await bundle(path.join(src, 'sdk.mjs'), naivePlainFile, naiveOptions);
    // (c) the same handler, bundled with the functions' options: how much of (b) is the SDK itself.
    const sdkOurWayFile = path.join(work, 'sdk-our-way', BUNDLE_FILE);
    await bundleOurWay(path.join(src, 'sdk.mjs'), sdkOurWayFile);
    // The alternative not taken: the largest function with the SDK left to the runtime
    // (NodejsFunction's default). Its imports resolve from the repository's node_modules,
    // standing in for the runtime's copy under /var/runtime.
    const altDir = path.join(work, 'alt');
    mkdirSync(altDir);
    symlinkSync(NODE_MODULES, path.join(altDir, 'node_modules'), 'dir');
    const altFile = path.join(altDir, 'sdk-from-runtime', BUNDLE_FILE);
    await bundleOurWay(subjectEntry, altFile, { external: ['@aws-sdk/*', '@smithy/*'] });
    // Also not taken: the largest function as an ES module. Its CommonJS dependencies (the
    // X-Ray SDK, with tracing) would need `require`, which a banner gives it.
    const esmFile = path.join(work, 'es-module', 'index.mjs');
    await bundleOurWay(subjectEntry, esmFile, {
      format: 'esm',
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    });
    // The largest function with each package that can be replaced by a stand-in.
    const standIns = [...PACKAGES.filter((p) => p.imports), WHOLE_SDK].map((p, i) => ({
      part: p.part,
      imports: p.imports!,
      file: path.join(work, 'stand-in', String(i), BUNDLE_FILE),
    }));
    for (const s of standIns) await bundleOurWay(subjectEntry, s.file, { plugins: [standInFor(s.imports)] });
    const defaultBytes = await composition(subjectEntry, false);
    const tracingBytes = await composition(subjectEntry, true);

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
    const baseline = (label: string, file: string) =>
      setting(label, file, lambdaEnvironment(home, path.dirname(file), `bench-${label}`, {}));
    /** As the template deploys `f`: its own variables, with the code in `file`. */
    const asDeployed = (label: string, f: DeployedFunction, file = f.file, extra: Record<string, string> = {}) =>
      setting(
        label,
        file,
        lambdaEnvironment(home, path.dirname(file), `bench-${f.route.name}`, { ...f.env, ...extra }),
      );

    const emptySetting = baseline('empty', emptyFile);
    const naiveSetting = baseline('naive', naiveFile);
    const naivePlainSetting = baseline('naive-unminified', naivePlainFile);
    const ourWaySetting = baseline('sdk-our-way', sdkOurWayFile);
    const altSetting = asDeployed('sdk from runtime', subject, altFile);
    const esmSetting = asDeployed('es module', subject, esmFile);
    const mapsSetting = asDeployed('--enable-source-maps', subject, subject.file, {
      NODE_OPTIONS: [subject.env.NODE_OPTIONS, '--enable-source-maps'].filter(Boolean).join(' '),
    });
    // The largest function, then each of its stand-ins right after it, so that every round loads
    // them close together in time: what a package costs is the median of those pairs' differences.
    const subjectPlain = asDeployed(subject.route.name, subject);
    const standInSettings = standIns.map((s) => ({ ...s, setting: asDeployed(`without ${s.part}`, subject, s.file) }));
    const perFunction = defaults.map((f, i) => ({
      f,
      t: traced[i]!,
      plain: i === subjectIndex ? subjectPlain : asDeployed(f.route.name, f),
      tracing: asDeployed(`${f.route.name} tracing`, traced[i]!),
    }));

    log(`importing ${settings.length} bundles × ${runs} fresh processes…`);
    const measureStarted = Date.now();
    measureAll(settings, runner, runs);
    const measureSeconds = (Date.now() - measureStarted) / 1000;
    log(`synthesized in ${synthSeconds.toFixed(0)} s, measured in ${measureSeconds.toFixed(0)} s`);

    const measured = (file: string, s: Setting): Measured => ({
      bytes: size(file),
      mapBytes: size(`${file}.map`),
      init: stats(s),
    });
    const naive = measured(naiveFile, naiveSetting);
    const compared = (file: string, s: Setting): Compared => {
      const m = measured(file, s);
      return {
        ...m,
        bytesRatio: m.bytes / naive.bytes,
        initRatio: m.init.importMedianMs / naive.init.importMedianMs,
        initCpuRatio: m.init.importCpuMedianMs / naive.init.importCpuMedianMs,
      };
    };
    const functions: FunctionResult[] = perFunction.map(({ f, t, plain, tracing }) => ({
      route: f.route.name,
      method: f.route.method,
      path: f.route.path,
      default: { asset: f.asset, ...compared(f.file, plain) },
      tracing: { asset: t.asset, ...compared(t.file, tracing) },
    }));
    /** The CPU time the largest function saves at init without what `s` leaves out. */
    const initCost = (s: Setting) =>
      Math.round(median(subjectPlain.cpus.map((ms, round) => ms - s.cpus[round]!)) * 10) / 10;
    const parts: Part[] = [...PACKAGES.map((p) => p.part), OTHER_PACKAGES, RUNTIME]
      .map((part) => {
        const standIn = standInSettings.find((s) => s.part === part);
        return {
          part,
          bytes: defaultBytes.get(part) ?? 0,
          tracingBytes: tracingBytes.get(part) ?? 0,
          ...(standIn && { initCostCpuMs: initCost(standIn.setting) }),
        };
      })
      .filter((p) => p.bytes > 0 || p.tracingBytes > 0);
    const wholeSdk = standInSettings.find((s) => s.part === WHOLE_SDK.part)!;
    const sdk = {
      bytes: parts.filter((p) => p.part.startsWith('AWS SDK')).reduce((sum, p) => sum + p.bytes, 0),
      initCostCpuMs: initCost(wholeSdk.setting),
    };
    const results: ColdStartResults = {
      node: process.version,
      runsPerSetting: runs,
      synthSeconds: Math.round(synthSeconds),
      measureSeconds: Math.round(measureSeconds),
      budgets: { bytes: BYTES_BUDGET, init: INIT_BUDGET },
      baselines: {
        empty: measured(emptyFile, emptySetting),
        naive,
        naiveUnminified: measured(naivePlainFile, naivePlainSetting),
        sdkOurWay: compared(sdkOurWayFile, ourWaySetting),
      },
      alternatives: {
        sdkFromRuntime: { route: subject.route.name, ...compared(altFile, altSetting) },
        esModule: { route: subject.route.name, ...compared(esmFile, esmSetting) },
        enableSourceMaps: { route: subject.route.name, ...compared(subject.file, mapsSetting) },
      },
      functions,
      composition: { route: subject.route.name, parts, sdk },
    };

    const targets: BudgetCheck[] = functions.flatMap(({ route, default: d }) => [
      {
        name: `${route} bundle bytes ≤ ${BYTES_BUDGET} × naive`,
        target: `≤ ${BYTES_BUDGET}`,
        measured: ratio(d.bytesRatio),
        met: !overBytesBudget(d),
      },
      {
        name: `${route} init (median import, as deployed) ≤ ${INIT_BUDGET} × naive`,
        target: `≤ ${INIT_BUDGET}`,
        measured: ratio(d.initRatio),
        met: !overInitBudget(d),
      },
    ]);

    const values = proseValues(results);
    const prose = renderTemplate(path.join(__dirname, 'cold-start.md'), values);
    return {
      key: 'coldStart',
      title: 'Cold start',
      method: prose.method!,
      tables: [prose.tables!, values.missed === 0 ? prose.all_met! : prose.some_missed!].join('\n\n'),
      results,
      targets,
    };
  } finally {
    if (process.env.COLD_START_KEEP) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** Every figure the prose names, from this run's results, and the tables. */
function proseValues(r: ColdStartResults): Record<string, string | number> {
  const naive = r.baselines.naive;
  const naiveCpuMs = naive.init.importCpuMedianMs;
  const subject = r.functions.find((f) => f.route === r.composition.route)!.default;
  const part = (name: string) => r.composition.parts.find((p) => p.part.startsWith(name));
  const bytesOf = (name: string) => ratio((part(name)?.bytes ?? 0) / naive.bytes);
  const initOf = (name: string) => ratio((part(name)?.initCostCpuMs ?? 0) / naiveCpuMs);
  const sdkBytes = r.composition.sdk.bytes / naive.bytes;
  const sdkInit = r.composition.sdk.initCostCpuMs / naiveCpuMs;
  const plain = r.baselines.naiveUnminified;
  const defaults = r.functions.map((f) => f.default);
  const routesOf = (fs: FunctionResult[]) => (fs.length ? fs.map((f) => `${f.method} ${f.path}`).join(', ') : 'none');
  const overBytes = r.functions.filter((f) => overBytesBudget(f.default));
  const overInit = r.functions.filter((f) => overInitBudget(f.default));
  const routeOf = (f: FunctionResult) => routeNamed(f.route as RouteName);
  const readsSecrets = (f: FunctionResult) => routeOf(f).secrets.length > 0;
  const readsUserPool = (f: FunctionResult) => (routeOf(f).userPool ?? []).length > 0;
  const bytesRangeOf = (fs: FunctionResult[]) => (fs.length ? range(fs.map((f) => f.default.bytesRatio)) : '–');
  return {
    route: r.composition.route,
    runs: r.runsPerSetting,
    node: r.node,
    synthSeconds: r.synthSeconds,
    measureSeconds: r.measureSeconds,
    bytesBudget: BYTES_BUDGET,
    initBudget: INIT_BUDGET,
    bytesAllowed: kb(naive.bytes * BYTES_BUDGET),
    plainBytes: kb(plain.bytes),
    referenceTable: referenceTable(r),
    functionTable: functionTable(r),
    compositionTable: compositionTable(r),
    functionCount: r.functions.length,
    missed: new Set([...overBytes, ...overInit]).size,
    overBytes: routesOf(overBytes),
    overInit: routesOf(overInit),
    bytesRange: range(defaults.map((d) => d.bytesRatio)),
    initRange: range(defaults.map((d) => d.initRatio)),
    mapRange: range(
      defaults.map((d) => d.mapBytes),
      kb,
    ),
    secretsBytesRange: bytesRangeOf(r.functions.filter(readsSecrets)),
    userPoolBytesRange: bytesRangeOf(r.functions.filter(readsUserPool)),
    dynamoOnlyBytesRange: bytesRangeOf(r.functions.filter((f) => !readsSecrets(f) && !readsUserPool(f))),
    tracingBytesRange: range(r.functions.map((f) => f.tracing.bytesRatio - f.default.bytesRatio)),
    tracingInitRange: range(r.functions.map((f) => f.tracing.initRatio - f.default.initRatio)),
    tracingInitMedian: ratio(median(r.functions.map((f) => f.tracing.initRatio - f.default.initRatio))),
    tracingRatioRange: range(r.functions.map((f) => f.tracing.initRatio)),
    sourceMapsCost: ratio(r.alternatives.enableSourceMaps.initRatio - subject.initRatio),
    esModuleCost: ratio(r.alternatives.esModule.initRatio - subject.initRatio),
    altBytes: ratio(r.alternatives.sdkFromRuntime.bytesRatio),
    altInit: ratio(r.alternatives.sdkFromRuntime.initRatio),
    plainBytesRange: range(defaults.map((d) => d.bytes / plain.bytes)),
    plainInitRange: range(defaults.map((d) => d.init.importMedianMs / plain.init.importMedianMs)),
    sdkBytes: ratio(sdkBytes),
    sdkInit: ratio(sdkInit),
    dynamoBytes: bytesOf('AWS SDK: DynamoDB'),
    dynamoInit: initOf('AWS SDK: DynamoDB'),
    secretsBytes: bytesOf('AWS SDK: Secrets Manager'),
    secretsInit: initOf('AWS SDK: Secrets Manager'),
    cognitoBytes: bytesOf('AWS SDK: Cognito'),
    cognitoInit: initOf('AWS SDK: Cognito'),
    sdkCoreBytes: bytesOf("AWS SDK: the clients' shared core"),
    leftBytes: ratio(BYTES_BUDGET - sdkBytes),
    leftInit: ratio(INIT_BUDGET - sdkInit),
    restBytes: ratio(subject.bytesRatio - sdkBytes),
    restInit: ratio(subject.initCpuRatio - sdkInit),
    loggerBytes: bytesOf('Powertools Logger'),
    loggerInit: initOf('Powertools Logger'),
    metricsBytes: bytesOf('Powertools Metrics'),
    metricsInit: initOf('Powertools Metrics'),
    commonsBytes: bytesOf('Powertools commons'),
    zodBytes: bytesOf('zod'),
    zodInit: initOf('zod'),
    middyBytes: bytesOf('@middy/core'),
    middyInit: initOf('@middy/core'),
    corsBytes: bytesOf('@middy/http-cors'),
    corsInit: initOf('@middy/http-cors'),
    ownBytes: bytesOf('token ledger'),
  };
}

function referenceTable(r: ColdStartResults): string {
  const { empty, naive, naiveUnminified, sdkOurWay } = r.baselines;
  const { sdkFromRuntime, esModule, enableSourceMaps } = r.alternatives;
  const rows: [string, Measured][] = [
    ['(a) empty handler', empty],
    ['(b) naive CommonJS, SDK calls', naive],
    ['(b) not minified (reference only)', naiveUnminified],
    ['(c) SDK calls, bundled like the functions', sdkOurWay],
    [`${sdkFromRuntime.route}, SDK left to the runtime (not taken)`, sdkFromRuntime],
    [`${esModule.route}, an ES module (not taken)`, esModule],
    [`${enableSourceMaps.route}, with \`--enable-source-maps\` (not taken)`, enableSourceMaps],
  ];
  return markdownTable(
    ['bundle', 'bytes', '× naive', 'init', '× naive', 'CPU', 'process'],
    rows.map(([label, m]) => [
      label,
      kb(m.bytes),
      ratio(m.bytes / naive.bytes),
      ms(m.init),
      ratio(m.init.importMedianMs / naive.init.importMedianMs),
      m.init.importCpuMedianMs.toFixed(0),
      m.init.wallMedianMs.toFixed(0),
    ]),
  );
}

function functionTable(r: ColdStartResults): string {
  return markdownTable(
    [
      'route',
      'bytes',
      '× naive',
      '.map',
      'init',
      '× naive',
      'CPU × naive',
      'bytes, tracing',
      '× naive',
      'init, tracing',
      '× naive',
    ],
    r.functions.map((f) => [
      `${f.method} ${f.path}`,
      kb(f.default.bytes),
      ratio(f.default.bytesRatio),
      kb(f.default.mapBytes),
      ms(f.default.init),
      ratio(f.default.initRatio),
      ratio(f.default.initCpuRatio),
      kb(f.tracing.bytes),
      ratio(f.tracing.bytesRatio),
      ms(f.tracing.init),
      ratio(f.tracing.initRatio),
    ]),
  );
}

function compositionTable(r: ColdStartResults): string {
  const naive = r.baselines.naive;
  return markdownTable(
    ['part', 'bytes', '× naive', 'init it costs, CPU ms', '× naive', 'bytes, tracing', '× naive'],
    r.composition.parts.map((p) => [
      p.part,
      kb(p.bytes),
      ratio(p.bytes / naive.bytes),
      p.initCostCpuMs === undefined ? '–' : p.initCostCpuMs.toFixed(1),
      p.initCostCpuMs === undefined ? '–' : ratio(p.initCostCpuMs / naive.init.importCpuMedianMs),
      kb(p.tracingBytes),
      ratio(p.tracingBytes / naive.bytes),
    ]),
  );
}

if (require.main === module) runStandalone(run);
