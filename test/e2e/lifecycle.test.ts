/**
 * The token lifecycle (docs/api.md#service-routes) end to end against one local stack: minting
 * through the SigV4-signed service routes, RFC 7662 introspection and RFC 7009 revocation by
 * value, the cascade from a refresh token to its access tokens through every revoking route
 * (including an interrupted cascade and a mint racing a revocation), connected apps, admin bulk
 * revocation, role × route checks of the connected-app and bulk-revocation routes, and finally
 * the stack's own output: no token value, secret, JWT or signature may ever reach a log.
 *
 * SigV4 itself (bad signatures, clock skew, tampered bodies) is in service-auth.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TokenRecord } from '../../lambdas/domain/token';
import {
  type CallResult,
  call,
  createUser,
  documentClient,
  expectErrorAnswer,
  getRecord,
  type LocalStack,
  putTokens,
  type StackOutputs,
  scanTable,
  serviceCall,
  serviceCredentials,
  type TestUser,
  tokenRecord,
  withStackAndUsers,
} from '../support/local-stack';

jest.setTimeout(60_000);

let stack: LocalStack;
let o: StackOutputs;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // an admin

// The switches an operator flips to debug a function in production (Powertools reads both from
// the environment): even then no token value, secret, JWT or signature may reach a log. The
// stack's stdout and stderr are captured (stack.log()) and checked at the end of this file.
withStackAndUsers(
  { env: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true' } },
  (started) => ({ stack, o, alice, bob, carol } = started),
);

// ---------------------------------------------------------------------------------------------
// Helpers

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

const VALUE_FORMAT = /^tledger_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/** Every value the API handed out, and every ID token used: none may appear in the logs. */
const mintedValues: string[] = [];
const users = () => [alice, bob, carol, ...extraUsers];
const extraUsers: TestUser[] = [];

async function newUser(name: string, admin = false): Promise<TestUser> {
  const user = await createUser(o, name, { admin });
  extraUsers.push(user);
  return user;
}

interface Minted {
  token: string;
  tokenId: string;
  [field: string]: unknown;
}

let clientSeq = 0;
/** A client id of its own for each test, so tests never see each other's tokens. */
const newClient = (name: string) => `${name}-${++clientSeq}-${randomBytes(3).toString('hex')}`;

type MintFields = Record<string, unknown>;

function fieldsFor(user: TestUser | undefined, clientId: string, overrides: MintFields = {}): MintFields {
  return {
    ...(user && { userId: user.sub }),
    clientId,
    clientName: `App ${clientId}`,
    tokenType: 'access_token',
    scope: 'read write',
    expiresIn: 3600,
    ...overrides,
  };
}

async function mint(fields: MintFields): Promise<CallResult> {
  const res = await serviceCall(o, 'service/tokens', { json: fields });
  if (res.status === 201 && typeof res.body?.token === 'string') mintedValues.push(res.body.token as string);
  return res;
}

async function mintOk(fields: MintFields): Promise<Minted> {
  const res = await mint(fields);
  expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({
    status: 201,
    body: 'created',
  });
  return res.body as Minted;
}

const introspect = (token: string, extra: Record<string, string> = {}) =>
  serviceCall(o, 'service/introspect', { form: { token, ...extra } });

const revokeValue = (form: Record<string, string> | [string, string][]) => serviceCall(o, 'service/revoke', { form });

async function expectInactive(token: string): Promise<void> {
  const res = await introspect(token);
  expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '{"active":false}' });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

async function expectActive(token: string): Promise<void> {
  const res = await introspect(token);
  expect({ status: res.status, active: res.body?.active }).toEqual({ status: 200, active: true });
}

/** RFC 7009's answer: 200 and an empty body. */
function expectRevokeAccepted(res: CallResult): void {
  expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
}

const expectError = (res: CallResult, status: number) => expectErrorAnswer(res, status, o);

function expectUnauthorizedClient(res: CallResult): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 400,
    // error_description too: it is what OAuth client libraries read.
    body: { error: 'unauthorized_client', message: expect.stringMatching(/\S/), error_description: res.body?.message },
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

async function record(tokenId: string): Promise<TokenRecord & Record<string, unknown>> {
  const found = await getRecord(o, tokenId);
  if (!found) throw new Error(`no record ${tokenId}`);
  return found as TokenRecord & Record<string, unknown>;
}

/** Sets attributes straight in the table, as another writer (or an interrupted call) would leave them. */
async function setAttributes(tokenId: string, values: Record<string, unknown>): Promise<void> {
  const names = Object.keys(values);
  await documentClient(o).send(
    new UpdateCommand({
      TableName: o.TableName,
      Key: { tokenId },
      UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, values[n]])),
      ConditionExpression: 'attribute_exists(tokenId)',
    }),
  );
}

const expire = (tokenId: string) => setAttributes(tokenId, { expiresAt: now() - 1 });

async function childrenInTable(parentTokenId: string): Promise<Record<string, unknown>[]> {
  return (await scanTable(o)).filter((item) => item.parentTokenId === parentTokenId);
}

/** A child revoked by the cascade: revoked by whoever revoked its parent, with a reason naming it. */
async function expectCascaded(child: Minted, parentTokenId: string, revokedBy: string): Promise<void> {
  expect(await record(child.tokenId)).toMatchObject({
    revokedAt: expect.any(Number),
    revokedBy,
    revokeReason: expect.stringContaining(parentTokenId),
  });
  await expectInactive(child.token);
}

async function expectUntouched(token: Minted): Promise<void> {
  const item = await record(token.tokenId);
  expect(item.revokedAt).toBeUndefined();
  await expectActive(token.token);
}

/** A refresh token of `user` for `clientId`, two access tokens issued from it, and one that was not. */
async function family(user: TestUser, clientId: string) {
  const refresh = await mintOk(
    fieldsFor(user, clientId, { tokenType: 'refresh_token', scope: 'read offline', expiresIn: 86_400 }),
  );
  const childFields = fieldsFor(user, clientId, { parentTokenId: refresh.tokenId, expiresIn: 900 });
  const children = [await mintOk(childFields), await mintOk(childFields)];
  const unrelated = await mintOk(fieldsFor(user, clientId));
  return { refresh, children, unrelated, childFields };
}

const userRevoke = (user: TestUser, tokenId: string, body?: unknown) =>
  call(o, 'POST', `tokens/${tokenId}/revoke`, { token: user.idToken, ...(body !== undefined && { body }) });

// ---------------------------------------------------------------------------------------------

