/**
 * Finding people and naming them, end to end: `GET admin/users` for every role and input, the
 * owner's `userEmail` in the views admins receive (and nowhere else), a user deleted from the
 * pool, a token with no user, and a list that still answers when Cognito refuses or is gone.
 */
import { AdminDeleteUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { CfnTemplate } from '../../local/cfn-template';
import { withQuery } from '../support/api-event';
import { startDynalite } from '../support/dynalite';
import {
  type CallResult,
  call,
  cognitoClient,
  createUser,
  expectErrorAnswer,
  putTokens,
  type StackOutputs,
  serviceCall,
  type TestUser,
  tokenRecord,
  withStackAndUsers,
} from '../support/local-stack';
import { answerOf, localTemplate, startTestRuntime } from '../support/runtime';

jest.setTimeout(60_000);

let o: StackOutputs;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // an admin

withStackAndUsers({}, (started) => ({ o, alice, bob, carol } = started));

const find = (query: string, token?: string) => call(o, 'GET', `admin/users${query}`, { token });
const expectError = (res: CallResult, status: number) => expectErrorAnswer(res, status, o);

describe('GET admin/users, every role', () => {
  it('no token: 401; a person who is not an admin: 403, before the input is looked at; an admin: 200', async () => {
    expectError(await find(`?email=${encodeURIComponent(alice.username)}`), 401);
    expectError(await find(`?email=${encodeURIComponent(alice.username)}`, alice.idToken), 403);
    expectError(await find('?limit=0', bob.idToken), 403);
    expectError(await find('', bob.idToken), 403);
    const res = await find(`?email=${encodeURIComponent(alice.username)}`, carol.idToken);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [{ userId: alice.sub, email: alice.username, ...res.body.items[0] }] });
    expect(res.body.items).toHaveLength(1);
  });

  it('a service caller (SigV4) is no sign-in: 401', async () => {
    expectError(await serviceCall(o, 'admin/users', { method: 'GET', query: { email: 'a' } }), 401);
  });
});

describe('GET admin/users as an admin', () => {
  it('finds people by the start of their email, at most limit of them, and answers none with []', async () => {
    const prefix = alice.username.split('-')[0]!; // "alice"
    const many = await find(`?email=${prefix}`, carol.idToken);
    expect(many.status).toBe(200);
    expect(many.body.items.map((p: { userId: string }) => p.userId)).toContain(alice.sub);
    for (const person of many.body.items) expect(person.email.startsWith(prefix)).toBe(true);
    expect(Object.keys(many.body)).toEqual(['items']); // no cursor

    await createUser(o, 'alice'); // a second alice-… so that limit has something to cut
    const one = await find(`?email=${prefix}&limit=1`, carol.idToken);
    expect(one.body.items).toHaveLength(1);
    const none = await find('?email=nobody-at-all', carol.idToken);
    expect(none.body).toEqual({ items: [] });
    // Quotes and backslashes are part of the prefix, never of the filter.
    const quoted = await find(`?email=${encodeURIComponent('a" or email ^= "')}`, carol.idToken);
    expect(quoted.status).toBe(200);
    expect(quoted.body).toEqual({ items: [] });
    // The longest prefix there is, and one full of characters the filter escapes.
    for (const prefix of ['a'.repeat(254), '"\\'.repeat(127)]) {
      const res = await find(`?email=${encodeURIComponent(prefix)}`, carol.idToken);
      expect([res.status, res.body]).toEqual([200, { items: [] }]);
    }
  });

  it.each([
    ['', /^email: email is required\.$/],
    ['?email=', /^email: email must not be empty\.$/],
    [`?email=${'a'.repeat(255)}`, /^email: email must be at most 254 characters\.$/],
    ['?email=a%0Ab', /^email: email must not contain control characters\.$/],
    ['?email=a&limit=0', /^limit: limit must be a whole number from 1 to 20\.$/],
    ['?email=a&limit=21', /^limit: limit must be a whole number from 1 to 20\.$/],
    ['?email=a&limit=x', /^limit: limit must be a whole number from 1 to 20\.$/],
    ['?email=a&cursor=abc', /^Unknown parameter: cursor\.$/],
    ['?email=a&email=b', /^The parameter email is given more than once\.$/],
  ])('%s → 400 invalid_request', async (query, message) => {
    const res = await find(query, carol.idToken);
    expectError(res, 400);
    expect(res.body.message).toMatch(message);
  });
});

