import { createSocket, type Socket } from 'node:dgram';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

type TracingModule = typeof import('../../lambdas/telemetry/tracing');

const SWITCH = 'TOKEN_LEDGER_TRACING';
const saved = { ...process.env };

/** A fresh copy of the tracing module, loaded with `value` in the switch, and whether it loaded the Tracer. */
function load(value: string | undefined): { tracing: TracingModule; loadedTracer: boolean } {
  if (value === undefined) delete process.env[SWITCH];
  else process.env[SWITCH] = value;
  let tracing: TracingModule | undefined;
  let loadedTracer = false;
  jest.isolateModules(() => {
    jest.doMock('@aws-lambda-powertools/tracer', () => {
      loadedTracer = true;
      return jest.requireActual('@aws-lambda-powertools/tracer');
    });
    tracing = require('../../lambdas/telemetry/tracing');
  });
  jest.dontMock('@aws-lambda-powertools/tracer');
  return { tracing: tracing!, loadedTracer };
}

const instrumented = (client: DynamoDBClient) =>
  client.middlewareStack.identify().some((name) => name.startsWith('XRaySDKInstrumentation'));

/** A client whose every call fails at once (nothing listens on port 9), so a handler can make one offline. */
const offlineClient = () =>
  new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

const getItem = (client: DynamoDBClient) =>
  client.send(new GetItemCommand({ TableName: 'tokens', Key: { tokenId: { S: 'x' } } })).catch(() => 'failed');

const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** Stands in for the X-Ray daemon: every document the X-Ray SDK sends. */
let daemon: Socket;
let documents: string[];

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => documents.push(message.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
});

afterAll(() => daemon.close());

beforeEach(() => {
  documents = [];
  // What Lambda sets with active tracing on: the Tracer and the X-Ray SDK know Lambda by these.
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: '/var/task',
    _HANDLER: 'index.handler',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  });
});

afterEach(() => {
  process.env = { ...saved };
});

/** The names of the subsegments the daemon received, once it has `count` of them or half a second passed. */
async function subsegments(count = 0): Promise<string[]> {
  const until = Date.now() + 500;
  while (documents.length < Math.max(count, 1) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  // Each document is a JSON header line, then the subsegment.
  return documents.map((d) => JSON.parse(d.slice(d.indexOf('\n') + 1)).name).sort();
}

describe.each([
  ['unset', undefined],
  ['false', 'false'],
  ['anything but true', '1'],
])('tracing with the switch %s', (_, value) => {
  test('is off: no Tracer loaded, no middleware, clients as they are', async () => {
    const { tracing, loadedTracer } = load(value);
    expect(tracing.tracingEnabled).toBe(false);
    expect(loadedTracer).toBe(false);
    expect(tracing.tracingMiddleware()).toEqual([]);
    const client = offlineClient();
    expect(tracing.traceClient(client)).toBe(client);
    expect(instrumented(client)).toBe(false);
    // A middy stack takes the empty list as no middleware at all.
    const handler = middy(async () => (await getItem(client)) && 'answer').use(tracing.tracingMiddleware());
    await expect(handler({}, context)).resolves.toBe('answer');
    expect(await subsegments()).toEqual([]);
  });
});

describe('tracing with the switch true', () => {
  test('loads the Tracer, gives one middleware, and instruments each client it is given', async () => {
    const { tracing, loadedTracer } = load('true');
    expect(tracing.tracingEnabled).toBe(true);
    expect(loadedTracer).toBe(true);
    const middleware = tracing.tracingMiddleware();
    expect(middleware).toHaveLength(1);
    expect(middleware[0]).toEqual(
      expect.objectContaining({ before: expect.any(Function), after: expect.any(Function) }),
    );
    const client = offlineClient();
    expect(tracing.traceClient(client)).toBe(client);
    expect(instrumented(client)).toBe(true);
    const handler = middy(async () => (await getItem(client)) && 'answer').use(tracing.tracingMiddleware());
    await expect(handler({}, context)).resolves.toBe('answer');
    // The handler's subsegment, and the DynamoDB call's inside it.
    expect(await subsegments(2)).toEqual(['## index.handler', 'DynamoDB']);
  });
});