describe('POST service/tokens (mint)', () => {
  it('answers 201 with the view and the value, which nothing stored or shown again reveals', async () => {
    const clientId = newClient('calendar');
    const before = now();
    const res = await mint(
      fieldsFor(alice, clientId, { clientName: 'Calendar Sync', scope: 'calendar.read calendar.write' }),
    );
    const after = now();
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { token, tokenId } = res.body as Minted;
    expect(token).toMatch(VALUE_FORMAT);
    expect(token.startsWith(`tledger_${tokenId}.`)).toBe(true);
    const issuedAt = Date.parse(res.body.issuedAt as string) / 1000;
    expect(issuedAt).toBeGreaterThanOrEqual(before);
    expect(issuedAt).toBeLessThanOrEqual(after);
    const view = {
      tokenId,
      userId: alice.sub,
      clientId,
      clientName: 'Calendar Sync',
      tokenType: 'access_token',
      scopes: ['calendar.read', 'calendar.write'],
      issuedAt: iso(issuedAt),
      expiresAt: iso(issuedAt + 3600),
      status: 'active',
    };
    expect(res.body).toEqual({ ...view, token });

    // The table: the token table's attributes, and nothing from which the value or secret follows.
    const secret = token.split('.')[1]!;
    const item = await record(tokenId);
    expect(item).toMatchObject({
      tokenId,
      userId: alice.sub,
      clientId,
      clientName: 'Calendar Sync',
      tokenType: 'access_token',
      scope: 'calendar.read calendar.write',
      issuedAt,
      expiresAt: issuedAt + 3600,
    });
    const stored = JSON.stringify(item);
    expect(stored).not.toContain(token);
    for (let i = 0; i + 12 <= secret.length; i += 4) expect(stored).not.toContain(secret.slice(i, i + 12));
    // Not a plain (unkeyed) hash of the value or the secret: a copy of the table cannot check a guess.
    for (const input of [token, secret]) {
      for (const alg of ['sha256', 'sha512', 'sha1', 'md5']) {
        for (const enc of ['hex', 'base64url', 'base64'] as const) {
          expect(stored).not.toContain(createHash(alg).update(input).digest(enc).slice(0, 16));
        }
      }
    }

    // Shown once: not by a single GET, nor by either list.
    const shown = await call(o, 'GET', `tokens/${tokenId}`, { token: alice.idToken });
    expect({ status: shown.status, body: shown.body }).toEqual({ status: 200, body: view });
    for (const [path, user] of [
      ['tokens', alice],
      [`admin/tokens?userId=${alice.sub}`, carol],
      ['apps', alice],
    ] as const) {
      const listed = await call(o, 'GET', path, { token: user.idToken });
      expect(listed.status).toBe(200);
      expect(listed.text).not.toContain(secret);
    }
  });

  it('mints distinct values, refresh tokens, tokens with no user, and at both ends of expiresIn', async () => {
    const clientId = newClient('machine');
    const a = await mintOk(fieldsFor(undefined, clientId, { scope: 'reports.read' }));
    const b = await mintOk(fieldsFor(undefined, clientId, { scope: 'reports.read' }));
    expect(a.token).not.toBe(b.token);
    expect(a.tokenId).not.toBe(b.tokenId);
    expect(a.token.split('.')[1]).not.toBe(b.token.split('.')[1]);
    expect('userId' in a).toBe(false);
    expect('userId' in (await record(a.tokenId))).toBe(false);

    const refresh = await mintOk(fieldsFor(alice, clientId, { tokenType: 'refresh_token', expiresIn: 31_536_000 }));
    expect(refresh.tokenType).toBe('refresh_token');
    expect(Date.parse(refresh.expiresAt as string) - Date.parse(refresh.issuedAt as string)).toBe(31_536_000_000);
    const short = await mintOk(fieldsFor(alice, clientId, { expiresIn: 60 }));
    expect(Date.parse(short.expiresAt as string) - Date.parse(short.issuedAt as string)).toBe(60_000);
    const child = await mintOk(fieldsFor(alice, clientId, { parentTokenId: refresh.tokenId }));
    expect(child.parentTokenId).toBe(refresh.tokenId);
    expect((await record(child.tokenId)).parentTokenId).toBe(refresh.tokenId);
    // A body of exactly 4096 bytes is not too large.
    const body = JSON.stringify(fieldsFor(alice, clientId));
    const padded = body.replace(/}$/, `${' '.repeat(4096 - Buffer.byteLength(body))}}`);
    expect(Buffer.byteLength(padded)).toBe(4096);
    const exact = await serviceCall(o, 'service/tokens', { rawBody: padded });
    expect(exact.status).toBe(201);
    mintedValues.push(exact.body.token as string);
  });

  it('refuses every bad body with 400 and writes nothing', async () => {
    const clientId = newClient('strict');
    const otherClient = newClient('strict-other');
    const ok = fieldsFor(alice, clientId, { expiresIn: 600 });
    const refresh = (user: TestUser, client = clientId) =>
      mintOk(fieldsFor(user, client, { tokenType: 'refresh_token', expiresIn: 86_400 }));
    const live = await refresh(alice);
    const expired = await refresh(alice);
    await expire(expired.tokenId);
    const revoked = await refresh(alice);
    expect((await userRevoke(alice, revoked.tokenId)).status).toBe(200);
    const revokedInTable = await refresh(alice);
    await setAttributes(revokedInTable.tokenId, { revokedAt: now() - 5, revokedBy: alice.sub });
    const bobs = await refresh(bob);
    const otherClients = await refresh(alice, otherClient);
    const accessParent = await mintOk(ok);
    const bodies: [string, MintFields][] = [
      ['expiresIn 59', { expiresIn: 59 }],
      ['expiresIn 31536001', { expiresIn: 31_536_001 }],
      ['expiresIn 1.5', { expiresIn: 1.5 }],
      ['expiresIn "600"', { expiresIn: '600' }],
      ['expiresIn null', { expiresIn: null }],
      ['expiresIn 0', { expiresIn: 0 }],
      ['expiresIn -600', { expiresIn: -600 }],
      ['tokenType id_token', { tokenType: 'id_token' }],
      ['clientId ""', { clientId: '' }],
      ['clientName ""', { clientName: '' }],
      ['clientName with a control character', { clientName: 'Bad\u0007Name' }],
      ['scope 42', { scope: 42 }],
      ['scope ""', { scope: '' }],
      ['scope with two spaces', { scope: 'read  write' }],
      ['scope with a quote', { scope: 'read "write"' }],
      ['userId ""', { userId: '' }],
      ['unknown field', { audience: 'api' }],
      ['a token field', { token: 'tledger_chosen' }],
      ['parentTokenId on a refresh token', { tokenType: 'refresh_token', parentTokenId: live.tokenId }],
      ['malformed parentTokenId', { parentTokenId: 'short' }],
      ['parentTokenId null', { parentTokenId: null }],
      ['missing parent', { parentTokenId: `missing${randomBytes(8).toString('hex')}` }],
      ['expired parent', { parentTokenId: expired.tokenId }],
      ['revoked parent', { parentTokenId: revoked.tokenId }],
      ['parent revoked in the table', { parentTokenId: revokedInTable.tokenId }],
      ["another user's parent", { parentTokenId: bobs.tokenId }],
      ["another client's parent", { parentTokenId: otherClients.tokenId }],
      ['a parent with a user for a child without one', { userId: undefined, parentTokenId: live.tokenId }],
      ['an access token as parent', { parentTokenId: accessParent.tokenId }],
    ];
    const missing = ['clientId', 'clientName', 'tokenType', 'scope', 'expiresIn'].map((field): [string, MintFields] => [
      `no ${field}`,
      { [field]: undefined },
    ]);
    const before = await scanTable(o);
    for (const [name, change] of [...bodies, ...missing]) {
      const fields = Object.fromEntries(Object.entries({ ...ok, ...change }).filter(([, v]) => v !== undefined));
      const res = await mint(fields);
      expect({ case: name, status: res.status }).toEqual({ case: name, status: 400 });
      expectError(res, 400);
    }
    for (const rawBody of ['{"clientId":', 'not json', '[]', JSON.stringify([ok]), 'null', '"text"', '42', '']) {
      const res = await serviceCall(o, 'service/tokens', { rawBody });
      expect({ body: rawBody, status: res.status }).toEqual({ body: rawBody, status: 400 });
      expectError(res, 400);
    }
    const tooLarge = JSON.stringify(ok).replace(/}$/, `${' '.repeat(4097)}}`);
    expectError(await serviceCall(o, 'service/tokens', { rawBody: tooLarge }), 400);
    expectError(await serviceCall(o, 'service/tokens', { json: ok, query: { dryRun: 'true' } }), 400);
    expect(await scanTable(o)).toEqual(before);
  });
});

