/**
 * The service routes' SigV4 authorization end to end, as API Gateway's AWS_IAM authorization
 * applies it (docs/api.md#service-routes): only a request signed for `execute-api` in the
 * stack's region with the published key pair, within 5 minutes of the gateway's clock, over
 * exactly the request that is sent, gets through; anything else is 403 before the function runs (nothing written).
 * User routes stay Cognito-only: a SigV4 signature there is no sign-in (401).
 */
import { createHash } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import {
  type CallResult,
  call,
  createUser,
  expectErrorAnswer,
  type LocalStack,
  readResult,
  type ServiceCallOptions,
  type StackOutputs,
  scanTable,
  serviceCall,
  serviceCredentials,
  serviceSigner,
  startLocalStack,
  type TestUser,
} from '../support/local-stack';

jest.setTimeout(60_000);

let stack: LocalStack;
let o: StackOutputs;
let alice: TestUser;
let carol: TestUser; // an admin

beforeAll(async () => {
  // DEBUG: whatever the functions log at any level is captured and checked at the end.
  stack = await startLocalStack({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });
  o = stack.outputs;
  [alice, carol] = await Promise.all([createUser(o, 'alice'), createUser(o, 'carol', { admin: true })]);
}, 90_000);

afterAll(async () => {
  if (stack) await stack.stop();
}, 30_000);

const MINUTE = 60_000;

const mintFields = () => ({
  userId: alice.sub,
  clientId: 'sigv4-app',
  clientName: 'SigV4 App',
  tokenType: 'access_token',
  scope: 'read',
  expiresIn: 600,
});

const mint = (options: Omit<ServiceCallOptions, 'json'> = {}) =>
  serviceCall(o, 'service/tokens', { json: mintFields(), ...options });

const refused = (res: CallResult) => expectErrorAnswer(res, 403, o);

/** Runs `refusedCalls`, each of which must answer 403, and checks that none wrote anything. */
async function expectAllRefusedWithoutWrites(refusedCalls: (() => Promise<CallResult>)[]): Promise<void> {
  const before = await scanTable(o);
  for (const [i, attempt] of refusedCalls.entries()) {
    const res = await attempt();
    if (res.status !== 403) throw new Error(`refused call #${i} answered ${res.status}: ${res.text}`);
    refused(res);
  }
  expect(await scanTable(o)).toEqual(before);
}

describe('a correctly signed call', () => {
  it('mints (201), introspects and revokes (200) with the published key pair', async () => {
    const minted = await mint();
    expect(minted.status).toBe(201);
    const token = minted.body.token as string;
    const introspected = await serviceCall(o, 'service/introspect', { form: { token } });
    expect({ status: introspected.status, active: introspected.body.active }).toEqual({ status: 200, active: true });
    const revoked = await serviceCall(o, 'service/revoke', { form: { token, client_id: 'sigv4-app' } });
    expect({ status: revoked.status, text: revoked.text }).toEqual({ status: 200, text: '' });
  });

  it('is accepted whether or not x-amz-content-sha256 is signed', async () => {
    expect((await mint({ signer: serviceSigner(o, { applyChecksum: true }) })).status).toBe(201);
    expect((await mint({ signer: serviceSigner(o, { applyChecksum: false }) })).status).toBe(201);
  });

  it('is accepted up to 5 minutes away from the gateway clock (4 minutes either way)', async () => {
    expect((await mint({ signingDate: new Date(Date.now() - 4 * MINUTE) })).status).toBe(201);
    expect((await mint({ signingDate: new Date(Date.now() + 4 * MINUTE) })).status).toBe(201);
  });
});

