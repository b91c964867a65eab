import { randomBytes, randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { cascadeReason } from '../../lambdas/domain/cascade';
import { isoTime, type TokenRecord } from '../../lambdas/domain/token';
import { DYNAMODB_MAX_ATTEMPTS } from '../../lambdas/store/dynamo-client';
import { type CfnTemplate, logicalIdIn, resourcesOfType } from '../../local/cfn-template';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-aws';
import { apiEvent } from '../support/api-event';
import { putRecords, type RunningDynalite, startDynalite } from '../support/dynalite';
import {
  accessDenied,
  afterSuccesses,
  always,
  type DynamoAttempt,
  FAULTS,
  type Fault,
  type FaultProxy,
  firstAttemptOnly,
  onceWhen,
  resourceNotFound,
  startFaultProxy,
  tokenIdOf,
} from '../support/fault-proxy';
import { expectErrorAnswer as expectGatewayError, type StackOutputs, serviceCall } from '../support/local-stack';
import {
  answerOf,
  localTemplate,
  startTestRuntime,
  type TestRuntime,
  type TestRuntimeOptions,
} from '../support/runtime';
import { HOUR, tokenRecord } from '../support/token-records';

/**
 * The functions against a DynamoDB that throttles, fails, hangs or loses answers.
 *
 * Each function runs as deployed, in the local stack's runtime (test/support/runtime.ts): in an
 * execution environment of its own, with the environment, timeout and memory the synthesized
 * template gives it, every AWS call it makes checked against its role by the local AWS endpoint.
 * That endpoint's DynamoDB is an HTTP proxy in front of dynalite (test/support/fault-proxy.ts)
 * that answers as DynamoDB does, so faults go through the SDK's real error parsing and retry
 * strategy; the proxy sees every attempt the SDK makes, labelled with the SDK's own invocation
 * id and attempt number. A connection the proxy drops, or whose answer it loses, reaches the
 * function as the local endpoint's bare HTTP 500, which the SDK retries as it retries a reset.
 *
 * Each test starts a runtime of its own on a table of its own: every function it calls starts
 * cold, with its own client and retry quota, so one test's failures never change another's
 * retries. The table's stream finishes an interrupted cascade only half a minute after the
 * revocation (lambdas/table-consumers.ts), once a test has ended; what a test sees is the
 * routes' own work.
 */
jest.setTimeout(60_000);

const MAX_ATTEMPTS = DYNAMODB_MAX_ATTEMPTS;
/**
 * The SDK's longest pause between two attempts of one call: after a throttle, a random 0–1 s
 * before the second attempt and 0–2 s before the third. A call that is still retrying makes
 * its next attempt within this long.
 */
const LONGEST_RETRY_PAUSE_MS = 2_000;
/** How long the SDK waits for an attempt's answer before it gives up on it and retries. */
const SDK_REQUEST_TIMEOUT_MS = 3_000;

type FunctionName =
  | 'revoke-token'
  | 'revoke-user-tokens'
  | 'revoke-app'
  | 'mint-token'
  | 'list-own-tokens'
  | 'get-token';

let db: RunningDynalite;
let proxy: FaultProxy;
let rt: TestRuntime;
/** What the functions wrote to stdout and stderr during the test (their environments' output reaches this process). */
let output: string[] = [];
/** What the local stack itself reported in this process (console.error): refusals, timeouts, failures. */
let reported: string[] = [];
let restoreOutput: () => void = () => undefined;

beforeAll(async () => {
  db = await startDynalite();
  // The runtime creates each test's table, and reads images around writes, with the local credentials.
  proxy = await startFaultProxy(db.endpoint, { bystanders: [LOCAL_CREDENTIALS.accessKeyId] });
});

afterAll(async () => {
  await proxy?.stop();
  await db?.stop();
});

/** Keeps what is written to stdout and stderr, out of the test output. */
function captureOutput(): () => void {
  const undo = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  });
  return () => {
    for (const u of undo) u();
  };
}

beforeEach(async () => {
  proxy.reset();
  output = [];
  reported = [];
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    reported.push(args.map(String).join(' '));
  });
  restoreOutput = captureOutput();
  rt = await startTestRuntime({ dynamoDbBackend: proxy.endpoint });
});

afterEach(async () => {
  // Ends every environment: nothing of this test's functions runs on into the next test.
  await rt?.close();
  await proxy.settled();
  proxy.reset();
  restoreOutput();
  jest.restoreAllMocks();
});

/** Another runtime for the rest of the test: on another template, say, or on the same table. */
async function restartRuntime(options: Omit<TestRuntimeOptions, 'dynamoDbBackend'>): Promise<void> {
  await rt.close();
  rt = await startTestRuntime({ dynamoDbBackend: proxy.endpoint, ...options });
}

/**
 * Waits until no call of the function is in flight, nor waiting to retry: DynamoDB is quiet, and
 * every call whose last attempt failed with attempts left has had longer than any pause between
 * two attempts to make its next one.
 */
