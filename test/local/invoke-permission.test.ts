/**
 * API Gateway may invoke a function only as the function's resource policy lets it: the template's
 * `AWS::Lambda::Permission`s, read into the stack model and checked by the local gateway before it invokes.
 */
import { ROUTES } from '../../lambdas/routes';
import type { CfnTemplate } from '../../local/cfn-template';
import type { FunctionHost } from '../../local/function-host';
import { startGateway } from '../../local/gateway';
import { arnLike, type FunctionPermission, invokePermission } from '../../local/iam-policy';
import { executeApiArn } from '../../local/local-aws';
import type { ApiRoute, StackModel } from '../../local/stack-model';
import { localTemplate, readLocalModel } from '../support/runtime';

const API = 'arn:aws:execute-api:us-east-1:000000000000:local';
const GATEWAY = 'apigateway.amazonaws.com';
const source = (sourceArn: string) => ({ service: GATEWAY, sourceArn, sourceAccount: '000000000000' });
const permission = (fields: Partial<FunctionPermission>): FunctionPermission => ({
  logicalId: 'Permission',
  functionId: 'Fn',
  action: 'lambda:InvokeFunction',
  principal: GATEWAY,
  ...fields,
});

describe('arnLike', () => {
  it('matches `*` as any run of characters and `?` as one, case-sensitively', () => {
    expect(arnLike(`${API}/*/GET/tokens/*`, `${API}/prod/GET/tokens/tok_1`)).toBe(true);
    expect(arnLike(`${API}/prod/GET/tokens/*`, `${API}/prod/GET/tokens/a/b`)).toBe(true);
    expect(arnLike(`${API}/prod/?ET/tokens`, `${API}/prod/GET/tokens`)).toBe(true);
    expect(arnLike(`${API}/prod/?ET/tokens`, `${API}/prod/ET/tokens`)).toBe(false);
    expect(arnLike(`${API}/prod/GET/tokens`, `${API}/prod/get/tokens`)).toBe(false);
    expect(arnLike(`${API}/prod/GET/tokens`, `${API}/prod/GET/tokens/tok_1`)).toBe(false);
    expect(arnLike(`${API}/prod/GET/tokens.x`, `${API}/prod/GET/tokensax`)).toBe(false);
  });

  it("keeps a `*` within its part of the ARN, but lets the resource's own colons be", () => {
    expect(arnLike('arn:aws:execute-api:*:000000000000:local/*', `${API}/prod/GET/tokens`)).toBe(true);
    expect(arnLike('arn:aws:execute-api:us-*', `${API}/prod/GET/tokens`)).toBe(false);
    expect(arnLike(`${API}/prod/GET/*`, `${API}/prod/GET/tokens/a:b`)).toBe(true);
    expect(arnLike('*', `${API}/prod/GET/tokens`)).toBe(false);
  });
});

describe('invokePermission', () => {
  const arn = `${API}/prod/GET/tokens/tok_1`;

  it("finds the function's permission for API Gateway from the source", () => {
    const found = permission({ sourceArn: `${API}/prod/GET/tokens/*` });
    expect(invokePermission([found], 'Fn', source(arn))).toBe(found);
  });

  it.each<[string, Partial<FunctionPermission>]>([
    ['another function', { functionId: 'Other' }],
    ['another action', { action: 'lambda:GetFunction' }],
    ['another principal', { principal: 'events.amazonaws.com' }],
    ['another method', { sourceArn: `${API}/prod/POST/tokens/*` }],
    ["the console's test invocations", { sourceArn: `${API}/test-invoke-stage/GET/tokens/*` }],
    ['another API', { sourceArn: 'arn:aws:execute-api:us-east-1:000000000000:other/*/GET/tokens/*' }],
    ['another account', { sourceAccount: '111111111111' }],
    // API Gateway names the request's path, not the resource's: `*` is how a permission covers a variable.
    ['the resource path, {tokenId} and all', { sourceArn: `${API}/prod/GET/tokens/{tokenId}` }],
  ])('lets nothing through when the permission is for %s', (_, fields) => {
    expect(invokePermission([permission(fields)], 'Fn', source(arn))).toBeUndefined();
  });

  it('lets through what wildcards allow: any action of Lambda, any principal, any source', () => {
    expect(invokePermission([permission({ action: 'lambda:*' })], 'Fn', source(arn))).toBeDefined();
    expect(invokePermission([permission({ principal: '*', sourceArn: `${API}/*` })], 'Fn', source(arn))).toBeDefined();
    expect(invokePermission([permission({ sourceAccount: '000000000000' })], 'Fn', source(arn))).toBeDefined();
  });
});

