import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ENV } from '../../lambdas/config';
import type { ErrorCode } from '../../lambdas/domain/errors';
import { ERROR_STATUS } from '../../lambdas/http/error-response';
import { GATEWAY_MESSAGES } from '../../lambdas/http/gateway-messages';
import { ROUTES, type RouteDefinition, type ServiceCaller, type StackSecret } from '../../lambdas/routes';
import { TOKEN_TABLE } from '../../lambdas/store/table-definition';
import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import { SOURCE_METADATA_KEY } from '../../lib/handler-function';
import { readConfig } from '../../lib/stack-config';
import { STREAM_MAX_RECORD_AGE, STREAM_RETRY_ATTEMPTS } from '../../lib/table-consumer';
import { TokenLedgerStack } from '../../lib/token-ledger-stack';
import {
  type ApiNode,
  actionsOf,
  apiTree,
  cdkJsonContext,
  dependencyCycle,
  functionLogicalId,
  methodFor,
  methodsByRoute,
  resourcesOfType,
  roleStatements,
  type Statement,
  type Synth,
  synth,
} from './synth';

/** The functions the table's stream triggers, which the stack builds one by one. */
const TABLE_CONSUMERS = [CASCADE_REPAIR];

// Each synth bundles every function with esbuild: two such synths for the whole file, and one
// without bundling for the web ACL switched off.
let defaults: Synth;
let custom: Synth;
let withoutWaf: Synth;
const ORIGINS = ['https://app.example.com', 'https://admin.example.com'];
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ledger-alarms';
const SCOPE_DESCRIPTIONS = { 'calendar.read': 'See your calendar' };

beforeAll(() => {
  defaults = synth();
  // Strings, as `-c key=value` delivers them.
  custom = synth({
    stackName: 'TokenLedgerThrowaway',
    removalPolicy: 'destroy',
    allowPasswordAuth: 'true',
    adminGroupName: 'custom',
    allowedOrigins: ORIGINS.join(','),
    logRetentionDays: '7',
    throttleRateLimit: '5',
    throttleBurstLimit: '10',
    authDomainPrefix: 'ledger-throwaway-test',
    alarmTopicArn: ALARM_TOPIC,
    wafRateLimit: '500',
    wafServiceRateLimit: '40000',
    scopeDescriptions: JSON.stringify(SCOPE_DESCRIPTIONS),
  });
  withoutWaf = synth({ waf: 'false' }, { bundle: false });
});

/** The console distribution's domain name, as the template refers to it. */
const consoleDomain = (synthesized: Synth) => {
  const [[id]] = resourcesOfType(synthesized, 'AWS::CloudFront::Distribution');
  return { 'Fn::GetAtt': [id, 'DomainName'] };
};
/** `https://<distribution domain>` as a template value. */
const consoleOrigin = (synthesized: Synth) => ({ 'Fn::Join': ['', ['https://', consoleDomain(synthesized)]] });
const consoleUrl = (synthesized: Synth) => ({ 'Fn::Join': ['', ['https://', consoleDomain(synthesized), '/']] });
/** The console's origin as an API Gateway header mapping: a quoted literal. */
const quotedConsoleOrigin = (synthesized: Synth) => ({
  'Fn::Join': ['', ["'https://", consoleDomain(synthesized), "'"]],
});

const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** Every stack secret; a new one fails to compile here until it is tested. */
const STACK_SECRETS = Object.keys({ cursor: true, tokenHash: true } satisfies Record<
  StackSecret,
  true
>) as StackSecret[];

const secretLogicalId = (synthesized: Synth, secret: StackSecret): string =>
  synthesized.stack.getLogicalId(synthesized.stack.secrets[secret].node.defaultChild as CfnSecret);

describe('token table', () => {
  test('has the documented keys, indexes and TTL, on demand, with point-in-time recovery', () => {
    defaults.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'tokenId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      TableName: Match.absent(),
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byUser',
          KeySchema: Match.arrayWith([{ AttributeName: 'userId', KeyType: 'HASH' }]),
        }),
      ]),
    });
  });

  test('has every index of the shared definition, with its keys and projection ALL', () => {
    const [[, table]] = resourcesOfType(defaults, 'AWS::DynamoDB::Table');
    const indexes = table.Properties!.GlobalSecondaryIndexes;
    expect(indexes.map((i: { IndexName: string }) => i.IndexName).sort()).toEqual(
      Object.keys(TOKEN_TABLE.indexes).sort(),
    );
    for (const [name, index] of Object.entries(TOKEN_TABLE.indexes)) {
      expect(indexes).toContainEqual({
        IndexName: name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
    }
  });

  test('has the byParent index the revocation cascade queries', () => {
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'byParent',
          KeySchema: [
            { AttributeName: 'parentTokenId', KeyType: 'HASH' },
            { AttributeName: 'expiresAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
    });
  });

  test('is retained by default and deleted with removalPolicy=destroy', () => {
    defaults.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    custom.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test(
    'has deletion protection by default, and none with ' + 'removalPolicy=destroy, so a throwaway stack can be deleted',
    () => {
      defaults.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
      custom.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    },
  );
});

describe('user pool', () => {
  test('signs in by email with a strong password policy and no self sign-up by default', () => {
    defaults.template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      UserPoolName: Match.absent(),
    });
  });

  test('follows the removal policy', () => {
    defaults.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    custom.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  });

  test('has the admin group named by context, token-admins by default', () => {
    defaults.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'token-admins' });
    custom.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'custom' });
  });

  test('has a client without a secret that allows USER_PASSWORD_AUTH only when asked', () => {
    for (const { template } of [defaults, custom]) {
      template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        PreventUserExistenceErrors: 'ENABLED',
      });
    }
    const [[, plain]] = resourcesOfType(defaults, 'AWS::Cognito::UserPoolClient');
    expect(plain.Properties!.ExplicitAuthFlows.sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
    const [[, withPasswords]] = resourcesOfType(custom, 'AWS::Cognito::UserPoolClient');
    expect(withPasswords.Properties!.ExplicitAuthFlows).toContain('ALLOW_USER_PASSWORD_AUTH');
  });
});

