/**
 * HTTP end to end against the local stack, with JWTs that cognito-local really issued: every
 * role × route × ownership case, authentication as API Gateway's Cognito authorizer does it,
 * error shape, the order of checks, CORS, the OpenAPI document and concurrent revokes.
 */
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { TokenRecord } from '../../lambdas/domain/token';
import { ROUTES } from '../../lambdas/routes';
import {
  type CallOptions,
  type CallResult,
  call,
  cognitoClient,
  cognitoLocalSigningKey,
  createUser,
  decodeJwt,
  expectErrorAnswer,
  getRecord,
  putTokens,
  type StackOutputs,
  signIn,
  signJwt,
  type TestUser,
  tokenRecord,
  unsignedJwt,
  withStackAndUsers,
} from '../support/local-stack';

jest.setTimeout(60_000);

let o: StackOutputs;
let alice: TestUser; // a user
let bob: TestUser; // another user
let carol: TestUser; // an admin

withStackAndUsers({}, (started) => ({ o, alice, bob, carol } = started));

const now = () => Math.floor(Date.now() / 1000);

const expectError = (res: CallResult, status: number) => expectErrorAnswer(res, status, o);

function expectOk(res: CallResult, status = 200): void {
  expect({ status: res.status, body: res.status === status ? 'ok' : res.body }).toEqual({ status, body: 'ok' });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

/** Checks any answer: 2xx or the API's error for its status. */
function expectStatus(res: CallResult, status: number): void {
  if (status >= 200 && status < 300) expectOk(res, status);
  else expectError(res, status);
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/** The view of a record (docs/api.md#the-token-view), written out independently of the code under test. */
function viewOf(r: TokenRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    tokenId: r.tokenId,
    clientId: r.clientId,
    clientName: r.clientName,
    tokenType: r.tokenType,
    scopes: r.scope.split(' ').filter(Boolean),
    issuedAt: iso(r.issuedAt),
    expiresAt: iso(r.expiresAt),
    status: r.revokedAt === undefined ? 'active' : 'revoked',
  };
  if (r.userId !== undefined) view.userId = r.userId;
  if (r.revokedAt !== undefined) view.revokedAt = iso(r.revokedAt);
  if (r.revokedBy !== undefined) view.revokedBy = r.revokedBy;
  if (r.revokeReason !== undefined) view.revokeReason = r.revokeReason;
  if (r.parentTokenId !== undefined) view.parentTokenId = r.parentTokenId;
  if (r.lastUsedAt !== undefined) view.lastUsedAt = iso(r.lastUsedAt);
  return view;
}

/** The view an admin gets: the owner's email too, when the owner is one of the users of this file. */
function adminViewOf(r: TokenRecord): Record<string, unknown> {
  const owner = [alice, bob, carol].find((user) => user.sub === r.userId);
  return owner ? { ...viewOf(r), userEmail: owner.username } : viewOf(r);
}

/** Follows nextCursor to the end of a list. */
async function listAll(path: string, token: string, limit = 100): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const url = new URL(path, o.ApiUrl);
    url.searchParams.set('limit', String(limit));
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await call(o, 'GET', url.toString(), { token });
    expectOk(res);
    items.push(...(res.body.items as Record<string, unknown>[]));
    cursor = res.body.nextCursor as string | null;
    if (cursor === null) return items;
  }
  throw new Error('more than 100 pages');
}

// ---------------------------------------------------------------------------------------------

