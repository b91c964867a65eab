/**
 * Property-based fuzzing of the whole HTTP surface: random requests — paths, methods, query
 * strings, bodies, headers, credentials, cursors, JWT-shaped garbage — sent to the local gateway
 * of one local stack, with three properties:
 *
 *   1. no answer is a 5xx (nor a dropped connection);
 *   2. every 4xx is the API's error (docs/api.md#errors): JSON `{error, message}` with the code
 *      of its status, nothing internal in it; and the status is the one the API's order of checks
 *      (docs/api.md#input-rules-and-order-of-checks) gives (unknown route 404, then
 *      authentication 401/403, then role 403, then input 400 and existence 404): a request
 *      without a valid credential never gets a 2xx;
 *   3. the table is unchanged: compared with a snapshot every FUZZ_SNAPSHOT_EVERY requests and
 *      at the end. The requests that by design may write (see guardWrites) are steered away from
 *      real ids, so every request of the run is one that must leave the table as it was.
 *
 * FUZZ_RUNS requests (default 500; `npm run test:fuzz` runs 10,000), FUZZ_SEED to replay a run.
 */
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { HttpRequest } from '@smithy/protocol-http';
import fc from 'fast-check';
import { ROUTES, type RouteDefinition } from '../../lambdas/routes';
import {
  type CallResult,
  call,
  cognitoLocalSigningKey,
  createUser,
  decodeJwt,
  ERROR_CODES,
  expectErrorAnswer,
  type LocalStack,
  leaksInternals,
  putTokens,
  type StackOutputs,
  scanTable,
  serviceCall,
  serviceCredentials,
  serviceSigner,
  signJwt,
  startLocalStack,
  type TestUser,
  tokenRecord,
  unsignedJwt,
} from '../support/local-stack';
import { type FuzzContext, type FuzzRequest, gatewayUrl, guardWrites, matchRoute, requestArbitrary } from './requests';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const SNAPSHOT_EVERY = Number(process.env.FUZZ_SNAPSHOT_EVERY ?? 100);
const SEED =
  process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FUZZ_SEED);
/**
 * Node answers 431 (not JSON) to a request head past its 16 KiB limit, as API Gateway answers
 * 414/431: stay under it.
 */
const MAX_TARGET_CHARS = 12_000;

jest.setTimeout(Math.max(120_000, RUNS * 60));

let stack: LocalStack;
let o: StackOutputs;
let user: TestUser;
let admin: TestUser;
let ctx: FuzzContext;
let known: Set<string>;
let snapshot: Record<string, unknown>[];
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

// ---------------------------------------------------------------------------------------------
// Setup: users, tokens of every kind, cursors, forged credentials

const nowSeconds = () => Math.floor(Date.now() / 1000);

