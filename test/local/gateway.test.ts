import type { FunctionHost } from '../../local/function-host';
import { startGateway } from '../../local/gateway';
import type { ApiRoute, GatewayAnswer, MockAnswer, StackModel } from '../../local/stack-model';

const json = (status: number, error: string): GatewayAnswer => ({
  statusCode: status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ error }),
});
const mock = (method: string, path: string, answer: Partial<MockAnswer>): ApiRoute => ({
  resourceId: path,
  method,
  path,
  authorization: 'NONE',
  integration: {
    kind: 'mock',
    answer: { statusCode: 200, headers: {}, body: '', echoedOrigins: [], ...answer },
  },
});

const model = {
  routes: [
    mock('OPTIONS', '/tokens', {
      statusCode: 204,
      headers: { 'Access-Control-Allow-Origin': 'https://console.example', Vary: 'Origin' },
      echoedOrigins: ['https://other.example'],
    }),
    mock('ANY', '/tokens', { ...json(404, 'not_found'), contentTypes: ['application/json'] }),
  ],
  gatewayResponses: new Map([
    ['DEFAULT_4XX', json(400, 'invalid_request')],
    ['DEFAULT_5XX', json(500, 'internal_error')],
    ['UNSUPPORTED_MEDIA_TYPE', json(404, 'not_found_415')],
    ['MISSING_AUTHENTICATION_TOKEN', json(403, 'forbidden')],
  ]),
  stage: 'prod',
} as unknown as StackModel;

let gateway: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    model,
    functionHost: {} as FunctionHost,
    authorize: async () => undefined,
    verifySignature: async () => undefined,
    identities: new Map(),
    openapi: '{}',
  });
});
afterAll(() => gateway.close());

const call = (method: string, path: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, gateway.url), { method, headers });

test("a MOCK answers with its template's headers, echoing an origin its mapping template lets through", async () => {
  const own = await call('OPTIONS', 'tokens', { Origin: 'https://other.example' });
  expect([own.status, own.headers.get('access-control-allow-origin')]).toEqual([204, 'https://other.example']);
  const stranger = await call('OPTIONS', 'tokens', { Origin: 'https://evil.example' });
  expect(stranger.headers.get('access-control-allow-origin')).toBe('https://console.example');
  expect(stranger.headers.get('vary')).toBe('Origin');
});

test('a MOCK that passes nothing through answers an unmapped content type with the 415 gateway response', async () => {
  const mapped = await call('DELETE', 'tokens');
  expect([mapped.status, await mapped.json()]).toEqual([404, { error: 'not_found' }]);
  const unmapped = await call('DELETE', 'tokens', { 'Content-Type': 'text/plain' });
  expect([unmapped.status, await unmapped.json()]).toEqual([404, { error: 'not_found_415' }]);
});

test('a path no resource matches gets MISSING_AUTHENTICATION_TOKEN, as from API Gateway', async () => {
  const res = await call('GET', 'apps');
  expect([res.status, await res.json()]).toEqual([403, { error: 'forbidden' }]);
});
