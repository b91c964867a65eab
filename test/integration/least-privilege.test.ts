/**
 * Every grant of the route table is needed, and the local stack enforces it as AWS does.
 *
 * Each function has a scenario that takes every path its code has to DynamoDB and Secrets Manager
 * (the rare ones too: a write whose answer was lost, a mint racing its parent's revocation). With
 * the template as the stack synthesizes it, every scenario succeeds. Then, one at a time, each
 * grant that the route table gives a function (a table action, a secret) is taken out of that
 * function's IAM policy in the template, and the local stack runs the scenario again: it must
 * fail, because the local AWS endpoint refuses the call with AccessDeniedException, as IAM would
 * refuse it deployed. A grant whose removal no scenario notices would be one no test covers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { SECRET_ARN_VARIABLE } from '../../lambdas/config';
import type { TokenRecord } from '../../lambdas/domain/token';
import { type FunctionDefinition, ROUTES, type StackSecret } from '../../lambdas/routes';
import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import { SOURCE_METADATA_KEY } from '../../lib/handler-function';
import type { CfnTemplate } from '../../local/cfn-template';
import { createUserPool, type LocalCognito, startCognito } from '../../local/cognito';
import type { InvokeOutcome } from '../../local/function-host';
import { type KeyPair, LOCAL_REGION, newKeyPair } from '../../local/local-aws';
import { apiEvent } from '../support/api-event';
import { putRecords, type RunningDynalite, startDynalite } from '../support/dynalite';
import { type FaultPolicy, type FaultProxy, startFaultProxy, tokenIdOf } from '../support/fault-proxy';
import { answerOf, localTemplate, startTestRuntime, type TestRuntime } from '../support/runtime';
import { HOUR, tokenRecord } from '../support/token-records';

jest.setTimeout(240_000);

let db: RunningDynalite;
let proxy: FaultProxy;
let cognito: LocalCognito;
let pool: { endpoint: string; userPoolId: string; clientId: string };
/** A person of the user pool, owner of tokens whose views show admins their email. */
let person: { sub: string; email: string };
const cognitoDir = mkdtempSync(join(tmpdir(), 'least-privilege-cognito-'));

beforeAll(async () => {
  db = await startDynalite();
  proxy = await startFaultProxy(db.endpoint);
  cognito = await startCognito(cognitoDir, 0);
  const ids = await createUserPool(cognito.client, localTemplate().template);
  pool = { endpoint: cognito.endpoint, userPoolId: ids.userPoolId, clientId: ids.userPoolClientId };
  const email = `someone-${randomBytes(4).toString('hex')}@example.com`;
  const { User } = await cognito.client.send(
    new AdminCreateUserCommand({
      UserPoolId: pool.userPoolId,
      Username: email,
      UserAttributes: [{ Name: 'email', Value: email }],
      MessageAction: 'SUPPRESS',
    }),
  );
  const sub = User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error('cognito-local gave no sub');
  person = { sub, email };
}, 60_000);

afterAll(async () => {
  await cognito?.stop();
  await proxy?.stop();
  await db?.stop();
  rmSync(cognitoDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the table, directly

const now = () => Math.floor(Date.now() / 1000);
const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

async function stored(tokenId: string): Promise<TokenRecord | undefined> {
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const out = await db.documentClient.send(new GetCommand({ TableName: db.tableName, Key: { tokenId } }));
  return out.Item as TokenRecord | undefined;
}

async function revokeDirectly(tokenId: string): Promise<void> {
  const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  await db.documentClient.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: { tokenId },
      UpdateExpression: 'SET revokedAt = :now, revokedBy = :by',
      ExpressionAttributeValues: { ':now': now(), ':by': 'a-test' },
    }),
  );
}

/** A refresh token and one access token issued from it, for one user and app. */
async function family(userId: string, clientId = id('app')) {
  const parent = tokenRecord({ userId, clientId, tokenId: id('parent'), tokenType: 'refresh_token' });
  const child = tokenRecord({ userId, clientId, tokenId: id('child'), parentTokenId: parent.tokenId });
  await putRecords(db, [parent, child]);
  return { parent, child, clientId };
}

// ------------------------------------------------------------------ calling the functions

function status(outcome: InvokeOutcome, expected: number): unknown {
  const answer = answerOf(outcome);
  if (answer.statusCode !== expected) throw new Error(`answered ${answer.statusCode}: ${answer.body}`);
  return answer.body ? JSON.parse(answer.body) : undefined;
}

const query = (params: Record<string, string>) => ({
  queryStringParameters: params,
  multiValueQueryStringParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
});