describe('REST API', () => {
  const isRouteMethod = (key: string) => !key.startsWith('OPTIONS ') && !key.startsWith('ANY ');

  test('has exactly one method per route table entry, each on its own function', () => {
    const methods = methodsByRoute(defaults);
    const routed = [...methods.keys()].filter(isRouteMethod);
    expect(routed.sort()).toEqual(ROUTES.map(routeKey).sort());
    for (const route of ROUTES) {
      const integration = methods.get(routeKey(route))!.Properties!.Integration;
      expect(integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(
        JSON.stringify({ 'Fn::GetAtt': [functionLogicalId(defaults, route.name), 'Arn'] }),
      );
    }
  });

  test.each(ROUTES.map((route) => [route.name, route] as const))(
    '%s: the authorization its access needs',
    (_name, route) => {
      for (const synthesized of [defaults, custom]) {
        const [[authorizerId, authorizer]] = resourcesOfType(synthesized, 'AWS::ApiGateway::Authorizer');
        expect(authorizer.Properties).toMatchObject({
          Type: 'COGNITO_USER_POOLS',
          IdentitySource: 'method.request.header.Authorization',
        });
        const method = methodsByRoute(synthesized).get(routeKey(route))!.Properties!;
        if (route.access === 'service') {
          expect(method.AuthorizationType).toBe('AWS_IAM');
          expect(method.AuthorizerId).toBeUndefined();
        } else {
          expect(method).toMatchObject({
            AuthorizationType: 'COGNITO_USER_POOLS',
            AuthorizerId: { Ref: authorizerId },
          });
        }
      }
    },
  );

  test('has one Cognito authorizer, and no method without authorization but preflights and 404s', () => {
    for (const synthesized of [defaults, custom]) {
      expect(resourcesOfType(synthesized, 'AWS::ApiGateway::Authorizer')).toHaveLength(1);
      for (const [key, method] of methodsByRoute(synthesized)) {
        if (isRouteMethod(key))
          expect({ key, type: method.Properties!.AuthorizationType }).not.toEqual({ key, type: 'NONE' });
        else expect({ key, type: method.Properties!.AuthorizationType }).toEqual({ key, type: 'NONE' });
      }
    }
  });

  test("answers preflights without authentication, for the console's origin first and the configured ones", () => {
    for (const [synthesized, extra] of [
      [defaults, []],
      [custom, ORIGINS],
    ] as const) {
      const preflights = [...methodsByRoute(synthesized)].filter(([key]) => key.startsWith('OPTIONS '));
      expect(preflights.map(([key]) => key)).toEqual(expect.arrayContaining(ROUTES.map((r) => `OPTIONS ${r.path}`)));
      for (const [key, { Properties: method }] of preflights) {
        expect({ key, type: method!.AuthorizationType }).toEqual({ key, type: 'NONE' });
        const [response] = method!.Integration.IntegrationResponses;
        expect(response.ResponseParameters['method.response.header.Access-Control-Allow-Origin']).toEqual(
          quotedConsoleOrigin(synthesized),
        );
        const template: string = response.ResponseTemplates?.['application/json'] ?? '';
        for (const other of extra) expect(template).toContain(`"${other}"`);
        if (extra.length === 0) expect(template).not.toContain('$origin ==');
      }
    }
  });

  describe('unknown routes and methods: 404 from API Gateway, before any authentication', () => {
    test('every ANY method is a MOCK answering 404 not_found as JSON, without authorization', () => {
      // The console's origin comes first; the configured ones follow it.
      for (const [synthesized, extraOrigins] of [
        [defaults, []],
        [custom, ORIGINS],
      ] as const) {
        const anys = [...methodsByRoute(synthesized)].filter(([key]) => key.startsWith('ANY '));
        expect(anys.length).toBeGreaterThan(0);
        for (const [key, { Properties: method }] of anys) {
          const expectedHeaders = {
            'method.response.header.Content-Type': "'application/json'",
            'method.response.header.Access-Control-Allow-Origin': quotedConsoleOrigin(synthesized),
            'method.response.header.Vary': "'Origin'",
          };
          expect({ key, ...method }).toMatchObject({
            key,
            AuthorizationType: 'NONE',
            MethodResponses: [
              {
                StatusCode: '404',
                ResponseParameters: Object.fromEntries(Object.keys(expectedHeaders).map((h) => [h, true])),
              },
            ],
            Integration: {
              Type: 'MOCK',
              PassthroughBehavior: 'NEVER',
              RequestTemplates: { 'application/json': JSON.stringify({ statusCode: 404 }) },
            },
          });
          expect(method!.AuthorizerId).toBeUndefined();
          // One default integration response: whatever the mock reports, the answer is the 404.
          const [response, ...others] = method!.Integration.IntegrationResponses;
          expect(others).toEqual([]);
          expect(response.SelectionPattern).toBeUndefined();
          expect(response.StatusCode).toBe('404');
          expect(response.ResponseParameters).toEqual(expectedHeaders);
          expect(Object.keys(response.ResponseTemplates)).toEqual(['application/json']);
          const template: string = response.ResponseTemplates['application/json'];
          const body = JSON.parse(template.split('\n').at(-1)!);
          expect(body).toEqual({ error: 'not_found', message: GATEWAY_MESSAGES.noSuchRoute });
          expect(ERROR_STATUS[body.error as ErrorCode]).toBe(404);
          // The other allowed origins are answered with their own name, as CDK's preflight does.
          for (const other of extraOrigins) expect(template).toContain(`$origin == "${other}"`);
          if (extraOrigins.length === 0) expect(template).toBe(JSON.stringify(body));
        }
      }
    });

    test('every resource has ANY, and a {proxy+} child unless it has a path-variable child', () => {
      const visit = (node: ApiNode): void => {
        expect({ path: node.path, any: node.methods.has('ANY') }).toEqual({ path: node.path, any: true });
        if (node.path.endsWith('+}')) {
          expect({ path: node.path, children: node.children.size }).toEqual({ path: node.path, children: 0 });
          return;
        }
        // Exactly one: API Gateway allows one variable child per resource, and with none deeper
        // unknown paths would depend on backtracking. `{tokenId}` or `{proxy+}`, never both.
        const variables = [...node.children.keys()].filter((part) => part.startsWith('{'));
        expect({ path: node.path, variables: variables.length }).toEqual({ path: node.path, variables: 1 });
        for (const child of node.children.values()) visit(child);
      };
      visit(apiTree(defaults));
    });

    test.each([
      ['GET', '/'],
      ['POST', '/'],
      ['GET', '/nope'],
      ['GET', '/nope/deeper/still'],
      ['GET', '/openapi.json'],
      ['DELETE', '/tokens'],
      ['POST', '/tokens'],
      ['GET', '/tokens/tok_12345678/revoke'],
      ['GET', '/tokens/tok_12345678/unknown'],
      ['POST', '/tokens/tok_12345678/revoke/again'],
      ['GET', '/admin'],
      ['POST', '/admin/users'],
      ['GET', '/admin/users/some-user'],
      ['GET', '/admin/users/some-user/revoke'],
      ['POST', '/admin/users/some-user/tokens'],
      ['POST', '/admin/tokens'],
      ['GET', '/apps/client-1'],
      ['GET', '/apps/client-1/revoke/x/y'],
      ['GET', '/service'],
      ['GET', '/service/tokens'],
      ['POST', '/service/unknown'],
      ['PUT', '/service/introspect'],
      ['POST', '/service/revoke/extra'],
    ])('%s %s reaches a 404 mock without backtracking', (httpMethod, path) => {
      const method = methodFor(apiTree(defaults), httpMethod, path);
      expect(method?.Properties).toMatchObject({
        HttpMethod: 'ANY',
        AuthorizationType: 'NONE',
        Integration: { Type: 'MOCK' },
      });
    });

    test.each(ROUTES.map((route) => [route.name, route] as const))(
      '%s: its path still reaches its function, other verbs the 404',
      (_name, route) => {
        const tree = apiTree(defaults);
        const concrete = route.path.replace(/\{[^}]+\}/g, 'value-1234');
        expect(methodFor(tree, route.method, concrete)).toBe(methodsByRoute(defaults).get(routeKey(route)));
        for (const other of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'].filter((m) => m !== route.method)) {
          expect([other, methodFor(tree, other, concrete)?.Properties?.HttpMethod]).toEqual([other, 'ANY']);
        }
      },
    );

    test('only the 404 mocks refuse unmapped content types, so 415 can only mean an unknown route', () => {
      for (const synthesized of [defaults, custom]) {
        for (const [key, { Properties: method }] of methodsByRoute(synthesized)) {
          const { Type, PassthroughBehavior } = method!.Integration;
          expect({ key, Type }).toEqual({ key, Type: isRouteMethod(key) ? 'AWS_PROXY' : 'MOCK' });
          if (!key.startsWith('ANY '))
            expect({ key, PassthroughBehavior }).not.toEqual({ key, PassthroughBehavior: 'NEVER' });
          if (!key.startsWith('ANY '))
            expect({ key, PassthroughBehavior }).not.toEqual({ key, PassthroughBehavior: 'WHEN_NO_TEMPLATES' });
        }
      }
    });
  });

  test("maps API Gateway's own errors to the API error body, with fixed messages", () => {
    const responses = resourcesOfType(defaults, 'AWS::ApiGateway::GatewayResponse');
    const types = responses.map(([, r]) => r.Properties!.ResponseType);
    expect(types).toEqual(
      expect.arrayContaining([
        'DEFAULT_4XX',
        'DEFAULT_5XX',
        'UNAUTHORIZED',
        'ACCESS_DENIED',
        'MISSING_AUTHENTICATION_TOKEN',
        'THROTTLED',
      ]),
    );
    for (const [, { Properties: r }] of responses) {
      const templates = r!.ResponseTemplates;
      expect(Object.keys(templates)).toEqual(['application/json']);
      expect(templates['application/json']).not.toContain('$');
      const body = JSON.parse(templates['application/json']);
      expect(Object.keys(body).sort()).toEqual(['error', 'message']);
      expect(r!.StatusCode).toBe(String(ERROR_STATUS[body.error as ErrorCode]));
    }
    const byType = (type: string) => {
      const { StatusCode, ResponseTemplates } = responses.find(([, r]) => r.Properties!.ResponseType === type)![1]
        .Properties!;
      return { status: StatusCode, body: JSON.parse(ResponseTemplates['application/json']) };
    };
    // Unsigned (or not SigV4-signed) calls to service routes; unknown routes never get here.
    expect(byType('MISSING_AUTHENTICATION_TOKEN')).toEqual({
      status: '403',
      body: { error: 'forbidden', message: GATEWAY_MESSAGES.signatureRequired },
    });
    for (const type of ['INVALID_SIGNATURE', 'EXPIRED_TOKEN', 'ACCESS_DENIED'])
      expect(byType(type)).toMatchObject({ status: '403', body: { error: 'forbidden' } });
    expect(byType('UNSUPPORTED_MEDIA_TYPE')).toEqual({
      status: '404',
      body: { error: 'not_found', message: GATEWAY_MESSAGES.noSuchRoute },
    });
    expect(byType('UNAUTHORIZED')).toMatchObject({ status: '401', body: { error: 'unauthorized' } });
    expect(byType('DEFAULT_5XX').body.error).toBe('internal_error');
  });

  test("gateway errors carry the console's origin, the first allowed one, whatever else is configured", () => {
    for (const synthesized of [defaults, custom]) {
      for (const [, r] of resourcesOfType(synthesized, 'AWS::ApiGateway::GatewayResponse')) {
        expect(r.Properties!.ResponseParameters).toEqual({
          'gatewayresponse.header.Access-Control-Allow-Origin': quotedConsoleOrigin(synthesized),
          ...(r.Properties!.ResponseType === 'UNAUTHORIZED' && {
            'gatewayresponse.header.WWW-Authenticate': "'Bearer'",
          }),
        });
      }
    }
  });

  test.each<[string, ServiceCaller]>([
    ['ServicePolicyArn', 'authorization-server'],
    ['IntrospectionPolicyArn', 'resource-server'],
  ])(
    '%s allows execute-api:Invoke on exactly the service methods of stage prod its callers may call',
    (output, caller) => {
      const service = ROUTES.filter((route) => (route as RouteDefinition).callers?.includes(caller));
      expect(service.length).toBeGreaterThan(0);
      for (const synthesized of [defaults, custom]) {
        expect(resourcesOfType(synthesized, 'AWS::IAM::ManagedPolicy')).toHaveLength(2);
        const policyId = synthesized.template.toJSON().Outputs[output].Value.Ref;
        const policy = synthesized.resources[policyId];
        expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
        // Attached by whoever runs the authorization and resource servers, not by this stack.
        expect(policy.Properties).not.toHaveProperty('Roles');
        expect(policy.Properties).not.toHaveProperty('Users');
        expect(policy.Properties).not.toHaveProperty('Groups');
        const statements: Statement[] = policy.Properties!.PolicyDocument.Statement;
        expect(statements).toHaveLength(1);
        const [statement] = statements;
        expect(statement).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
        expect(statement).not.toHaveProperty('Condition');
        const resources = (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) as Array<{
          'Fn::Join': [string, unknown[]];
        }>;
        expect(resources).toHaveLength(service.length);
        const [apiId] = resourcesOfType(synthesized, 'AWS::ApiGateway::RestApi')[0];
        const [stageId] = resourcesOfType(synthesized, 'AWS::ApiGateway::Stage')[0];
        const invoked = resources.map((resource) => {
          const parts = resource['Fn::Join'][1];
          expect(parts).toContainEqual({ Ref: apiId });
          expect(parts.slice(-3)).toEqual(['/', { Ref: stageId }, expect.any(String)]);
          return parts.at(-1) as string;
        });
        expect(invoked.sort()).toEqual(service.map((r) => `/${r.method}${r.path}`).sort());
      }
    },
  );

  test('resource servers may only introspect; the authorization server may call every service route', () => {
    const allowed = (caller: ServiceCaller) =>
      ROUTES.filter((r) => (r as RouteDefinition).callers?.includes(caller)).map((r) => r.name);
    expect(allowed('resource-server')).toEqual(['introspect-token']);
    expect(allowed('authorization-server').sort()).toEqual(
      ROUTES.filter((r) => r.access === 'service')
        .map((r) => r.name)
        .sort(),
    );
    // Every service route has callers; no other route has any.
    for (const route of ROUTES as readonly RouteDefinition[]) {
      expect([route.name, (route.callers?.length ?? 0) > 0]).toEqual([route.name, route.access === 'service']);
    }
  });

  test('stage prod has throttling, JSON access logs, metrics and X-Ray', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          MetricsEnabled: true,
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        }),
      ],
    });
    custom.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
  });

  test("sets the account's logging role, and leaves it behind even for throwaway stacks", () => {
    // Other APIs in the account and region log through the same role.
    for (const synthesized of [defaults, custom]) {
      const [[, account]] = resourcesOfType(synthesized, 'AWS::ApiGateway::Account');
      const [roleId] = account.Properties!.CloudWatchRoleArn['Fn::GetAtt'];
      expect(synthesized.resources[roleId]).toMatchObject({ Type: 'AWS::IAM::Role', DeletionPolicy: 'Retain' });
    }
  });
});