describe('POST service/introspect (RFC 7662)', () => {
  it('describes an active token with exactly the RFC 7662 fields', async () => {
    const clientId = newClient('introspected');
    const access = await mintOk(fieldsFor(bob, clientId, { scope: 'x y', expiresIn: 900 }));
    const res = await introspect(access.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const iat = Date.parse(access.issuedAt as string) / 1000;
    expect(res.body).toEqual({
      active: true,
      scope: 'x y',
      client_id: clientId,
      sub: bob.sub,
      token_type: 'Bearer',
      token_use: 'access_token',
      exp: iat + 900,
      iat,
      jti: access.tokenId,
    });

    const refresh = await mintOk(fieldsFor(bob, clientId, { tokenType: 'refresh_token', scope: 'offline' }));
    expect((await introspect(refresh.token)).body).toMatchObject({
      active: true,
      token_use: 'refresh_token',
      jti: refresh.tokenId,
    });

    // No user, no `sub` key at all.
    const machine = await mintOk(fieldsFor(undefined, clientId, { scope: 'reports' }));
    const noUser = await introspect(machine.token);
    expect(noUser.body).toEqual({
      active: true,
      scope: 'reports',
      client_id: clientId,
      token_type: 'Bearer',
      token_use: 'access_token',
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: machine.tokenId,
    });
    expect('sub' in noUser.body).toBe(false);
  });

  it('answers exactly {"active": false} for unknown, malformed, altered, expired and revoked tokens', async () => {
    const clientId = newClient('inactive');
    const live = await mintOk(fieldsFor(alice, clientId));
    const [prefix, secret] = live.token.split('.') as [string, string];
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const other = await mintOk(fieldsFor(alice, clientId));
    // A record another system wrote: it has no secret hash, so no value can match it.
    const foreign = tokenRecord({ tokenId: randomBytes(16).toString('base64url'), userId: alice.sub, clientId });
    await putTokens(o, [foreign]);
    const values = {
      unknown: `tledger_${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
      'another token id with this secret': `tledger_${other.tokenId}.${secret}`,
      'first secret character changed': `${prefix}.${flip(secret[0]!)}${secret.slice(1)}`,
      'last secret character changed': `${prefix}.${secret.slice(0, -1)}${flip(secret.at(-1)!)}`,
      'secret of another token': `${prefix}.${other.token.split('.')[1]}`,
      'record with no hash': `tledger_${foreign.tokenId}.${secret}`,
      'no secret': `${prefix}.`,
      'no separator': `${prefix}${secret}`,
      'prefix only': 'tledger_',
      'another prefix': live.token.replace('tledger_', 'otk_'),
      'upper-case prefix': live.token.replace('tledger_', 'TLEDGER_'),
      'trailing character': `${live.token}A`,
      'trailing space': `${live.token} `,
      'a token id': live.tokenId,
      garbage: 'not a token at all',
      'a JWT': alice.idToken,
    };
    for (const [name, value] of Object.entries(values)) {
      const res = await introspect(value);
      expect({ case: name, status: res.status, text: res.text }).toEqual({
        case: name,
        status: 200,
        text: '{"active":false}',
      });
    }
    await expectActive(live.token); // the probes changed nothing

    const expired = await mintOk(fieldsFor(alice, clientId, { expiresIn: 60 }));
    await expectActive(expired.token);
    await expire(expired.tokenId);
    await expectInactive(expired.token);

    const byUser = await mintOk(fieldsFor(alice, clientId));
    expect((await userRevoke(alice, byUser.tokenId)).status).toBe(200);
    await expectInactive(byUser.token);

    const byAdmin = await mintOk(fieldsFor(alice, clientId));
    expect((await userRevoke(carol, byAdmin.tokenId)).status).toBe(200);
    await expectInactive(byAdmin.token);

    const byService = await mintOk(fieldsFor(alice, clientId));
    expectRevokeAccepted(await revokeValue({ token: byService.token, client_id: clientId }));
    await expectInactive(byService.token);

    const { refresh, children } = await family(alice, clientId);
    expect((await userRevoke(alice, refresh.tokenId)).status).toBe(200);
    await expectInactive(refresh.token);
    for (const child of children) await expectInactive(child.token);

    // None of these introspections of inactive tokens recorded a use.
    for (const t of [byUser, byAdmin, byService, ...children])
      expect((await record(t.tokenId)).lastUsedAt).toBeUndefined();
  });

  it('writes lastUsedAt on first use, then not again within a minute', async () => {
    const clientId = newClient('used');
    const token = await mintOk(fieldsFor(bob, clientId));
    expect((await record(token.tokenId)).lastUsedAt).toBeUndefined();
    const before = now();
    await expectActive(token.token);
    const first = (await record(token.tokenId)).lastUsedAt!;
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(now());
    const view = await call(o, 'GET', `tokens/${token.tokenId}`, { token: bob.idToken });
    expect(view.body.lastUsedAt).toBe(iso(first));

    await sleep(1100);
    await Promise.all(Array.from({ length: 5 }, () => expectActive(token.token)));
    expect((await record(token.tokenId)).lastUsedAt).toBe(first);

    // 30 s ago: still within the minute, not written.
    await setAttributes(token.tokenId, { lastUsedAt: now() - 30 });
    const recent = (await record(token.tokenId)).lastUsedAt;
    await expectActive(token.token);
    expect((await record(token.tokenId)).lastUsedAt).toBe(recent);

    // 61 s ago: written again, once.
    await setAttributes(token.tokenId, { lastUsedAt: now() - 61 });
    const again = now();
    await expectActive(token.token);
    const second = (await record(token.tokenId)).lastUsedAt!;
    expect(second).toBeGreaterThanOrEqual(again);
    await expectActive(token.token);
    expect((await record(token.tokenId)).lastUsedAt).toBe(second);
  });

  it('refuses a missing, empty or repeated token with 400', async () => {
    const token = await mintOk(fieldsFor(bob, newClient('form')));
    const bad: [string, Parameters<typeof serviceCall>[2]][] = [
      ['empty body', { rawBody: '', contentType: 'application/x-www-form-urlencoded' }],
      ['no token', { form: { token_type_hint: 'access_token' } }],
      ['empty token', { form: { token: '' } }],
      [
        'repeated token',
        {
          form: [
            ['token', token.token],
            ['token', token.token],
          ],
        },
      ],
      [
        'repeated, different tokens',
        {
          form: [
            ['token', token.token],
            ['token', 'tledger_x'],
          ],
        },
      ],
      [
        'repeated hint',
        {
          form: [
            ['token', token.token],
            ['token_type_hint', 'access_token'],
            ['token_type_hint', 'refresh_token'],
          ],
        },
      ],
      ['JSON instead of a form', { json: { token: token.token } }],
      ['a query parameter', { form: { token: token.token }, query: { token: token.token } }],
      ['too large', { form: { token: token.token, padding: 'x'.repeat(4096) } }],
    ];
    for (const [name, options] of bad) {
      const res = await serviceCall(o, 'service/introspect', options);
      expect({ case: name, status: res.status }).toEqual({ case: name, status: 400 });
      expectError(res, 400);
    }
    await expectActive(token.token);
  });

  it('accepts token_type_hint (and other parameters) but finds the token by its value alone', async () => {
    const clientId = newClient('hint');
    const access = await mintOk(fieldsFor(bob, clientId));
    const refresh = await mintOk(fieldsFor(bob, clientId, { tokenType: 'refresh_token' }));
    for (const hint of ['access_token', 'refresh_token', 'id_token', 'nonsense', '']) {
      expect((await introspect(access.token, { token_type_hint: hint })).body).toMatchObject({
        active: true,
        token_use: 'access_token',
      });
      expect((await introspect(refresh.token, { token_type_hint: hint })).body).toMatchObject({
        active: true,
        token_use: 'refresh_token',
      });
    }
    expect((await introspect(access.token, { resource: 'https://api.example' })).body.active).toBe(true);
  });
});

describe('POST service/revoke (RFC 7009)', () => {
  it('requires token and client_id (400 invalid_request)', async () => {
    const clientId = newClient('rfc7009');
    const token = await mintOk(fieldsFor(alice, clientId));
    const before = await record(token.tokenId);
    for (const form of [
      { token: token.token } as Record<string, string>,
      { token: token.token, client_id: '' },
      { client_id: clientId },
      { token: '', client_id: clientId },
    ]) {
      expectError(await revokeValue(form), 400);
    }
    expectError(
      await revokeValue([
        ['token', token.token],
        ['client_id', clientId],
        ['client_id', clientId],
      ]),
      400,
    );
    expectError(
      await revokeValue([
        ['token', token.token],
        ['token', token.token],
        ['client_id', clientId],
      ]),
      400,
    );
    expect(await record(token.tokenId)).toEqual(before);
    await expectActive(token.token);
  });

  it('refuses another client with 400 unauthorized_client and changes nothing', async () => {
    const clientId = newClient('owner-app');
    const token = await mintOk(fieldsFor(alice, clientId, { tokenType: 'refresh_token' }));
    const child = await mintOk(fieldsFor(alice, clientId, { parentTokenId: token.tokenId }));
    const before = await scanTable(o);
    expectUnauthorizedClient(await revokeValue({ token: token.token, client_id: newClient('thief') }));
    expectUnauthorizedClient(await revokeValue({ token: child.token, client_id: `${clientId} ` }));
    expect(await scanTable(o)).toEqual(before);
    await expectActive(token.token);
    await expectActive(child.token);
  });

  it('revokes with 200 and an empty body, recorded as client:<client_id>', async () => {
    const clientId = newClient('revoker');
    const token = await mintOk(fieldsFor(alice, clientId));
    const before = now();
    // The hint is wrong; the value alone finds the token.
    const res = await revokeValue({ token: token.token, client_id: clientId, token_type_hint: 'refresh_token' });
    expectRevokeAccepted(res);
    const item = await record(token.tokenId);
    expect(item.revokedAt).toBeGreaterThanOrEqual(before);
    expect(item.revokedBy).toBe(`client:${clientId}`);
    await expectInactive(token.token);
    const view = await call(o, 'GET', `tokens/${token.tokenId}`, { token: alice.idToken });
    expect(view.body).toMatchObject({ status: 'revoked', revokedBy: `client:${clientId}` });

    // A token with no user.
    const machine = await mintOk(fieldsFor(undefined, clientId));
    expectRevokeAccepted(await revokeValue({ token: machine.token, client_id: clientId }));
    expect((await record(machine.tokenId)).revokedBy).toBe(`client:${clientId}`);
  });

  it('answers 200 with an empty body for unknown, malformed and expired tokens, changing nothing', async () => {
    const clientId = newClient('unknowns');
    const expired = await mintOk(fieldsFor(alice, clientId, { expiresIn: 60 }));
    await expire(expired.tokenId);
    const live = await mintOk(fieldsFor(alice, clientId));
    const before = await scanTable(o);
    for (const token of [
      `tledger_${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
      `${live.token.split('.')[0]}.${randomBytes(32).toString('base64url')}`, // a real id, a wrong secret
      'otk_nosuchtoken',
      'garbage',
      expired.token,
    ]) {
      expectRevokeAccepted(await revokeValue({ token, client_id: clientId }));
      // Even naming another client: nothing is known about such a token to refuse.
      expectRevokeAccepted(await revokeValue({ token, client_id: newClient('anyone') }));
    }
    expect(await scanTable(o)).toEqual(before);
    await expectActive(live.token);
  });

  it('answers 200 to a second revocation and keeps the first one', async () => {
    const clientId = newClient('twice');
    const token = await mintOk(fieldsFor(alice, clientId));
    expectRevokeAccepted(await revokeValue({ token: token.token, client_id: clientId }));
    const first = await record(token.tokenId);
    expectRevokeAccepted(await revokeValue({ token: token.token, client_id: clientId }));
    expect(await record(token.tokenId)).toEqual(first);

    // Revoked by its user with a reason, an hour ago: the service's revocation changes none of it.
    const byUser = await mintOk(fieldsFor(alice, clientId));
    const res = await userRevoke(alice, byUser.tokenId, { reason: 'lost phone' });
    expect(res.status).toBe(200);
    await setAttributes(byUser.tokenId, { revokedAt: now() - 3600 });
    const kept = await record(byUser.tokenId);
    expectRevokeAccepted(await revokeValue({ token: byUser.token, client_id: clientId }));
    expect(await record(byUser.tokenId)).toEqual(kept);
    expect(kept).toMatchObject({ revokedBy: alice.sub, revokeReason: 'lost phone' });
  });
});

describe('cascade from a refresh token to its access tokens', () => {
  it('runs when the owner revokes the refresh token (POST tokens/{id}/revoke)', async () => {
    const clientId = newClient('cascade-user');
    const { refresh, children, unrelated, childFields } = await family(alice, clientId);
    // An expired child is left as it is; an already revoked one keeps its first revocation.
    const expiredChild = await mintOk(childFields);
    await expire(expiredChild.tokenId);
    const revokedChild = await mintOk(childFields);
    expect((await userRevoke(alice, revokedChild.tokenId, { reason: 'earlier' })).status).toBe(200);
    await setAttributes(revokedChild.tokenId, { revokedAt: now() - 600 });
    const revokedChildBefore = await record(revokedChild.tokenId);

    const res = await userRevoke(alice, refresh.tokenId, { reason: 'signed out everywhere' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenId: refresh.tokenId,
      status: 'revoked',
      revokedBy: alice.sub,
      revokeReason: 'signed out everywhere',
    });
    for (const child of children) await expectCascaded(child, refresh.tokenId, alice.sub);
    await expectUntouched(unrelated);
    expect((await record(expiredChild.tokenId)).revokedAt).toBeUndefined();
    expect(await record(revokedChild.tokenId)).toEqual(revokedChildBefore);
    // Every view agrees.
    const view = await call(o, 'GET', `tokens/${children[0]!.tokenId}`, { token: alice.idToken });
    expect(view.body).toMatchObject({ status: 'revoked', revokedBy: alice.sub, parentTokenId: refresh.tokenId });
  });

  it('runs when an admin revokes the refresh token', async () => {
    const clientId = newClient('cascade-admin');
    const { refresh, children, unrelated } = await family(bob, clientId);
    expect((await userRevoke(carol, refresh.tokenId)).status).toBe(200);
    for (const child of children) await expectCascaded(child, refresh.tokenId, carol.sub);
    await expectUntouched(unrelated);
  });

  it('runs when the authorization server revokes the refresh token (service/revoke)', async () => {
    const clientId = newClient('cascade-service');
    const { refresh, children, unrelated } = await family(bob, clientId);
    expectRevokeAccepted(
      await revokeValue({ token: refresh.token, client_id: clientId, token_type_hint: 'access_token' }),
    );
    for (const child of children) await expectCascaded(child, refresh.tokenId, `client:${clientId}`);
    await expectUntouched(unrelated);
  });

  it('runs for "Revoke Access" (POST apps/{clientId}/revoke), also for children outside the app', async () => {
    const clientId = newClient('cascade-app');
    const { refresh, children, unrelated } = await family(alice, clientId);
    // Written by another system: a child of alice's refresh token under another client and no user.
    const outside = tokenRecord({ clientId: newClient('elsewhere'), parentTokenId: refresh.tokenId });
    await putTokens(o, [outside]);
    const res = await call(o, 'POST', `apps/${encodeURIComponent(clientId)}/revoke`, { token: alice.idToken });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { revoked: 5 } });
    for (const t of [refresh, ...children, unrelated]) expect((await record(t.tokenId)).revokedBy).toBe(alice.sub);
    expect(await getRecord(o, outside.tokenId)).toMatchObject({
      revokedBy: alice.sub,
      revokeReason: expect.stringContaining(refresh.tokenId),
    });
    for (const t of [refresh, ...children, unrelated]) await expectInactive(t.token);
  });

  it('runs for an admin bulk revocation, also for children outside the selection', async () => {
    const clientId = newClient('cascade-bulk');
    const { refresh, children, unrelated } = await family(bob, clientId);
    const outside = tokenRecord({ clientId: newClient('elsewhere'), parentTokenId: refresh.tokenId });
    await putTokens(o, [outside]);
    const res = await call(o, 'POST', `admin/users/${bob.sub}/revoke`, {
      token: carol.idToken,
      body: { clientId, reason: 'compromised client' },
    });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { revoked: 5 } });
    for (const t of [refresh, ...children, unrelated]) {
      expect(await record(t.tokenId)).toMatchObject({ revokedBy: carol.sub, revokeReason: 'compromised client' });
    }
    expect(await getRecord(o, outside.tokenId)).toMatchObject({
      revokedBy: carol.sub,
      revokeReason: expect.stringContaining(refresh.tokenId),
    });
  });

  it('records one revocation when routes revoke the same refresh token at once, and cascades it', async () => {
    const clientId = newClient('concurrent');
    const { refresh, children } = await family(alice, clientId);
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => userRevoke(alice, refresh.tokenId, { reason: 'by alice' })),
      ...Array.from({ length: 4 }, () => userRevoke(carol, refresh.tokenId, { reason: 'by carol' })),
      ...Array.from({ length: 4 }, () => revokeValue({ token: refresh.token, client_id: clientId })),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    const parent = await record(refresh.tokenId);
    expect([alice.sub, carol.sub, `client:${clientId}`]).toContain(parent.revokedBy);
    // Every user-route answer shows the one revocation that won.
    for (const a of answers.slice(0, 8)) {
      expect(a.body).toMatchObject({
        status: 'revoked',
        revokedAt: iso(parent.revokedAt!),
        revokedBy: parent.revokedBy,
      });
    }
    for (const child of children) await expectCascaded(child, refresh.tokenId, parent.revokedBy!);
  });

  it('never runs upwards: revoking an access token leaves its refresh token and siblings active', async () => {
    const clientId = newClient('upwards');
    const { refresh, children } = await family(alice, clientId);
    expect((await userRevoke(alice, children[0]!.tokenId)).status).toBe(200);
    expectRevokeAccepted(await revokeValue({ token: children[1]!.token, client_id: clientId }));
    await expectUntouched(refresh);
    const sibling = await mintOk(fieldsFor(alice, clientId, { parentTokenId: refresh.tokenId }));
    await expectUntouched(sibling);
  });

  it(
    'completes an interrupted cascade when the refresh ' + 'token is revoked again, keeping its first revocation',
    async () => {
      const clientId = newClient('interrupted');
      // As if a revocation had written the parent and then died before its cascade.
      const viaUser = await family(alice, clientId);
      const firstRevokedAt = now() - 120;
      await setAttributes(viaUser.refresh.tokenId, { revokedAt: firstRevokedAt, revokedBy: `client:${clientId}` });
      const parentBefore = await record(viaUser.refresh.tokenId);
      for (const child of viaUser.children) expect((await record(child.tokenId)).revokedAt).toBeUndefined();

      const res = await userRevoke(alice, viaUser.refresh.tokenId, { reason: 'again' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'revoked',
        revokedAt: iso(firstRevokedAt),
        revokedBy: `client:${clientId}`,
      });
      expect(res.body.revokeReason).toBeUndefined();
      expect(await record(viaUser.refresh.tokenId)).toEqual(parentBefore);
      for (const child of viaUser.children) await expectCascaded(child, viaUser.refresh.tokenId, `client:${clientId}`);
      await expectUntouched(viaUser.unrelated);

      // The same through service/revoke and through an admin.
      const viaService = await family(alice, clientId);
      await setAttributes(viaService.refresh.tokenId, { revokedAt: firstRevokedAt, revokedBy: alice.sub });
      expectRevokeAccepted(await revokeValue({ token: viaService.refresh.token, client_id: clientId }));
      expect((await record(viaService.refresh.tokenId)).revokedBy).toBe(alice.sub);
      for (const child of viaService.children) await expectCascaded(child, viaService.refresh.tokenId, alice.sub);

      const viaAdmin = await family(alice, clientId);
      await setAttributes(viaAdmin.refresh.tokenId, { revokedAt: firstRevokedAt, revokedBy: alice.sub });
      expect((await userRevoke(carol, viaAdmin.refresh.tokenId)).status).toBe(200);
      for (const child of viaAdmin.children) await expectCascaded(child, viaAdmin.refresh.tokenId, alice.sub);
    },
  );

  it('completes an interrupted cascade on a bulk revocation too, even for children outside the selection', async () => {
    for (const route of ['apps', 'admin'] as const) {
      const clientId = newClient(`interrupted-${route}`);
      const { refresh, children, unrelated } = await family(alice, clientId);
      const outside = tokenRecord({ clientId: newClient('elsewhere'), parentTokenId: refresh.tokenId });
      await putTokens(o, [outside]);
      await setAttributes(refresh.tokenId, { revokedAt: now() - 60, revokedBy: `client:${clientId}` });
      const parentBefore = await record(refresh.tokenId);
      if (route === 'admin') {
        const preview = await call(o, 'POST', `admin/users/${alice.sub}/revoke`, {
          token: carol.idToken,
          body: { clientId, dryRun: true },
        });
        expect(preview.body).toEqual({ wouldRevoke: 4, byClient: { [clientId]: 3, [outside.clientId]: 1 } });
      }
      const res =
        route === 'apps'
          ? await call(o, 'POST', `apps/${clientId}/revoke`, { token: alice.idToken })
          : await call(o, 'POST', `admin/users/${alice.sub}/revoke`, { token: carol.idToken, body: { clientId } });
      expect({ route, status: res.status, body: res.body }).toEqual({ route, status: 200, body: { revoked: 4 } });
      expect(await record(refresh.tokenId)).toEqual(parentBefore);
      const revoker = route === 'apps' ? alice.sub : carol.sub;
      for (const t of [...children, unrelated]) {
        expect(await record(t.tokenId)).toMatchObject({ revokedAt: expect.any(Number), revokedBy: revoker });
      }
      // Outside the selection, only the parent's cascade reaches it: as the parent's revocation.
      expect(await getRecord(o, outside.tokenId)).toMatchObject({
        revokedBy: `client:${clientId}`,
        revokeReason: expect.stringContaining(refresh.tokenId),
      });
    }
  });

  it(
    'an access token whose refresh token was revoked without ' + 'cascade introspects inactive, and is revoked then',
    async () => {
      const clientId = newClient('orphan');
      const { refresh, children } = await family(bob, clientId);
      await setAttributes(refresh.tokenId, { revokedAt: now() - 30, revokedBy: `client:${clientId}` });
      await expectInactive(children[0]!.token);
      expect(await record(children[0]!.tokenId)).toMatchObject({
        revokedAt: expect.any(Number),
        revokedBy: `client:${clientId}`,
        revokeReason: expect.stringContaining(refresh.tokenId),
      });
      expect((await record(children[0]!.tokenId)).lastUsedAt).toBeUndefined();
      // A new child of it cannot be minted either.
      expectError(await mint(fieldsFor(bob, clientId, { parentTokenId: refresh.tokenId })), 400);
    },
  );

  it('leaves no access token active when children are minted while their refresh token is revoked', async () => {
    const clientId = newClient('race');
    for (const revoke of ['user route', 'service/revoke'] as const) {
      const refresh = await mintOk(fieldsFor(alice, clientId, { tokenType: 'refresh_token', expiresIn: 86_400 }));
      const childFields = fieldsFor(alice, clientId, { parentTokenId: refresh.tokenId, expiresIn: 600 });
      const launch = (n: number) => Array.from({ length: n }, () => mint(childFields));
      const early = launch(15);
      await Promise.race(early); // some children exist before the revocation, others are minted during it
      const revocation =
        revoke === 'user route'
          ? userRevoke(alice, refresh.tokenId)
          : revokeValue({ token: refresh.token, client_id: clientId });
      const late = launch(15);
      const [revoked, ...mints] = await Promise.all([revocation, ...early, ...late]);
      expect(revoked!.status).toBe(200);
      for (const m of mints) {
        expect([201, 400]).toContain(m.status);
        if (m.status === 400) expectError(m, 400);
      }
      const values = mints.filter((m) => m.status === 201).map((m) => m.body as Minted);
      for (const child of values) await expectInactive(child.token);
      const inTable = await childrenInTable(refresh.tokenId);
      expect(inTable.length).toBeGreaterThanOrEqual(values.length);
      const revoker = revoke === 'user route' ? alice.sub : `client:${clientId}`;
      for (const child of inTable) {
        expect({ tokenId: child.tokenId, revokedBy: child.revokedBy, reason: child.revokeReason }).toEqual({
          tokenId: child.tokenId,
          revokedBy: revoker,
          reason: expect.stringContaining(refresh.tokenId),
        });
      }
    }
  });
});

