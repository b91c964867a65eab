import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { ENV, SECRET_ARN_VARIABLE } from '../lambdas/config';
import { DEFAULT_TIMEOUT_SECONDS, type FunctionDefinition, type StackSecret } from '../lambdas/routes';
import type { TokenTable } from './token-table';

const ROOT = path.join(__dirname, '..');

/**
 * Credential providers that the SDK's default chain loads with `await import()` only when no
 * credentials are in the environment. Lambda always puts the function's role credentials there,
 * so a deployed function never loads them; bundled, they were a fifth of every bundle (STS, SSO
 * and OIDC clients, ini-file and IMDS providers) for V8 to parse on every cold start. Left
 * external, the import would be resolved from the runtime's own SDK copy if it ever ran.
 */
const UNUSED_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

/**
 * Event-stream support, which the SDK's protocols load with `await import()` only for an
 * operation that sends or receives an event stream. No DynamoDB or Secrets Manager operation
 * does, so no function ever loads it. Bundled, it was 20 KiB of every bundle, and because esbuild
 * turns each module that a dynamic import shares with the rest into a lazily run one, it
 * wrapped much of the protocol code too.
 */
const UNUSED_EVENT_STREAMS = ['@smithy/core/event-streams'];

/**
 * The expression `lambdas/telemetry/tracing.ts` decides by. Run from source it reads the variable; in
 * a bundle esbuild's `define` writes the deployment's choice over it, so without tracing the
 * Tracer's branch is dead code and the X-Ray SDK stays out of the bundle.
 */
export const TRACING_SWITCH = 'process.env.TOKEN_LEDGER_TRACING';

/** esbuild's `define` for a bundle with or without tracing. */
const tracingDefine = (tracing: boolean) => ({ [TRACING_SWITCH]: JSON.stringify(String(tracing)) });

/** The bundle in each function's asset, with its source map beside it as `index.js.map`. */
export const BUNDLE_FILE = 'index.js';

/**
 * How every function is bundled, but for tracing (functionBundling). What each choice costs or saves is
 * measured in BENCHMARKS.md.
 */
const FUNCTION_BUNDLING = {
  // esbuild is a devDependency, so bundling runs locally: no Docker, also in CI.
  forceDockerBundling: false,
  // A CommonJS bundle, which the Lambda runtime loads with require(): Node loads the same code a
  // few milliseconds faster that way than as an ES module through import() (BENCHMARKS.md).
  format: OutputFormat.CJS,
  target: 'node22',
  // Prefer ESM builds of dependencies so esbuild can tree-shake them.
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  // Stack traces need the mappings, not a second copy of the sources. The functions run without
  // --enable-source-maps, which makes Node scan every bundle line by line on each cold start; the
  // logger maps the stack of each error it logs instead (lambdas/telemetry/stack-traces.ts).
  sourcesContent: false,
  commandHooks: {
    beforeInstall: () => [],
    beforeBundling: () => [],
    // Only the mappings into our own code, 3 % of the map esbuild writes: what a logged error reads
    // and parses, and a frame inside a dependency keeps its place in the bundle. `inputDir` is the
    // project root, also when bundling falls back to Docker.
    afterBundling: (inputDir: string, outputDir: string) => [
      `node "${inputDir}/lib/first-party-source-map.cjs" "${outputDir}/${BUNDLE_FILE}.map"`,
    ],
  },
  // Bundle AWS SDK v3 too, instead of using the runtime's copy: the deployed code then runs
  // the exact SDK versions from package-lock.json that the tests ran, not whatever the runtime
  // ships that day, and starts faster (the runtime's copy is every client's whole CommonJS
  // build, loaded file by file). Only the SDK modules no function ever reaches stay out.
  externalModules: [...UNUSED_CREDENTIAL_PROVIDERS, ...UNUSED_EVENT_STREAMS],
  // Only problems, not a size table per function on every synth and test run.
  logLevel: LogLevel.WARNING,
} satisfies BundlingOptions;

/** With or without tracing: `-c tracing=true` bundles the Powertools Tracer. */
const functionBundling = (tracing: boolean) => ({ ...FUNCTION_BUNDLING, define: tracingDefine(tracing) });

