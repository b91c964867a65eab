import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { cascadeReason } from '../../lambdas/domain/cascade';
import { isoTime, type TokenRecord } from '../../lambdas/domain/token';
import { type RouteName, routeNamed } from '../../lambdas/routes';
import { lambdaContext } from '../../local/proxy-event';
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
import { HOUR, tokenRecord } from '../support/token-records';

/**
 * The functions against a DynamoDB that throttles or fails.
 *
 * The real handlers run in-process, as Lambda runs them (middy stack, error mapper, the
 * module-scope SDK client), against an in-memory dynalite. Faults come from an HTTP proxy in
 * front of dynalite (test/support/fault-proxy.ts) that answers as DynamoDB does, so they go
 * through the SDK's real error parsing and retry strategy; the proxy sees every attempt the SDK
 * makes, labelled with the SDK's own invocation id and attempt number.
 *
 * Each test loads the handlers afresh (`jest.isolateModules`): a cold function instance with its
 * own client and its own retry quota, so one test's failures never change another's retries.
 */
jest.setTimeout(60_000);

// What the functions read at load time, set before any handler module is required.
const ADMIN_GROUP = 'token-admins';
Object.assign(process.env, {
  ADMIN_GROUP_NAME: ADMIN_GROUP,
  CURSOR_SECRET: randomBytes(32).toString('base64'),
  TOKEN_HASH_SECRET: randomBytes(32).toString('base64'),
  ALLOWED_ORIGINS: 'https://console.example',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'token-ledger',
  // Each cold start below reloads the SDK, which would print its Node.js support notice again.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
// The client's own setting must decide, not the machine the tests run on.
delete process.env.AWS_MAX_ATTEMPTS;
delete process.env.AWS_RETRY_MODE;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface FunctionInstance {
  handlers: Record<'revoke-token' | 'revoke-user-tokens' | 'mint-token' | 'list-own-tokens' | 'get-token', Handler>;
  client: DynamoDBClient;
  /** DynamoDB calls started and not yet settled (retries and their backoff included). */
  pending(): number;
}

let db: RunningDynalite;
let proxy: FaultProxy;
let fn: FunctionInstance;

/** A cold start: fresh modules, hence a fresh SDK client and retry quota. */
function coldStart(): FunctionInstance {
  let loaded!: FunctionInstance;
  jest.isolateModules(() => {
    const load = (name: string) => (require(`../../lambdas/${name}`) as { handler: Handler }).handler;
    const { dynamoDbClient } =
      require('../../lambdas/store/dynamo-client') as typeof import('../../lambdas/store/dynamo-client');
    let pending = 0;
    // Observation only (no faults here): counts calls in flight so a test can wait for
    // background work a failed request left behind.
    dynamoDbClient.middlewareStack.add(
      (next) => async (args) => {
        pending++;
        try {
          return await next(args);
        } finally {
          pending--;
        }
      },
      { step: 'initialize', name: 'faultTestPendingCalls' },
    );
    loaded = {
      handlers: {
        'revoke-token': load('revoke-token'),
        'revoke-user-tokens': load('revoke-user-tokens'),
        'mint-token': load('mint-token'),
        'list-own-tokens': load('list-own-tokens'),
        'get-token': load('get-token'),
      },
      client: dynamoDbClient,
      pending: () => pending,
    };
  });
  return loaded;
}

beforeAll(async () => {
  db = await startDynalite();
  proxy = await startFaultProxy(db.endpoint);
  process.env.TABLE_NAME = db.tableName;
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
});

afterAll(async () => {
  await proxy?.stop();
  await db?.stop();
});

beforeEach(() => {
  proxy.reset();
  fn = coldStart();
});

afterEach(async () => {
  proxy.reset();
  await settle();
  fn.client.destroy();
});

/** Waits until the function's client has no call in flight (nor one sleeping before a retry). */
async function settle(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (fn.pending() > 0) {
    if (Date.now() > deadline) throw new Error('DynamoDB calls still in flight');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------- requests

const claimsOf = (sub: string, admin: boolean) => ({
  sub,
  'cognito:username': sub,
  token_use: 'id',
  email_verified: 'true',
  // API Gateway hands claims over as strings.
  ...(admin && { 'cognito:groups': `${ADMIN_GROUP},other-group` }),
});

const jsonBody = (body: unknown) => ({
  body: body === undefined ? null : JSON.stringify(body),
  headers: { 'Content-Type': 'application/json' },
});

const revokeEvent = (tokenId: string, sub: string, body?: unknown, admin = false) =>
  apiEvent({
    httpMethod: 'POST',
    path: `/tokens/${tokenId}/revoke`,
    resource: '/tokens/{tokenId}/revoke',
    pathParameters: { tokenId },
    claims: claimsOf(sub, admin),
    ...jsonBody(body),
  });

const bulkEvent = (userId: string, admin: string, body: unknown) =>
  apiEvent({
    httpMethod: 'POST',
    path: `/admin/users/${userId}/revoke`,
    resource: '/admin/users/{userId}/revoke',
    pathParameters: { userId },
    claims: claimsOf(admin, true),
    ...jsonBody(body),
  });

const listEvent = (sub: string) => apiEvent({ claims: claimsOf(sub, false) });

const getEvent = (tokenId: string, sub: string) =>
  apiEvent({
    path: `/tokens/${tokenId}`,
    resource: '/tokens/{tokenId}',
    pathParameters: { tokenId },
    claims: claimsOf(sub, false),
  });

/** As API Gateway's AWS_IAM authorization fills in a SigV4-signed call. */
const mintEvent = (body: unknown): APIGatewayProxyEvent => ({
  ...apiEvent({ httpMethod: 'POST', path: '/service/tokens', resource: '/service/tokens', ...jsonBody(body) }),
  requestContext: {
    identity: {
      accessKey: 'AKIAFAULTTEST',
      caller: 'AIDAFAULTTEST',
      userArn: 'arn:aws:iam::123456789012:user/authorization-server',
    },
  } as APIGatewayProxyEvent['requestContext'],
});

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json: Record<string, unknown>;
  /** What the function logged while handling it. */
  logs: string;
  ms: number;
}

/** Invokes a handler as Lambda would, with its log output captured (and kept out of the test output). */
async function invoke(
  route: RouteName & keyof FunctionInstance['handlers'],
  event: APIGatewayProxyEvent,
): Promise<Answer> {
  const logs: string[] = [];
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write;
    stream.write = ((chunk: unknown) => {
      logs.push(String(chunk));
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  };
  const restore = [capture(process.stdout), capture(process.stderr)];
  const start = Date.now();
  try {
    const result = await fn.handlers[route](event, lambdaContext(routeNamed(route), randomUUID()));
    let json: Record<string, unknown> = {};
    try {
      json = result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {};
    } catch {
      // Not JSON; tests asserting on it will say so.
    }
    return {
      status: result.statusCode,
      headers: result.headers ?? {},
      body: result.body,
      json,
      logs: logs.join(''),
      ms: Date.now() - start,
    };
  } finally {
    for (const undo of restore) undo();
  }
}

/** docs/api.md#errors: `{error, message}` as JSON, nothing about the inside (stack, exception, table). */
function expectErrorAnswer(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['Content-Type']).toBe('application/json');
  expect(Object.keys(answer.json).sort()).toStrictEqual(['error', 'message']);
  expect(answer.json.error).toBe(code);
  expect(typeof answer.json.message).toBe('string');
  for (const secret of [
    db.tableName,
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

/** Every item, read straight from dynalite (not through the proxy). */
async function tableItems(): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await db.documentClient.send(
      new ScanCommand({ TableName: db.tableName, ExclusiveStartKey, ConsistentRead: true }),
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

const configuredMaxAttempts = () => fn.client.config.maxAttempts();

/**
 * Retries are bounded: no call made more attempts than the client's configured maximum, the
 * SDK announced that maximum on every attempt, and attempts were numbered 1, 2, … in order.
 */
async function expectBoundedRetries(attempts: DynamoAttempt[]): Promise<number> {
  const max = await configuredMaxAttempts();
  const calls = callsOf(attempts);
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call.length).toBeLessThanOrEqual(max);
    expect(call.map((a) => a.attempt)).toStrictEqual(call.map((_, i) => i + 1));
    for (const a of call) expect(a.maxAttempts).toBe(max);
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

// ================================================================ the client's retry setting

it(
  'the DynamoDB client sets its retry bound explicitly: 3 ' + 'attempts per call (the SDK default for DynamoDB is 4)',
  async () => {
    process.env.AWS_MAX_ATTEMPTS = '10';
    try {
      const instance = coldStart();
      expect(await instance.client.config.maxAttempts()).toBe(3);
      instance.client.destroy();
    } finally {
      delete process.env.AWS_MAX_ATTEMPTS;
    }
    expect(await configuredMaxAttempts()).toBe(3);
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
      await putRecords(db, [token]);
      const before = await tableItems();

      proxy.reset(always(fault));
      const answer = await invoke('revoke-token', revokeEvent(token.tokenId, owner, { reason: 'lost phone' }));

      expectErrorAnswer(answer, 429, 'too_many_requests');
      // The SDK retried the throttle (so `error.name` survives retries), and stopped at the bound.
      const most = await expectBoundedRetries(proxy.attempts);
      expect(most).toBe(await configuredMaxAttempts());
      expect(proxy.attempts.every((a) => a.fault !== undefined)).toBe(true);
      // Well inside the function's 10 s timeout (lib/handler-function.ts), so the client gets a 429,
      // not API Gateway's timeout.
      expect(answer.ms).toBeLessThan(10_000);
      // Logged for operators, as the error mapper promises.
      expect(answer.logs).toContain('request failed');
      await settle();
      expect(await tableItems()).toStrictEqual(before);
    },
  );

  it.each([
    ['list-own-tokens (Query)', 'list-own-tokens', () => listEvent(user())],
    ['get-token (GetItem)', 'get-token', () => getEvent('tok_0123456789abcdef', user())],
    [
      'mint-token (PutItem)',
      'mint-token',
      () =>
        mintEvent({
          clientId: 'client-a',
          clientName: 'App A',
          tokenType: 'access_token',
          scope: 'read',
          expiresIn: 3600,
          userId: user(),
        }),
    ],
    ['revoke-user-tokens (Query)', 'revoke-user-tokens', () => bulkEvent(user(), 'admin-1', { reason: 'offboarding' })],
  ] as const)('%s answers 429 with bounded retries and writes nothing', async (_label, route, event) => {
    const before = await tableItems();
    proxy.reset(always(FAULTS.provisionedThroughputExceeded));
    const answer = await invoke(route, event());
    expectErrorAnswer(answer, 429, 'too_many_requests');
    expect(await expectBoundedRetries(proxy.attempts)).toBe(await configuredMaxAttempts());
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });

  it('a mint whose PutItem is throttled throughout answers 429 and leaves no item', async () => {
    const before = await tableItems();
    proxy.reset(always(FAULTS.throttling, ['PutItem']));
    const answer = await invoke(
      'mint-token',
      mintEvent({
        clientId: 'client-a',
        clientName: 'App A',
        tokenType: 'refresh_token',
        scope: 'read',
        expiresIn: 3600,
        userId: user(),
      }),
    );
    expectErrorAnswer(answer, 429, 'too_many_requests');
    expect(proxy.attempts.filter((a) => a.operation === 'PutItem')).toHaveLength(await configuredMaxAttempts());
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });
});

describe('a throttle on the first attempt only', () => {
  it('revoke: the SDK retries and the request succeeds (200), recorded once', async () => {
    const owner = user();
    const { parent, children } = family(owner, 3);
    await putRecords(db, [parent, ...children]);

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
    const answer = await invoke(
      'mint-token',
      mintEvent({
        clientId: 'client-a',
        clientName: 'App A',
        tokenType: 'access_token',
        scope: 'read',
        expiresIn: 3600,
        userId: owner,
      }),
    );
    expect(answer.status).toBe(201);
    const after = await tableItems();
    const created = [...after.keys()].filter((id) => !before.has(id));
    expect(created).toStrictEqual([answer.json.tokenId]);
  });

  it('list: the SDK retries the Query and the list answers 200', async () => {
    const owner = user();
    await putRecords(db, [live(owner), live(owner)]);
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
      await putRecords(db, [parent, ...children]);
      const before = await tableItems();

      proxy.reset(always(fault(db.tableName)));
      const answer = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));

      expectErrorAnswer(answer, 500, 'internal_error');
      expect(answer.json.message).toBe('Something went wrong on our side.');
      const most = await expectBoundedRetries(proxy.attempts);
      expect(most).toBe(retry === 'retried' ? await configuredMaxAttempts() : 1);
      expect(answer.logs).toContain('request failed');
      await settle();
      expect(await tableItems()).toStrictEqual(before);
    },
  );

  it.each(failures)('mint answers 500 on %s and leaves no item', async (_label, fault) => {
    const before = await tableItems();
    proxy.reset(always(fault(db.tableName), ['PutItem']));
    const answer = await invoke(
      'mint-token',
      mintEvent({
        clientId: 'client-a',
        clientName: 'App A',
        tokenType: 'refresh_token',
        scope: 'read',
        expiresIn: 3600,
        userId: user(),
      }),
    );
    expectErrorAnswer(answer, 500, 'internal_error');
    expect(answer.body).not.toContain('"token"');
    await settle();
    expect(await tableItems()).toStrictEqual(before);
  });

  it('a child mint whose PutItem fails leaves no item and its parent as it was', async () => {
    const owner = user();
    const { parent } = family(owner, 0);
    await putRecords(db, [parent]);
    const before = await tableItems();
    proxy.reset(always(FAULTS.internalServerError, ['PutItem']));
    const answer = await invoke(
      'mint-token',
      mintEvent({
        clientId: 'client-a',
        clientName: 'App A',
        tokenType: 'access_token',
        scope: 'read',
        expiresIn: 600,
        userId: owner,
        parentTokenId: parent.tokenId,
      }),
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
      await putRecords(db, [parent, ...children]);
      const before = await tableItems();

      // The parent's UpdateItem and 3 children's go through; every later UpdateItem attempt fails.
      proxy.reset(afterSuccesses('UpdateItem', 4, fault));
      const first = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));
      expectErrorAnswer(first, status, code);
      await settle();
      await expectBoundedRetries(proxy.attempts);

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
      await putRecords(db, data.all);
      const before = await tableItems();
      const request = () => bulkEvent(target, 'admin-1', { reason: 'offboarding' });

      proxy.reset(afterSuccesses('UpdateItem', successes, fault));
      const first = await invoke('revoke-user-tokens', request());
      expectErrorAnswer(first, status, code);
      await settle();
      await expectBoundedRetries(proxy.attempts);

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
      await putRecords(db, data.all);
      proxy.reset(afterSuccesses('UpdateItem', 3, FAULTS.internalServerError));

      const answer = await invoke('revoke-user-tokens', bulkEvent(target, 'admin-1', { reason: 'offboarding' }));
      const stillRunning = fn.pending();
      const attemptsAtAnswer = proxy.attempts.length;
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
    await putRecords(db, [parent, ...children]);
    proxy.reset(onceWhen((a) => a.operation === 'UpdateItem' && tokenIdOf(a) === parent.tokenId, FAULTS.lostResponse));

    const answer = await invoke('revoke-token', revokeEvent(parent.tokenId, owner, { reason: 'lost phone' }));

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'revoked', revokedBy: owner, revokeReason: 'lost phone' });
    const items = await tableItems();
    for (const c of children)
      expect(items.get(c.tokenId)).toMatchObject({ revokedBy: owner, revokeReason: cascadeReason(parent.tokenId) });
  });

  it(
    'bulk revocation that answers 200 has also revoked the ' +
      'cascade-only children of a parent whose write answer was lost',
    async () => {
      const target = user();
      const { parent, children } = family(target, 2);
      // A child that names the parent but carries no user: only the cascade reaches it.
      const orphan = live(undefined, { parentTokenId: parent.tokenId });
      await putRecords(db, [parent, ...children, orphan]);
      proxy.reset(
        onceWhen((a) => a.operation === 'UpdateItem' && tokenIdOf(a) === parent.tokenId, FAULTS.lostResponse),
      );

      const answer = await invoke('revoke-user-tokens', bulkEvent(target, 'admin-1', { reason: 'offboarding' }));

      expect(answer.status).toBe(200);
      // docs/api.md#cascade: no access token outlives the revocation of its refresh token.
      expect(await item(parent.tokenId)).toMatchObject({ revokedBy: 'admin-1' });
      expect(await item(orphan.tokenId)).toMatchObject({
        revokedBy: 'admin-1',
        revokeReason: cascadeReason(parent.tokenId),
      });
    },
  );

  it(
    'a mint whose PutItem answer was lost either answers ' + '201 for the stored token or leaves no token behind',
    async () => {
      const owner = user();
      const before = await tableItems();
      proxy.reset(onceWhen((a) => a.operation === 'PutItem', FAULTS.lostResponse));

      const answer = await invoke(
        'mint-token',
        mintEvent({
          clientId: 'client-a',
          clientName: 'App A',
          tokenType: 'refresh_token',
          scope: 'read',
          expiresIn: 3600,
          userId: owner,
        }),
      );

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
