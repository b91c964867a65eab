import { Match } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/config';
import { ERROR_STATUS } from '../../lambdas/domain/errors';
import { ROUTES } from '../../lambdas/routes';
import { TOKEN_TABLE } from '../../lambdas/store/table-definition';
import {
  actionsOf,
  functionLogicalId,
  methodsByRoute,
  resourcesOfType,
  roleStatements,
  type Synth,
  synth,
} from './synth';

// Each synth bundles every function with esbuild: two synths for the whole file.
let defaults: Synth;
let custom: Synth;
const ORIGINS = ['https://app.example.com', 'https://admin.example.com'];

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
  });
});

const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

describe('token table', () => {
  test('has the contract keys, indexes and TTL, on demand, with point-in-time recovery', () => {
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
    expect(indexes.map((i: { IndexName: string }) => i.IndexName).sort()).toEqual(Object.keys(TOKEN_TABLE.indexes).sort());
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

  test('is retained by default and deleted with removalPolicy=destroy', () => {
    defaults.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    custom.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });
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
        AllowedOAuthFlowsUserPoolClient: false,
      });
    }
    const [[, plain]] = resourcesOfType(defaults, 'AWS::Cognito::UserPoolClient');
    expect(plain.Properties!.ExplicitAuthFlows.sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
    const [[, withPasswords]] = resourcesOfType(custom, 'AWS::Cognito::UserPoolClient');
    expect(withPasswords.Properties!.ExplicitAuthFlows).toContain('ALLOW_USER_PASSWORD_AUTH');
  });
});