describe('userEmail', () => {
  it("admins see each token owner's email in admin/tokens and tokens/{tokenId}; owners never see it", async () => {
    const ofAlice = tokenRecord({ userId: alice.sub });
    const ofBob = tokenRecord({ userId: bob.sub });
    await putTokens(o, [ofAlice, ofBob]);
    const list = await call(o, 'GET', `admin/tokens?userId=${alice.sub}`, { token: carol.idToken });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    for (const view of list.body.items) expect(view.userEmail).toBe(alice.username);
    const one = await call(o, 'GET', `tokens/${ofBob.tokenId}`, { token: carol.idToken });
    expect(one.body.userEmail).toBe(bob.username);

    const own = await call(o, 'GET', `tokens/${ofAlice.tokenId}`, { token: alice.idToken });
    expect(own.status).toBe(200);
    expect(own.body).not.toHaveProperty('userEmail');
    const ownList = await call(o, 'GET', 'tokens', { token: alice.idToken });
    for (const view of ownList.body.items) expect(view).not.toHaveProperty('userEmail');
  });

  it('is left out for a token with no user, and for a user no longer in the pool; those are served', async () => {
    const gone = await createUser(o, 'gone');
    const ofGone = tokenRecord({ userId: gone.sub });
    const noUser = tokenRecord({ clientId: 'reporting-service', clientName: 'Reporting Service' });
    const ofAlice = tokenRecord({ userId: alice.sub, clientId: 'mixed-page' });
    await putTokens(o, [ofGone, noUser, ofAlice]);
    await cognitoClient(o).send(new AdminDeleteUserCommand({ UserPoolId: o.UserPoolId, Username: gone.username }));

    for (const record of [ofGone, noUser]) {
      const res = await call(o, 'GET', `tokens/${record.tokenId}`, { token: carol.idToken });
      expect(res.status).toBe(200);
      expect(res.body.tokenId).toBe(record.tokenId);
      expect(res.body).not.toHaveProperty('userEmail');
    }
    const list = await call(o, 'GET', `admin/tokens?userId=${gone.sub}`, { token: carol.idToken });
    expect(list.body.items.map((v: { tokenId: string }) => v.tokenId)).toEqual([ofGone.tokenId]);
    expect(list.body.items[0]).not.toHaveProperty('userEmail');
    // The deleted user's tokens do not take the others' emails with them.
    const all = await call(o, 'GET', 'admin/tokens?limit=100', { token: carol.idToken });
    const byId = new Map(all.body.items.map((v: { tokenId: string }) => [v.tokenId, v]));
    expect(byId.get(ofAlice.tokenId)).toMatchObject({ userEmail: alice.username });
  });
});

describe('when Cognito refuses or cannot be reached, the list still answers', () => {
  /** The stack's template without any Cognito grant: every look-up is refused with AccessDenied. */
  function withoutCognitoGrants(template: CfnTemplate): CfnTemplate {
    const copy = structuredClone(template);
    for (const resource of Object.values(copy.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = (resource.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } })
        .PolicyDocument;
      document.Statement = document.Statement.filter(
        (s) => ![s.Action].flat().some((action) => action.startsWith('cognito-idp:')),
      );
    }
    return copy;
  }

  it.each([
    ['refused by IAM', true],
    ['unreachable', false],
  ])('Cognito %s: admin/tokens and tokens/{tokenId} answer 200 without userEmail', async (_case, refused) => {
    const dynamo = await startDynalite();
    const runtime = await startTestRuntime({
      dynamoDbBackend: dynamo.endpoint,
      ...(refused && { template: withoutCognitoGrants(localTemplate().template) }),
    });
    try {
      const record = tokenRecord({ userId: 'some-user' });
      const { documentClient } = dynamo;
      const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
      await documentClient.send(new PutCommand({ TableName: runtime.tableName, Item: record }));
      const admin = (fields = {}) => runtime.userEvent('an-admin', fields, { admin: true });

      const list = answerOf(
        await runtime.invoke(
          'list-all-tokens',
          admin({ ...withQuery([['userId', 'some-user']]), resource: '/admin/tokens', httpMethod: 'GET' }),
        ),
      );
      expect(list.statusCode).toBe(200);
      const page = JSON.parse(list.body);
      expect(page.items.map((v: { tokenId: string }) => v.tokenId)).toEqual([record.tokenId]);
      expect(page.items[0]).not.toHaveProperty('userEmail');

      const one = answerOf(
        await runtime.invoke(
          'get-token',
          admin({ pathParameters: { tokenId: record.tokenId }, resource: '/tokens/{tokenId}', httpMethod: 'GET' }),
        ),
      );
      expect(one.statusCode).toBe(200);
      expect(JSON.parse(one.body)).toMatchObject({ tokenId: record.tokenId, userId: 'some-user' });
      expect(JSON.parse(one.body)).not.toHaveProperty('userEmail');
    } finally {
      await runtime.close();
      await dynamo.stop();
    }
  });
});