const settle = () => proxy.settled({ retryPauseMs: LONGEST_RETRY_PAUSE_MS + 300 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// ---------------------------------------------------------------- templates

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

/** A copy of the stack's template, changed by `edit` for the function of `lambdas/<name>.ts`. */
function templateWith(name: FunctionName, edit: (fn: Record<string, any>, resources: Resources) => void): CfnTemplate {
  const template = structuredClone(localTemplate().template);
  const resources = template.Resources as Resources;
  const fn = resources[rt.functionIdOf(name)]?.Properties;
  if (!fn) throw new Error(`the template has no function for ${name}`);
  edit(fn, resources);
  return template;
}

/** The template with one function's timeout changed. */
const withTimeout = (name: FunctionName, seconds: number) =>
  templateWith(name, (fn) => {
    fn.Timeout = seconds;
  });

/** The template with variables added to one function's environment. */
const withEnvironment = (name: FunctionName, variables: Record<string, string>) =>
  templateWith(name, (fn) => {
    Object.assign(fn.Environment.Variables, variables);
  });

/** The template with `action` taken out of every statement of one function's role. */
const withoutGrant = (name: FunctionName, action: string) =>
  templateWith(name, (fn, resources) => {
    const roleId = logicalIdIn(fn.Role);
    const role = roleId === undefined ? undefined : resources[roleId];
    const attached = resourcesOfType({ Resources: resources }, 'AWS::IAM::Policy')
      .map(([, policy]) => policy.Properties as Record<string, any>)
      .filter((policy) => (policy.Roles as unknown[]).some((r) => logicalIdIn(r) === roleId));
    const documents = [...(role?.Properties?.Policies ?? []), ...attached].map((p) => p.PolicyDocument);
    let removed = 0;
    for (const document of documents) {
      for (const statement of document.Statement as { Action: string | string[] }[]) {
        const actions = [statement.Action].flat();
        statement.Action = actions.filter((a) => a !== action);
        removed += actions.length - statement.Action.length;
      }
      document.Statement = document.Statement.filter((s: { Action: string[] }) => s.Action.length > 0);
    }
    if (removed === 0) throw new Error(`the role of ${name} is not granted ${action}`);
  });

// ---------------------------------------------------------------- requests

const jsonBody = (body: unknown) => (body === undefined ? null : JSON.stringify(body));

/** A signed-in user's request (an admin's with `admin`), as API Gateway hands it over, with a JSON body if given. */
function userRequest(sub: string, fields: Partial<APIGatewayProxyEvent>, body?: unknown, admin = false) {
  const event = rt.userEvent(sub, { ...fields, body: jsonBody(body) }, { admin });
  if (body !== undefined) event.headers = { ...event.headers, 'Content-Type': 'application/json' };
  return event;
}

const revokeEvent = (tokenId: string, sub: string, body?: unknown, admin = false) =>
  userRequest(
    sub,
    {
      httpMethod: 'POST',
      path: `/tokens/${tokenId}/revoke`,
      resource: '/tokens/{tokenId}/revoke',
      pathParameters: { tokenId },
    },
    body,
    admin,
  );

const bulkEvent = (userId: string, admin: string, body: unknown) =>
  userRequest(
    admin,
    {
      httpMethod: 'POST',
      path: `/admin/users/${userId}/revoke`,
      resource: '/admin/users/{userId}/revoke',
      pathParameters: { userId },
    },
    body,
    true,
  );

const appRevokeEvent = (clientId: string, sub: string) =>
  userRequest(sub, {
    httpMethod: 'POST',
    path: `/apps/${clientId}/revoke`,
    resource: '/apps/{clientId}/revoke',
    pathParameters: { clientId },
  });

const listEvent = (sub: string) => userRequest(sub, {});

const getEvent = (tokenId: string, sub: string) =>
  userRequest(sub, { path: `/tokens/${tokenId}`, resource: '/tokens/{tokenId}', pathParameters: { tokenId } });

/** As API Gateway's AWS_IAM authorization fills in a SigV4-signed call that the caller's policy allows. */
function mintEvent(body: unknown): APIGatewayProxyEvent {
  const event = apiEvent({
    httpMethod: 'POST',
    path: '/service/tokens',
    resource: '/service/tokens',
    body: jsonBody(body),
    headers: { 'Content-Type': 'application/json' },
  });
  event.requestContext.identity = {
    accessKey: 'AKIAFAULTTEST',
    caller: 'AIDAFAULTTEST',
    userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/authorization-server`,
  } as APIGatewayProxyEvent['requestContext']['identity'];
  return event;
}

interface Answer {
  /** The invocation's request id, which every line the function logs for it carries. */
  requestId: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json: Record<string, unknown>;
  ms: number;
}

/** Invokes a function as API Gateway's Lambda proxy integration does; fails the test unless it answers. */
async function invoke(name: FunctionName, event: APIGatewayProxyEvent): Promise<Answer> {
  const requestId = randomUUID();
  const start = Date.now();
  const result = answerOf(await rt.runtime.functionHost.invoke(rt.functionIdOf(name), event, requestId));
  const ms = Date.now() - start;
  let json: Record<string, unknown> = {};
  try {
    json = result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {};
  } catch {
    // Not JSON; tests asserting on it will say so.
  }
  return { requestId, status: result.statusCode, headers: result.headers ?? {}, body: result.body, json, ms };
}

/** The function's timeout as the template sets it. */
function timeoutMsOf(name: FunctionName): number {
  const fn = rt.runtime.model.functions.get(rt.functionIdOf(name));
  if (!fn) throw new Error(`no function for ${name}`);
  return fn.timeoutSeconds * 1000;
}

/** Expects the function to have logged `text` while handling the request (its lines arrive a moment later). */
async function expectLogged(answer: Answer, text: string): Promise<void> {
  const lines = () =>
    output
      .join('')
      .split('\n')
      .filter((line) => line.includes(answer.requestId));
  for (let waited = 0; waited < 5_000 && !lines().some((line) => line.includes(text)); waited += 20) await sleep(20);
  expect(lines().join('\n')).toContain(text);
}

/** docs/api.md#errors: `{error, message}` as JSON, nothing about the inside (stack, exception, table). */
function expectErrorAnswer(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['Content-Type']).toBe('application/json');
  expect(Object.keys(answer.json).sort()).toStrictEqual(['error', 'message']);
  expect(answer.json.error).toBe(code);
  expect(typeof answer.json.message).toBe('string');
  for (const secret of [
    rt.tableName,
    'Exception',
    'InternalServerError',
    'ServiceUnavailable',
    'ProvisionedThroughput',
    'RequestLimitExceeded',
    'Throttling',
    'ECONNRESET',
    'socket hang up',
    'arn:aws',
    'dynamodb',
    'DynamoDB',
    '__type',
    '.ts:',
    '.js:',
    '    at ',
    'FAULT',
  ]) {
    expect(answer.body).not.toContain(secret);
  }
}

// ---------------------------------------------------------------- table and attempts

type Item = Record<string, unknown>;

/** Writes records straight into the test's table, as other writers do. */
const put = (records: TokenRecord[]) => putRecords(db, records, rt.tableName);

/** Every item of the test's table, read straight from dynalite (not through the proxy). */
async function tableItems(): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await db.documentClient.send(
      new ScanCommand({ TableName: rt.tableName, ExclusiveStartKey, ConsistentRead: true }),
    );
    for (const item of out.Items ?? []) items.set(item.tokenId as string, item);
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const item = async (tokenId: string) => (await tableItems()).get(tokenId);

/** The SDK calls the proxy saw, each with its attempts in order. */
function callsOf(attempts: DynamoAttempt[]): DynamoAttempt[][] {
  const calls = new Map<string, DynamoAttempt[]>();
  for (const a of attempts) {
    const call = calls.get(a.invocationId) ?? [];
    call.push(a);
    calls.set(a.invocationId, call);
  }
  return [...calls.values()];
}

/**
 * Retries are bounded: no call made more attempts than the client's maximum, the SDK announced
 * that maximum on every attempt, and attempts were numbered 1, 2, … in order.
 */
function expectBoundedRetries(attempts: DynamoAttempt[]): number {
  const calls = callsOf(attempts);
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call.length).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(call.map((a) => a.attempt)).toStrictEqual(call.map((_, i) => i + 1));
    for (const a of call) expect(a.maxAttempts).toBe(MAX_ATTEMPTS);
  }
  return Math.max(...calls.map((c) => c.length));
}

const now = () => Math.floor(Date.now() / 1000);
const user = () => `user-${randomUUID()}`;

/** A live token of `userId` issued `age` seconds ago. */
const live = (userId: string | undefined, overrides: Partial<TokenRecord> = {}, age = 60): TokenRecord =>
  tokenRecord({
    ...(userId !== undefined && { userId }),
    issuedAt: now() - age,
    expiresAt: now() + HOUR,
    ...overrides,
  });

/** A refresh token and `n` access tokens minted from it. */
function family(userId: string, n: number, clientId = 'client-a'): { parent: TokenRecord; children: TokenRecord[] } {
  const parent = live(userId, { clientId, tokenType: 'refresh_token' }, 3600);
  const children = Array.from({ length: n }, (_, i) =>
    live(userId, { clientId, parentTokenId: parent.tokenId }, 3000 - i),
  );
  return { parent, children };
}

const revoked = (items: Map<string, Item>, ids: string[]) => ids.filter((id) => items.get(id)?.revokedAt !== undefined);

/** The bulk routes, each with a request that revokes `target`'s tokens of client-a, and whom it revokes as. */
const BULK_ROUTES = [
  [
    'revoke-user-tokens',
    (target: string) => ({ event: bulkEvent(target, 'admin-1', { reason: 'offboarding' }), revoker: 'admin-1' }),
  ],
  ['revoke-app', (target: string) => ({ event: appRevokeEvent('client-a', target), revoker: target })],
] as const;

/**
 * In the table: a user's refresh token with two access tokens of theirs, and a child that names
 * the parent but carries no user (a record another writer made), which only the cascade reaches.
 */
async function lostAnswerDataset() {
  const target = user();
  const { parent, children } = family(target, 2);
  const orphan = live(undefined, { parentTokenId: parent.tokenId });
  await put([parent, ...children, orphan]);
  return { target, parent, children, orphan };
}

/** The parent's revocation lands, but its answer is lost: the SDK's retry finds it already revoked. */
const loseParentRevocation = (parent: TokenRecord) =>
  proxy.reset(onceWhen((a) => a.operation === 'UpdateItem' && tokenIdOf(a) === parent.tokenId, FAULTS.lostResponse));

/** A mint request's body: an access token of `userId` for App A, with `fields` on top. */
const mintBody = (userId: string, fields: Record<string, unknown> = {}) => ({
  clientId: 'client-a',
  clientName: 'App A',
  tokenType: 'access_token',
  scope: 'read',
  expiresIn: 3600,
  userId,
  ...fields,
});

// ================================================================ the client's retry setting

it(
  'the DynamoDB client sets its retry bound explicitly: 3 ' + 'attempts per call (the SDK default for DynamoDB is 4)',
  async () => {
    // Even where the function's environment asks the SDK for more.
    await restartRuntime({ template: withEnvironment('list-own-tokens', { AWS_MAX_ATTEMPTS: '10' }) });
    proxy.reset(always(FAULTS.provisionedThroughputExceeded));
    const answer = await invoke('list-own-tokens', listEvent(user()));
    expectErrorAnswer(answer, 429, 'too_many_requests');
    // One Query, made 3 times, the SDK announcing a maximum of 3 on each attempt.
    expect(proxy.attempts.map((a) => [a.operation, a.attempt, a.maxAttempts])).toStrictEqual([
      ['Query', 1, 3],
      ['Query', 2, 3],
      ['Query', 3, 3],
    ]);
    expect(MAX_ATTEMPTS).toBe(3);
  },
);

// ================================================================ throttling

describe('a DynamoDB that throttles every call', () => {
  it.each([
    ['ProvisionedThroughputExceededException', FAULTS.provisionedThroughputExceeded],
    ['ThrottlingException', FAULTS.throttling],
    ['RequestLimitExceeded', FAULTS.requestLimitExceeded],
  ])(
    'revoke answers 429 too_many_requests for %s, after a bounded number of retries, and changes nothing',
    async (_name, fault) => {
      const owner = user();
      const token = live(owner);
      await put([token]);
      const before = await tableItems();

      proxy.reset(always(fault));
      const answer = await invoke('revoke-token', revokeEvent(token.tokenId, owner, { reason: 'lost phone' }));

      expectErrorAnswer(answer, 429, 'too_many_requests');
      // The SDK retried the throttle (so `error.name` survives retries), and stopped at the bound.
      const most = expectBoundedRetries(proxy.attempts);
      expect(most).toBe(MAX_ATTEMPTS);
      expect(proxy.attempts.every((a) => a.fault !== undefined)).toBe(true);
      // Well inside the function's timeout (10 s in the template), so the client gets a 429, not
      // API Gateway's timeout.
      expect(timeoutMsOf('revoke-token')).toBe(10_000);
      expect(answer.ms).toBeLessThan(10_000);
      // Logged for operators, as the error mapper promises.
      await expectLogged(answer, 'request failed');
      await settle();
      expect(await tableItems()).toStrictEqual(before);
    },
  );

  it.each([
    ['list-own-tokens (Query)', 'list-own-tokens', () => listEvent(user())],
    ['get-token (GetItem)', 'get-token', () => getEvent('tok_0123456789abcdef', user())],
    ['mint-token (PutItem)', 'mint-token', () => mintEvent(mintBody(user()))],
    ['revoke-user-tokens (Query)', 'revoke-user-tokens', () => bulkEvent(user(), 'admin-1', { reason: 'offboarding' })],
  ] as const)('%s answers 429 with bounded retries and writes nothing', async (_label, route, event) => {
    const before = await tableItems();
    proxy.reset(always(FAULTS.provisionedThroughputExceeded));
    const answer = await invoke(route, event());
    expectErrorAnswer(answer, 429, 'too_many_requests');
    expect(expectBoundedRetries(proxy.attempts)).toBe(MAX_ATTEMPTS);
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });

  it('a mint whose PutItem is throttled throughout answers 429 and leaves no item', async () => {
    const before = await tableItems();
    proxy.reset(always(FAULTS.throttling, ['PutItem']));
    const answer = await invoke('mint-token', mintEvent(mintBody(user(), { tokenType: 'refresh_token' })));
    expectErrorAnswer(answer, 429, 'too_many_requests');
    expect(proxy.attempts.filter((a) => a.operation === 'PutItem')).toHaveLength(MAX_ATTEMPTS);
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });
});

describe('a throttle on the first attempt only', () => {
  it('revoke: the SDK retries and the request succeeds (200), recorded once', async () => {
    const owner = user();
    const { parent, children } = family(owner, 3);
    await put([parent, ...children]);

    proxy.reset(firstAttemptOnly(FAULTS.provisionedThroughputExceeded));
    const answer = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      tokenId: parent.tokenId,
      status: 'revoked',
      revokedBy: owner,
      revokeReason: 'lost phone',
    });
    // Every call was throttled once and went through on its second attempt.
    const calls = callsOf(proxy.attempts);
    expect(calls.length).toBeGreaterThanOrEqual(1 + 1 + children.length); // UpdateItem, Query, one UpdateItem per child
    for (const call of calls) {
      expect(call.map((a) => [a.attempt, a.fault])).toStrictEqual([
        [1, 'ProvisionedThroughputExceededException'],
        [2, undefined],
      ]);
    }
    const items = await tableItems();
    expect(
      revoked(
        items,
        children.map((c) => c.tokenId),
      ),
    ).toHaveLength(children.length);
  });

  it('mint: the SDK retries and the token is created once (201)', async () => {
    const owner = user();
    const before = await tableItems();
    proxy.reset(firstAttemptOnly(FAULTS.throttling));
    const answer = await invoke('mint-token', mintEvent(mintBody(owner)));
    expect(answer.status).toBe(201);
    const after = await tableItems();
    const created = [...after.keys()].filter((id) => !before.has(id));
    expect(created).toStrictEqual([answer.json.tokenId]);
  });

  it('list: the SDK retries the Query and the list answers 200', async () => {
    const owner = user();
    await put([live(owner), live(owner)]);
    proxy.reset(firstAttemptOnly(FAULTS.requestLimitExceeded));
    const answer = await invoke('list-own-tokens', listEvent(owner));
    expect(answer.status).toBe(200);
    expect(answer.json.items).toHaveLength(2);
    expect(proxy.attempts.map((a) => a.attempt)).toStrictEqual([1, 2]);
  });
});

// ================================================================ failures

describe('a DynamoDB that fails', () => {
  const failures: [string, (table: string) => Fault, 'retried' | 'not retried'][] = [
    ['HTTP 500 InternalServerError', () => FAULTS.internalServerError, 'retried'],
    ['HTTP 503 ServiceUnavailable', () => FAULTS.serviceUnavailable, 'retried'],
    ['a dropped connection', () => FAULTS.drop, 'retried'],
    ['ResourceNotFoundException naming the table', resourceNotFound, 'not retried'],
    ['AccessDeniedException naming the role and table ARN', (t) => accessDenied(t), 'not retried'],
  ];

  it.each(failures)(
    'revoke answers 500 internal_error on %s, revealing nothing, and leaves the item as it was',
    async (_label, fault, retry) => {
      const owner = user();
      const { parent, children } = family(owner, 2);
      await put([parent, ...children]);
      const before = await tableItems();

      proxy.reset(always(fault(rt.tableName)));
      const answer = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));

      expectErrorAnswer(answer, 500, 'internal_error');
      expect(answer.json.message).toBe('Something went wrong on our side.');
      const most = expectBoundedRetries(proxy.attempts);
      expect(most).toBe(retry === 'retried' ? MAX_ATTEMPTS : 1);
      await expectLogged(answer, 'request failed');
      await settle();
      expect(await tableItems()).toStrictEqual(before);
    },
  );

  it.each(failures)('mint answers 500 on %s and leaves no item', async (_label, fault) => {
    const before = await tableItems();
    proxy.reset(always(fault(rt.tableName), ['PutItem']));
    const answer = await invoke('mint-token', mintEvent(mintBody(user(), { tokenType: 'refresh_token' })));
    expectErrorAnswer(answer, 500, 'internal_error');
    expect(answer.body).not.toContain('"token"');
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });

  it('a child mint whose PutItem fails leaves no item and its parent as it was', async () => {
    const owner = user();
    const { parent } = family(owner, 0);
    await put([parent]);
    const before = await tableItems();
    proxy.reset(always(FAULTS.internalServerError, ['PutItem']));
    const answer = await invoke(
      'mint-token',
      mintEvent(mintBody(owner, { expiresIn: 600, parentTokenId: parent.tokenId })),
    );
    expectErrorAnswer(answer, 500, 'internal_error');
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });
});

// ================================================================ interrupted cascade

describe('a cascade interrupted by failing writes', () => {
  it.each([
    ['HTTP 500', FAULTS.internalServerError, 500, 'internal_error'],
    ['a throttle', FAULTS.provisionedThroughputExceeded, 429, 'too_many_requests'],
  ] as const)(
    'revoking a refresh token with 10 children fails part-way (%s), and revoking it again completes the cascade',
    async (_label, fault, status, code) => {
      const owner = user();
      const { parent, children } = family(owner, 10);
      const childIds = children.map((c) => c.tokenId);
      await put([parent, ...children]);
      const before = await tableItems();

      // The parent's UpdateItem and 3 children's go through; every later UpdateItem attempt fails.
      proxy.reset(afterSuccesses('UpdateItem', 4, fault));
      const first = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));
      expectErrorAnswer(first, status, code);
      await settle();
      expectBoundedRetries(proxy.attempts);

      const interrupted = await tableItems();
      expect(interrupted.get(parent.tokenId)).toMatchObject({ revokedBy: owner, revokeReason: 'lost phone' });
      const done = revoked(interrupted, childIds);
      expect(done).toHaveLength(3);
      // Nothing half-written: a child is either fully revoked or exactly as before.
      for (const id of childIds) {
        if (done.includes(id)) {
          expect(interrupted.get(id)).toStrictEqual({
            ...before.get(id),
            revokedAt: expect.any(Number),
            revokedBy: owner,
            revokeReason: cascadeReason(parent.tokenId),
          });
        } else {
          expect(interrupted.get(id)).toStrictEqual(before.get(id));
        }
      }

      // The retry: another revoker (an admin), another reason, no faults.
      proxy.reset();
      const retry = await invoke('revoke-token', revokeEvent(parent.tokenId, 'admin-7', { reason: 'retry' }, true));
      expect(retry.status).toBe(200);
      const parentRecord = interrupted.get(parent.tokenId)!;
      // The first revocation is kept and answered.
      expect(retry.json).toMatchObject({ status: 'revoked', revokedBy: owner, revokeReason: 'lost phone' });
      expect(retry.json.revokedAt).toBe(isoTime(parentRecord.revokedAt as number));

      const after = await tableItems();
      expect(after.get(parent.tokenId)).toStrictEqual(parentRecord);
      // Every child revoked, as the parent's first revoker, naming the parent; earlier ones untouched.
      for (const id of childIds) {
        expect(after.get(id)).toMatchObject({ revokedBy: owner, revokeReason: cascadeReason(parent.tokenId) });
        if (done.includes(id)) expect(after.get(id)).toStrictEqual(interrupted.get(id));
      }
      // The retry wrote exactly what was left: the 7 children, one conditional write each.
      const writes = proxy.attempts.filter((a) => a.operation === 'UpdateItem');
      expect(
        writes
          .filter((a) => childIds.includes(tokenIdOf(a)!))
          .map(tokenIdOf)
          .sort(),
      ).toStrictEqual(childIds.filter((id) => !done.includes(id)).sort());
    },
  );
});

// ================================================================ interrupted bulk revocation

describe('an admin bulk revocation interrupted by failing writes', () => {
  /**
   * 50 live tokens to revoke for one user: 5 refresh tokens with 4 access tokens each, 20 other
   * access tokens, and 5 access tokens that name one of the refresh tokens as parent but carry no
   * user (records another writer made), which only the cascade reaches. Around them: the user's
   * already revoked and expired tokens, and another user's, which must not change.
   */
  function bulkDataset(userId: string) {
    const families = Array.from({ length: 5 }, (_, i) => family(userId, 4, `client-${i % 2}`));
    const plain = Array.from({ length: 20 }, (_, i) => live(userId, { clientId: `client-${i % 3}` }, 100 + i));
    const orphans = families.map((f) =>
      live(undefined, { clientId: f.parent.clientId, parentTokenId: f.parent.tokenId }, 50),
    );
    const selection = [...families.flatMap((f) => [f.parent, ...f.children]), ...plain];
    const bystanders = [
      live(userId, { revokedAt: now() - 600, revokedBy: 'someone-else', revokeReason: 'earlier' }),
      live(userId, { issuedAt: now() - 2 * HOUR, expiresAt: now() - 10 }),
      live(user()),
    ];
    return { families, selection, orphans, bystanders, all: [...selection, ...orphans, ...bystanders] };
  }

  it.each([
    ['HTTP 500 after 3 writes (while revoking the selection)', 500, 'internal_error', FAULTS.internalServerError, 3],
    [
      'a throttle after 3 writes (while revoking the selection)',
      429,
      'too_many_requests',
      FAULTS.provisionedThroughputExceeded,
      3,
    ],
    ['HTTP 500 after 47 writes (while cascading)', 500, 'internal_error', FAULTS.internalServerError, 47],
  ] as const)(
    '%s: answers %d %s, and the same request again revokes exactly what is left',
    async (_label, status, code, fault, successes) => {
      const target = user();
      const data = bulkDataset(target);
      const revocable = [...data.selection, ...data.orphans].map((t) => t.tokenId);
      expect(revocable).toHaveLength(50);
      await put(data.all);
      const before = await tableItems();
      const request = () => bulkEvent(target, 'admin-1', { reason: 'offboarding' });

      proxy.reset(afterSuccesses('UpdateItem', successes, fault));
      const first = await invoke('revoke-user-tokens', request());
      expectErrorAnswer(first, status, code);
      await settle();
      expectBoundedRetries(proxy.attempts);

      const interrupted = await tableItems();
      const done = revoked(interrupted, revocable);
      // Some revoked, some not; each either fully revoked or exactly as it was.
      expect(done).toHaveLength(successes);
      for (const id of revocable) {
        if (!done.includes(id)) expect(interrupted.get(id)).toStrictEqual(before.get(id));
        else expect(interrupted.get(id)).toMatchObject({ revokedAt: expect.any(Number), revokedBy: 'admin-1' });
      }
      for (const t of data.bystanders) expect(interrupted.get(t.tokenId)).toStrictEqual(before.get(t.tokenId));

      // The same request, no faults: 200, counting exactly what the first attempt left.
      proxy.reset();
      const retry = await invoke('revoke-user-tokens', request());
      expect(retry.status).toBe(200);
      expect(retry.json).toStrictEqual({ revoked: revocable.length - done.length });

      const after = await tableItems();
      expect(revoked(after, revocable)).toHaveLength(revocable.length);
      // What the first attempt revoked keeps its first revocation.
      for (const id of done) expect(after.get(id)).toStrictEqual(interrupted.get(id));
      // The selection: revoked by the admin with the admin's reason.
      for (const t of data.selection)
        expect(after.get(t.tokenId)).toMatchObject({ revokedBy: 'admin-1', revokeReason: 'offboarding' });
      // The cascade-only children: as their parent's first revoker, naming the parent.
      for (const t of data.orphans) {
        const parent = after.get(t.parentTokenId!)!;
        expect(after.get(t.tokenId)).toMatchObject({
          revokedBy: parent.revokedBy,
          revokeReason: cascadeReason(t.parentTokenId!),
        });
      }
      for (const t of data.bystanders) expect(after.get(t.tokenId)).toStrictEqual(before.get(t.tokenId));

      // And once more: nothing left.
      const again = await invoke('revoke-user-tokens', request());
      expect(again.json).toStrictEqual({ revoked: 0 });
    },
  );

  it(
    'a failed bulk revocation answers only once every write it ' +
      'started has settled (nothing left running in a frozen instance)',
    async () => {
      const target = user();
      const data = bulkDataset(target);
      await put(data.all);
      proxy.reset(afterSuccesses('UpdateItem', 3, FAULTS.internalServerError));

      const answer = await invoke('revoke-user-tokens', bulkEvent(target, 'admin-1', { reason: 'offboarding' }));
      // Calls of the function that DynamoDB has not answered yet, and every attempt so far.
      const stillRunning = proxy.inFlight;
      const attemptsAtAnswer = proxy.attempts.length;
      // A call sleeping before a retry makes its next attempt within the quiet period settle() waits for.
      await settle();

      expectErrorAnswer(answer, 500, 'internal_error');
      // Lambda freezes the instance once the handler answers: calls still in flight (or sleeping
      // before a retry) would resume inside the next, unrelated invocation, or be cut off.
      expect({ stillRunning, attemptsAfterAnswer: proxy.attempts.length - attemptsAtAnswer }).toStrictEqual({
        stillRunning: 0,
        attemptsAfterAnswer: 0,
      });
    },
  );
});

// ================================================================ a write that landed but whose answer was lost

describe('a write that DynamoDB applied but whose answer never arrived (the SDK retries it)', () => {
  it('revoke of a refresh token still answers 200 with the revocation and completes the cascade', async () => {
    const owner = user();
    const { parent, children } = family(owner, 3);
    await put([parent, ...children]);
    proxy.reset(onceWhen((a) => a.operation === 'UpdateItem' && tokenIdOf(a) === parent.tokenId, FAULTS.lostResponse));

    const answer = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'revoked', revokedBy: owner, revokeReason: 'lost phone' });
    const items = await tableItems();
    for (const c of children)
      expect(items.get(c.tokenId)).toMatchObject({ revokedBy: owner, revokeReason: cascadeReason(parent.tokenId) });
  });

  it.each(BULK_ROUTES)(
    '%s: a bulk revocation that answers 200 has also revoked the cascade-only children ' +
      'of a parent whose write answer was lost, re-reading the parent as its role allows',
    async (name, request) => {
      const { target, parent, children, orphan } = await lostAnswerDataset();
      loseParentRevocation(parent);

      const { event, revoker } = request(target);
      const answer = await invoke(name, event);

      expect(answer.status).toBe(200);
      // docs/api.md#cascade: no access token outlives the revocation of its refresh token.
      expect(await item(parent.tokenId)).toMatchObject({ revokedBy: revoker });
      expect(await item(orphan.tokenId)).toMatchObject({
        revokedBy: revoker,
        revokeReason: cascadeReason(parent.tokenId),
      });
      const items = await tableItems();
      for (const c of children) expect(items.get(c.tokenId)).toMatchObject({ revokedBy: revoker });
      // The function learned the parent's revocation by reading it again, which its role allows.
      const reads = proxy.attempts.filter((a) => a.operation === 'GetItem');
      expect(reads.map((a) => [tokenIdOf(a), a.fault])).toStrictEqual([[parent.tokenId, undefined]]);
      expect(reported.filter((line) => line.includes('not authorized'))).toStrictEqual([]);
    },
  );

  it(
    'a mint whose PutItem answer was lost either answers ' + '201 for the stored token or leaves no token behind',
    async () => {
      const owner = user();
      const before = await tableItems();
      proxy.reset(onceWhen((a) => a.operation === 'PutItem', FAULTS.lostResponse));

      const answer = await invoke('mint-token', mintEvent(mintBody(owner, { tokenType: 'refresh_token' })));

      await settle();
      const created = [...(await tableItems()).keys()].filter((id) => !before.has(id));
      if (answer.status === 201) {
        expect(created).toStrictEqual([answer.json.tokenId]);
      } else {
        // A token that exists but whose value nobody was given is a ghost in the owner's list.
        expectErrorAnswer(answer, 500, 'internal_error');
        expect(created).toStrictEqual([]);
      }
    },
  );
});

// ================================================================ a grant missing from the template

describe('a bulk route whose role may not GetItem, in a copy of the template', () => {
  it.each(BULK_ROUTES)(
    '%s answers 500 when the re-read of a parent whose write answer was lost is refused, ' +
      'and the same request under the template as it is finishes the cascade',
    async (name, request) => {
      await restartRuntime({ template: withoutGrant(name, 'dynamodb:GetItem') });
      const { target, parent, children, orphan } = await lostAnswerDataset();
      loseParentRevocation(parent);

      const { event, revoker } = request(target);
      const answer = await invoke(name, event);

      expectErrorAnswer(answer, 500, 'internal_error');
      await expectLogged(answer, 'request failed');
      await expectLogged(answer, '"name":"AccessDeniedException"');
      // Refused by the local AWS endpoint in AWS's words, naming the function's role, the action
      // and the table: the read never reached DynamoDB.
      const role = rt.runtime.model.functions.get(rt.functionIdOf(name))?.role.arn;
      const table = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${rt.tableName}`;
      expect(reported).toContain(
        `local AWS: User: ${role} is not authorized to perform: dynamodb:GetItem on resource: ${table} ` +
          'because no identity-based policy allows the dynamodb:GetItem action',
      );
      expect(proxy.attempts.filter((a) => a.operation === 'GetItem')).toStrictEqual([]);
      // What it wrote stays; the cascade never ran, so the child only the cascade reaches is live.
      await settle();
      const items = await tableItems();
      for (const t of [parent, ...children]) expect(items.get(t.tokenId)).toMatchObject({ revokedBy: revoker });
      expect(items.get(orphan.tokenId)).toStrictEqual(orphan);

      await restartRuntime({ tableName: rt.tableName });
      proxy.reset();
      const retry = await invoke(name, request(target).event);
      expect(retry.status).toBe(200);
      expect(retry.json).toStrictEqual({ revoked: 1 });
      expect(await item(orphan.tokenId)).toMatchObject({
        revokedBy: revoker,
        revokeReason: cascadeReason(parent.tokenId),
      });
    },
  );
});