describe('REST API', () => {
  test('has exactly one method per route table entry, each on its own function', () => {
    const methods = methodsByRoute(defaults);
    const routed = [...methods.keys()].filter((key) => !key.startsWith('OPTIONS '));
    expect(routed.sort()).toEqual(ROUTES.map(routeKey).sort());
    for (const route of ROUTES) {
      const integration = methods.get(routeKey(route))!.Properties!.Integration;
      expect(integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(JSON.stringify({ 'Fn::GetAtt': [functionLogicalId(defaults, route.name), 'Arn'] }));
    }
  });

  test('puts the Cognito authorizer on every method but the CORS preflights', () => {
    for (const synthesized of [defaults, custom]) {
      const authorizers = resourcesOfType(synthesized, 'AWS::ApiGateway::Authorizer');
      expect(authorizers).toHaveLength(1);
      const [[id, authorizer]] = authorizers;
      expect(authorizer.Properties).toMatchObject({ Type: 'COGNITO_USER_POOLS', IdentitySource: 'method.request.header.Authorization' });
      for (const [key, method] of methodsByRoute(synthesized)) {
        if (key.startsWith('OPTIONS ')) continue;
        expect({ key, ...method.Properties }).toMatchObject({ key, AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: { Ref: id } });
      }
    }
  });

  test('answers preflights without authentication only when origins are configured', () => {
    expect([...methodsByRoute(defaults).keys()].filter((key) => key.startsWith('OPTIONS '))).toEqual([]);
    const preflights = [...methodsByRoute(custom)].filter(([key]) => key.startsWith('OPTIONS '));
    expect(preflights.map(([key]) => key)).toEqual(expect.arrayContaining(ROUTES.map((r) => `OPTIONS ${r.path}`)));
    for (const [, method] of preflights) expect(method.Properties!.AuthorizationType).toBe('NONE');
  });

  test("maps API Gateway's own errors to the contract body, with fixed messages", () => {
    const responses = resourcesOfType(defaults, 'AWS::ApiGateway::GatewayResponse');
    const types = responses.map(([, r]) => r.Properties!.ResponseType);
    expect(types).toEqual(expect.arrayContaining(['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'ACCESS_DENIED', 'MISSING_AUTHENTICATION_TOKEN', 'THROTTLED']));
    for (const [, { Properties: r }] of responses) {
      const templates = r!.ResponseTemplates;
      expect(Object.keys(templates)).toEqual(['application/json']);
      expect(templates['application/json']).not.toContain('$');
      const body = JSON.parse(templates['application/json']);
      expect(Object.keys(body).sort()).toEqual(['error', 'message']);
      expect(r!.StatusCode).toBe(String(ERROR_STATUS[body.error as keyof typeof ERROR_STATUS]));
    }
    const byType = (type: string) => JSON.parse(responses.find(([, r]) => r.Properties!.ResponseType === type)![1].Properties!.ResponseTemplates['application/json']);
    expect(byType('MISSING_AUTHENTICATION_TOKEN')).toEqual({ error: 'not_found', message: 'No such route.' });
    expect(byType('UNAUTHORIZED').error).toBe('unauthorized');
    expect(byType('DEFAULT_5XX').error).toBe('internal_error');
  });

  test('gateway errors carry the first configured origin, and no CORS header without origins', () => {
    for (const [, r] of resourcesOfType(defaults, 'AWS::ApiGateway::GatewayResponse')) {
      expect(r.Properties!.ResponseParameters).toBeUndefined();
    }
    for (const [, r] of resourcesOfType(custom, 'AWS::ApiGateway::GatewayResponse')) {
      expect(r.Properties!.ResponseParameters).toEqual({ 'gatewayresponse.header.Access-Control-Allow-Origin': `'${ORIGINS[0]}'` });
    }
  });

  test('stage prod has throttling, JSON access logs, metrics and X-Ray', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })],
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
  test('one per route, nodejs22.x on arm64 with active tracing and a log group with retention', () => {
    defaults.template.resourceCountIs('AWS::Lambda::Function', ROUTES.length);
    for (const route of ROUTES) {
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
      expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
    }
    for (const route of ROUTES) {
      const fn = custom.resources[functionLogicalId(custom, route.name)].Properties!;
      expect(custom.resources[fn.LoggingConfig.LogGroup.Ref]).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    }
  });

  test('get their settings from the env var names the handlers read; the cursor secret only where cursors are signed', () => {
    for (const route of ROUTES) {
      const variables = defaults.resources[functionLogicalId(defaults, route.name)].Properties!.Environment.Variables;
      expect(variables[ENV.tableName]).toEqual({ Ref: expect.any(String) });
      expect(variables[ENV.adminGroupName]).toBe('token-admins');
      expect(variables[ENV.allowedOrigins]).toBeUndefined();
      expect(variables[ENV.cursorSecretArn] !== undefined).toBe(route.cursors);
      const customVariables = custom.resources[functionLogicalId(custom, route.name)].Properties!.Environment.Variables;
      expect(customVariables[ENV.adminGroupName]).toBe('custom');
      expect(customVariables[ENV.allowedOrigins]).toBe(ORIGINS.join(','));
    }
  });

  test.each(ROUTES.map((route) => [route.name, route] as const))('%s has least privilege', (name, route) => {
    const statements = roleStatements(defaults, name);
    const dynamo = route.table === 'read' ? ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'] : ['dynamodb:GetItem', 'dynamodb:UpdateItem'];
    const secrets = route.cursors ? ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'] : [];
    const xray = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    expect(actionsOf(statements)).toEqual([...dynamo, ...secrets, ...xray].sort());
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);

    const [tableId] = resourcesOfType(defaults, 'AWS::DynamoDB::Table')[0];
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const dynamoStatements = statements.filter((s) => actionsOf([s], 'dynamodb').length > 0);
    const dynamoResources = dynamoStatements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    // Reads reach the indexes the lists query; an update only ever needs the base table.
    expect(dynamoResources).toEqual(
      route.table === 'read' ? [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }] : [tableArn],
    );

    const secretStatements = statements.filter((s) => actionsOf([s], 'secretsmanager').length > 0);
    for (const s of secretStatements) expect(s.Resource).toEqual({ Ref: resourcesOfType(defaults, 'AWS::SecretsManager::Secret')[0][0] });
  });
});

describe('outputs and names', () => {
  test('are exactly those of contract section 1', () => {
    const outputs = defaults.template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(['AdminGroupName', 'ApiUrl', 'Region', 'TableName', 'UserPoolClientId', 'UserPoolId']);
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
    };
    for (const [type, property] of Object.entries(nameProperties)) {
      for (const [id, resource] of resourcesOfType(defaults, type)) expect({ id, name: resource.Properties?.[property] }).toEqual({ id, name: undefined });
    }
  });

  test('the stack name comes from context', () => {
    expect(defaults.stack.stackName).toBe('TokenLedger');
    expect(custom.stack.stackName).toBe('TokenLedgerThrowaway');
  });
});