describe('every role × route × ownership', () => {
  type Role = 'no token' | 'user' | 'admin';
  type Ownership = 'own token' | "another user's token" | 'token with no user' | 'expired own token' | 'unknown id';
  const ROLES: Role[] = ['no token', 'user', 'admin'];
  const OWNERSHIPS: Ownership[] = [
    'own token',
    "another user's token",
    'token with no user',
    'expired own token',
    'unknown id',
  ];

  /** Owner or admin sees/revokes; anyone else 404, never 403; expired and unknown 404. */
  const EXPECTED: Record<Role, Record<Ownership, number>> = {
    'no token': {
      'own token': 401,
      "another user's token": 401,
      'token with no user': 401,
      'expired own token': 401,
      'unknown id': 401,
    },
    user: {
      'own token': 200,
      "another user's token": 404,
      'token with no user': 404,
      'expired own token': 404,
      'unknown id': 404,
    },
    admin: {
      'own token': 200,
      "another user's token": 200,
      'token with no user': 200,
      'expired own token': 404,
      'unknown id': 404,
    },
  };

  const callerOf = (role: Role): TestUser | undefined =>
    role === 'user' ? alice : role === 'admin' ? carol : undefined;

  /** The record for an ownership case, relative to the caller (alice stands in when there is none). */
  function recordFor(role: Role, ownership: Ownership): TokenRecord {
    const self = callerOf(role) ?? alice;
    const t = now();
    switch (ownership) {
      case 'own token':
        return tokenRecord({ userId: self.sub });
      case "another user's token":
        return tokenRecord({ userId: bob.sub });
      case 'token with no user':
        return tokenRecord({ clientId: 'reporting-service', clientName: 'Reporting Service' });
      case 'expired own token':
        return tokenRecord({ userId: self.sub, issuedAt: t - 7200, expiresAt: t - 5 });
      case 'unknown id':
        return tokenRecord({ userId: self.sub });
    }
  }

  const idCases = ROLES.flatMap((role) =>
    OWNERSHIPS.map((ownership) => ({ role, ownership, status: EXPECTED[role][ownership] })),
  );

  describe('GET tokens/{tokenId}', () => {
    test.each(idCases)('$role, $ownership → $status', async ({ role, ownership, status }) => {
      const record = recordFor(role, ownership);
      if (ownership !== 'unknown id') await putTokens(o, [record]);
      const res = await call(o, 'GET', `tokens/${record.tokenId}`, { token: callerOf(role)?.idToken });
      expectStatus(res, status);
      if (status === 200) expect(res.body).toEqual(role === 'admin' ? adminViewOf(record) : viewOf(record));
      // Reading changes nothing.
      expect(await getRecord(o, record.tokenId)).toEqual(ownership === 'unknown id' ? undefined : record);
    });
  });

  describe('POST tokens/{tokenId}/revoke (a fresh token per case)', () => {
    test.each(idCases)('$role, $ownership → $status', async ({ role, ownership, status }) => {
      const record = recordFor(role, ownership);
      if (ownership !== 'unknown id') await putTokens(o, [record]);
      const caller = callerOf(role);
      const reason = `case: ${role} / ${ownership}`;
      const before = now();
      const res = await call(o, 'POST', `tokens/${record.tokenId}/revoke`, {
        token: caller?.idToken,
        body: { reason },
      });
      expectStatus(res, status);
      const stored = await getRecord(o, record.tokenId);
      if (status === 200) {
        expect(stored).toEqual({
          ...record,
          revokedAt: expect.any(Number),
          revokedBy: caller!.sub,
          revokeReason: reason,
        });
        expect(stored!.revokedAt).toBeGreaterThanOrEqual(before);
        expect(stored!.revokedAt).toBeLessThanOrEqual(now());
        expect(res.body).toEqual(viewOf(stored!));
        expect(res.body.status).toBe('revoked');
      } else {
        // Unchanged; and a revoke of an unknown id must not create an item.
        expect(stored).toEqual(ownership === 'unknown id' ? undefined : record);
      }
    });
  });

  describe('GET tokens', () => {
    const cases: { role: Role; status: number }[] = [
      { role: 'no token', status: 401 },
      { role: 'user', status: 200 },
      { role: 'admin', status: 200 },
    ];
    test.each(cases)('$role → $status, only the caller’s own tokens', async ({ role, status }) => {
      const self = callerOf(role) ?? alice;
      const mine = tokenRecord({ userId: self.sub, clientId: `list-own-${role.replace(/\W/g, '')}` });
      const theirs = tokenRecord({ userId: bob.sub });
      const nobody = tokenRecord({});
      await putTokens(o, [mine, theirs, nobody]);
      const res = await call(o, 'GET', 'tokens?limit=100', { token: callerOf(role)?.idToken });
      expectStatus(res, status);
      if (status !== 200) return;
      const items = await listAll('tokens', self.idToken);
      expect(items.map((v) => v.tokenId)).toContain(mine.tokenId);
      expect(items.every((v) => v.userId === self.sub)).toBe(true); // an admin's own list is still their own
      expect(items.find((v) => v.tokenId === mine.tokenId)).toEqual(viewOf(mine));
    });
  });

  describe('GET admin/tokens', () => {
    const cases: { role: Role; status: number }[] = [
      { role: 'no token', status: 401 },
      { role: 'user', status: 403 },
      { role: 'admin', status: 200 },
    ];
    test.each(cases)('$role → $status', async ({ role, status }) => {
      const ofAlice = tokenRecord({ userId: alice.sub });
      const ofBob = tokenRecord({ userId: bob.sub });
      const nobody = tokenRecord({ clientId: 'reporting-service', clientName: 'Reporting Service' });
      await putTokens(o, [ofAlice, ofBob, nobody]);
      const res = await call(o, 'GET', 'admin/tokens', { token: callerOf(role)?.idToken });
      expectStatus(res, status);
      if (status !== 200) return;
      const byId = new Map((await listAll('admin/tokens', carol.idToken)).map((v) => [v.tokenId, v]));
      expect(byId.get(ofAlice.tokenId)).toEqual({ ...viewOf(ofAlice), userEmail: alice.username });
      expect(byId.get(ofBob.tokenId)).toEqual({ ...viewOf(ofBob), userEmail: bob.username });
      expect(byId.get(nobody.tokenId)).toEqual(viewOf(nobody)); // no userId key at all, no userEmail
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('authentication (as the Cognito authorizer)', () => {
  const PROBE = 'tokens?limit=1';
  const withAuthorization = (authorization: string) => call(o, 'GET', PROBE, { headers: { authorization } });
  const resigned = (changes: Record<string, unknown>) => signJwt({ ...decodeJwt(alice.idToken).payload, ...changes });

  test('no Authorization header → 401', async () => {
    expectError(await call(o, 'GET', PROBE), 401);
  });

  test.each(['Bearer garbage', 'Bearer ', 'garbage', 'Basic YWxpY2U6cHc=', 'Bearer a.b.c'])(
    'Authorization "%s" → 401',
    async (h) => {
      expectError(await withAuthorization(h), 401);
    },
  );

  test('"Bearer <id token>" and the bare token are both accepted', async () => {
    expectOk(await withAuthorization(`Bearer ${alice.idToken}`));
    expectOk(await withAuthorization(alice.idToken));
  });

  test('alg "none" → 401', async () => {
    expectError(await withAuthorization(`Bearer ${unsignedJwt(decodeJwt(alice.idToken).payload)}`), 401);
  });

  test('a payload altered after signing → 401', async () => {
    const [header, , signature] = alice.idToken.split('.');
    const payload = { ...decodeJwt(alice.idToken).payload, sub: bob.sub, 'cognito:groups': [o.AdminGroupName] };
    const forged = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    expectError(await withAuthorization(`Bearer ${forged}`), 401);
  });

  test('signed by another key under the same kid → 401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const token = signJwt(decodeJwt(alice.idToken).payload, { pem });
    expectError(await withAuthorization(`Bearer ${token}`), 401);
  });

  test('HS256 with the public key as the HMAC secret (algorithm confusion) → 401', async () => {
    const { pem, kid } = cognitoLocalSigningKey();
    const publicPem = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${part({ alg: 'HS256', typ: 'JWT', kid })}.${part(decodeJwt(alice.idToken).payload)}`;
    const token = `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    expectError(await withAuthorization(`Bearer ${token}`), 401);
  });

  test('re-signing a real ID token with cognito-local’s key is accepted (control for the cases below)', async () => {
    const original = decodeJwt(alice.idToken);
    expect(original.header.kid).toBe(cognitoLocalSigningKey().kid);
    expectOk(await withAuthorization(`Bearer ${resigned({})}`));
    expectOk(await withAuthorization(`Bearer ${resigned({ iat: now() - 60, exp: now() + 600 })}`));
  });

  test('an expired ID token → 401', async () => {
    expectError(
      await withAuthorization(`Bearer ${resigned({ iat: now() - 3660, auth_time: now() - 3660, exp: now() - 60 })}`),
      401,
    );
  });

  test('an ID token without exp → 401', async () => {
    const payload = { ...decodeJwt(alice.idToken).payload };
    delete payload.exp;
    expectError(await withAuthorization(`Bearer ${signJwt(payload)}`), 401);
  });

  test('an access token (token_use = access) → 401', async () => {
    expect(decodeJwt(alice.accessToken).payload.token_use).toBe('access');
    expectError(await withAuthorization(`Bearer ${alice.accessToken}`), 401);
    // The same claims as a valid ID token but token_use = access: only the token_use check refuses it.
    expectError(await withAuthorization(`Bearer ${resigned({ token_use: 'access' })}`), 401);
  });

  test('a token for another issuer → 401', async () => {
    const { iss } = decodeJwt(alice.idToken).payload;
    expectError(await withAuthorization(`Bearer ${resigned({ iss: `${String(iss)}x` })}`), 401);
  });

  test('a token of ANOTHER user pool of the same cognito-local (same signing key) → 401', async () => {
    const cognito = cognitoClient(o);
    const { UserPool } = await cognito.send(
      new CreateUserPoolCommand({ PoolName: 'e2e-other-pool', UsernameAttributes: ['email'] }),
    );
    const { UserPoolClient } = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: UserPool!.Id!,
        ClientName: 'e2e-other-client',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    const stranger = await createUser(o, 'stranger', {
      userPoolId: UserPool!.Id!,
      clientId: UserPoolClient!.ClientId!,
    });
    const { payload } = decodeJwt(stranger.idToken);
    expect(payload.iss).toBe(`${o.CognitoEndpoint}/${UserPool!.Id!}`);
    expect(payload.token_use).toBe('id');
    expectError(await withAuthorization(`Bearer ${stranger.idToken}`), 401);
  });

  test('a token for ANOTHER app client of the same pool (wrong aud) → 401', async () => {
    const { UserPoolClient } = await cognitoClient(o).send(
      new CreateUserPoolClientCommand({
        UserPoolId: o.UserPoolId,
        ClientName: 'e2e-second-client',
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    const other = await signIn(o, alice.username, alice.password, UserPoolClient!.ClientId!);
    expect(decodeJwt(other.idToken).payload.aud).toBe(UserPoolClient!.ClientId);
    // API Gateway's authorizer takes any client of the pool, as does the local one; the function refuses it.
    const refused = await withAuthorization(`Bearer ${other.idToken}`);
    expectError(refused, 401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    // The same user through the stack's own client is fine.
    expectOk(await withAuthorization(`Bearer ${(await signIn(o, alice.username, alice.password)).idToken}`));
  });

  test("the gateway's own 401 names the Bearer scheme (RFC 9110 section 15.5.2)", async () => {
    const res = await call(o, 'GET', 'tokens');
    expectError(res, 401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('every route refuses an unauthenticated call with 401', async () => {
    const id = tokenRecord({ userId: alice.sub });
    await putTokens(o, [id]);
    for (const [method, path] of [
      ['GET', 'tokens'],
      ['GET', 'admin/tokens'],
      ['GET', 'admin/users?email=a'],
      ['GET', `tokens/${id.tokenId}`],
      ['POST', `tokens/${id.tokenId}/revoke`],
    ] as const) {
      expectError(await call(o, method, path), 401);
      expectError(await call(o, method, path, { token: resigned({ exp: now() - 1 }) }), 401);
    }
    expect(await getRecord(o, id.tokenId)).toEqual(id);
  });
});

// ---------------------------------------------------------------------------------------------

describe('groups arrive as claims', () => {
  let multi: TestUser; // admin + auditors
  let auditor: TestUser; // auditors only
  let lookalike: TestUser; // a group whose name merely contains the admin group's
  let impostor: TestUser; // groups whose names, rendered as API Gateway's "a,b" string, read as the admin group
  const lookalikeGroups = () => [`x,${o.AdminGroupName}`, `[${o.AdminGroupName}]`, `"${o.AdminGroupName}"`];

  beforeAll(async () => {
    const cognito = cognitoClient(o);
    for (const GroupName of ['auditors', `${o.AdminGroupName}-readonly`, ...lookalikeGroups()]) {
      await cognito.send(new CreateGroupCommand({ UserPoolId: o.UserPoolId, GroupName }));
    }
    [multi, auditor, lookalike, impostor] = await Promise.all([
      createUser(o, 'multi', { admin: true, groups: ['auditors'] }),
      createUser(o, 'auditor', { groups: ['auditors'] }),
      createUser(o, 'lookalike', { groups: [`${o.AdminGroupName}-readonly`] }),
      createUser(o, 'impostor', { groups: lookalikeGroups() }),
    ]);
  }, 30_000);

  test('a user in the admin group and another is still an admin ("a,b")', async () => {
    const groups = decodeJwt(multi.idToken).payload['cognito:groups'];
    expect(groups).toEqual(expect.arrayContaining([o.AdminGroupName, 'auditors']));
    expect(groups).toHaveLength(2);
    expectOk(await call(o, 'GET', 'admin/tokens?limit=1', { token: multi.idToken }));
    const foreign = tokenRecord({ userId: bob.sub });
    await putTokens(o, [foreign]);
    const res = await call(o, 'GET', `tokens/${foreign.tokenId}`, { token: multi.idToken });
    expectOk(res);
    expect(res.body).toEqual(adminViewOf(foreign));
  });

  test('groups named with commas, brackets or quotes around the admin group make nobody an admin', async () => {
    expect(decodeJwt(impostor.idToken).payload['cognito:groups']).toEqual(expect.arrayContaining(lookalikeGroups()));
    expectError(await call(o, 'GET', 'admin/tokens?limit=1', { token: impostor.idToken }), 403);
    const foreign = tokenRecord({ userId: bob.sub });
    await putTokens(o, [foreign]);
    expectError(await call(o, 'GET', `tokens/${foreign.tokenId}`, { token: impostor.idToken }), 404);
    expectError(await call(o, 'POST', `tokens/${foreign.tokenId}/revoke`, { token: impostor.idToken }), 404);
    expect(await getRecord(o, foreign.tokenId)).toEqual(foreign);
  });

  test('a user in other groups only is not an admin', async () => {
    expectError(await call(o, 'GET', 'admin/tokens', { token: auditor.idToken }), 403);
    expectError(await call(o, 'GET', 'admin/tokens', { token: lookalike.idToken }), 403);
    const foreign = tokenRecord({ userId: bob.sub });
    await putTokens(o, [foreign]);
    expectError(await call(o, 'GET', `tokens/${foreign.tokenId}`, { token: lookalike.idToken }), 404);
  });
});

// ---------------------------------------------------------------------------------------------

describe('order of checks: route (404), authentication (401), role (403), input (400), existence (404)', () => {
  test.each([
    ['GET', 'nope'],
    ['GET', 'tokens/abcdefgh/extra'],
    ['GET', 'admin'],
    ['GET', 'tokens/abcdefgh/revoke'], // the revoke route is POST only
    ['DELETE', 'tokens/abcdefgh'],
    ['PUT', 'tokens'],
    ['POST', 'tokens'],
    ['GET', ''],
  ])('unknown route or method %s /%s → 404, with or without a token', async (method, path) => {
    expectError(await call(o, method, path), 404);
    expectError(await call(o, method, path, { token: 'garbage' }), 404);
    expectError(await call(o, method, path, { token: alice.idToken }), 404);
  });

  test('authentication before input: a bad query without a token → 401', async () => {
    expectError(await call(o, 'GET', 'tokens?limit=0'), 401);
    expectError(await call(o, 'GET', 'tokens/bad!id'), 401);
    expectError(await call(o, 'POST', 'tokens/bad!id/revoke', { rawBody: '{not json' }), 401);
  });

  test.each(['limit=0', 'limit=abc', 'favourite=1', 'status=bogus', 'userId=', 'limit=1&limit=2', 'cursor=forged'])(
    'role before input: admin/tokens?%s as a non-admin → 403, as an admin → 400',
    async (query) => {
      expectError(await call(o, 'GET', `admin/tokens?${query}`, { token: alice.idToken }), 403);
      expectError(await call(o, 'GET', `admin/tokens?${query}`, { token: carol.idToken }), 400);
    },
  );

  test.each([
    'limit=0',
    'limit=101',
    'limit=-1',
    'limit=abc',
    'limit=2.5',
    'limit=1e1',
    'limit=+5',
    'limit=',
    'status=bogus',
    'status=ACTIVE',
    'tokenType=id_token',
    'favourite=1',
    'userId=someone', // only the admin route takes userId
    'limit=1&limit=2',
    'status=active&status=revoked',
    'cursor=x',
  ])('own list with a bad query (%s) → 400', async (query) => {
    expectError(await call(o, 'GET', `tokens?${query}`, { token: alice.idToken }), 400);
  });

  test.each(['limit=1', 'limit=100', 'status=active', 'status=revoked', 'tokenType=refresh_token', 'clientId=x'])(
    'own list with a good query (%s) → 200',
    async (query) => {
      expectOk(await call(o, 'GET', `tokens?${query}`, { token: alice.idToken }));
    },
  );

  test('a malformed tokenId → 400 before existence or ownership is looked at', async () => {
    for (const id of ['short', 'bad!id00', 'has%20space', 'x'.repeat(129), 'dot.dot.dot', '%C3%A9t%C3%A9-token']) {
      for (const token of [alice.idToken, carol.idToken]) {
        expectError(await call(o, 'GET', `tokens/${id}`, { token }), 400);
        expectError(await call(o, 'POST', `tokens/${id}/revoke`, { token }), 400);
      }
    }
    // At the edges of the allowed shape an unknown id is well formed: 404.
    for (const id of ['a'.repeat(8), 'Z_-9'.repeat(32)]) {
      expectError(await call(o, 'GET', `tokens/${id}`, { token: alice.idToken }), 404);
      expectError(await call(o, 'POST', `tokens/${id}/revoke`, { token: alice.idToken }), 404);
      expect(await getRecord(o, id)).toBeUndefined();
    }
  });

  test('a bad revoke body → 400 even for a token the caller may not see (input before existence)', async () => {
    const foreign = tokenRecord({ userId: bob.sub });
    await putTokens(o, [foreign]);
    const unknown = tokenRecord({});
    for (const id of [foreign.tokenId, unknown.tokenId]) {
      expectError(await call(o, 'POST', `tokens/${id}/revoke`, { token: alice.idToken, body: { nope: 1 } }), 400);
    }
    expect(await getRecord(o, foreign.tokenId)).toEqual(foreign);
  });

  test('a body over 4096 bytes → 400 on a route that takes none (GET), after authentication', async () => {
    /** fetch refuses a GET with a body; node:http does not. */
    const getWithBody = (path: string, body: string, token?: string) =>
      new Promise<CallResult>((resolve, reject) => {
        const req = httpRequest(
          new URL(path, o.ApiUrl),
          {
            method: 'GET',
            headers: {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              ...(token && { authorization: `Bearer ${token}` }),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => {
              const headers = new Headers();
              for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
              let body: unknown = text;
              try {
                body = JSON.parse(text);
              } catch {
                /* not JSON */
              }
              resolve({ status: res.statusCode ?? 0, headers, body, text });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const big = JSON.stringify({ filler: 'x'.repeat(5000) });
    expectError(await getWithBody('tokens', big, alice.idToken), 400);
    expectError(await getWithBody('admin/tokens', big, carol.idToken), 400);
    expectError(await getWithBody('admin/tokens', big, alice.idToken), 403); // role before input
    expectError(await getWithBody('tokens', big), 401); // authentication before input
    expectOk(await getWithBody('tokens', '{}', alice.idToken)); // a small body on a GET is ignored
  });

  test('a query string on the id routes → 400', async () => {
    const mine = tokenRecord({ userId: alice.sub });
    await putTokens(o, [mine]);
    expectError(await call(o, 'GET', `tokens/${mine.tokenId}?x=1`, { token: alice.idToken }), 400);
    expectError(await call(o, 'POST', `tokens/${mine.tokenId}/revoke?reason=x`, { token: alice.idToken }), 400);
    expect(await getRecord(o, mine.tokenId)).toEqual(mine);
  });
});

// ---------------------------------------------------------------------------------------------

describe('revoke bodies', () => {
  const revoke = (id: string, options: CallOptions) =>
    call(o, 'POST', `tokens/${id}/revoke`, { token: alice.idToken, ...options });

  test.each<[string, CallOptions]>([
    ['not JSON', { rawBody: '{not json', headers: { 'content-type': 'application/json' } }],
    ['a JSON array', { body: ['reason'] }],
    ['a JSON string', { body: 'reason' }],
    ['a JSON number', { body: 7 }],
    ['JSON null', { rawBody: 'null', headers: { 'content-type': 'application/json' } }],
    ['an unknown field', { body: { reason: 'x', extra: true } }],
    ['a reason that is not a string', { body: { reason: 7 } }],
    ['a reason of 501 characters', { body: { reason: 'x'.repeat(501) } }],
    ['a reason of 501 code points (astral)', { body: { reason: '😀'.repeat(501) } }],
    [
      'a body over 4096 bytes',
      { rawBody: JSON.stringify({ reason: 'x'.repeat(4100) }), headers: { 'content-type': 'application/json' } },
    ],
    [
      'a body over 4096 bytes of whitespace',
      { rawBody: `{${' '.repeat(4100)}}`, headers: { 'content-type': 'application/json' } },
    ],
  ])('%s → 400, token unchanged', async (_, options) => {
    const mine = tokenRecord({ userId: alice.sub });
    await putTokens(o, [mine]);
    expectError(await revoke(mine.tokenId, options), 400);
    expect(await getRecord(o, mine.tokenId)).toEqual(mine);
  });

  test.each<[string, CallOptions, string | undefined]>([
    ['an empty body', {}, undefined],
    ['an empty object', { body: {} }, undefined],
    ['a reason of exactly 500 characters', { body: { reason: 'r'.repeat(500) } }, 'r'.repeat(500)],
    // 500 code points, 1000 UTF-16 units, 2000 bytes: the limit counts code points.
    ['a reason of 500 astral code points', { body: { reason: '😀'.repeat(500) } }, '😀'.repeat(500)],
  ])('%s → 200', async (_, options, reason) => {
    const mine = tokenRecord({ userId: alice.sub });
    await putTokens(o, [mine]);
    const res = await revoke(mine.tokenId, options);
    expectOk(res);
    expect(res.body.status).toBe('revoked');
    expect(res.body.revokeReason).toBe(reason);
    const stored = await getRecord(o, mine.tokenId);
    expect(stored?.revokeReason).toBe(reason);
    expect(stored?.revokedBy).toBe(alice.sub);
    expect(stored?.expiresAt).toBe(mine.expiresAt);
  });

  test('revoking again keeps the first revocation', async () => {
    const mine = tokenRecord({ userId: alice.sub });
    await putTokens(o, [mine]);
    const first = await revoke(mine.tokenId, { body: { reason: 'phone stolen' } });
    expectOk(first);
    const again = await call(o, 'POST', `tokens/${mine.tokenId}/revoke`, {
      token: carol.idToken,
      body: { reason: 'other' },
    });
    expectOk(again);
    expect(again.body).toEqual(first.body);
    const shown = await call(o, 'GET', `tokens/${mine.tokenId}`, { token: alice.idToken });
    expect(shown.body).toEqual(first.body);
  });

  test('an already revoked record written by another writer answers 200 as it stands', async () => {
    const t = now();
    const mine = tokenRecord({
      userId: alice.sub,
      revokedAt: t - 100,
      revokedBy: 'someone-else',
      revokeReason: 'imported',
    });
    await putTokens(o, [mine]);
    const res = await revoke(mine.tokenId, { body: { reason: 'mine' } });
    expectOk(res);
    expect(res.body).toEqual(viewOf(mine));
    expect(await getRecord(o, mine.tokenId)).toEqual(mine);
  });

  test('20 concurrent revokes (owner and admin, distinct reasons) record exactly one revocation', async () => {
    const mine = tokenRecord({ userId: alice.sub });
    await putTokens(o, [mine]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(o, 'POST', `tokens/${mine.tokenId}/revoke`, {
          token: i % 2 ? alice.idToken : carol.idToken,
          body: { reason: `reason ${i}` },
        }),
      ),
    );
    for (const res of results) expectOk(res);
    const first = results[0]!.body;
    for (const res of results) {
      expect({
        revokedAt: res.body.revokedAt,
        revokedBy: res.body.revokedBy,
        revokeReason: res.body.revokeReason,
      }).toEqual({
        revokedAt: first.revokedAt,
        revokedBy: first.revokedBy,
        revokeReason: first.revokeReason,
      });
    }
    expect([alice.sub, carol.sub]).toContain(first.revokedBy);
    const stored = await getRecord(o, mine.tokenId);
    expect(stored).toEqual({
      ...mine,
      revokedAt: Date.parse(first.revokedAt) / 1000,
      revokedBy: first.revokedBy,
      revokeReason: first.revokeReason,
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("CORS (local default: the console's origin only)", () => {
  let origin: string;
  beforeAll(() => {
    origin = new URL(o.ConsoleUrl).origin;
  });

  test.each(['tokens', 'admin/tokens', 'tokens/abcdefgh', 'tokens/abcdefgh/revoke'])(
    'preflight OPTIONS /%s without authentication → 2xx with Access-Control-Allow-Origin',
    async (path) => {
      const res = await call(o, 'OPTIONS', path, {
        headers: {
          origin,
          'access-control-request-method': path.endsWith('revoke') ? 'POST' : 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods') ?? '').toContain(path.endsWith('revoke') ? 'POST' : 'GET');
      expect((res.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('authorization');
    },
  );

  test('answers of every kind carry Access-Control-Allow-Origin', async () => {
    const foreign = tokenRecord({ userId: bob.sub });
    await putTokens(o, [foreign]);
    const headers = { origin };
    const answers = [
      await call(o, 'GET', 'tokens', { token: alice.idToken, headers }), // 200 from a function
      await call(o, 'GET', 'tokens', { headers }), // 401 from the authorizer
      await call(o, 'GET', 'admin/tokens', { token: alice.idToken, headers }), // 403
      await call(o, 'GET', 'tokens?limit=0', { token: alice.idToken, headers }), // 400
      await call(o, 'GET', `tokens/${foreign.tokenId}`, { token: alice.idToken, headers }), // 404 from a function
      await call(o, 'GET', 'nope', { headers }), // 404 from the gateway
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 403, 400, 404, 404]);
    for (const res of answers) expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    // The functions' answers, which another origin gets without a CORS header.
    for (const res of [answers[0]!, answers[3]!, answers[4]!]) expect(res.headers.get('vary')).toBe('Origin');
  });

  test('another page on the same laptop is never allowed to read an answer', async () => {
    const headers = { origin: 'http://127.0.0.1:9' };
    const answers = [
      await call(o, 'OPTIONS', 'tokens', { headers: { ...headers, 'access-control-request-method': 'GET' } }),
      await call(o, 'GET', 'tokens', { token: alice.idToken, headers }),
      await call(o, 'GET', 'tokens', { headers }),
    ];
    for (const res of answers) {
      expect(res.headers.get('access-control-allow-origin')).not.toBe('*');
      expect(res.headers.get('access-control-allow-origin')).not.toBe(headers.origin);
    }
  });
});

describe('GET openapi.json', () => {
  test('serves the OpenAPI 3.1 document of every route, without authentication', async () => {
    const res = await call(o, 'GET', 'openapi.json');
    expectOk(res);
    expect(String(res.body.openapi)).toMatch(/^3\.1/);
    expect(Object.keys(res.body.paths).sort()).toEqual([...new Set(ROUTES.map((r) => r.path))].sort());
    // Its server is this stack, whatever port it runs on: a client joins it with a path as is.
    expect(res.body.servers).toEqual([{ url: o.ApiUrl.replace(/\/$/, ''), description: expect.any(String) }]);
  });
});

describe('expiry is exact', () => {
  test('a token whose expiresAt is this very second is expired: 404, not listed, not revocable', async () => {
    const t = now();
    const record = tokenRecord({ userId: alice.sub, clientId: 'expiring-now', issuedAt: t - 60, expiresAt: t });
    await putTokens(o, [record]);
    expectError(await call(o, 'GET', `tokens/${record.tokenId}`, { token: alice.idToken }), 404);
    expectError(await call(o, 'GET', `tokens/${record.tokenId}`, { token: carol.idToken }), 404);
    expectError(await call(o, 'POST', `tokens/${record.tokenId}/revoke`, { token: carol.idToken }), 404);
    const listed = await call(o, 'GET', 'tokens?clientId=expiring-now', { token: alice.idToken });
    expect(listed.body).toEqual({ items: [], nextCursor: null });
    const listedForAdmin = await call(o, 'GET', 'admin/tokens?clientId=expiring-now', { token: carol.idToken });
    expect(listedForAdmin.body).toEqual({ items: [], nextCursor: null });
    expect(await getRecord(o, record.tokenId)).toEqual(record);
  });

  test('a token that expires while the client holds it: 200, then 404 once expiresAt has passed', async () => {
    const t = now();
    const record = tokenRecord({ userId: alice.sub, issuedAt: t - 60, expiresAt: t + 2 });
    await putTokens(o, [record]);
    expectOk(await call(o, 'GET', `tokens/${record.tokenId}`, { token: alice.idToken }));
    await new Promise((r) => setTimeout(r, (record.expiresAt - Date.now() / 1000) * 1000 + 50));
    expectError(await call(o, 'GET', `tokens/${record.tokenId}`, { token: alice.idToken }), 404);
    expectError(await call(o, 'POST', `tokens/${record.tokenId}/revoke`, { token: alice.idToken }), 404);
  });
});

describe('the token view', () => {
  test('shows every set field, leaves unset ones out, never null', async () => {
    const t = now();
    const parent = tokenRecord({ userId: alice.sub, tokenType: 'refresh_token', scope: 'offline_access' });
    const child = tokenRecord({
      userId: alice.sub,
      parentTokenId: parent.tokenId,
      lastUsedAt: t - 30,
      scope: '  read   write ',
    });
    await putTokens(o, [parent, child]);
    const res = await call(o, 'GET', `tokens/${child.tokenId}`, { token: alice.idToken });
    expectOk(res);
    expect(res.body).toEqual(viewOf(child));
    expect(res.body.scopes).toEqual(['read', 'write']);
    expect(Object.values(res.body)).not.toContain(null);
    for (const key of ['revokedAt', 'revokedBy', 'revokeReason']) expect(res.body).not.toHaveProperty(key);
  });
});