describe('connected apps (GET apps, POST apps/{clientId}/revoke)', () => {
  let dave: TestUser;
  let erin: TestUser;
  const T = now();
  const mail = newClient('mail');
  const calendar = newClient('calendar');
  const gone = newClient('gone');
  const erinsOwn = newClient('erins');
  let daveMail: TokenRecord[];
  let erinMail: TokenRecord;
  let daveCalendar: Minted;

  beforeAll(async () => {
    [dave, erin] = await Promise.all([newUser('dave'), newUser('erin')]);
    daveMail = [
      tokenRecord({
        userId: dave.sub,
        clientId: mail,
        clientName: 'Old Mail',
        scope: 'mail.read',
        issuedAt: T - 300,
        expiresAt: T + 3600,
      }),
      tokenRecord({
        userId: dave.sub,
        clientId: mail,
        clientName: 'Mail',
        tokenType: 'refresh_token',
        scope: 'offline mail.read mail.send',
        issuedAt: T - 100,
        expiresAt: T + 86_400,
      }),
      // Revoked and expired: not counted, their scopes and times not shown.
      tokenRecord({
        userId: dave.sub,
        clientId: mail,
        clientName: 'Revoked Mail',
        scope: 'mail.admin',
        issuedAt: T - 50,
        expiresAt: T + 999_999,
        revokedAt: T - 40,
        revokedBy: dave.sub,
      }),
      tokenRecord({
        userId: dave.sub,
        clientId: mail,
        clientName: 'Expired Mail',
        scope: 'mail.old',
        issuedAt: T - 20,
        expiresAt: T - 1,
      }),
    ];
    erinMail = tokenRecord({
      userId: erin.sub,
      clientId: mail,
      clientName: 'Erin Mail',
      scope: 'erin.only',
      issuedAt: T - 10,
      expiresAt: T + 999_999,
    });
    await putTokens(o, [
      ...daveMail,
      erinMail,
      tokenRecord({ userId: dave.sub, clientId: gone, issuedAt: T - 10, revokedAt: T - 5, revokedBy: dave.sub }),
      tokenRecord({
        userId: erin.sub,
        clientId: erinsOwn,
        clientName: 'Erin App',
        scope: 'e',
        issuedAt: T - 30,
        expiresAt: T + 60,
      }),
    ]);
    daveCalendar = await mintOk(
      fieldsFor(dave, calendar, { clientName: 'Calendar', scope: 'cal.read', expiresIn: 7200 }),
    );
  });

  interface App {
    clientId: string;
    scopes: string[];
  }
  const apps = async (user: TestUser): Promise<App[]> => {
    const res = await call(o, 'GET', 'apps', { token: user.idToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual(['items']);
    return [...(res.body.items as App[])].sort((a, b) => a.clientId.localeCompare(b.clientId));
  };

  it('lists each app over the caller’s active tokens, exactly', async () => {
    const issued = Date.parse(daveCalendar.issuedAt as string) / 1000;
    const expected = [
      {
        clientId: mail,
        clientName: 'Mail', // the newest active token's name
        scopes: ['mail.read', 'mail.send', 'offline'],
        activeTokens: 2,
        lastIssuedAt: iso(T - 100),
        expiresAt: iso(T + 86_400),
      },
      {
        clientId: calendar,
        clientName: 'Calendar',
        scopes: ['cal.read'],
        activeTokens: 1,
        lastIssuedAt: iso(issued),
        expiresAt: iso(issued + 7200),
      },
    ].sort((a, b) => a.clientId.localeCompare(b.clientId));
    const listed = await apps(dave);
    expect(listed.map((a) => ({ ...a, scopes: [...a.scopes].sort() }))).toEqual(expected);

    expect(await apps(erin)).toEqual(
      [
        {
          clientId: mail,
          clientName: 'Erin Mail',
          scopes: ['erin.only'],
          activeTokens: 1,
          lastIssuedAt: iso(T - 10),
          expiresAt: iso(T + 999_999),
        },
        {
          clientId: erinsOwn,
          clientName: 'Erin App',
          scopes: ['e'],
          activeTokens: 1,
          lastIssuedAt: iso(T - 30),
          expiresAt: iso(T + 60),
        },
      ].sort((a, b) => a.clientId.localeCompare(b.clientId)),
    );
    const nobody = await newUser('nobody');
    expect(await apps(nobody)).toEqual([]);
  });

  it('refuses query parameters on GET apps', async () => {
    for (const query of ['?limit=5', '?clientId=x', '?foo=1', '?status=active']) {
      expectError(await call(o, 'GET', `apps${query}`, { token: dave.idToken }), 400);
    }
  });

  it('refuses a bad body or a query parameter on "Revoke Access", changing nothing', async () => {
    const before = await scanTable(o);
    const path = `apps/${encodeURIComponent(mail)}/revoke`;
    for (const options of [
      { body: { unknown: 1 } },
      { body: { reason: 'why' } },
      { body: [] },
      { rawBody: '{', headers: { 'content-type': 'application/json' } },
      { rawBody: `{${' '.repeat(4100)}}`, headers: { 'content-type': 'application/json' } },
    ]) {
      expectError(await call(o, 'POST', path, { token: dave.idToken, ...options }), 400);
    }
    expectError(await call(o, 'POST', `${path}?dryRun=true`, { token: dave.idToken }), 400);
    expect(await scanTable(o)).toEqual(before);
  });

  it('"Revoke Access" revokes only the caller’s active tokens of that app', async () => {
    const erinBefore = await record(erinMail.tokenId);
    const revokedBefore = await record(daveMail[2]!.tokenId);
    const expiredBefore = await record(daveMail[3]!.tokenId);
    const res = await call(o, 'POST', `apps/${encodeURIComponent(mail)}/revoke`, { token: dave.idToken, body: {} });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { revoked: 2 } });
    for (const t of daveMail.slice(0, 2))
      expect(await record(t.tokenId)).toMatchObject({ revokedAt: expect.any(Number), revokedBy: dave.sub });
    expect(await record(daveMail[2]!.tokenId)).toEqual(revokedBefore);
    expect(await record(daveMail[3]!.tokenId)).toEqual(expiredBefore);
    expect(await record(erinMail.tokenId)).toEqual(erinBefore);
    await expectUntouched(daveCalendar);
    expect((await apps(dave)).map((a) => a.clientId)).toEqual([calendar]);
    expect((await apps(erin)).map((a) => a.clientId).sort()).toEqual([mail, erinsOwn].sort());

    // Again: nothing left to revoke. An app the caller never used, or only another user used: 0.
    for (const clientId of [mail, newClient('never'), erinsOwn]) {
      const again = await call(o, 'POST', `apps/${encodeURIComponent(clientId)}/revoke`, { token: dave.idToken });
      expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { revoked: 0 } });
    }
    expect((await apps(erin)).map((a) => a.clientId).sort()).toEqual([mail, erinsOwn].sort());
  });
});