/** A SigV4-signed call, as API Gateway's AWS_IAM authorization hands it to the function. */
const serviceEvent = (path: string, body: string, contentType: string): APIGatewayProxyEvent => ({
  ...apiEvent({ httpMethod: 'POST', path, resource: path, body, headers: { 'Content-Type': contentType } }),
  requestContext: {
    identity: { accessKey: 'AKIALOCAL', caller: 'AIDALOCAL', userArn: 'arn:aws:iam::000000000000:user/server' },
  } as APIGatewayProxyEvent['requestContext'],
});

async function mint(rt: TestRuntime, fields: Record<string, unknown>): Promise<{ tokenId: string; token: string }> {
  const body = JSON.stringify({ clientName: 'Least privilege', scope: 'read', expiresIn: HOUR, ...fields });
  return status(await rt.invoke('mint-token', serviceEvent('/service/tokens', body, 'application/json')), 201) as {
    tokenId: string;
    token: string;
  };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

/** Scenarios that take every DynamoDB and Secrets Manager path of each function's code. */
const SCENARIOS: Record<string, (rt: TestRuntime) => Promise<void>> = {
  async 'list-own-tokens'(rt) {
    const user = id('user');
    await putRecords(db, [tokenRecord({ userId: user }), tokenRecord({ userId: user })]);
    const event = (params: Record<string, string>) => rt.userEvent(user, query(params));
    const first = status(await rt.invoke('list-own-tokens', event({ limit: '1' })), 200) as { nextCursor: string };
    status(await rt.invoke('list-own-tokens', event({ limit: '1', cursor: first.nextCursor })), 200);
  },
  async 'list-all-tokens'(rt) {
    const user = person.sub;
    await putRecords(db, [tokenRecord({ userId: user }), tokenRecord({ userId: user })]);
    const adminSub = id('admin'); // a cursor is bound to its caller
    const admin = (params: Record<string, string>) => rt.userEvent(adminSub, query(params), { admin: true });
    status(await rt.invoke('list-all-tokens', admin({ limit: '1' })), 200); // a Scan
    const page = status(await rt.invoke('list-all-tokens', admin({ userId: user, limit: '1' })), 200) as {
      nextCursor: string;
    };
    const next = status(
      await rt.invoke('list-all-tokens', admin({ userId: user, limit: '1', cursor: page.nextCursor })),
      200,
    ) as { items: { userEmail?: string }[] };
    if (next.items[0]?.userEmail !== person.email) throw new Error('no userEmail for an admin');
  },
  async 'get-token'(rt) {
    const token = tokenRecord({ userId: person.sub });
    await putRecords(db, [token]);
    const event = rt.userEvent(person.sub, { pathParameters: { tokenId: token.tokenId } });
    status(await rt.invoke('get-token', event), 200);
    // An admin sees whose token it is: the owner's email, from the user pool.
    const asAdmin = rt.userEvent(id('admin'), { pathParameters: { tokenId: token.tokenId } }, { admin: true });
    const view = status(await rt.invoke('get-token', asAdmin), 200) as { userEmail?: string };
    if (view.userEmail !== person.email) throw new Error('no userEmail for an admin');
  },
  async 'find-users'(rt) {
    const prefix = person.email.slice(0, 12);
    const event = rt.userEvent(id('admin'), query({ email: prefix }), { admin: true });
    const found = status(await rt.invoke('find-users', event), 200) as { items: { userId: string }[] };
    if (!found.items.some((u) => u.userId === person.sub)) throw new Error('the person was not found');
  },
  async 'revoke-token'(rt) {
    const user = id('user');
    const { parent, child } = await family(user);
    const event = rt.userEvent(user, { httpMethod: 'POST', pathParameters: { tokenId: parent.tokenId } });
    status(await rt.invoke('revoke-token', event), 200);
    if ((await stored(child.tokenId))?.revokedAt === undefined) throw new Error('the cascade did not run');
    status(await rt.invoke('revoke-token', event), 200); // already revoked: read back
  },
  async 'list-apps'(rt) {
    const user = id('user');
    await putRecords(db, [tokenRecord({ userId: user })]);
    status(await rt.invoke('list-apps', rt.userEvent(user)), 200);
  },
  async 'revoke-app'(rt) {
    const user = id('user');
    const { parent, child, clientId } = await family(user);
    // The refresh token's write lands but its answer is lost: the function must read it back.
    proxy.setPolicy(loseAnswerOf(parent.tokenId));
    const event = rt.userEvent(user, { httpMethod: 'POST', pathParameters: { clientId } });
    status(await rt.invoke('revoke-app', event), 200);
    if ((await stored(child.tokenId))?.revokedAt === undefined) throw new Error('the cascade did not run');
  },
  async 'revoke-user-tokens'(rt) {
    const user = id('user');
    const { parent, child } = await family(user);
    const event = (body: object) =>
      rt.userEvent(
        id('admin'),
        { httpMethod: 'POST', pathParameters: { userId: user }, body: JSON.stringify(body) },
        { admin: true },
      );
    status(await rt.invoke('revoke-user-tokens', event({ dryRun: true })), 200);
    proxy.setPolicy(loseAnswerOf(parent.tokenId));
    status(await rt.invoke('revoke-user-tokens', event({ reason: 'least privilege' })), 200);
    if ((await stored(child.tokenId))?.revokedAt === undefined) throw new Error('the cascade did not run');
  },
  async 'mint-token'(rt) {
    const userId = id('user');
    const clientId = id('app');
    const parent = await mint(rt, { userId, clientId, tokenType: 'refresh_token' });
    // The parent is revoked after the child's pre-check and before its write: the child revokes itself.
    proxy.setPolicy((a) =>
      a.operation === 'PutItem' && a.attempt === 1
        ? { kind: 'hold', release: revokeDirectly(parent.tokenId) }
        : undefined,
    );
    const body = JSON.stringify({
      userId,
      clientId,
      clientName: 'Least privilege',
      tokenType: 'access_token',
      scope: 'read',
      expiresIn: HOUR,
      parentTokenId: parent.tokenId,
    });
    status(await rt.invoke('mint-token', serviceEvent('/service/tokens', body, 'application/json')), 400);
    const written = proxy.attempts.find((a) => a.operation === 'PutItem');
    const childId = written && tokenIdOf(written);
    if (!childId || (await stored(childId))?.revokedAt === undefined)
      throw new Error('the child did not revoke itself');
  },
  async 'introspect-token'(rt) {
    const minted = await mint(rt, { clientId: id('app'), tokenType: 'access_token' });
    const answer = status(
      await rt.invoke('introspect-token', serviceEvent('/service/introspect', form({ token: minted.token }), FORM)),
      200,
    ) as { active: boolean };
    if (!answer.active) throw new Error('not active');
    if ((await stored(minted.tokenId))?.lastUsedAt === undefined) throw new Error('lastUsedAt was not written');
  },
  async 'revoke-token-value'(rt) {
    const userId = id('user');
    const clientId = id('app');
    const parent = await mint(rt, { userId, clientId, tokenType: 'refresh_token' });
    const child = await mint(rt, { userId, clientId, tokenType: 'access_token', parentTokenId: parent.tokenId });
    const body = form({ token: parent.token, client_id: clientId });
    status(await rt.invoke('revoke-token-value', serviceEvent('/service/revoke', body, FORM)), 200);
    if ((await stored(child.tokenId))?.revokedAt === undefined) throw new Error('the cascade did not run');
  },
  async [CASCADE_REPAIR.name](rt) {
    const { parent, child } = await family(id('user'));
    await revokeDirectly(parent.tokenId);
    const revoked = await stored(parent.tokenId);
    const record = {
      eventName: 'MODIFY',
      // Older than the batching window, so the function does not wait for routes to finish.
      dynamodb: { NewImage: marshall(revoked), SequenceNumber: '1', ApproximateCreationDateTime: now() - 120 },
    };
    const result = answerOf(await rt.invoke(CASCADE_REPAIR.name, { Records: [record] })) as unknown as {
      batchItemFailures: unknown[];
    };
    if (result.batchItemFailures.length > 0) throw new Error('the batch failed');
    if ((await stored(child.tokenId))?.revokedAt === undefined) throw new Error('the cascade did not run');
  },
};

/** The first attempt of the token's UpdateItem reaches the table, and its answer is lost. */
function loseAnswerOf(tokenId: string): FaultPolicy {
  return (a) =>
    a.operation === 'UpdateItem' && a.attempt === 1 && tokenIdOf(a) === tokenId ? { kind: 'lostResponse' } : undefined;
}

// ------------------------------------------------------------------ grants, taken away one at a time

const DEFINITIONS: readonly FunctionDefinition[] = [...ROUTES, CASCADE_REPAIR];

type Grant =
  | { kind: 'table'; action: string }
  | { kind: 'secret'; secret: StackSecret }
  | { kind: 'userPool'; action: string };

const grantsOf = (definition: FunctionDefinition): Grant[] => [
  ...definition.table.map((action): Grant => ({ kind: 'table', action })),
  ...definition.secrets.map((secret): Grant => ({ kind: 'secret', secret })),
  ...(definition.userPool ?? []).map((action): Grant => ({ kind: 'userPool', action })),
];

/** The IAM action a grant stands for. */
const actionOf = (grant: Grant) =>
  grant.kind === 'table'
    ? `dynamodb:${grant.action}`
    : grant.kind === 'userPool'
      ? `cognito-idp:${grant.action}`
      : 'secretsmanager:GetSecretValue';

type Statement = { Action: string | string[]; Resource: unknown };

/** The template with one grant of one function taken out of that function's IAM policies. */
function withoutGrant(template: CfnTemplate, functionId: string, grant: Grant): CfnTemplate {
  const copy = structuredClone(template) as CfnTemplate;
  const fn = copy.Resources[functionId]?.Properties as { Role: { 'Fn::GetAtt': [string] }; Environment: any };
  const roleId = fn.Role['Fn::GetAtt'][0];
  const secretId =
    grant.kind === 'secret' ? fn.Environment.Variables[SECRET_ARN_VARIABLE[grant.secret]]?.Ref : undefined;
  let removed = 0;
  for (const resource of Object.values(copy.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const props = resource.Properties as { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
    if (!props.Roles.some((role) => role.Ref === roleId)) continue;
    const kept: Statement[] = [];
    for (const statement of props.PolicyDocument.Statement) {
      if (grant.kind === 'secret' && JSON.stringify(statement.Resource).includes(`"Ref":"${secretId}"`)) {
        removed++;
        continue;
      }
      const actions = [statement.Action].flat();
      const left = grant.kind === 'secret' ? actions : actions.filter((a) => a !== actionOf(grant));
      removed += actions.length - left.length;
      if (left.length > 0) kept.push({ ...statement, Action: left });
    }
    props.PolicyDocument.Statement = kept;
  }
  if (removed === 0) throw new Error(`the template has no grant ${JSON.stringify(grant)} for ${functionId}`);
  return copy;
}

async function runScenario(template: CfnTemplate, name: string): Promise<Error | undefined> {
  proxy.reset();
  const rt = await startTestRuntime({
    dynamoDbBackend: proxy.endpoint,
    tableName: db.tableName,
    template,
    cognito: pool,
  });
  try {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`no scenario for ${name}`);
    await scenario(rt);
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await proxy.settled({ quietMs: 100 });
    proxy.reset();
    await rt.close();
  }
}

describe('the route table grants each function exactly what its code needs', () => {
  test('every function has a scenario', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(DEFINITIONS.map((d) => d.name).sort());
  });

  test.each(DEFINITIONS.map((d) => [d.name]))(
    '%s: its scenario succeeds with the grants the stack deploys',
    async (name) => {
      expect(await runScenario(localTemplate().template, name)).toBeUndefined();
    },
  );

  const cases = DEFINITIONS.flatMap((definition) =>
    grantsOf(definition).map((grant) => [definition.name, actionOf(grant), grant] as const),
  );
  test.each(cases)('%s without %s: the local stack refuses the call and the scenario fails', async (name, _, grant) => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    try {
      const { template } = localTemplate();
      const functionId = Object.entries(template.Resources).find(
        ([, r]) => r.Metadata?.[SOURCE_METADATA_KEY] === `lambdas/${name}.ts`,
      )?.[0];
      if (!functionId) throw new Error(`no function for ${name}`);
      const failure = await runScenario(withoutGrant(template, functionId, grant), name);
      expect(failure).toBeInstanceOf(Error);
      const action = actionOf(grant);
      // The local AWS endpoint's own record of the refusal, worded as IAM words it.
      expect(errors.some((line) => line.includes(`is not authorized to perform: ${action} on resource`))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("the table consumer's role must read the stream", () => {
  test.each(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'])(
    'without %s the local stack refuses to start, as CloudFormation refuses the event source mapping',
    async (action) => {
      const { template } = localTemplate();
      const copy = structuredClone(template) as CfnTemplate;
      for (const resource of Object.values(copy.Resources)) {
        if (resource.Type !== 'AWS::IAM::Policy') continue;
        const document = (resource.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument;
        document.Statement = document.Statement.map((s) => ({
          ...s,
          Action: [s.Action].flat().filter((a) => a !== action),
        })).filter((s) => s.Action.length > 0);
      }
      await expect(
        startTestRuntime({ dynamoDbBackend: proxy.endpoint, tableName: db.tableName, template: copy }),
      ).rejects.toThrow(`may not ${action}`);
    },
  );

  test('nor may it lack sending to its dead-letter queue: Lambda refuses such a destination', async () => {
    const copy = structuredClone(localTemplate().template) as CfnTemplate;
    for (const resource of Object.values(copy.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = (resource.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument;
      document.Statement = document.Statement.map((s) => ({
        ...s,
        Action: [s.Action].flat().filter((a) => a !== 'sqs:SendMessage'),
      })).filter((s) => s.Action.length > 0);
    }
    await expect(
      startTestRuntime({ dynamoDbBackend: proxy.endpoint, tableName: db.tableName, template: copy }),
    ).rejects.toThrow('gives up records to its destination, but its role may not sqs:SendMessage');
  });
});

test('taking a grant out of the template is what taking it out of the route table synthesizes', () => {
  let synthesized: CfnTemplate | undefined;
  jest.isolateModules(() => {
    const routes = jest.requireActual('../../lambdas/routes') as typeof import('../../lambdas/routes');
    const narrowed = routes.ROUTES.map((route) =>
      route.name === 'revoke-app' ? { ...route, table: route.table.filter((a) => a !== 'GetItem') } : route,
    );
    jest.doMock('../../lambdas/routes', () => ({ ...routes, ROUTES: narrowed }));
    const { synthesizeStack } = require('../../local/synth') as typeof import('../../local/synth');
    const { fakeConsoleDist } = require('../infra/synth') as typeof import('../infra/synth');
    synthesized = synthesizeStack({ consoleDist: fakeConsoleDist(), allowPasswordAuth: 'true' }).template;
  });
  const { template } = localTemplate();
  const functionId = Object.entries(template.Resources).find(
    ([, r]) => r.Metadata?.[SOURCE_METADATA_KEY] === 'lambdas/revoke-app.ts',
  )?.[0] as string;
  const policies = (t: CfnTemplate) =>
    Object.fromEntries(
      Object.entries(t.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
        .map(([policyId, r]) => [policyId, (r.Properties as { PolicyDocument: unknown }).PolicyDocument]),
    );
  const ours = withoutGrant(template, functionId, { kind: 'table', action: 'GetItem' });
  expect(policies(ours)).toEqual(policies(synthesized as CfnTemplate));
  expect(policies(ours)).not.toEqual(policies(template));
});

describe('the service keys the local stack publishes', () => {
  test('are refused every DynamoDB, Secrets Manager and Cognito call: their policies allow the API only', async () => {
    const keys = new Map([
      ['ServicePolicyArn', newKeyPair()],
      ['IntrospectionPolicyArn', newKeyPair()],
    ]);
    const rt = await startTestRuntime({
      dynamoDbBackend: proxy.endpoint,
      tableName: db.tableName,
      cognito: pool,
      iamKeys: keys,
    });
    const endpoint = rt.runtime.awsEndpoint;
    const secretArn = [...rt.runtime.model.functions.values()]
      .map((fn) => fn.environment[SECRET_ARN_VARIABLE.cursor])
      .find((arn) => arn !== undefined);
    const made: { destroy(): void }[] = [];
    const clients = (credentials: KeyPair) => {
      const settings = { endpoint, region: LOCAL_REGION, credentials, maxAttempts: 1 };
      const c = {
        dynamo: new DynamoDBClient(settings),
        secrets: new SecretsManagerClient(settings),
        cognito: new CognitoIdentityProviderClient(settings),
      };
      made.push(...Object.values(c));
      return c;
    };
    const calls = (c: ReturnType<typeof clients>) => [
      c.dynamo.send(new GetItemCommand({ TableName: db.tableName, Key: { tokenId: { S: 'nothing' } } })),
      c.secrets.send(new GetSecretValueCommand({ SecretId: secretArn })),
      c.cognito.send(new ListUsersCommand({ UserPoolId: pool.userPoolId, Limit: 1 })),
    ];
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const [output, pair] of keys) {
        const refused = (await Promise.allSettled(calls(clients(pair)))).map((r) =>
          r.status === 'rejected' ? (r.reason as Error).name : 'allowed',
        );
        expect([output, refused]).toEqual([output, Array(3).fill('AccessDeniedException')]);
      }
      // A key the local stack does not know stands for the developer's own administrator credentials.
      const developer = clients({ accessKeyId: 'AKIADEVELOPER0000000', secretAccessKey: 'any' });
      for (const outcome of await Promise.allSettled(calls(developer))) expect(outcome.status).toBe('fulfilled');
    } finally {
      spy.mockRestore();
      for (const client of made) client.destroy();
      await rt.close();
    }
  });
});