/**
 * esbuild's own options for what NodejsFunction runs with `functionBundling(tracing)`, for
 * building a bundle the same way outside CDK (the cold-start benchmark, tests). The source-map
 * step after it is `trimSourceMapFile` from first-party-source-map.cjs.
 */
export function esbuildOptions(tracing = false): BuildOptions {
  const b = functionBundling(tracing);
  return {
    bundle: true,
    platform: 'node',
    format: b.format === OutputFormat.CJS ? 'cjs' : 'esm',
    target: b.target,
    mainFields: [...b.mainFields],
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    external: [...b.externalModules],
    define: { ...b.define },
    logLevel: 'warning',
  };
}

/**
 * Every function's memory. Lambda gives CPU in proportion to memory (one vCPU at 1,769 MB) and
 * cold-start init is CPU-bound: 512 MB buys about 0.3 vCPU where 128 MB would buy 0.07.
 */
export const FUNCTION_MEMORY_MB = 512;

/** Where a function's template resource records the source it runs, for the local stack. */
export const SOURCE_METADATA_KEY = 'token-ledger:source';

export interface HandlerFunctionProps {
  readonly definition: FunctionDefinition;
  /** What invokes it, for its description: `GET /tokens`, `the token table's stream`. */
  readonly trigger: string;
  readonly tokens: TokenTable;
  /** Every stack secret; the function gets (and may read) only those its definition lists. */
  readonly secrets: Readonly<Record<StackSecret, ISecret>>;
  /** The user pool, for a function whose definition lists `userPool` actions. */
  readonly userPool?: IUserPool;
  /** Variables of its own, beside the table's name and its secrets' ARNs. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Bundle the Powertools Tracer and trace the function's own work (default: false). */
  readonly tracing: boolean;
}

/**
 * The one way a function is built: `lambdas/<definition.name>.ts`, with exactly the table actions
 * and user pool actions its definition declares and read access to exactly the secrets it lists. The template records
 * the source file, so the local stack runs the very function this resource deploys.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const { definition } = props;
    const source = path.join('lambdas', `${definition.name}.ts`);
    const userPoolActions = [...new Set(definition.userPool ?? [])];
    const { userPool } = props;
    if (userPoolActions.length > 0 && !userPool) throw new Error(`${definition.name} needs the user pool`);

    // An explicit log group, so retention and removal follow the stack settings (the logRetention
    // prop is deprecated and needs a custom resource to do the same).
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // Its own role rather than CDK's default one with AWSLambdaBasicExecutionRole, which may create
    // any log group and write to every one: this role may only write to the function's own group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.trigger} of the token ledger`,
    });
    logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(ROOT, source),
      handler: 'handler',
      description: `${props.trigger}: ${definition.summary}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      // DynamoDB answers in milliseconds; 10 s bounds a stuck call well inside API Gateway's 29 s.
      // Work that grows with the data asks for more in its definition.
      timeout: Duration.seconds(definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      environment: {
        ...(definition.table.length > 0 && { [ENV.tableName]: props.tokens.table.tableName }),
        ...props.environment,
        ...(userPool && userPoolActions.length > 0 && { [ENV.userPoolId]: userPool.userPoolId }),
        ...Object.fromEntries(
          definition.secrets.map((name) => [SECRET_ARN_VARIABLE[name], props.secrets[name].secretArn]),
        ),
      },
      bundling: functionBundling(props.tracing),
    });
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(SOURCE_METADATA_KEY, source);

    props.tokens.grantRouteAccess(this.function, definition.table);
    for (const name of new Set(definition.secrets)) props.secrets[name].grantRead(this.function);
    if (userPool && userPoolActions.length > 0) {
      userPool.grant(this.function, ...userPoolActions.map((action) => `cognito-idp:${action}`));
    }

    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords ' +
            'support no resource-level permissions, so IAM only accepts "*" for ' +
            'them. Every other statement names its table, log group or secret.',
          appliesTo: ['Resource::*'],
        },
      ],
      // The X-Ray statement is in the role's default policy, a child of the role.
      true,
    );
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is a supported Lambda runtime (Node 22 is maintained until April 2027) and the bundles ' +
          'target node22; moving to a newer runtime changes the bundling target and cold starts too, so it ' +
          'is done and measured with the cold-start benchmark (bench/), not as a side effect of a lint.',
      },
    ]);
  }
}