describe('admin bulk revocation (POST admin/users/{userId}/revoke)', () => {
  let frank: TestUser;
  let grace: TestUser; // another user with tokens of the same apps
  const appA = newClient('bulk-a');
  const appB = newClient('bulk-b');
  const appX = newClient('bulk-x');
  let refresh: Minted;
  let franks: Minted[];
  let outside: TokenRecord;
  let gracesToken: Minted;
  const path = () => `admin/users/${frank.sub}/revoke`;

  beforeAll(async () => {
    [frank, grace] = await Promise.all([newUser('frank'), newUser('grace')]);
    refresh = await mintOk(fieldsFor(frank, appA, { tokenType: 'refresh_token', expiresIn: 86_400 }));
    franks = [
      refresh,
      await mintOk(fieldsFor(frank, appA, { parentTokenId: refresh.tokenId })),
      await mintOk(fieldsFor(frank, appA)),
      await mintOk(fieldsFor(frank, appA)),
      await mintOk(fieldsFor(frank, appB)),
    ];
    // A child of frank's refresh token that another system wrote under another client, with no user.
    outside = tokenRecord({ clientId: appX, parentTokenId: refresh.tokenId });
    const revoked = tokenRecord({ userId: frank.sub, clientId: appB, revokedAt: now() - 10, revokedBy: frank.sub });
    const expired = tokenRecord({ userId: frank.sub, clientId: appB, issuedAt: now() - 7200, expiresAt: now() - 1 });
    await putTokens(o, [outside, revoked, expired]);
    gracesToken = await mintOk(fieldsFor(grace, appA));
  });

  it('is for admins only: 401 without a token, 403 for a user (before any input check)', async () => {
    const before = await scanTable(o);
    expectError(await call(o, 'POST', path(), { body: { dryRun: true } }), 401);
    expectError(await call(o, 'POST', path(), { token: 'not-a-jwt', body: {} }), 401);
    expectError(await call(o, 'POST', path(), { body: { dryRun: 'yes' } }), 401);
    for (const user of [frank, grace]) {
      expectError(await call(o, 'POST', path(), { token: user.idToken, body: {} }), 403);
      expectError(await call(o, 'POST', path(), { token: user.idToken, body: { dryRun: true } }), 403);
      expectError(await call(o, 'POST', path(), { token: user.idToken, body: { dryRun: 'yes' } }), 403);
    }
    expect(await scanTable(o)).toEqual(before);
  });

  it('refuses bad bodies and query parameters with 400, changing nothing', async () => {
    const before = await scanTable(o);
    for (const body of [
      { dryRun: 'yes' },
      { dryRun: 1 },
      { dryRun: null },
      { unknown: true },
      { reason: 'r'.repeat(501) },
      { reason: 42 },
      { clientId: '' },
      { clientId: 7 },
      [],
    ]) {
      const res = await call(o, 'POST', path(), { token: carol.idToken, body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expectError(res, 400);
    }
    expectError(
      await call(o, 'POST', path(), {
        token: carol.idToken,
        rawBody: 'nope',
        headers: { 'content-type': 'application/json' },
      }),
      400,
    );
    expectError(await call(o, 'POST', `${path()}?dryRun=true`, { token: carol.idToken, body: {} }), 400);
    expect(await scanTable(o)).toEqual(before);
  });

  it('previews with dryRun, counting cascaded tokens, and changes nothing', async () => {
    const before = await scanTable(o);
    const preview = async (body: Record<string, unknown>) => {
      const res = await call(o, 'POST', path(), { token: carol.idToken, body: { dryRun: true, ...body } });
      expect(res.status).toBe(200);
      return res.body as unknown;
    };
    expect(await preview({})).toEqual({ wouldRevoke: 6, byClient: { [appA]: 4, [appB]: 1, [appX]: 1 } });
    expect(await preview({ clientId: appA })).toEqual({ wouldRevoke: 5, byClient: { [appA]: 4, [appX]: 1 } });
    expect(await preview({ clientId: appB, reason: 'ignored in a dry run' })).toEqual({
      wouldRevoke: 1,
      byClient: { [appB]: 1 },
    });
    expect(await preview({ clientId: newClient('none') })).toEqual({ wouldRevoke: 0, byClient: {} });
    const stranger = await call(o, 'POST', `admin/users/no-such-user-${randomBytes(4).toString('hex')}/revoke`, {
      token: carol.idToken,
      body: { dryRun: true },
    });
    expect(stranger.body).toEqual({ wouldRevoke: 0, byClient: {} });
    expect(await scanTable(o)).toEqual(before);
    for (const t of franks) await expectActive(t.token);
  });

  it('revokes with a client filter and a reason, then everything, counting cascaded tokens; then 0', async () => {
    const graceBefore = await record(gracesToken.tokenId);
    const reason = '😀'.repeat(500); // 500 code points, 2000 bytes
    const byClient = await call(o, 'POST', path(), {
      token: carol.idToken,
      body: { clientId: appB, reason, dryRun: false },
    });
    expect({ status: byClient.status, body: byClient.body }).toEqual({ status: 200, body: { revoked: 1 } });
    expect(await record(franks[4]!.tokenId)).toMatchObject({ revokedBy: carol.sub, revokeReason: reason });
    await expectActive(refresh.token);

    const all = await call(o, 'POST', path(), { token: carol.idToken, body: { reason: 'account closed' } });
    expect({ status: all.status, body: all.body }).toEqual({ status: 200, body: { revoked: 5 } });
    for (const t of franks.slice(0, 4)) {
      expect(await record(t.tokenId)).toMatchObject({ revokedBy: carol.sub, revokeReason: 'account closed' });
      await expectInactive(t.token);
    }
    expect(await record(franks[4]!.tokenId)).toMatchObject({ revokeReason: reason }); // first revocation kept
    expect(await getRecord(o, outside.tokenId)).toMatchObject({
      revokedBy: carol.sub,
      revokeReason: expect.stringContaining(refresh.tokenId),
    });
    expect(await record(gracesToken.tokenId)).toEqual(graceBefore);

    const again = await call(o, 'POST', path(), { token: carol.idToken, body: {} });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { revoked: 0 } });
    const dry = await call(o, 'POST', path(), { token: carol.idToken, body: { dryRun: true } });
    expect(dry.body).toEqual({ wouldRevoke: 0, byClient: {} });
  });

  it('lets an admin revoke their own tokens, and no one else’s, through their own user id', async () => {
    const own = await mintOk(fieldsFor(carol, newClient('admin-own')));
    const bystander = await mintOk(fieldsFor(grace, newClient('bystander')));
    const res = await call(o, 'POST', `admin/users/${carol.sub}/revoke`, { token: carol.idToken, body: {} });
    expect(res.body.revoked).toBeGreaterThanOrEqual(1);
    await expectInactive(own.token);
    await expectUntouched(bystander);
  });
});