describe('a call that is not correctly signed: 403 forbidden, nothing written', () => {
  it('is refused unsigned, on every service route', async () => {
    await expectAllRefusedWithoutWrites([
      () => mint({ signer: false }),
      () => serviceCall(o, 'service/introspect', { form: { token: 'tledger_x' }, signer: false }),
      () => serviceCall(o, 'service/revoke', { form: { token: 'tledger_x', client_id: 'c' }, signer: false }),
    ]);
  });

  it('is refused when signed with a wrong secret or an unknown access key id', async () => {
    const { accessKeyId, secretAccessKey } = serviceCredentials(o);
    await expectAllRefusedWithoutWrites([
      () =>
        mint({ signer: serviceSigner(o, { credentials: { accessKeyId, secretAccessKey: `${secretAccessKey}x` } }) }),
      () => mint({ signer: serviceSigner(o, { credentials: { accessKeyId, secretAccessKey: 'not-the-secret' } }) }),
      () =>
        mint({ signer: serviceSigner(o, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey } }) }),
      () => mint({ signer: serviceSigner(o, { credentials: { accessKeyId: `${accessKeyId}X`, secretAccessKey } }) }),
    ]);
  });

  it('is refused when signed for another service or another region', async () => {
    const otherRegion = o.Region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1';
    await expectAllRefusedWithoutWrites([
      () => mint({ signer: serviceSigner(o, { service: 's3' }) }),
      () => mint({ signer: serviceSigner(o, { service: 'execute-api-x' }) }),
      () => mint({ signer: serviceSigner(o, { region: otherRegion }) }),
    ]);
  });

  it('is refused more than 5 minutes away from the gateway clock (6 minutes either way)', async () => {
    await expectAllRefusedWithoutWrites([
      () => mint({ signingDate: new Date(Date.now() - 6 * MINUTE) }),
      () => mint({ signingDate: new Date(Date.now() + 6 * MINUTE) }),
      () => mint({ signingDate: new Date(Date.now() - 24 * 60 * MINUTE) }),
    ]);
  });

  it('is refused when the body was altered after signing, whether or not its hash was signed', async () => {
    const signed = JSON.stringify(mintFields());
    const altered = JSON.stringify({ ...mintFields(), scope: 'read admin' });
    const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
    await expectAllRefusedWithoutWrites([
      // x-amz-content-sha256 signed (the signer's default): the body no longer matches it.
      () => mint({ signer: serviceSigner(o, { applyChecksum: true }), sendBody: altered }),
      // ... and the header rewritten to the new body's hash: the signature no longer matches it.
      () =>
        mint({
          signer: serviceSigner(o, { applyChecksum: true }),
          sendBody: altered,
          headers: { 'x-amz-content-sha256': sha256(altered) },
        }),
      // Not signed: the payload hash is still part of the canonical request.
      () => mint({ signer: serviceSigner(o, { applyChecksum: false }), sendBody: altered }),
      // One added space is enough.
      () => mint({ signer: serviceSigner(o, { applyChecksum: false }), sendBody: `${signed} ` }),
      () => mint({ signer: serviceSigner(o, { applyChecksum: true }), sendBody: `${signed} ` }),
    ]);
  });

  it('is refused when the signed content hash does not describe the body (UNSIGNED-PAYLOAD included)', async () => {
    const other = createHash('sha256').update('something else').digest('hex');
    await expectAllRefusedWithoutWrites([
      () =>
        mint({
          signer: serviceSigner(o, { applyChecksum: false }),
          signedHeaders: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        }),
      () =>
        mint({ signer: serviceSigner(o, { applyChecksum: false }), signedHeaders: { 'x-amz-content-sha256': other } }),
    ]);
  });

  it('is refused when sent to another path or with another query than was signed', async () => {
    const form = { token: 'tledger_x' };
    await expectAllRefusedWithoutWrites([
      () => serviceCall(o, 'service/introspect', { form, sendPath: 'service/revoke' }),
      () => serviceCall(o, 'service/introspect', { form, sendPath: 'service/introspect?extra=1' }),
      () => serviceCall(o, 'service/introspect', { form, query: { a: '1' }, sendPath: 'service/introspect?a=2' }),
      () => mint({ sendPath: 'service/tokens?dryRun=true' }),
    ]);
  });

  it('is refused with a Cognito ID token, Bearer or bare, even an admin’s', async () => {
    await expectAllRefusedWithoutWrites([
      () => mint({ signer: false, headers: { authorization: `Bearer ${alice.idToken}` } }),
      () => mint({ signer: false, headers: { authorization: carol.idToken } }),
      () =>
        serviceCall(o, 'service/introspect', {
          form: { token: 'tledger_x' },
          signer: false,
          headers: { authorization: `Bearer ${carol.idToken}` },
        }),
      () => call(o, 'POST', 'service/tokens', { token: carol.idToken, body: mintFields() }),
    ]);
  });

  it('is refused with a malformed or tampered signature header', async () => {
    const fields = mintFields();
    // Sign a request, then send it with altered forms of its Authorization header.
    const url = new URL('service/tokens', o.ApiUrl);
    const body = JSON.stringify(fields);
    const good = await serviceSigner(o).sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      }),
    );
    const authorization = String(good.headers.authorization);
    const variants = [
      authorization.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      authorization.replace(/Signature=[0-9a-f]+/, 'Signature='),
      authorization.replace(/Signature=[0-9a-f]+/, `Signature=${'0'.repeat(64)}`),
      authorization.replace(/, ?SignedHeaders=[^,]+/, ''),
      authorization.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-content-sha256;x-amz-date'),
      authorization.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'),
      'AWS4-HMAC-SHA256',
      'Basic dXNlcjpwYXNz',
    ];
    const { host: _host, ...headers } = good.headers;
    await expectAllRefusedWithoutWrites(
      variants.map(
        (value) => async () =>
          readResult(await fetch(url, { method: 'POST', headers: { ...headers, authorization: value }, body })),
      ),
    );
    // Without x-amz-date the signature cannot be checked.
    const { 'x-amz-date': _date, ...undated } = headers;
    await expectAllRefusedWithoutWrites([
      async () => readResult(await fetch(url, { method: 'POST', headers: undated, body })),
    ]);
    // The control: as signed, it is accepted.
    expect((await readResult(await fetch(url, { method: 'POST', headers, body }))).status).toBe(201);
  });
});