describe('the stack model reads the permissions of the synthesized template', () => {
  const { template } = localTemplate();
  const model = readLocalModel(template);
  const functionRoutes = model.routes.flatMap((route) =>
    route.integration.kind === 'function' ? [{ ...route, functionId: route.integration.functionId }] : [],
  );
  /** A request path for a resource path: each `{variable}` given a value. */
  const requestPath = (path: string) => path.replace(/\{\w+\}/g, 'x_1');

  it('lets API Gateway invoke each route function for its own method and path, and for no other', () => {
    expect(functionRoutes).toHaveLength(ROUTES.length);
    for (const route of functionRoutes) {
      const allowed = (method: string, path: string) =>
        invokePermission(model.permissions, route.functionId, source(model.executeApiArn(method, path))) !== undefined;
      expect([route.method, route.path, allowed(route.method, requestPath(route.path))]).toEqual([
        route.method,
        route.path,
        true,
      ]);
      for (const other of functionRoutes.filter((r) => r !== route)) {
        expect([route.path, other.method, other.path, allowed(other.method, requestPath(other.path))]).toEqual([
          route.path,
          other.method,
          other.path,
          false,
        ]);
      }
    }
  });

  it('resolves FunctionName to the function, by its ARN or name as Lambda takes either', () => {
    const found = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Permission');
    if (!found) throw new Error('the template has no permission');
    const [id, resource] = found;
    const { FunctionName } = resource.Properties as { FunctionName: { 'Fn::GetAtt': [string, string] } };
    const [functionId] = FunctionName['Fn::GetAtt'];
    const read = (name: unknown) => {
      const copy = structuredClone(template) as CfnTemplate;
      (copy.Resources[id]?.Properties as Record<string, unknown>).FunctionName = name;
      return readLocalModel(copy).permissions.find((p) => p.logicalId === id);
    };
    expect(read(FunctionName)?.functionId).toBe(functionId);
    expect(read({ Ref: functionId })?.functionId).toBe(functionId);
    expect(read(`000000000000:function:${functionId}`)?.functionId).toBe(functionId);
    // An alias's permission is not the unqualified function's, which is what API Gateway invokes.
    expect(read(`arn:aws:lambda:us-east-1:000000000000:function:${functionId}:live`)).toBeUndefined();
  });

  it.each(['FunctionUrlAuthType', 'EventSourceToken', 'PrincipalOrgID'])(
    'refuses a permission that sets %s, which it does not model',
    (property) => {
      const copy = structuredClone(template) as CfnTemplate;
      const resource = Object.values(copy.Resources).find((r) => r.Type === 'AWS::Lambda::Permission');
      (resource?.Properties as Record<string, unknown>)[property] = 'x';
      expect(() => readLocalModel(copy)).toThrow(new RegExp(`sets ${property}`));
    },
  );
});

describe('the local gateway', () => {
  const route = (method: string, path: string): ApiRoute => ({
    resourceId: path,
    method,
    path,
    authorization: 'COGNITO_USER_POOLS',
    integration: { kind: 'function', functionId: 'Fn' },
  });
  const answer = (statusCode: number, error: string) => ({
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ error }),
  });
  const model = {
    routes: [route('GET', '/tokens/{tokenId}'), route('POST', '/tokens/{tokenId}/revoke')],
    gatewayResponses: new Map([
      ['DEFAULT_4XX', answer(400, 'invalid_request')],
      ['DEFAULT_5XX', answer(500, 'internal_error')],
    ]),
    stage: 'prod',
    permissions: [permission({ sourceArn: `${API}/prod/GET/tokens/*` })],
    executeApiArn: (method: string, path: string) => executeApiArn('us-east-1', 'prod', method, path),
  } as unknown as StackModel;
  const invoked: string[] = [];
  const functionHost = {
    invoke: async (functionId: string) => {
      invoked.push(functionId);
      return { kind: 'result', value: { statusCode: 200, body: '{}' } };
    },
  } as unknown as FunctionHost;

  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      model,
      functionHost,
      authorize: async (authorization) => (authorization ? { sub: 'someone' } : undefined),
      verifySignature: async () => undefined,
      identities: new Map(),
      openapi: '{}',
    });
  });
  afterAll(() => gateway.close());
  const call = (method: string, path: string, authorization = 'Bearer any') =>
    fetch(new URL(path, gateway.url), { method, headers: { Authorization: authorization } });

  it("invokes a method's function when a permission lets API Gateway invoke it for the request", async () => {
    invoked.length = 0;
    const res = await call('GET', 'tokens/tok_1');
    expect([res.status, invoked]).toEqual([200, ['Fn']]);
  });

  it('refuses a method that none does with API_CONFIGURATION_ERROR, naming what is missing', async () => {
    invoked.length = 0;
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    try {
      const res = await call('POST', 'tokens/tok_1/revoke');
      // The template has no API_CONFIGURATION_ERROR response of its own, so DEFAULT_5XX answers for it.
      expect([res.status, await res.json(), invoked]).toEqual([500, { error: 'internal_error' }, []]);
    } finally {
      spy.mockRestore();
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('API_CONFIGURATION_ERROR');
    expect(errors[0]).toContain(`lambda:InvokeFunction Fn from ${API}/prod/POST/tokens/tok_1/revoke`);
  });

  it('checks the caller first, as API Gateway authorizes before it integrates', async () => {
    const res = await call('POST', 'tokens/tok_1/revoke', '');
    expect(res.status).toBe(400); // UNAUTHORIZED, falling back to DEFAULT_4XX here
  });
});