// ================================================================ a function past its timeout

describe('a function that runs past its timeout', () => {
  it(
    'API Gateway answers with its 5XX response, and no DynamoDB call ' + 'of the function arrives after the timeout',
    async () => {
      // The template's 10 s shortened to 2 s, less than the SDK's request timeout: the one PutItem
      // attempt, held at DynamoDB, outlives the function.
      const keys = {
        accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
      };
      await restartRuntime({ template: withTimeout('mint-token', 2), iamKeys: new Map([['ServicePolicyArn', keys]]) });
      expect(timeoutMsOf('mint-token')).toBe(2_000);
      const o = {
        ApiUrl: rt.runtime.apiUrl,
        Region: LOCAL_REGION,
        TableName: rt.tableName,
        ServiceAccessKeyId: keys.accessKeyId,
        ServiceSecretAccessKey: keys.secretAccessKey,
      } as StackOutputs;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      proxy.reset(always({ kind: 'hold', release: released }, ['PutItem']));
      try {
        const answer = await serviceCall(o, 'service/tokens', { json: mintBody(user()) });

        // The template's DEFAULT_5XX gateway response, in the API's error shape.
        const gateway = rt.runtime.model.gatewayResponses.get('DEFAULT_5XX');
        expect({ status: answer.status, body: answer.text }).toStrictEqual({
          status: gateway?.statusCode,
          body: gateway?.body,
        });
        expectGatewayError(answer, 500, o);
        expect(reported).toContain(
          `local Lambda: ${rt.functionIdOf('mint-token')} timed out after 2 seconds; its environment is ended`,
        );
        // In an environment that lived on, the SDK would give up on the held attempt after its
        // request timeout and try again at once; nothing comes.
        const [held] = proxy.attempts;
        await sleep((held?.at ?? 0) + SDK_REQUEST_TIMEOUT_MS + 1_000 - Date.now());
        expect(proxy.attempts.map((a) => [a.operation, a.attempt, a.fault])).toStrictEqual([['PutItem', 1, 'hold']]);
      } finally {
        release();
      }

      // The next request gets a fresh environment, which answers.
      await settle();
      proxy.reset();
      const next = await serviceCall(o, 'service/tokens', { json: mintBody(user()) });
      expect(next.status).toBe(201);
    },
  );
});