describe('user routes do not accept SigV4', () => {
  it('answers 401 to a SigV4-signed call to a user or admin route', async () => {
    for (const [method, path] of [
      ['GET', 'tokens'],
      ['GET', 'apps'],
      ['GET', 'admin/tokens'],
    ] as const) {
      expectErrorAnswer(await serviceCall(o, path, { method }), 401, o);
    }
    expectErrorAnswer(await serviceCall(o, 'apps/sigv4-app/revoke', { rawBody: '' }), 401, o);
    expectErrorAnswer(await serviceCall(o, `admin/users/${alice.sub}/revoke`, { json: { dryRun: true } }), 401, o);
  });
});

describe('secrets stay out of the logs', () => {
  it('logs no Authorization value, signature or secret key', () => {
    const log = stack.log();
    expect(log).toContain('Token API listening');
    expect(log).not.toMatch(/AWS4-HMAC-SHA256|Signature=|Credential=/);
    expect(log).not.toContain(serviceCredentials(o).secretAccessKey);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]/);
    expect(log).not.toContain('tledger_');
  });
});

describe('two kinds of service caller, each allowed what its policy allows', () => {
  const introspection = () =>
    serviceSigner(o, {
      credentials: { accessKeyId: o.IntrospectionAccessKeyId, secretAccessKey: o.IntrospectionSecretAccessKey },
    });

  it("a resource server's key introspects, and may neither mint nor revoke (403, nothing changes)", async () => {
    const minted = await mint();
    expect(minted.status).toBe(201);
    const token = minted.body.token as string;
    const seen = await serviceCall(o, 'service/introspect', { form: { token }, signer: introspection() });
    expect({ status: seen.status, active: seen.body.active }).toEqual({ status: 200, active: true });
    await expectAllRefusedWithoutWrites([
      () => mint({ signer: introspection() }),
      () => serviceCall(o, 'service/revoke', { form: { token, client_id: 'sigv4-app' }, signer: introspection() }),
    ]);
    const still = await serviceCall(o, 'service/introspect', { form: { token } });
    expect(still.body.active).toBe(true);
  });

  it('the two keys are different identities, read from the policies the stack deploys', () => {
    expect(o.IntrospectionAccessKeyId).not.toBe(o.ServiceAccessKeyId);
    expect(o.ServicePolicyArn).toMatch(/^arn:aws:iam::\d{12}:policy\//);
    expect(o.IntrospectionPolicyArn).toMatch(/^arn:aws:iam::\d{12}:policy\//);
    expect(o.IntrospectionPolicyArn).not.toBe(o.ServicePolicyArn);
  });

  it('mint and introspection answers are never stored by a cache', async () => {
    const minted = await mint();
    expect(minted.headers.get('cache-control')).toBe('no-store');
    const seen = await serviceCall(o, 'service/introspect', { form: { token: minted.body.token as string } });
    expect(seen.headers.get('cache-control')).toBe('no-store');
  });
});
