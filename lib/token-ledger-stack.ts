import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/config';
import {
  type FunctionDefinition,
  ROUTES,
  type RouteDefinition,
  type RouteName,
  type StackSecret,
} from '../lambdas/routes';
import { CASCADE_REPAIR } from '../lambdas/table-consumers';
import { Alarms } from './alarms';
import { ConsoleSite } from './console-site';
import { Dashboard } from './dashboard';
import { HandlerFunction } from './handler-function';
import { pascalCase } from './names';
import type { TokenLedgerConfig } from './stack-config';
import { TableConsumer } from './table-consumer';
import { TokenApi } from './token-api';
import { TokenTable } from './token-table';
import { TokenUsers } from './token-users';

export interface TokenLedgerStackProps extends StackProps {
  readonly config: TokenLedgerConfig;
}

/** The whole deployed system; its outputs are those of docs/api.md#stack-outputs. */
export class TokenLedgerStack extends Stack {
  readonly functions: Readonly<Record<RouteName, HandlerFunction>>;
  readonly cascadeRepair: TableConsumer;
  readonly secrets: Readonly<Record<StackSecret, secretsmanager.Secret>>;
  readonly console: ConsoleSite;
  readonly users: TokenUsers;
  readonly api: TokenApi;
  readonly tokens: TokenTable;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: TokenLedgerStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { removalPolicy, logRetention } = config;

    // First: it fails the synth at once, before any bundling, when the console is not built.
    const site = new ConsoleSite(this, 'Console', { distPath: config.consoleDist, removalPolicy, logRetention });
    this.console = site;
    // The console's origin first: gateway responses can name only one origin, the first.
    // `*` already covers the console, and cannot be combined with named origins.
    const allowedOrigins = config.allowedOrigins.includes('*') ? ['*'] : [site.origin, ...config.allowedOrigins];

    const tokens = new TokenTable(this, 'Tokens', { removalPolicy });
    this.tokens = tokens;
    const users = new TokenUsers(this, 'Users', {
      adminGroupName: config.adminGroupName,
      selfSignUp: config.selfSignUp,
      allowPasswordAuth: config.allowPasswordAuth,
      removalPolicy,
      consoleUrl: site.url,
      domainPrefix: config.authDomainPrefix,
    });
    this.users = users;