function forgedJwts(idToken: string, accessToken: string): { what: string; jwt: string }[] {
  const real = decodeJwt(idToken).payload;
  const asAdmin: Record<string, unknown> = { ...real, 'cognito:groups': [o.AdminGroupName] };
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attackerPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const own = cognitoLocalSigningKey();
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const withHeader = (header: Record<string, unknown>, payload: Record<string, unknown>, pem: string) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(pem, 'base64url')}`;
  };
  const hs256 = (payload: Record<string, unknown>, secret: string) => {
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: own.kid })}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const { exp: _exp, sub: _sub, ...noExpNoSub } = asAdmin;
  const later = nowSeconds() + 3600;
  return [
    { what: 'alg none, real claims', jwt: unsignedJwt(real) },
    { what: 'alg none, admin group', jwt: unsignedJwt(asAdmin) },
    { what: 'alg None', jwt: `${b64({ alg: 'None', typ: 'JWT' })}.${b64(asAdmin)}.` },
    { what: 'alg NONE with a signature', jwt: `${b64({ alg: 'NONE' })}.${b64(asAdmin)}.${idToken.split('.')[2]}` },
    { what: "another key under cognito-local's kid", jwt: signJwt(asAdmin, { pem: attackerPem }) },
    {
      what: 'embedded attacker JWK',
      jwt: withHeader(
        { alg: 'RS256', kid: 'attacker', jwk: publicKey.export({ format: 'jwk' }) },
        asAdmin,
        attackerPem,
      ),
    },
    {
      what: 'HS256 keyed with the public key',
      jwt: hs256(asAdmin, publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    },
    { what: 'unknown kid', jwt: signJwt(asAdmin, { pem: attackerPem, kid: 'no-such-kid' }) },
    { what: 'path kid', jwt: signJwt(asAdmin, { pem: attackerPem, kid: '../../../../etc/passwd' }) },
    // The pool's own key, each with exactly one claim that the authorizer must refuse.
    { what: 'wrong aud', jwt: signJwt({ ...asAdmin, aud: 'another-client', exp: later }) },
    { what: 'wrong iss', jwt: signJwt({ ...asAdmin, iss: `${o.CognitoEndpoint}/local_other`, exp: later }) },
    { what: 'token_use access', jwt: signJwt({ ...asAdmin, token_use: 'access', exp: later }) },
    { what: 'no token_use', jwt: signJwt({ ...asAdmin, token_use: undefined, exp: later }) },
    { what: 'expired', jwt: signJwt({ ...asAdmin, exp: nowSeconds() - 120, iat: nowSeconds() - 3720 }) },
    { what: 'not yet valid', jwt: signJwt({ ...asAdmin, exp: later, nbf: nowSeconds() + 600 }) },
    { what: 'exp as a string', jwt: signJwt({ ...asAdmin, exp: String(later) }) },
    { what: 'no exp', jwt: signJwt({ ...noExpNoSub, sub: real.sub }) },
    { what: 'no sub', jwt: signJwt({ ...noExpNoSub, exp: later }) },
    { what: 'RS512 header on an RS256 signature', jwt: withHeader({ alg: 'RS512', kid: own.kid }, asAdmin, own.pem) },
    { what: "the user's real access token", jwt: accessToken },
  ];
}

beforeAll(async () => {
  stack = await startLocalStack({ env: { LOCAL_SEED: '0' } });
  o = stack.outputs;
  [user, admin] = await Promise.all([createUser(o, 'fuzz-user'), createUser(o, 'fuzz-admin', { admin: true })]);

  const issuedAt = nowSeconds() - 600;
  const refresh = tokenRecord({
    userId: user.sub,
    clientId: 'fuzz-app',
    tokenType: 'refresh_token',
    issuedAt,
    expiresAt: issuedAt + 86_400,
  });
  await putTokens(o, [
    refresh,
    tokenRecord({ userId: user.sub, clientId: 'fuzz-app', parentTokenId: refresh.tokenId, issuedAt: issuedAt + 1 }),
    tokenRecord({ userId: user.sub, clientId: 'fuzz-app', issuedAt: issuedAt + 2 }),
    tokenRecord({
      userId: user.sub,
      clientId: 'other-app',
      clientName: 'Other',
      scope: 'read',
      issuedAt: issuedAt + 3,
    }),
    tokenRecord({
      userId: user.sub,
      clientId: 'other-app',
      revokedAt: issuedAt + 10,
      revokedBy: user.sub,
      revokeReason: 'lost',
      issuedAt: issuedAt + 4,
    }),
    // expired
    tokenRecord({ userId: user.sub, clientId: 'fuzz-app', issuedAt: issuedAt - 7200, expiresAt: issuedAt - 3600 }),
    tokenRecord({ userId: admin.sub, clientId: 'admin-app', issuedAt: issuedAt + 5 }),
    tokenRecord({ clientId: 'machine-app', issuedAt: issuedAt + 6 }), // client credentials: no user
  ]);
  const mint = async (fields: Record<string, unknown>) => {
    const res = await serviceCall(o, 'service/tokens', { json: fields });
    if (res.status !== 201) throw new Error(`mint answered ${res.status}: ${res.text}`);
    return res.body as { tokenId: string; token: string };
  };
  const mintedRefresh = await mint({
    userId: user.sub,
    clientId: 'minted-app',
    clientName: 'Minted',
    tokenType: 'refresh_token',
    scope: 'read offline',
    expiresIn: 86_400,
  });
  const mintedChild = await mint({
    userId: user.sub,
    clientId: 'minted-app',
    clientName: 'Minted',
    tokenType: 'access_token',
    scope: 'read',
    expiresIn: 3600,
    parentTokenId: mintedRefresh.tokenId,
  });
  const mintedMachine = await mint({
    clientId: 'machine-app',
    clientName: 'Machine',
    tokenType: 'access_token',
    scope: 'read',
    expiresIn: 3600,
  });

  const cursorOf = async (token: string, path: string) => {
    const res = await call(o, 'GET', path, { token });
    if (res.status !== 200 || typeof res.body?.nextCursor !== 'string')
      throw new Error(`${path}: no cursor (${res.status} ${res.text})`);
    return res.body.nextCursor as string;
  };
  const cursors = await Promise.all([
    cursorOf(user.idToken, 'tokens?limit=1'),
    cursorOf(user.idToken, 'tokens?limit=1&clientId=fuzz-app'),
    cursorOf(user.idToken, 'tokens?limit=2&status=active&tokenType=access_token'),
    cursorOf(admin.idToken, 'admin/tokens?limit=1'),
    cursorOf(admin.idToken, `admin/tokens?limit=1&userId=${encodeURIComponent(user.sub)}`),
    cursorOf(admin.idToken, 'admin/tokens?limit=1&clientId=machine-app'),
  ]);

  snapshot = await scanTable(o);
  known = new Set<string>([user.sub, admin.sub]);
  for (const item of snapshot) {
    for (const field of ['tokenId', 'userId', 'clientId', 'parentTokenId']) {
      if (typeof item[field] === 'string') known.add(item[field] as string);
    }
  }
  ctx = {
    knownIds: [...known],
    userIdToken: user.idToken,
    adminIdToken: admin.idToken,
    invalidJwts: forgedJwts(user.idToken, user.accessToken),
    cursors,
    tokenValues: [mintedRefresh.token, mintedChild.token, mintedMachine.token],
    serviceAccessKeyId: serviceCredentials(o).accessKeyId,
    region: o.Region,
  };
}, 120_000);

afterAll(async () => {
  agent.destroy();
  if (stack) await stack.stop();
}, 30_000);

// ---------------------------------------------------------------------------------------------
// Sending

interface Wire {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked: boolean;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Exactly this request, through node's HTTP client (fetch would normalize the path and refuse a GET body). */
function send(wire: Wire): Promise<Answer> {
  const api = new URL(o.ApiUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...wire.headers };
    if (wire.body !== undefined) {
      if (wire.chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(wire.body.length);
    }
    const req = httpRequest(
      { host: api.hostname, port: api.port, method: wire.method, path: wire.target, headers, agent, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    if (wire.body !== undefined && wire.chunked) {
      const half = Math.floor(wire.body.length / 2);
      req.write(wire.body.subarray(0, half));
      req.end(wire.body.subarray(half));
    } else {
      req.end(wire.body);
    }
  });
}

const SERVICE_PATHS = ['/service/tokens', '/service/introspect', '/service/revoke'];

/** The request on the wire: credentials applied, SigV4 signed (and spoiled, if asked). */
async function toWire(request: FuzzRequest): Promise<Wire> {
  const { credential } = request;
  const wire: Wire = {
    method: request.method,
    target: request.target,
    headers: { ...request.headers },
    body: request.body,
    chunked: request.chunked,
  };
  if (credential.kind === 'user' || credential.kind === 'admin' || credential.kind === 'invalid')
    wire.headers.authorization = credential.header;
  if (credential.kind !== 'sigv4') return wire;

  const tamper = credential.tamper;
  const url = gatewayUrl(request.target);
  if (!url) return wire; // reaches no route: nothing to sign for
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const api = new URL(o.ApiUrl);
  const signer = serviceSigner(o, {
    ...(tamper === 'region' && { region: 'eu-west-1' }),
    ...(tamper === 'service' && { service: 's3' }),
    ...(tamper === 'key-id' && { credentials: { ...serviceCredentials(o), accessKeyId: 'AKIAFUZZFUZZFUZZFUZZ' } }),
  });
  const body = (request.body ?? Buffer.alloc(0)).toString('utf8');
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: api.hostname,
      port: Number(api.port),
      path: url.pathname,
      query,
      headers: {
        host: api.host,
        ...(request.headers['content-type'] !== undefined && { 'content-type': request.headers['content-type'] }),
      },
      body,
    }),
    tamper === 'skew' ? { signingDate: new Date(Date.now() - 6 * 60_000) } : {},
  );
  const { host: _host, ...signedHeaders } = signed.headers;
  Object.assign(wire.headers, signedHeaders);
  wire.body = request.body === undefined && body === '' ? undefined : Buffer.from(body, 'utf8');
  switch (tamper) {
    case 'body':
      wire.body = Buffer.concat([wire.body ?? Buffer.alloc(0), Buffer.from('x')]);
      break;
    case 'query':
      wire.target += wire.target.includes('?') ? '&fuzz=1' : '?fuzz=1';
      break;
    case 'path':
      wire.target = SERVICE_PATHS.find((p) => p !== url.pathname) + url.search;
      break;
    case 'no-date':
      delete wire.headers['x-amz-date'];
      break;
    case 'signature':
      wire.headers.authorization = wire.headers.authorization!.replace(
        /Signature=([0-9a-f])/,
        (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
      );
      break;
    default:
      break;
  }
  return wire;
}

// ---------------------------------------------------------------------------------------------
// The properties of one answer

const fail = (message: string): never => {
  throw new Error(message);
};

/** The statuses the API's order of checks allows for this request. */
function allowedStatuses(request: FuzzRequest, wire: Wire): number[] {
  const url = gatewayUrl(wire.target);
  // A target the gateway cannot parse as a URL reaches no route.
  if (!url) return [400, 404];
  if (wire.method === 'GET' && url.pathname === '/openapi.json') return [200];
  // Every resource of the template has a CORS preflight, the `{proxy+}` ones that catch unknown paths too.
  if (wire.method === 'OPTIONS') return [204];
  const match = matchRoute(wire.method, wire.target);
  if (!match) return [404];
  const { credential } = request;
  if (match.route.access === 'service') {
    // A valid signature reaches the function: introspection and revocation answer 200, a mint
    // 400 (never 201: guardWrites made every mint body invalid).
    return credential.kind === 'sigv4' && credential.tamper === null ? [200, 400] : [403];
  }
  if (credential.kind === 'user')
    return match.route.access === 'admin'
      ? [403]
      : [200, 400, 404, ...(match.route.name === 'revoke-token' ? [409] : [])];
  if (credential.kind === 'admin') return [200, 400, 404, ...(match.route.name === 'revoke-token' ? [409] : [])];
  return [401];
}

/** Every view in an answer (a token, or a page's items). */
function viewsIn(body: unknown): Record<string, unknown>[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.items))
    return b.items.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && 'tokenId' in i);
  return 'tokenId' in b ? [b] : [];
}

function checkAnswer(request: FuzzRequest, wire: Wire, answer: Answer): void {
  const { status, text } = answer;
  const contentType = String(answer.headers['content-type'] ?? '');
  if (status >= 500) fail(`5xx: ${status} ${text}`);
  const allowed = allowedStatuses(request, wire);
  if (!allowed.includes(status)) fail(`status ${status}, expected one of ${allowed.join(', ')}: ${text.slice(0, 300)}`);
  // Browsers may read an answer from the console's origin only; a request without an Origin needs no header.
  const allowOrigin = answer.headers['access-control-allow-origin'];
  if (allowOrigin !== undefined && allowOrigin !== new URL(o.ConsoleUrl).origin) fail(`CORS allows ${allowOrigin}`);
  // openapi.json documents the value format
  const isOpenApi = wire.method === 'GET' && gatewayUrl(wire.target)?.pathname === '/openapi.json';
  if (
    text.includes('secretHash') ||
    (!isOpenApi && text.includes('tledger_')) ||
    ctx.tokenValues.some((v) => text.includes(v))
  ) {
    fail(`an answer shows a token value or its hash: ${text.slice(0, 300)}`);
  }

  if (status >= 400) {
    if (!contentType.startsWith('application/json')) fail(`${status} with Content-Type ${contentType}`);
    if (wire.method === 'HEAD') {
      if (text !== '') fail('a HEAD answer with a body');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail(`${status} with a body that is not JSON: ${text.slice(0, 300)}`);
    }
    const b = body as Record<string, unknown>;
    const keys = typeof b === 'object' && b !== null && !Array.isArray(b) ? Object.keys(b).sort().join(',') : String(b);
    // The OAuth routes (RFC 7662, RFC 7009) add error_description, the same sentence.
    const oauth = ROUTES.some((r) => (r as RouteDefinition).oauth && gatewayUrl(wire.target)?.pathname === r.path);
    const shapes = oauth
      ? status === 400
        ? ['error,error_description,message']
        : ['error,message', 'error,error_description,message']
      : ['error,message'];
    if (!shapes.includes(keys)) fail(`${status} body is not exactly {error, message}: ${text.slice(0, 300)}`);
    if (keys === 'error,error_description,message' && b.error_description !== b.message) {
      fail(`error_description differs from message: ${text.slice(0, 300)}`);
    }
    const codes = status === 400 ? [ERROR_CODES[400], 'unauthorized_client'] : [ERROR_CODES[status]];
    if (!codes.includes(b.error as string)) fail(`${status} with error code ${JSON.stringify(b.error)}`);
    if (typeof b.message !== 'string' || !/\S/.test(b.message)) fail(`${status} without a message`);
    if (leaksInternals(text, o)) fail(`${status} shows something internal: ${text.slice(0, 300)}`);
    return;
  }

  // 2xx
  if (status === 204) return;
  const match = matchRoute(wire.method, wire.target);
  if (match?.route.name === 'revoke-token-value') {
    if (text !== '') fail(`service/revoke answered 200 with a body: ${text.slice(0, 200)}`);
    return;
  }
  if (!contentType.startsWith('application/json')) fail(`${status} with Content-Type ${contentType}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`${status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  if (match?.route.name === 'introspect-token' && text !== '{"active":false}') {
    fail(`introspection of a value that is not a real one answered ${text.slice(0, 200)}`);
  }
  // A user sees only their own tokens, whatever the path, query or cursor says.
  if (request.credential.kind === 'user') {
    for (const view of viewsIn(body)) {
      if (view.userId !== user.sub)
        fail(`the user was shown a token of ${String(view.userId)}: ${String(view.tokenId)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

const describeRequest = (request: FuzzRequest, wire?: Wire) =>
  JSON.stringify({
    scenario: request.scenario,
    method: request.method,
    target: (wire?.target ?? request.target).slice(0, 400),
    credential:
      request.credential.kind === 'invalid'
        ? `invalid (${request.credential.what})`
        : request.credential.kind === 'sigv4'
          ? `sigv4 ${request.credential.tamper ?? 'valid'}`
          : request.credential.kind,
    headers: Object.keys(wire?.headers ?? request.headers),
    body: request.body === undefined ? undefined : request.body.toString('utf8').slice(0, 200),
  });

/** JSON with sorted keys: two scans of an unchanged table compare equal whatever order attributes come in. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

function diffTables(before: Record<string, unknown>[], after: Record<string, unknown>[]): string {
  const byId = (items: Record<string, unknown>[]) => new Map(items.map((i) => [String(i.tokenId), canonical(i)]));
  const a = byId(before);
  const b = byId(after);
  const changes: string[] = [];
  for (const [id, item] of b) if (a.get(id) !== item) changes.push(`${a.has(id) ? 'changed' : 'added'}: ${item}`);
  for (const id of a.keys()) if (!b.has(id)) changes.push(`removed: ${id}`);
  return changes.join('\n');
}

describe(`the gateway under ${RUNS} random requests (seed ${SEED})`, () => {
  it('never answers 5xx, answers every 4xx in the API error shape, and changes nothing in the table', async () => {
    const statuses = new Map<number, number>();
    const byScenario = new Map<string, Map<number, number>>();
    const rewrites = new Map<string, number>();
    const started = Date.now();
    let sent = 0;
    const recent: string[] = [];

    const property = fc.asyncProperty(requestArbitrary(ctx), async (generated) => {
      const bounded =
        generated.target.length > MAX_TARGET_CHARS
          ? { ...generated, target: generated.target.slice(0, MAX_TARGET_CHARS) }
          : generated;
      const guarded = guardWrites(bounded, ctx, known);
      if (guarded.rewritten) rewrites.set(guarded.rewritten, (rewrites.get(guarded.rewritten) ?? 0) + 1);
      const request = guarded.request;
      const wire = await toWire(request);
      recent.push(describeRequest(request, wire));
      let answer: Answer;
      try {
        answer = await send(wire);
      } catch (error) {
        throw new Error(`no answer (${(error as Error).message}) to ${describeRequest(request, wire)}`);
      }
      sent++;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const kind =
        request.credential.kind === 'sigv4'
          ? request.credential.tamper
            ? 'sigv4 spoiled'
            : 'sigv4'
          : request.credential.kind;
      const key = `${request.scenario} / ${kind}`;
      const counts = byScenario.get(key) ?? new Map<number, number>();
      counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
      byScenario.set(key, counts);
      try {
        checkAnswer(request, wire, answer);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n  request: ${describeRequest(request, wire)}`);
      }
    });

    // Runs in chunks so the table can be compared between them, each with a seed of its own.
    for (let done = 0, chunk = 0; done < RUNS; chunk++) {
      const numRuns = Math.min(SNAPSHOT_EVERY, RUNS - done);
      recent.length = 0;
      await fc.assert(property, { numRuns, seed: SEED + chunk, endOnFailure: false });
      done += numRuns;
      const now = await scanTable(o);
      if (canonical(now) !== canonical(snapshot)) {
        throw new Error(
          `the table changed during requests ${done - numRuns + 1}–${done} (seed ${SEED + chunk}):\n` +
            `${diffTables(snapshot, now)}\nrequests:\n${recent.join('\n')}`,
        );
      }
    }
    expect(await scanTable(o)).toEqual(snapshot);

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const counts = (m: Map<number, number>) =>
      [...m]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
    console.log(
      [
        `fuzzed ${sent} requests in ${seconds} s (seed ${SEED}): ${counts(statuses)}`,
        `steered away from writing: ${JSON.stringify(Object.fromEntries(rewrites))}`,
        ...[...byScenario].sort(([a], [b]) => a.localeCompare(b)).map(([key, m]) => `  ${key}: ${counts(m)}`),
      ].join('\n'),
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS);
  });
});

/**
 * Requests the fuzzer found answered 500, kept as fixed cases so they are checked on every run
 * whatever the seed. Both are in the local gateway (API Gateway hands such requests to the
 * function, which refuses them with 400, or answers 404 itself):
 * - a query parameter or header named like a member of Object.prototype (`constructor`,
 *   `toString`, `__proto__`, …): local/proxy-event.ts builds the event's maps on plain objects;
 * - a request target starting with `//` that is not a valid scheme-relative URL (`//`, `//a:b`):
 *   local/gateway.ts parses it with `new URL(target, base)`, which throws.
 */
describe('requests the fuzzer found answered 5xx', () => {
  const asCallResult = (answer: Answer): CallResult => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined) headers.set(name, String(value));
    let body: unknown = answer.text === '' ? null : answer.text;
    try {
      body = JSON.parse(answer.text);
    } catch {
      /* not JSON */
    }
    return { status: answer.status, headers, body, text: answer.text };
  };
  const as = (who: 'user' | 'admin') => ({ authorization: `Bearer ${who === 'user' ? user.idToken : admin.idToken}` });

  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'])(
    'a query parameter named %s: 400',
    async (name) => {
      for (const target of [
        `/tokens?${name}=1`,
        `/admin/tokens?${name}=1`,
        `/tokens/${'a'.repeat(20)}/revoke?${name}=1`,
      ]) {
        const method = target.endsWith(`revoke?${name}=1`) ? 'POST' : 'GET';
        const res = asCallResult(await send({ method, target, headers: as('admin'), chunked: false }));
        expectErrorAnswer(res, 400, o);
      }
      const signed = await toWire({
        scenario: 'fixed',
        method: 'POST',
        target: `/service/introspect?${name}=1`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from('token=x'),
        chunked: false,
        credential: { kind: 'sigv4', tamper: null },
      });
      expectErrorAnswer(asCallResult(await send(signed)), 400, o);
    },
  );

  it.each(['constructor', 'toString', 'hasOwnProperty'])('a header named %s: answered as without it', async (name) => {
    const res = asCallResult(
      await send({ method: 'GET', target: '/tokens', headers: { ...as('user'), [name]: 'x' }, chunked: false }),
    );
    expect(res.status).toBe(200);
  });

  it.each(['//', '///', '//a:b', '//[::1', '//%', '//:99999/tokens'])('the request target %s: 404', async (target) => {
    const res = asCallResult(await send({ method: 'GET', target, headers: as('user'), chunked: false }));
    expectErrorAnswer(res, 404, o);
  });
});
