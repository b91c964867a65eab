import { ENV } from '../../lambdas/config';
import { ROUTES } from '../../lambdas/routes';
import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import { STREAM_MAX_RECORD_AGE, STREAM_RETRY_ATTEMPTS } from '../../lib/table-consumer';
import type { CfnTemplate } from '../../local/cfn-template';
import { tableInputFromDefinition, tableInputFromTemplate } from '../../local/create-table';
import { decide } from '../../local/iam-policy';
import { synthesizeStack } from '../../local/synth';
import { fakeConsoleDist } from '../infra/synth';
import { localTemplate, readLocalModel } from '../support/runtime';

const { template } = localTemplate();
const model = readLocalModel(template);
const tableArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/tokens-local';
const functionOf = (name: string) => {
  const fn = [...model.functions.values()].find((f) => f.source === `lambdas/${name}.ts`);
  if (!fn) throw new Error(`no function runs ${name}`);
  return fn;
};

describe('the stack model read from the synthesized template', () => {
  it('has exactly the route table, each route served by its own function and authorized as deployed', () => {
    const served = model.routes.flatMap((r) =>
      r.integration.kind === 'function'
        ? [
            {
              method: r.method,
              path: r.path,
              authorization: r.authorization,
              source: model.functions.get(r.integration.functionId)?.source,
            },
          ]
        : [],
    );
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

  const mock = (method: string, path: string) => {
    const route = model.routes.find((r) => r.method === method && r.path === path);
    if (route?.integration.kind !== 'mock') throw new Error(`no MOCK ${method} ${path}`);
    return route.integration.answer;
  };

  it("allows the console's origin in its preflights, which are the template's MOCKs", () => {
    const preflight = mock('OPTIONS', '/tokens');
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['Access-Control-Allow-Origin']).toBe('http://127.0.0.1:3001');
    expect(preflight.headers['Access-Control-Allow-Headers']).toContain('Authorization');
  });

  it('answers unknown routes with the MOCK 404 of the template, mapping JSON only', () => {
    const notFound = mock('ANY', '/{proxy+}');
    expect(notFound).toMatchObject({ statusCode: 404, contentTypes: ['application/json'], echoedOrigins: [] });
    expect(JSON.parse(notFound.body)).toMatchObject({ error: 'not_found' });
  });

  it("feeds the table's stream to the cascade repair with its filters and batching window", () => {
    expect(model.streamConsumers).toEqual([
      expect.objectContaining({
        functionId: functionOf(CASCADE_REPAIR.name).logicalId,
        batchSize: CASCADE_REPAIR.batchSize,
        batchingWindowSeconds: CASCADE_REPAIR.batchingWindowSeconds,
        reportBatchItemFailures: true,
        filterPatterns: CASCADE_REPAIR.filters,
        enabled: true,
        bisectOnError: true,
        maximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
        maximumRecordAgeSeconds: STREAM_MAX_RECORD_AGE.toSeconds(),
        onFailure: expect.stringMatching(/^arn:aws:sqs:us-east-1:000000000000:/),
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

describe('a template setting the local stack does not model fails the start, naming it', () => {
  const idOf = (type: string, where: (props: Record<string, unknown>) => boolean = () => true) => {
    const found = Object.entries(template.Resources).find(([, r]) => r.Type === type && where(r.Properties ?? {}));
    if (!found) throw new Error(`no ${type}`);
    return found[0];
  };
  const cognitoMethod = idOf('AWS::ApiGateway::Method', (p) => p.AuthorizationType === 'COGNITO_USER_POOLS');
  const iamMethod = idOf('AWS::ApiGateway::Method', (p) => p.AuthorizationType === 'AWS_IAM');
  const mapping = idOf('AWS::Lambda::EventSourceMapping');
  const readWith = (id: string, change: (props: Record<string, unknown>) => void) => {
    const copy = structuredClone(template) as CfnTemplate;
    change(copy.Resources[id]?.Properties as Record<string, unknown>);
    return () => readLocalModel(copy);
  };

  it.each([
    [
      'a method with AuthorizationScopes',
      cognitoMethod,
      { AuthorizationScopes: ['tokens/read'] },
      /AuthorizationScopes/,
    ],
    ['a method that requires an API key', cognitoMethod, { ApiKeyRequired: true }, /API key/],
    ['a method with a request validator', cognitoMethod, { RequestValidatorId: 'validator' }, /RequestValidatorId/],
    [
      'a Lambda method without authorization',
      iamMethod,
      { AuthorizationType: 'NONE' },
      /COGNITO_USER_POOLS or AWS_IAM/,
    ],
    ['a REST API with a resource policy', idOf('AWS::ApiGateway::RestApi'), { Policy: {} }, /sets Policy/],
    ['a mapping reading in parallel', mapping, { ParallelizationFactor: 2 }, /sets ParallelizationFactor/],
    ['a mapping starting at the horizon', mapping, { StartingPosition: 'TRIM_HORIZON' }, /LATEST/],
    ['a mapping with an on-success destination', mapping, { DestinationConfig: { OnSuccess: {} } }, /OnSuccess/],
    [
      'a function with reserved concurrency',
      functionOf('get-token').logicalId,
      { ReservedConcurrentExecutions: 1 },
      /ReservedConcurrentExecutions/,
    ],
  ])('%s', (_, id, change, message) => {
    expect(readWith(id, (props) => Object.assign(props, change))).toThrow(message);
  });

  it('a Lambda integration with a timeout of its own', () => {
    const change = (props: Record<string, unknown>) => {
      (props.Integration as Record<string, unknown>).TimeoutInMillis = 1000;
    };
    expect(readWith(cognitoMethod, change)).toThrow(/TimeoutInMillis/);
  });

  it('a function without a handler', () => {
    expect(readWith(functionOf('get-token').logicalId, (props) => delete props.Handler)).toThrow(/handler/);
  });

  it('a template without the DEFAULT_5XX gateway response the local gateway falls back to', () => {
    const copy = structuredClone(template) as CfnTemplate;
    const id = idOf('AWS::ApiGateway::GatewayResponse', (p) => p.ResponseType === 'DEFAULT_5XX');
    delete (copy.Resources as Record<string, unknown>)[id];
    expect(() => readLocalModel(copy)).toThrow(/DEFAULT_5XX/);
  });
});

test('a disabled event source mapping is read as one, so the local stream runs nothing for it', () => {
  const copy = structuredClone(template) as CfnTemplate;
  const [, mapping] =
    Object.entries(copy.Resources).find(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping') ?? [];
  (mapping?.Properties as Record<string, unknown>).Enabled = false;
  expect(readLocalModel(copy).streamConsumers).toEqual([expect.objectContaining({ enabled: false })]);
});

test('with further allowed origins, the MOCKs echo each of them, as their mapping templates do', () => {
  const { template: withOrigins } = synthesizeStack({
    consoleDist: fakeConsoleDist(),
    allowPasswordAuth: 'true',
    allowedOrigins: 'https://app.example.com,https://other.example.com',
  });
  const routes = readLocalModel(withOrigins).routes;
  const mocks = routes.flatMap((r) => (r.integration.kind === 'mock' ? [r.integration.answer] : []));
  expect(mocks.length).toBeGreaterThan(0);
  for (const answer of mocks) {
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('http://127.0.0.1:3001');
    expect(answer.echoedOrigins).toEqual(['https://app.example.com', 'https://other.example.com']);
  }
});
