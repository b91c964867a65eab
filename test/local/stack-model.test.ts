import { ENV } from '../../lambdas/config';
import { ROUTES } from '../../lambdas/routes';
import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import { tableInputFromDefinition, tableInputFromTemplate } from '../../local/create-table';
import { decide } from '../../local/iam-policy';
import { readStackModel } from '../../local/stack-model';
import { localResolver } from '../../local/stand-ins';
import { localTemplate } from '../support/runtime';

const local = {
  region: 'us-east-1',
  stackName: 'TokenLedger',
  tableName: 'tokens-local',
  userPoolId: 'local_pool',
  userPoolClientId: 'local-client',
  consoleOrigin: 'http://127.0.0.1:3001',
};
const { template } = localTemplate();
const model = readStackModel(template, localResolver(template, local));
const tableArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/tokens-local';
const functionOf = (name: string) => {
  const fn = [...model.functions.values()].find((f) => f.source === `lambdas/${name}.ts`);
  if (!fn) throw new Error(`no function runs ${name}`);
  return fn;
};

describe('the stack model read from the synthesized template', () => {
  it('has exactly the route table, each route served by its own function and authorized as deployed', () => {
    const served = model.routes.map((r) => ({
      method: r.method,
      path: r.path,
      authorization: r.authorization,
      source: model.functions.get(r.functionId)?.source,
    }));
    expect(served).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      expect(served).toContainEqual({
        method: route.method,
        path: route.path,
        authorization: route.access === 'service' ? 'AWS_IAM' : 'COGNITO_USER_POOLS',
        source: `lambdas/${route.name}.ts`,
      });
    }
  });

  it("gives each function its template environment, resolved to the local stack's resources", () => {
    const list = functionOf('list-own-tokens');
    expect(list.environment[ENV.tableName]).toBe('tokens-local');
    expect(list.environment[ENV.userPoolClientId]).toBe('local-client');
    expect(list.environment[ENV.allowedOrigins]).toBe('http://127.0.0.1:3001');
    expect(list.environment[ENV.cursorSecretArn]).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:/);
    expect(list.environment).not.toHaveProperty(ENV.tokenHashSecretArn);
    expect(functionOf('revoke-app').timeoutSeconds).toBe(28);
    expect(functionOf('get-token').timeoutSeconds).toBe(10);
    expect(functionOf('get-token').memoryMb).toBe(512);
  });

  it("gives each function its role's statements, with the local table's ARNs", () => {
    const statements = functionOf('get-token').role.statements;
    expect(decide(statements, 'dynamodb:GetItem', tableArn)).toBe('allowed');
    expect(decide(statements, 'dynamodb:Query', tableArn)).toBe('implicitly-denied');
    const list = functionOf('list-all-tokens').role.statements;
    expect(decide(list, 'dynamodb:Query', `${tableArn}/index/byUser`)).toBe('allowed');
    expect(decide(list, 'dynamodb:UpdateItem', tableArn)).toBe('implicitly-denied');
  });

  it("reads each kind of service caller's policy: resource servers may only introspect", () => {
    const arn = (path: string) => model.executeApiArn('POST', path);
    const introspection = model.managedPolicyOf('IntrospectionPolicyArn');
    const service = model.managedPolicyOf('ServicePolicyArn');
    for (const path of ['/service/tokens', '/service/introspect', '/service/revoke']) {
      expect(decide(service, 'execute-api:Invoke', arn(path))).toBe('allowed');
      expect(decide(introspection, 'execute-api:Invoke', arn(path))).toBe(
        path === '/service/introspect' ? 'allowed' : 'implicitly-denied',
      );
    }
    expect(decide(service, 'execute-api:Invoke', model.executeApiArn('GET', '/tokens'))).toBe('implicitly-denied');
  });

  it("answers as the template's gateway responses do, a 401 naming the Bearer scheme", () => {
    const unauthorized = model.gatewayResponses.get('UNAUTHORIZED');
    expect(unauthorized?.statusCode).toBe(401);
    expect(unauthorized?.headers['WWW-Authenticate']).toBe('Bearer');
    expect(unauthorized?.headers['Access-Control-Allow-Origin']).toBe('http://127.0.0.1:3001');
    expect(JSON.parse(unauthorized?.body ?? '')).toMatchObject({ error: 'unauthorized' });
  });

  it("allows the console's origin in its preflights", () => {
    expect(model.cors?.origins).toEqual(['http://127.0.0.1:3001']);
    expect(model.cors?.allowHeaders).toContain('Authorization');
  });

  it("feeds the table's stream to the cascade repair with its filters and batching window", () => {
    expect(model.streamConsumers).toEqual([
      expect.objectContaining({
        functionId: functionOf(CASCADE_REPAIR.name).logicalId,
        batchSize: CASCADE_REPAIR.batchSize,
        batchingWindowSeconds: CASCADE_REPAIR.batchingWindowSeconds,
        reportBatchItemFailures: true,
        filterPatterns: CASCADE_REPAIR.filters,
      }),
    ]);
  });
});

test('the cascade repair waits longer than any route can run, so it never races a route', () => {
  for (const route of ROUTES) {
    expect([route.name, functionOf(route.name).timeoutSeconds < CASCADE_REPAIR.batchingWindowSeconds]).toEqual([
      route.name,
      true,
    ]);
  }
});

test("the local table is the template's, the same the repository tests create from the table definition", () => {
  const sorted = (input: ReturnType<typeof tableInputFromTemplate>) => ({
    ...input,
    AttributeDefinitions: [...(input.AttributeDefinitions ?? [])].sort((a, b) =>
      String(a.AttributeName).localeCompare(String(b.AttributeName)),
    ),
  });
  expect(sorted(tableInputFromTemplate(template, 't'))).toEqual(sorted(tableInputFromDefinition('t')));
});