    // Both keys are generated at deploy time, so no key is ever in the code or the template. The
    // functions use each string's UTF-8 bytes as an HMAC key: 64 alphanumerics are ~380 bits.
    // Changing a `generateSecretString` makes CloudFormation generate a new value: never do it.
    //
    // Losing the cursor key only invalidates open cursors, so it follows the stack out
    // (CloudFormation's default: delete).
    const cursorSecret = new secretsmanager.Secret(this, 'CursorKey', {
      description: 'HMAC key that signs list cursors of the token API',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    NagSuppressions.addResourceSuppressions(cursorSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The functions sign and check cursors with one key, read once per function instance ' +
          'and never re-read: a rotation would invalidate every open cursor and leave old and ' +
          'new instances signing with different keys until the old ones end. It protects ' +
          'nothing but cursors, and rotating it would also need a rotation function.',
      },
    ]);
    // The token hash pepper: the table stores only HMAC(pepper, secret part of a token value).
    // Losing it makes every issued token unverifiable (introspection and revocation by value
    // would answer as if no token existed), so it follows the stack's removal policy like the
    // table it belongs to: retained by default, deleted only for throwaway stacks.
    const tokenHashSecret = new secretsmanager.Secret(this, 'TokenHashSecret', {
      description: 'HMAC key (pepper) under which the token API stores the hash of each token value',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(tokenHashSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The pepper must never rotate: the table keeps only HMAC(pepper, token ' +
          'secret), so a new pepper would make every issued token unverifiable ' +
          '(introspection and revocation by value would answer as if it did not exist).',
      },
    ]);
    const secrets = { cursor: cursorSecret, tokenHash: tokenHashSecret } satisfies Record<
      StackSecret,
      secretsmanager.Secret
    >;
    this.secrets = secrets;

    const functionFor = (definition: FunctionDefinition, trigger: string, environment?: Record<string, string>) =>
      new HandlerFunction(this, pascalCase(definition.name), {
        definition,
        trigger,
        tokens,
        secrets,
        userPool: users.userPool,
        environment,
        logRetention,
        removalPolicy,
        tracing: config.tracing,
      });
    // What the API's functions need to know of their callers: which browser origins may read
    // their answers, and for people's routes who is an admin and which app client signs them in.
    const callerEnvironment = (route: RouteDefinition) => ({
      ...(route.access !== 'service' && {
        [ENV.adminGroupName]: config.adminGroupName,
        [ENV.userPoolClientId]: users.client.userPoolClientId,
      }),
      ...(allowedOrigins.length > 0 && { [ENV.allowedOrigins]: allowedOrigins.join(',') }),
    });
    this.functions = Object.fromEntries(
      ROUTES.map((route) => [
        route.name,
        functionFor(route, `${route.method} ${route.path}`, callerEnvironment(route)),
      ]),
    ) as Record<RouteName, HandlerFunction>;
    this.cascadeRepair = new TableConsumer(this, 'CascadeRepair', {
      function: functionFor(CASCADE_REPAIR, "the token table's stream").function,
      tokens,
      definition: CASCADE_REPAIR,
      removalPolicy,
    });

    const api = new TokenApi(this, 'TokenApi', {
      userPool: users.userPool,
      handlerFor: (name) => this.functions[name].function,
      allowedOrigins,
      throttling: config.throttling,
      waf: config.waf,
      logRetention,
      removalPolicy,
    });
    this.api = api;

    const stage = api.api.deploymentStage;
    const functions = {
      ...Object.fromEntries(Object.entries(this.functions).map(([name, handler]) => [name, handler.function])),
      [CASCADE_REPAIR.name]: this.cascadeRepair.function,
    };
    this.alarms = new Alarms(this, 'Alarms', {
      stage,
      functions,
      streamConsumers: { [CASCADE_REPAIR.name]: this.cascadeRepair.function },
      deadLetters: { [CASCADE_REPAIR.name]: this.cascadeRepair.deadLetters },
      tokens,
      alarmTopicArn: config.alarmTopicArn,
    });
    new Dashboard(this, 'Dashboard', { stage, functions, tokens, alarms: this.alarms, firewall: api.firewall });

    const signInDomain = users.domain.baseUrl();
    // The API's origin, not its URL: the URL names the stage, which depends on every method,
    // some of which name the console's origin, and the distribution carries the CSP.
    site.allowConnectionsTo(api.origin, signInDomain);
    site.deploy({
      apiUrl: api.url,
      region: Stack.of(this).region,
      userPoolId: users.userPool.userPoolId,
      userPoolClientId: users.client.userPoolClientId,
      adminGroupName: users.adminGroup.groupName,
      auth: { kind: 'hosted', domain: signInDomain, redirectUri: site.url },
      ...(config.scopeDescriptions && { scopeDescriptions: { ...config.scopeDescriptions } }),
    });

    new CfnOutput(this, 'ConsoleUrl', { value: site.url, description: 'The web console; ends with /' });
    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the token API; ends with /' });
    new CfnOutput(this, 'UserPoolId', { value: users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: users.client.userPoolClientId });
    new CfnOutput(this, 'TableName', { value: tokens.table.tableName });
    new CfnOutput(this, 'AdminGroupName', { value: users.adminGroup.groupName });
    new CfnOutput(this, 'Region', { value: Stack.of(this).region });
    new CfnOutput(this, 'ServicePolicyArn', {
      value: api.servicePolicies['authorization-server'].managedPolicyArn,
      description: "Managed policy for the authorization server's role: mint, introspect and revoke",
    });
    new CfnOutput(this, 'IntrospectionPolicyArn', {
      value: api.servicePolicies['resource-server'].managedPolicyArn,
      description: "Managed policy for resource servers' roles: introspect only",
    });
  }
}