describe('role × route for the connected-app and bulk-revocation routes', () => {
  type Role = 'no token' | 'bad token' | 'user' | 'admin';
  const ROUTES: { label: string; method: 'GET' | 'POST'; path: () => string; expected: Record<Role, number> }[] = [
    {
      label: 'GET apps',
      method: 'GET',
      path: () => 'apps',
      expected: { 'no token': 401, 'bad token': 401, user: 200, admin: 200 },
    },
    {
      label: 'POST apps/{clientId}/revoke',
      method: 'POST',
      path: () => 'apps/some-app/revoke',
      expected: { 'no token': 401, 'bad token': 401, user: 200, admin: 200 },
    },
    {
      label: 'POST admin/users/{userId}/revoke',
      method: 'POST',
      path: () => `admin/users/${bob.sub}/revoke`,
      expected: { 'no token': 401, 'bad token': 401, user: 403, admin: 200 },
    },
  ];
  const tokenOf = (role: Role): string | undefined =>
    role === 'user'
      ? alice.idToken
      : role === 'admin'
        ? carol.idToken
        : role === 'bad token'
          ? `${alice.idToken}x`
          : undefined;

  it.each(ROUTES.flatMap((r) => (Object.keys(r.expected) as Role[]).map((role) => [r.label, role, r] as const)))(
    '%s as %s',
    async (_name, role, route) => {
      const body = route.path().startsWith('admin/') ? { dryRun: true } : undefined;
      const token = tokenOf(role);
      const res = await call(o, route.method, route.path(), {
        ...(token !== undefined && { token }),
        ...(body && { body }),
      });
      const status = route.expected[role];
      if (status === 200) expect(res.status).toBe(200);
      else expectError(res, status);
    },
  );

  it(
    'answers 404 for unknown methods and sub-paths of the apps, ' +
      'bulk-revocation and service routes, before authentication',
    async () => {
      for (const [method, path] of [
        ['POST', 'apps'],
        ['GET', 'apps/x/revoke'],
        ['GET', `admin/users/${bob.sub}/revoke`],
        ['POST', 'admin/users//revoke'],
        ['POST', 'apps//revoke'],
        ['GET', 'service/tokens'],
        ['POST', 'service/tokens/x'],
      ] as const) {
        const res = await call(o, method, path);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      }
    },
  );
});

