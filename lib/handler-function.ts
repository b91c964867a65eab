import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/config';
import type { RouteDefinition, StackSecret } from '../lambdas/routes';
import type { TokenTable } from './token-table';

const ROOT = path.join(__dirname, '..');

/** The variable through which a function learns each stack secret's ARN. */
const SECRET_ARN_ENV: Readonly<Record<StackSecret, string>> = {
  cursor: ENV.cursorSecretArn,
  tokenHash: ENV.tokenHashSecretArn,
};

export interface HandlerFunctionProps {
  readonly route: RouteDefinition;
  readonly tokens: TokenTable;
  /** Every stack secret; the function gets (and may read) only those its route lists. */
  readonly secrets: Readonly<Record<StackSecret, ISecret>>;
  readonly adminGroupName: string;
  readonly allowedOrigins: readonly string[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The one way a route's function is built: `lambdas/<route.name>.ts`, with exactly the table
 * actions its route-table entry declares and read access to exactly the secrets it lists.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const { route } = props;

    // An explicit log group, so retention and removal follow the stack settings (the logRetention
    // prop is deprecated and needs a custom resource to do the same).
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(ROOT, 'lambdas', `${route.name}.ts`),
      handler: 'handler',
      description: `${route.method} ${route.path}: ${route.summary}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // DynamoDB answers in milliseconds; 10 s bounds a stuck call well inside API Gateway's 29 s.
      // Bulk routes ask for more in the route table.
      timeout: Duration.seconds(route.timeoutSeconds ?? 10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.tableName]: props.tokens.table.tableName,
        [ENV.adminGroupName]: props.adminGroupName,
        ...(props.allowedOrigins.length > 0 && { [ENV.allowedOrigins]: props.allowedOrigins.join(',') }),
        ...Object.fromEntries(route.secrets.map((name) => [SECRET_ARN_ENV[name], props.secrets[name].secretArn])),
      },
      bundling: {
        // esbuild is a devDependency, so bundling runs locally: no Docker, also in CI.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer ESM builds of dependencies so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        // CJS dependencies (e.g. the X-Ray SDK) call `require`, which ESM lacks.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a second copy of the sources.
        sourcesContent: false,
        // Bundle AWS SDK v3 too, instead of using the runtime's copy: the deployed code then runs
        // the exact SDK versions from package-lock.json that the tests ran, not whatever the
        // runtime ships that day. The price is a larger bundle and a slightly slower cold start.
        externalModules: [],
        // Only problems, not a size table per function on every synth and test run.
        logLevel: LogLevel.WARNING,
      },
    });

    props.tokens.grantRouteAccess(this.function, route.table);
    for (const name of new Set(route.secrets)) props.secrets[name].grantRead(this.function);
  }
}