describe('functions', () => {
  test('one per route and table consumer, nodejs22.x on arm64, active tracing, a log group with retention', () => {
    // Besides the console's deployment handler (see "web console").
    defaults.template.resourceCountIs('AWS::Lambda::Function', ROUTES.length + TABLE_CONSUMERS.length + 1);
    for (const route of [...ROUTES, CASCADE_REPAIR]) {
      const fn = defaults.resources[functionLogicalId(defaults, route.name)].Properties!;
      expect(fn).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Handler: 'index.handler',
      });
      expect(fn.FunctionName).toBeUndefined();
      const logGroup = defaults.resources[fn.LoggingConfig.LogGroup.Ref];
      expect(logGroup).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
      });
    }
    for (const route of [...ROUTES, CASCADE_REPAIR]) {
      const fn = custom.resources[functionLogicalId(custom, route.name)].Properties!;
      expect(custom.resources[fn.LoggingConfig.LogGroup.Ref]).toMatchObject({
        Properties: { RetentionInDays: 7 },
        DeletionPolicy: 'Delete',
      });
    }
  });

  test('record in the template the source each one runs, for the local stack', () => {
    for (const definition of [...ROUTES, CASCADE_REPAIR]) {
      const fn = defaults.resources[functionLogicalId(defaults, definition.name)] as {
        Metadata?: Record<string, unknown>;
      };
      expect(fn.Metadata?.[SOURCE_METADATA_KEY]).toBe(`lambdas/${definition.name}.ts`);
    }
  });

  test("time out after 10 s, or what the route table asks for (bulk routes, within API Gateway's 29 s)", () => {
    for (const route of ROUTES) {
      const fn = defaults.resources[functionLogicalId(defaults, route.name)].Properties!;
      const timeout: number | undefined = 'timeoutSeconds' in route ? route.timeoutSeconds : undefined;
      expect(fn.Timeout).toBe(timeout ?? 10);
      expect(fn.Timeout).toBeLessThan(29);
    }
    expect(ROUTES.some((r) => 'timeoutSeconds' in r)).toBe(true);
  });

  test('get the settings they read, under the names they read: the table, the caller settings, secret ARNs', () => {
    const secretEnv: Record<StackSecret, string> = { cursor: ENV.cursorSecretArn, tokenHash: ENV.tokenHashSecretArn };
    for (const route of ROUTES) {
      const variables = defaults.resources[functionLogicalId(defaults, route.name)].Properties!.Environment.Variables;
      const people = route.access !== 'service';
      expect([route.name, variables[ENV.tableName]]).toEqual([
        route.name,
        route.table.length > 0 ? { Ref: expect.any(String) } : undefined,
      ]);
      expect(variables[ENV.adminGroupName]).toBe(people ? 'token-admins' : undefined);
      expect(variables[ENV.userPoolClientId]).toEqual(
        people ? { Ref: resourcesOfType(defaults, 'AWS::Cognito::UserPoolClient')[0][0] } : undefined,
      );
      // Always the console's origin; the functions answer CORS for it like for any other.
      expect(variables[ENV.allowedOrigins]).toEqual(consoleOrigin(defaults));
      for (const secret of STACK_SECRETS) {
        const expected = (route.secrets as readonly StackSecret[]).includes(secret)
          ? { Ref: secretLogicalId(defaults, secret) }
          : undefined;
        expect([route.name, secret, variables[secretEnv[secret]]]).toEqual([route.name, secret, expected]);
      }
      const customVariables = custom.resources[functionLogicalId(custom, route.name)].Properties!.Environment.Variables;
      expect(customVariables[ENV.adminGroupName]).toBe(people ? 'custom' : undefined);
      expect(customVariables[ENV.allowedOrigins]).toEqual({
        'Fn::Join': ['', ['https://', consoleDomain(custom), `,${ORIGINS.join(',')}`]],
      });
    }
  });

  test.each(ROUTES.map((route) => [route.name, route] as const))('%s has least privilege', (name, route) => {
    const statements = roleStatements(defaults, name);
    const dynamo = route.table.map((action) => `dynamodb:${action}`);
    const secrets = route.secrets.length > 0 ? ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] : [];
    const userPoolActions: readonly string[] = 'userPool' in route ? route.userPool : [];
    const cognito = userPoolActions.map((action) => `cognito-idp:${action}`);
    const xray = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    expect(actionsOf(statements)).toEqual([...new Set([...dynamo, ...secrets, ...cognito, ...xray, ...logs])].sort());

    // Cognito actions only on this stack's user pool, in statements of their own.
    const [poolId] = resourcesOfType(defaults, 'AWS::Cognito::UserPool')[0];
    const cognitoStatements = statements.filter((s) => actionsOf([s], 'cognito-idp').length > 0);
    for (const s of cognitoStatements) {
      expect(actionsOf([s])).toEqual(actionsOf([s], 'cognito-idp'));
      expect([s.Resource].flat()).toEqual([{ 'Fn::GetAtt': [poolId, 'Arn'] }]);
    }
    const variables = defaults.resources[functionLogicalId(defaults, name)].Properties!.Environment.Variables;
    expect(variables[ENV.userPoolId]).toEqual(cognito.length > 0 ? { Ref: poolId } : undefined);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(statements.every((s) => !('Condition' in s))).toBe(true);

    const [tableId] = resourcesOfType(defaults, 'AWS::DynamoDB::Table')[0];
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const dynamoStatements = statements.filter((s) => actionsOf([s], 'dynamodb').length > 0);
    // DynamoDB actions never share a statement with another service's.
    for (const s of dynamoStatements) expect(actionsOf([s])).toEqual(actionsOf([s], 'dynamodb'));
    const dynamoResources = dynamoStatements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    // Only Query and Scan can read an index; GetItem, PutItem and UpdateItem only the base table.
    const readsIndexes = route.table.some((action) => action === 'Query' || action === 'Scan');
    const tableResources = readsIndexes ? [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }] : [tableArn];
    expect(dynamoResources).toEqual(route.table.length > 0 ? tableResources : []);

    const secretStatements = statements.filter((s) => actionsOf([s], 'secretsmanager').length > 0);
    const secretResources = secretStatements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    expect(secretResources).toEqual(
      expect.arrayContaining(route.secrets.map((secret) => ({ Ref: secretLogicalId(defaults, secret) }))),
    );
    expect(secretResources).toHaveLength(route.secrets.length);

    // Its own log group only: no logs:CreateLogGroup, and no AWS managed policy on the role.
    const fn = defaults.resources[functionLogicalId(defaults, name)].Properties!;
    const logStatements = statements.filter((s) => actionsOf([s], 'logs').length > 0);
    expect(logStatements.flatMap((s) => [s.Resource].flat())).toEqual([
      { 'Fn::GetAtt': [fn.LoggingConfig.LogGroup.Ref, 'Arn'] },
    ]);
    const [roleId] = fn.Role['Fn::GetAtt'];
    expect(defaults.resources[roleId].Properties!.ManagedPolicyArns).toBeUndefined();
  });

  test(
    'every route declares its table actions and secrets once, ' +
      'and a route that reads tokens by value has the pepper',
    () => {
      for (const route of ROUTES) {
        expect(new Set(route.table).size).toBe(route.table.length);
        expect(new Set(route.secrets).size).toBe(route.secrets.length);
        if (route.access === 'service') expect(route.secrets).toContain('tokenHash');
      }
    },
  );
});