describe('secrets never reach the logs', () => {
  it('logs no token value, secret, JWT, signature or service key, including on error paths', async () => {
    // Error paths that carry secrets in their input.
    const clientId = newClient('logs');
    const value = (await mintOk(fieldsFor(alice, clientId))).token;
    const secret = value.split('.')[1]!;
    expectError(await mint({ ...fieldsFor(alice, clientId), token: value }), 400);
    expectError(await mint({ ...fieldsFor(alice, clientId), clientName: value, expiresIn: 'x' }), 400);
    expectError(await serviceCall(o, 'service/tokens', { rawBody: `{"token":"${value}"` }), 400);
    expectError(
      await serviceCall(o, 'service/introspect', {
        form: [
          ['token', value],
          ['token', value],
        ],
      }),
      400,
    );
    expectError(await serviceCall(o, 'service/introspect', { form: { token: value }, query: { token: value } }), 400);
    expectError(await revokeValue({ token: value }), 400);
    expectUnauthorizedClient(await revokeValue({ token: value, client_id: 'someone-else' }));
    expectError(await serviceCall(o, 'service/introspect', { form: { token: `${value}${'x'.repeat(1100)}` } }), 400);
    expectError(
      await call(o, 'POST', `apps/${encodeURIComponent(value)}/revoke`, {
        token: alice.idToken,
        body: { token: value },
      }),
      400,
    );
    expectError(await call(o, 'GET', `tokens/${encodeURIComponent(value)}`, { token: alice.idToken }), 400);
    expectError(await call(o, 'GET', 'tokens', { token: `${alice.idToken}tampered` }), 401);
    await expectActive(value);
    expectRevokeAccepted(await revokeValue({ token: value, client_id: clientId }));
    await expectInactive(value);

    const log = stack.log();
    expect(log).toContain('Token API listening'); // the capture works
    expect(mintedValues.length).toBeGreaterThan(50);

    /** Each kind of leak once, with the start of a log line it is on (never the secret itself). */
    const leaks = new Map<string, string>();
    const lineAt = (index: number) =>
      log.slice(log.lastIndexOf('\n', index) + 1, Math.min(index, log.lastIndexOf('\n', index) + 121));
    const find = (what: string, needle: string | RegExp) => {
      const index = typeof needle === 'string' ? log.indexOf(needle) : log.search(needle);
      if (index >= 0 && !leaks.has(what)) leaks.set(what, `on a line starting: ${lineAt(index)}`);
    };
    for (const minted of mintedValues) {
      find('a minted token value', minted);
      find('the secret part of a minted value', minted.split('.')[1]!);
    }
    find('the secret of the last value', secret);
    find('the token prefix', 'tledger_');
    for (const user of users()) {
      find('an ID token', user.idToken);
      find('an access token', user.accessToken);
      find('a password', user.password);
    }
    find('a JWT', /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]/);
    find('a SigV4 signature', /AWS4-HMAC-SHA256|Signature=[0-9a-f]|Credential=/);
    find('the service secret key', serviceCredentials(o).secretAccessKey);
    find('an Authorization header', /authorization/i);
    expect(Object.fromEntries(leaks)).toEqual({});
  });
});