describe('secrets', () => {
  test('are generated at deploy time: 64 characters without punctuation, no fixed name', () => {
    for (const secret of STACK_SECRETS) {
      expect(defaults.resources[secretLogicalId(defaults, secret)].Properties).toEqual({
        Description: expect.any(String),
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
    }
    defaults.template.resourceCountIs('AWS::SecretsManager::Secret', STACK_SECRETS.length);
  });

  test(
    'the token hash pepper follows the removal policy ' + '(retained by default); the cursor key is always deleted',
    () => {
      expect(custom.resources[secretLogicalId(custom, 'tokenHash')]).toMatchObject({
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
      });
      expect(defaults.resources[secretLogicalId(defaults, 'tokenHash')]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      for (const synthesized of [defaults, custom]) {
        expect(synthesized.resources[secretLogicalId(synthesized, 'cursor')]).toMatchObject({
          DeletionPolicy: 'Delete',
        });
      }
    },
  );
});

describe('web console', () => {
  const only = (synthesized: Synth, type: string) => {
    const found = resourcesOfType(synthesized, type);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const deployments = (synthesized: Synth) => {
    const all = resourcesOfType(synthesized, 'Custom::CDKBucketDeployment');
    expect(all).toHaveLength(2);
    const [assets] = all.filter(([, d]) => d.Properties!.Prune === false);
    const [pages] = all.filter(([, d]) => d.Properties!.Prune === true);
    return { assets, pages };
  };

  test('the bucket is private, encrypted, TLS-only, not a website, and has no fixed name', () => {
    for (const synthesized of [defaults, custom]) {
      const [, bucket] = only(synthesized, 'AWS::S3::Bucket');
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(bucket.Properties).not.toHaveProperty('WebsiteConfiguration');
      expect(bucket.Properties).not.toHaveProperty('BucketName');
    }
  });

  test('the bucket follows the removal policy, and is emptied first when it goes with the stack', () => {
    expect(only(defaults, 'AWS::S3::Bucket')[1]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    defaults.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    expect(only(custom, 'AWS::S3::Bucket')[1]).toMatchObject({
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    custom.template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  test('only the distribution may read the bucket (origin access control), and only over TLS', () => {
    for (const synthesized of [defaults, custom]) {
      const [bucketId] = only(synthesized, 'AWS::S3::Bucket');
      const [distributionId] = only(synthesized, 'AWS::CloudFront::Distribution');
      const [, policy] = only(synthesized, 'AWS::S3::BucketPolicy');
      expect(policy.Properties!.Bucket).toEqual({ Ref: bucketId });
      const statements: Array<Statement & { Principal: unknown; Condition?: any }> =
        policy.Properties!.PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      const allows = statements.filter((s) => s.Effect === 'Allow');
      const cloudFront = allows.filter(
        (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudfront.amazonaws.com' }),
      );
      expect(cloudFront).toHaveLength(1);
      const [read] = cloudFront;
      expect(read.Action).toBe('s3:GetObject');
      expect(read.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] });
      const sourceArn = read.Condition.StringEquals['AWS:SourceArn'];
      expect(Object.keys(read.Condition)).toEqual(['StringEquals']);
      expect(JSON.stringify(sourceArn)).toContain(JSON.stringify({ Ref: distributionId }));
      expect(JSON.stringify(sourceArn)).toContain(':distribution/');
      // Any other allow is the custom resource that empties a throwaway bucket before deletion.
      for (const other of allows.filter((s) => !cloudFront.includes(s))) {
        expect(synthesized).toBe(custom);
        expect(JSON.stringify(other.Principal)).toContain('CustomS3AutoDeleteObjectsCustomResourceProviderRole');
      }
    }
  });

  test(
    'the distribution reads the bucket through its origin ' + 'access control, over HTTPS only, with security headers',
    () => {
      const [bucketId] = only(defaults, 'AWS::S3::Bucket');
      const [oacId, oac] = only(defaults, 'AWS::CloudFront::OriginAccessControl');
      expect(oac.Properties!.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      // Names are per account: the region keeps two regions' stacks of one name apart.
      expect(JSON.stringify(oac.Properties!.OriginAccessControlConfig.Name)).toContain('"Ref":"AWS::Region"');
      const [headersId, headers] = only(defaults, 'AWS::CloudFront::ResponseHeadersPolicy');
      expect(JSON.stringify(headers.Properties!.ResponseHeadersPolicyConfig.Name)).toContain('"Ref":"AWS::Region"');
      const [, distribution] = only(defaults, 'AWS::CloudFront::Distribution');
      const config = distribution.Properties!.DistributionConfig;
      expect(config).toMatchObject({
        Enabled: true,
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: {
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          ResponseHeadersPolicyId: { Ref: headersId },
        },
      });
      expect(config).not.toHaveProperty('CustomErrorResponses');
      expect(config.Origins).toEqual([
        expect.objectContaining({
          DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
          OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
          S3OriginConfig: { OriginAccessIdentity: '' },
        }),
      ]);
    },
  );

  test(
    'the security headers: HSTS, nosniff, no framing, no referrer, and ' +
      'a CSP that lets scripts call only the API and the sign-in domain',
    () => {
      const [, headers] = only(defaults, 'AWS::CloudFront::ResponseHeadersPolicy');
      const security = headers.Properties!.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(security).toMatchObject({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        ContentSecurityPolicy: { Override: true },
      });
      const [apiId] = only(defaults, 'AWS::ApiGateway::RestApi');
      const [domainId] = only(defaults, 'AWS::Cognito::UserPoolDomain');
      const parts: unknown[] = security.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join'][1];
      const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
      const directives = Object.fromEntries(text.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
      expect(directives['connect-src']).toEqual([
        "'self'",
        `https://<${JSON.stringify({ Ref: apiId })}>.execute-api.<{"Ref":"AWS::Region"}>.<{"Ref":"AWS::URLSuffix"}>`,
        `https://<${JSON.stringify({ Ref: domainId })}>.auth.<{"Ref":"AWS::Region"}>.amazoncognito.com`,
      ]);
      expect(directives['default-src']).toEqual(["'none'"]);
      expect(directives['script-src']).toEqual(["'self'"]);
      expect(directives['frame-ancestors']).toEqual(["'none'"]);
      expect(text).not.toContain('unsafe');
    },
  );

  test(
    'two deployments: hashed assets cached for a year and kept, the ' +
      'rest (with config.json) revalidated and pruned, after the assets',
    () => {
      for (const synthesized of [defaults, custom]) {
        const { assets, pages } = deployments(synthesized);
        const [bucketId] = only(synthesized, 'AWS::S3::Bucket');
        expect(assets[1].Properties).toMatchObject({
          DestinationBucketName: { Ref: bucketId },
          Exclude: ['*'],
          Include: ['assets/*'],
          SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
        });
        expect(assets[1].Properties!.SourceObjectKeys).toHaveLength(1);
        expect(pages[1].Properties).toMatchObject({
          DestinationBucketName: { Ref: bucketId },
          Exclude: ['assets/*'],
          SystemMetadata: { 'cache-control': 'no-cache' },
        });
        expect(pages[1].Properties).not.toHaveProperty('Include');
        // The build (the same asset as the first deployment's) and config.json.
        const keys: string[] = pages[1].Properties!.SourceObjectKeys;
        expect(keys).toHaveLength(2);
        expect(keys[0]).toBe(assets[1].Properties!.SourceObjectKeys[0]);
        expect([(pages[1] as { DependsOn?: string[] }).DependsOn].flat()).toContain(assets[0]);
      }
    },
  );

  test(
    'config.json: the deployed API, pool, client and admin ' +
      "group, hosted sign-in that returns to the console's URL, and scope descriptions when given",
    () => {
      for (const synthesized of [defaults, custom]) {
        const { stack } = synthesized;
        const [stageId] = only(synthesized, 'AWS::ApiGateway::Stage');
        const [apiId] = only(synthesized, 'AWS::ApiGateway::RestApi');
        const [poolId] = only(synthesized, 'AWS::Cognito::UserPool');
        const [clientId] = only(synthesized, 'AWS::Cognito::UserPoolClient');
        const [groupId] = only(synthesized, 'AWS::Cognito::UserPoolGroup');
        const [domainId] = only(synthesized, 'AWS::Cognito::UserPoolDomain');
        const config = stack.resolve(stack.console.config);
        expect(config).toEqual({
          apiUrl: {
            'Fn::Join': [
              '',
              [
                'https://',
                { Ref: apiId },
                '.execute-api.',
                { Ref: 'AWS::Region' },
                '.',
                { Ref: 'AWS::URLSuffix' },
                '/',
                { Ref: stageId },
                '/',
              ],
            ],
          },
          region: { Ref: 'AWS::Region' },
          userPoolId: { Ref: poolId },
          userPoolClientId: { Ref: clientId },
          adminGroupName: { Ref: groupId },
          auth: {
            kind: 'hosted',
            domain: {
              'Fn::Join': ['', ['https://', { Ref: domainId }, '.auth.', { Ref: 'AWS::Region' }, '.amazoncognito.com']],
            },
            redirectUri: consoleUrl(synthesized),
          },
          // Only when the deployment gives them.
          ...(synthesized === custom && { scopeDescriptions: SCOPE_DESCRIPTIONS }),
        });
        // What the deployment substitutes into the uploaded config.json.
        const { pages } = deployments(synthesized);
        const [buildMarkers, configMarkers] = pages[1].Properties!.SourceMarkers;
        expect(buildMarkers).toEqual({});
        expect(Object.values(configMarkers)).toEqual(
          expect.arrayContaining([
            { Ref: stageId },
            { Ref: poolId },
            { Ref: clientId },
            { Ref: groupId },
            { Ref: domainId },
            consoleDomain(synthesized),
          ]),
        );
        expect(pages[1].Properties!.SourceMarkersConfig).toEqual([{}, { jsonEscape: true }]);
      }
    },
  );

  test(
    'the app client signs in through managed login with the ' +
      'code grant only, back to the console, without a secret',
    () => {
      for (const synthesized of [defaults, custom]) {
        const [, client] = only(synthesized, 'AWS::Cognito::UserPoolClient');
        expect(client.Properties).toMatchObject({
          AllowedOAuthFlows: ['code'],
          AllowedOAuthFlowsUserPoolClient: true,
          CallbackURLs: [consoleUrl(synthesized)],
          LogoutURLs: [consoleUrl(synthesized)],
          SupportedIdentityProviders: ['COGNITO'],
          GenerateSecret: false,
        });
        expect(client.Properties!.AllowedOAuthScopes.sort()).toEqual(['email', 'openid', 'profile']);
        expect(client.Properties).not.toHaveProperty('DefaultRedirectURI');
      }
    },
  );

  test(
    "the user pool has a managed login domain, Cognito's " + 'style for the client, and the plan that includes them',
    () => {
      for (const synthesized of [defaults, custom]) {
        const [poolId, pool] = only(synthesized, 'AWS::Cognito::UserPool');
        expect(pool.Properties!.UserPoolTier).toBe('ESSENTIALS');
        const [domainId, domain] = only(synthesized, 'AWS::Cognito::UserPoolDomain');
        expect(domain.Properties).toMatchObject({ UserPoolId: { Ref: poolId }, ManagedLoginVersion: 2 });
        expect(domain.Properties).not.toHaveProperty('CustomDomainConfig');
        const [clientId] = only(synthesized, 'AWS::Cognito::UserPoolClient');
        const [, branding] = only(synthesized, 'AWS::Cognito::ManagedLoginBranding');
        expect(branding).toMatchObject({
          Properties: { UserPoolId: { Ref: poolId }, ClientId: { Ref: clientId }, UseCognitoProvidedValues: true },
          DependsOn: expect.arrayContaining([domainId]),
        });
        expect(branding.Properties).not.toHaveProperty('Settings');
      }
    },
  );

  test(
    'the sign-in domain prefix: as configured, else the stack ' +
      'name and the tail of the stack id (unique per stack)',
    () => {
      expect(only(custom, 'AWS::Cognito::UserPoolDomain')[1].Properties!.Domain).toBe('ledger-throwaway-test');
      const derived = only(defaults, 'AWS::Cognito::UserPoolDomain')[1].Properties!.Domain;
      expect(derived).toEqual({
        'Fn::Join': [
          '',
          [
            'tokenledger-',
            {
              'Fn::Select': [
                4,
                { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
              ],
            },
          ],
        ],
      });
      // A stack id ends in a UUID; its last group is 12 lowercase hex digits, so the prefix
      // matches Cognito's pattern and stays within its 63 characters.
      const tail =
        'arn:aws:cloudformation:eu-west-1:123456789012:stack/TokenLedger/1c2fa620-982a-11e3-aff7-50e2416294e0'
          .split('/')[2]
          .split('-')[4];
      expect(`tokenledger-${tail}`).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
    },
  );

  test(
    "besides the routes' and table consumers' functions, only the console's deployment handler " +
      "(and a throwaway bucket's emptier), logging with the stack's retention",
    () => {
      for (const synthesized of [defaults, custom]) {
        const routeFunctions = new Set(
          [...ROUTES, CASCADE_REPAIR].map((definition) => functionLogicalId(synthesized, definition.name)),
        );
        const others = resourcesOfType(synthesized, 'AWS::Lambda::Function').filter(([id]) => !routeFunctions.has(id));
        const [[, handler], ...rest] = others.filter(([id]) => id.startsWith('CustomCDKBucketDeployment'));
        expect(rest).toEqual([]);
        expect(others.map(([id]) => id).filter((id) => !id.startsWith('CustomCDKBucketDeployment'))).toEqual(
          synthesized === custom
            ? [expect.stringMatching(/^CustomS3AutoDeleteObjectsCustomResourceProviderHandler/)]
            : [],
        );
        const logGroup = synthesized.resources[handler.Properties!.LoggingConfig.LogGroup.Ref];
        expect(logGroup).toMatchObject(
          synthesized === custom
            ? { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' }
            : { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' },
        );
      }
    },
  );

  test('the template has no dependency cycle, though the API names the console and the console names the API', () => {
    for (const synthesized of [defaults, custom]) expect(dependencyCycle(synthesized)).toBeUndefined();
  });

  test('a missing console build fails the synth at once, saying how to build it', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'token-ledger-no-console-'));
    try {
      const app = new App({ context: { ...cdkJsonContext(), consoleDist: empty } });
      const config = readConfig(app.node);
      expect(() => new TokenLedgerStack(app, config.stackName, { config })).toThrow(
        `${path.join(empty, 'index.html')} does not exist. Run \`npm run build:console\``,
      );
      // Before any function was created, so nothing was bundled.
      const partial = app.node.findChild(config.stackName);
      expect(partial.node.findAll().filter((c) => c instanceof NodejsFunction)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('operations', () => {
  const alarms = (synthesized: Synth) =>
    resourcesOfType(synthesized, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties!);
  const tableRef = (synthesized: Synth) => ({ Ref: resourcesOfType(synthesized, 'AWS::DynamoDB::Table')[0][0] });
  const stageRef = (synthesized: Synth) => ({ Ref: resourcesOfType(synthesized, 'AWS::ApiGateway::Stage')[0][0] });
  const indexNames = Object.keys(TOKEN_TABLE.indexes);

  test(
    "one alarm on the API's 5xx rate, one each on every function's errors and throttles, one each on a " +
      "table consumer's lag and dead letters, one each on the table's and every index's read and write throttles",
    () => {
      const functions = ROUTES.length + TABLE_CONSUMERS.length;
      for (const synthesized of [defaults, custom, withoutWaf]) {
        expect(alarms(synthesized)).toHaveLength(
          1 + 2 * functions + 2 * TABLE_CONSUMERS.length + 2 * (1 + indexNames.length),
        );
        for (const alarm of alarms(synthesized)) {
          expect(alarm).toMatchObject({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
          expect(alarm.AlarmDescription).toEqual(expect.any(String));
        }
      }
      for (const route of [...ROUTES, CASCADE_REPAIR]) {
        for (const metric of ['Errors', 'Throttles']) {
          defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(defaults, route.name) } }],
            Statistic: 'Sum',
            Period: 300,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          });
        }
      }
      for (const indexName of [undefined, ...indexNames]) {
        for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
          // In the order CDK writes them: by name.
          const dimensions = [
            ...(indexName ? [{ Name: 'GlobalSecondaryIndexName', Value: indexName }] : []),
            { Name: 'TableName', Value: tableRef(defaults) },
          ];
          defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/DynamoDB',
            MetricName: metric,
            Dimensions: dimensions,
            Statistic: 'Sum',
            Period: 300,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          });
        }
      }
    },
  );

  test(
    'the 5xx alarm: more than 1 % of requests over 5 minutes, ' +
      "once there are at least 20, of this stack's API and stage",
    () => {
      for (const synthesized of [defaults, custom]) {
        const [api5xx, ...others] = alarms(synthesized).filter((alarm) => alarm.Metrics);
        expect(others).toEqual([]);
        expect(api5xx).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' });
        const expression = api5xx.Metrics.find((m: { Expression?: string }) => m.Expression);
        expect(expression).toMatchObject({
          Expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
          ReturnData: true,
        });
        const metricOf = (id: string) => api5xx.Metrics.find((m: { Id: string }) => m.Id === id).MetricStat;
        const dimensions = [
          { Name: 'ApiName', Value: synthesized.stack.stackName },
          { Name: 'Stage', Value: stageRef(synthesized) },
        ];
        expect(metricOf('errors')).toEqual({
          Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: dimensions },
          Period: 300,
          Stat: 'Sum',
        });
        expect(metricOf('requests')).toEqual({
          Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: dimensions },
          Period: 300,
          Stat: 'Sum',
        });
      }
    },
  );

  test('the API is named after its stack, because API Gateway publishes metrics by API name', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'TokenLedger' });
    custom.template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'TokenLedgerThrowaway' });
  });

  test('alarms notify (on ALARM and OK) the topic named by alarmTopicArn, and nothing without it', () => {
    for (const alarm of alarms(defaults)) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.OKActions).toBeUndefined();
    }
    for (const alarm of alarms(custom)) {
      expect(alarm.AlarmActions).toEqual([ALARM_TOPIC]);
      expect(alarm.OKActions).toEqual([ALARM_TOPIC]);
    }
    // Imported, never created.
    custom.template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('a dashboard of the API, every function and the table', () => {
    for (const synthesized of [defaults, withoutWaf]) {
      const [[, dashboard], ...others] = resourcesOfType(synthesized, 'AWS::CloudWatch::Dashboard');
      expect(others).toEqual([]);
      // Named per account: stack name and region.
      expect(dashboard.Properties!.DashboardName).toEqual({
        'Fn::Join': ['', [`${synthesized.stack.stackName}-`, { Ref: 'AWS::Region' }]],
      });
      const body = JSON.stringify(dashboard.Properties!.DashboardBody);
      const titles = [
        ...['API requests', 'API latency (ms)', 'API errors', 'API 5XX rate (%)'],
        ...['Function invocations', 'Function errors', 'Function duration p95 (ms)', 'Function throttles'],
        ...['Table consumed capacity units', 'Table and index throttle events', 'Alarms'],
      ];
      for (const title of titles) expect(body).toContain(`\\"title\\":\\"${title}\\"`);
      for (const route of ROUTES)
        expect(body).toContain(JSON.stringify({ Ref: functionLogicalId(synthesized, route.name) }));
      const metrics = [
        'ConsumedReadCapacityUnits',
        'ConsumedWriteCapacityUnits',
        'ReadThrottleEvents',
        'WriteThrottleEvents',
      ];
      metrics.push('5XXError', '4XXError', 'Count', 'Latency', 'IntegrationLatency', 'Invocations', 'Duration');
      for (const metric of metrics) expect(body).toContain(`\\"${metric}\\"`);
      expect(body.includes('AWS/WAFV2')).toBe(synthesized === defaults);
    }
  });

  test(
    'a regional web ACL on the stage: IP reputation, signed service calls only, a rate limit per IP ' +
      'for service routes and one for the rest, the common rule set and known bad inputs',
    () => {
      const [[webAclId, webAcl], ...others] = resourcesOfType(defaults, 'AWS::WAFv2::WebACL');
      expect(others).toEqual([]);
      expect(webAcl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
      const rules: { Name: string; Priority: number; [key: string]: any }[] = webAcl.Properties!.Rules;
      expect(rules.map((r) => r.Name)).toEqual([
        'AWSManagedRulesAmazonIpReputationList',
        'ServiceRequiresSignature',
        'ServiceRateLimitPerIp',
        'RateLimitPerIp',
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
      ]);
      expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
      for (const rule of rules.filter((r) => r.Name.startsWith('AWSManagedRules'))) {
        expect(rule).toMatchObject({
          OverrideAction: { None: {} },
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: rule.Name } },
        });
      }
      // Counted, not blocked: legitimate service calls can have large bodies or no User-Agent.
      const common = rules.find((r) => r.Name === 'AWSManagedRulesCommonRuleSet')!;
      expect(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
        { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
        { Name: 'NoUserAgent_HEADER', ActionToUse: { Count: {} } },
      ]);
      for (const rule of rules)
        expect(rule.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true });

      const [[, association], ...moreAssociations] = resourcesOfType(defaults, 'AWS::WAFv2::WebACLAssociation');
      expect(moreAssociations).toEqual([]);
      expect(association.Properties!.WebACLArn).toEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
      expect(JSON.stringify(association.Properties!.ResourceArn)).toContain(JSON.stringify(stageRef(defaults)));
    },
  );

  test(
    'the rate limit: 2000 requests per 5 minutes per IP by ' + "default, or wafRateLimit, answered with the API's 429",
    () => {
      for (const [synthesized, limit] of [
        [defaults, 2000],
        [custom, 500],
      ] as const) {
        const [[, webAcl]] = resourcesOfType(synthesized, 'AWS::WAFv2::WebACL');
        const rule = webAcl.Properties!.Rules.find((r: { Name: string }) => r.Name === 'RateLimitPerIp');
        expect(rule.Statement.RateBasedStatement).toMatchObject({
          Limit: limit,
          AggregateKeyType: 'IP',
          EvaluationWindowSec: 300,
        });
        expect(rule.Action.Block.CustomResponse).toMatchObject({
          ResponseCode: 429,
          CustomResponseBodyKey: 'tooManyRequests',
        });
        const body = webAcl.Properties!.CustomResponseBodies.tooManyRequests;
        expect(body.ContentType).toBe('APPLICATION_JSON');
        const parsed = JSON.parse(body.Content);
        expect(parsed).toEqual({ error: 'too_many_requests', message: expect.any(String) });
        expect(ERROR_STATUS[parsed.error as ErrorCode]).toBe(429);
        // With the console's origin, like API Gateway's own error answers.
        expect(rule.Action.Block.CustomResponse.ResponseHeaders).toEqual([
          { Name: 'Access-Control-Allow-Origin', Value: consoleOrigin(synthesized) },
        ]);
      }
    },
  );

  /** The service-path regex of a rule's statement, wherever in it it sits. */
  const servicePathRegex = (statement: unknown): RegExp => {
    const found = JSON.stringify(statement).match(/"RegexString":"([^"]+)"/);
    if (!found?.[1]) throw new Error('no path regex in the statement');
    return new RegExp(JSON.parse(`"${found[1]}"`));
  };
  const ruleNamed = (synthesized: Synth, name: string) => {
    const [[, webAcl]] = resourcesOfType(synthesized, 'AWS::WAFv2::WebACL');
    return webAcl.Properties!.Rules.find((r: { Name: string }) => r.Name === name);
  };
  const servicePaths = ROUTES.filter((route) => route.access === 'service').map((route) => route.path);
  const otherPaths = ROUTES.filter((route) => route.access !== 'service').map((route) => route.path);

  test('the service path regex matches every service route, with or without the stage, and nothing else', () => {
    const regex = servicePathRegex(ruleNamed(defaults, 'ServiceRequiresSignature').Statement);
    expect(regex.source).toBe('^(\\/prod)?\\/service\\/');
    for (const path of servicePaths) {
      expect(path).toMatch(regex);
      expect(`/prod${path}`).toMatch(regex);
    }
    for (const path of otherPaths) expect(`/prod${path}`).not.toMatch(regex);
    expect('/prod/tokens/service/x').not.toMatch(regex);
  });

  test(
    'an unsigned request to a service route is blocked before API Gateway, so it never ' +
      "takes a share of the route's throttle; a 403 in the API's error shape",
    () => {
      const rule = ruleNamed(defaults, 'ServiceRequiresSignature');
      const [onService, notSigned] = rule.Statement.AndStatement.Statements;
      expect(onService.RegexMatchStatement).toMatchObject({ FieldToMatch: { UriPath: {} } });
      expect(notSigned.NotStatement.Statement.ByteMatchStatement).toEqual({
        FieldToMatch: { SingleHeader: { Name: 'authorization' } },
        PositionalConstraint: 'STARTS_WITH',
        SearchString: 'AWS4-HMAC-SHA256 Credential=',
        TextTransformations: [{ Priority: 0, Type: 'NONE' }],
      });
      expect(rule.Action.Block.CustomResponse).toMatchObject({
        ResponseCode: 403,
        CustomResponseBodyKey: 'signatureRequired',
      });
      const [[, webAcl]] = resourcesOfType(defaults, 'AWS::WAFv2::WebACL');
      expect(JSON.parse(webAcl.Properties!.CustomResponseBodies.signatureRequired.Content)).toEqual({
        error: 'forbidden',
        message: GATEWAY_MESSAGES.signatureRequired,
      });
      // Before both rate limits, so a flood of unsigned calls counts against nobody.
      expect(rule.Priority).toBeLessThan(ruleNamed(defaults, 'ServiceRateLimitPerIp').Priority);
      expect(rule.Priority).toBeLessThan(ruleNamed(defaults, 'RateLimitPerIp').Priority);
    },
  );

  test('each rate limit counts its own routes: the service routes apart from the rest', () => {
    const service = ruleNamed(defaults, 'ServiceRateLimitPerIp').Statement.RateBasedStatement;
    const people = ruleNamed(defaults, 'RateLimitPerIp').Statement.RateBasedStatement;
    expect(service.ScopeDownStatement.RegexMatchStatement).toBeDefined();
    expect(people.ScopeDownStatement.NotStatement.Statement.RegexMatchStatement).toBeDefined();
    expect(servicePathRegex(service.ScopeDownStatement).source).toBe(
      servicePathRegex(people.ScopeDownStatement).source,
    );
    expect(service).toMatchObject({ Limit: 15_000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    expect(ruleNamed(custom, 'ServiceRateLimitPerIp').Statement.RateBasedStatement.Limit).toBe(40_000);
  });

  test('waf=false: no web ACL and no association', () => {
    withoutWaf.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    withoutWaf.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    // The rest of the operations stay.
    withoutWaf.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('outputs and names', () => {
  test('are exactly those of docs/api.md#stack-outputs', () => {
    const outputs = defaults.template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual([
      'AdminGroupName',
      'ApiUrl',
      'ConsoleUrl',
      'IntrospectionPolicyArn',
      'Region',
      'ServicePolicyArn',
      'TableName',
      'UserPoolClientId',
      'UserPoolId',
    ]);
    expect(outputs.ConsoleUrl.Value).toEqual(consoleUrl(defaults));
    const policyIds = resourcesOfType(defaults, 'AWS::IAM::ManagedPolicy').map(([id]) => id);
    expect(policyIds).toContain(outputs.ServicePolicyArn.Value.Ref);
    expect(policyIds).toContain(outputs.IntrospectionPolicyArn.Value.Ref);
    expect(outputs.ServicePolicyArn.Value).not.toEqual(outputs.IntrospectionPolicyArn.Value);
    expect(outputs.Region.Value).toEqual({ Ref: 'AWS::Region' });
    const [stageId] = resourcesOfType(defaults, 'AWS::ApiGateway::Stage')[0];
    const urlParts: unknown[] = outputs.ApiUrl.Value['Fn::Join'][1];
    expect(urlParts.slice(-2)).toEqual([{ Ref: stageId }, '/']);
    custom.template.hasOutput('AdminGroupName', {});
  });

  test('fix no physical name CloudFormation could generate', () => {
    const nameProperties: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::Cognito::UserPool': 'UserPoolName',
      'AWS::Cognito::UserPoolClient': 'ClientName',
      'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::CloudWatch::Alarm': 'AlarmName',
      'AWS::WAFv2::WebACL': 'Name',
    };
    for (const [type, property] of Object.entries(nameProperties)) {
      for (const [id, resource] of resourcesOfType(defaults, type))
        expect({ id, name: resource.Properties?.[property] }).toEqual({ id, name: undefined });
    }
  });

  test('the stack name comes from context', () => {
    expect(defaults.stack.stackName).toBe('TokenLedger');
    expect(custom.stack.stackName).toBe('TokenLedgerThrowaway');
  });
});

describe('cascade repair', () => {
  const consumerId = () => functionLogicalId(defaults, CASCADE_REPAIR.name);

  test("the table's stream carries old and new images, so a filter can tell the write that revoked a token", () => {
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  test('feeds the repair function only revocations of refresh tokens, retrying failed records a bounded time', () => {
    const [[, mapping], ...others] = resourcesOfType(defaults, 'AWS::Lambda::EventSourceMapping');
    expect(others).toEqual([]);
    const [tableId] = resourcesOfType(defaults, 'AWS::DynamoDB::Table')[0];
    expect(mapping.Properties).toMatchObject({
      FunctionName: { Ref: consumerId() },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: STREAM_MAX_RECORD_AGE.toSeconds(),
    });
    const patterns = mapping.Properties!.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    expect(patterns).toEqual(CASCADE_REPAIR.filters);
    const [queueId] = mapping.Properties!.DestinationConfig.OnFailure.Destination['Fn::GetAtt'];
    expect(defaults.resources[queueId]).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 },
    });
  });

  test('may query the indexes, update items, read the stream, send to its dead-letter queue: nothing else', () => {
    const statements = roleStatements(defaults, CASCADE_REPAIR.name);
    expect(actionsOf(statements, 'dynamodb')).toEqual(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        ...CASCADE_REPAIR.table.map((a) => `dynamodb:${a}`),
      ].sort(),
    );
    expect(actionsOf(statements, 'secretsmanager')).toEqual([]);
    expect(actionsOf(statements, 'sqs')).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
  });

  test('alarms when it falls behind the stream or gives records up to its dead-letter queue', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: consumerId() } }],
      Statistic: 'Maximum',
      Threshold: 60_000,
    });
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});
