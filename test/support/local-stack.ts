/**
 * Drives the real local stack (`node --import tsx local/start.ts`) for the HTTP end-to-end tests:
 * starts it in its own process group on free ports, creates Cognito users that sign in for real
 * (cognito-local-issued JWTs), writes token records straight into the table as other writers do,
 * and calls the API with fetch.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createSign, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TokenRecord } from '../../lambdas/domain/token';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** One stack's entry of `outputs.json` (docs/api.md#stack-outputs), local-stack form. */
export interface StackOutputs {
  ApiUrl: string;
  UserPoolId: string;
  UserPoolClientId: string;
  TableName: string;
  AdminGroupName: string;
  Region: string;
  ConsoleUrl: string;
  ServicePolicyArn: string;
  IntrospectionPolicyArn: string;
  CognitoEndpoint: string;
  DynamoDbEndpoint: string;
  /** The key pairs of the two kinds of service caller (local stack only, docs/api.md#service-callers). */
  ServiceAccessKeyId: string;
  ServiceSecretAccessKey: string;
  IntrospectionAccessKeyId: string;
  IntrospectionSecretAccessKey: string;
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /**
   * Where SIGTERM goes: the whole process group, as Ctrl-C and scripts/acceptance-log-scan.ts do
   * (default), or the stack's main process alone, as `kill <pid>` does.
   */
  target?: 'group' | 'process';
}

/** A spawned `local/start.ts`, ready or not. */
export interface StackProcess {
  /** LOCAL_DIR of this stack. */
  dir: string;
  /** The main process, which also leads the stack's process group. */
  pid: number;
  outputsFile: string;
  /** The stack's stdout and stderr so far. */
  log(): string;
  /** Whether the main process has ended. */
  exited(): boolean;
  /** Waits for outputs.json (the stack answers on every part) and reads it. */
  waitForOutputs(timeoutMs?: number): Promise<StackOutputs>;
  /**
   * Sends SIGTERM; waits for the stack and every process it started to end; fails unless it
   * exited 0, removed outputs.json and left no process of its group running.
   */
  stop(options?: StopOptions): Promise<StopResult>;
}

export interface LocalStack extends StackProcess {
  outputs: StackOutputs;
}

export interface StartOptions {
  /** LOCAL_DIR to use (kept on stop); default: a fresh temporary folder, removed on stop. */
  dir?: string;
  /** Extra environment for the stack (a value of undefined removes the variable: `LOCAL_SEED: undefined`). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

const running = new Set<number>();
process.once('exit', () => {
  // A test run that dies without afterAll must not leave stacks behind.
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GroupMember {
  pid: number;
  args: string;
}

/** The live (not zombie) processes of a process group. */
export function groupMembers(pgid: number): GroupMember[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === pgid && !m[3]!.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), args: m[4]! }));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), ms);
    }),
  ]);
}

/** Spawns the local stack in its own process group without waiting for it to be ready. */
export function spawnLocalStack(options: StartOptions = {}): StackProcess {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'token-ledger-e2e-'));
  const outputsFile = join(dir, 'outputs.json');
  const logFile = join(dir, `stack-${Date.now()}-${randomBytes(3).toString('hex')}.log`);
  const logFd = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Settings of the developer's shell must not leak into the stack under test.
  for (const name of ['DYNAMODB_ENDPOINT', 'ALLOWED_ORIGINS', 'ADMIN_GROUP_NAME', 'NODE_OPTIONS']) delete env[name];
  Object.assign(env, { LOCAL_DIR: dir, API_PORT: '0', COGNITO_PORT: '0', DYNAMODB_PORT: '0', LOCAL_SEED: '0' });
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPO_ROOT,
    env,
    detached: true, // its own process group, so stop() reaches everything it starts
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error('could not spawn the local stack');
  const pid: number = child.pid;
  running.add(pid);
  const exit = new Promise<StopResult>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const tail = () => log().split('\n').slice(-40).join('\n');
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    running.delete(pid);
  };
  let outputs: StackOutputs | undefined;

  async function waitForOutputs(timeoutMs = options.timeoutMs ?? 60_000): Promise<StackOutputs> {
    const deadline = Date.now() + timeoutMs;
    while (!outputs) {
      if (hasExited()) {
        running.delete(pid);
        throw new Error(
          `the local stack exited (${child.exitCode ?? child.signalCode}) before writing outputs.json:\n${tail()}`,
        );
      }
      if (Date.now() > deadline) {
        killGroup();
        throw new Error(`no outputs.json within ${timeoutMs} ms:\n${tail()}`);
      }
      if (existsSync(outputsFile)) {
        const all = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, StackOutputs>;
        const stacks = Object.values(all);
        if (stacks.length !== 1) throw new Error(`outputs.json must hold exactly one stack: ${JSON.stringify(all)}`);
        outputs = stacks[0]!;
      } else {
        await sleep(50);
      }
    }
    return outputs;
  }

  async function terminate(target: StopOptions['target']): Promise<StopResult> {
    if (outputs) destroyClients(outputs);
    try {
      process.kill(target === 'process' ? pid : -pid, 'SIGTERM');
    } catch {
      /* already gone; the exit status tells how */
    }
    const result = await withTimeout(exit, 15_000);
    if (result === 'timeout') {
      killGroup();
      throw new Error(`the local stack did not exit within 15 s of SIGTERM:\n${tail()}`);
    }
    let leftovers = groupMembers(pid);
    for (let i = 0; i < 100 && leftovers.length > 0; i++) {
      await sleep(100);
      leftovers = groupMembers(pid);
    }
    killGroup();
    if (leftovers.length > 0) {
      throw new Error(
        `processes of the local stack still ran 10 s after it exited: ${JSON.stringify(leftovers)}\n${tail()}`,
      );
    }
    if (existsSync(outputsFile)) throw new Error('the local stack left outputs.json behind on SIGTERM');
    if (result.code !== 0)
      throw new Error(`the local stack exited with ${JSON.stringify(result)} on SIGTERM:\n${tail()}`);
    return result;
  }

  let stopped: Promise<StopResult> | undefined;
  const stop = (stopOptions: StopOptions = {}): Promise<StopResult> =>
    (stopped ??= terminate(stopOptions.target).finally(() => {
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    }));

  return { dir, pid, outputsFile, log, exited: hasExited, waitForOutputs, stop };
}

/** Spawns the local stack and waits (60 s at most) until it has written outputs.json. */
export async function startLocalStack(options: StartOptions = {}): Promise<LocalStack> {
  const stack = spawnLocalStack(options);
  const outputs = await stack.waitForOutputs();
  return { ...stack, outputs };
}

// ---------------------------------------------------------------------------------------------
// AWS clients against the local endpoints

const LOCAL_CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };
const cognitoClients = new Map<string, CognitoIdentityProviderClient>();
const documentClients = new Map<string, DynamoDBDocumentClient>();

export function cognitoClient(o: StackOutputs): CognitoIdentityProviderClient {
  let client = cognitoClients.get(o.CognitoEndpoint);
  if (!client) {
    client = new CognitoIdentityProviderClient({
      endpoint: o.CognitoEndpoint,
      region: o.Region,
      credentials: LOCAL_CREDENTIALS,
    });
    cognitoClients.set(o.CognitoEndpoint, client);
  }
  return client;
}

export function documentClient(o: StackOutputs): DynamoDBDocumentClient {
  let client = documentClients.get(o.DynamoDbEndpoint);
  if (!client) {
    const raw = new DynamoDBClient({ endpoint: o.DynamoDbEndpoint, region: o.Region, credentials: LOCAL_CREDENTIALS });
    client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    documentClients.set(o.DynamoDbEndpoint, client);
  }
  return client;
}

function destroyClients(o: StackOutputs): void {
  cognitoClients.get(o.CognitoEndpoint)?.destroy();
  cognitoClients.delete(o.CognitoEndpoint);
  documentClients.get(o.DynamoDbEndpoint)?.destroy();
  documentClients.delete(o.DynamoDbEndpoint);
}

// ---------------------------------------------------------------------------------------------
// Users

export interface TestUser {
  username: string;
  password: string;
  sub: string;
  idToken: string;
  accessToken: string;
}

export interface CreateUserOptions {
  admin?: boolean;
  /** Further groups (which must exist) to put the user in. */
  groups?: string[];
  /** Pool and app client; default: the stack's. */
  userPoolId?: string;
  clientId?: string;
}

const newPassword = () => `E2e!${randomBytes(9).toString('base64url')}aA1`;

export async function signIn(
  o: StackOutputs,
  username: string,
  password: string,
  clientId: string = o.UserPoolClientId,
): Promise<Omit<TestUser, 'username' | 'password'>> {
  const { AuthenticationResult: result } = await cognitoClient(o).send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  if (!result?.IdToken || !result.AccessToken) throw new Error(`no tokens for ${username}`);
  const sub = decodeJwt(result.IdToken).payload.sub;
  if (typeof sub !== 'string') throw new Error('the ID token has no sub');
  return { sub, idToken: result.IdToken, accessToken: result.AccessToken };
}

/** A confirmed user with a permanent password (email as username), signed in. */
export async function createUser(o: StackOutputs, name: string, options: CreateUserOptions = {}): Promise<TestUser> {
  const cognito = cognitoClient(o);
  const userPoolId = options.userPoolId ?? o.UserPoolId;
  const username = `${name}-${randomBytes(4).toString('hex')}@example.com`;
  const password = newPassword();
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: username,
      UserAttributes: [
        { Name: 'email', Value: username },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: username,
      Password: password,
      Permanent: true,
    }),
  );
  const groups = [...(options.admin ? [o.AdminGroupName] : []), ...(options.groups ?? [])];
  for (const group of groups) {
    await cognito.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: group }),
    );
  }
  return { username, password, ...(await signIn(o, username, password, options.clientId)) };
}

// ---------------------------------------------------------------------------------------------
// The token table

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token record with only the token table's attributes: live (issued a minute ago, 1 h left) by default. */
export function tokenRecord(fields: Partial<TokenRecord> = {}): TokenRecord {
  const issuedAt = fields.issuedAt ?? nowSeconds() - 60;
  return {
    tokenId: `e2e_${randomUUID().replace(/-/g, '')}`,
    clientId: 'e2e-client',
    clientName: 'E2E Client',
    tokenType: 'access_token',
    scope: 'read write',
    issuedAt,
    expiresAt: issuedAt + 3600,
    ...fields,
  };
}

export async function putTokens(o: StackOutputs, records: TokenRecord[]): Promise<void> {
  const ddb = documentClient(o);
  for (let i = 0; i < records.length; i += 25) {
    let request: Record<string, unknown[]> | undefined = {
      [o.TableName]: records.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt === 10) throw new Error('BatchWrite kept leaving items unprocessed');
      const answer = await ddb.send(new BatchWriteCommand({ RequestItems: request as never }));
      request = answer.UnprocessedItems as Record<string, unknown[]> | undefined;
    }
  }
}

/** Every item of the table, as stored (secret hashes included), sorted by tokenId. */
export async function scanTable(o: StackOutputs): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await documentClient(o).send(
      new ScanCommand({ TableName: o.TableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items.sort((a, b) => String(a.tokenId).localeCompare(String(b.tokenId)));
}

export async function getRecord(o: StackOutputs, tokenId: string): Promise<TokenRecord | undefined> {
  const { Item } = await documentClient(o).send(
    new GetCommand({ TableName: o.TableName, Key: { tokenId }, ConsistentRead: true }),
  );
  return Item as TokenRecord | undefined;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when it is not JSON, or null when empty. */
  body: any;
  text: string;
}

export async function call(
  o: StackOutputs,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  return readResult(await fetch(new URL(path, o.ApiUrl), { method, headers, body: payload }));
}

/** A fetch answer as a CallResult. */
export async function readResult(response: Response): Promise<CallResult> {
  const text = await response.text();
  let body: unknown = text === '' ? null : text;
  try {
    if (text !== '') body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body, text };
}

// ---------------------------------------------------------------------------------------------
// Service routes (SigV4, as an authorization or resource server calls them)

export interface ServiceCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The key pair the local stack published for service callers. */
export function serviceCredentials(o: StackOutputs): ServiceCredentials {
  if (!o.ServiceAccessKeyId || !o.ServiceSecretAccessKey) throw new Error('outputs.json has no service key pair');
  return { accessKeyId: o.ServiceAccessKeyId, secretAccessKey: o.ServiceSecretAccessKey };
}

export interface SignerOptions {
  credentials?: ServiceCredentials;
  /** Default `execute-api`. */
  service?: string;
  /** Default the stack's Region. */
  region?: string;
  /** Whether the signer adds (and signs) `x-amz-content-sha256`; Smithy's default is true. */
  applyChecksum?: boolean;
}

/** A Smithy SigV4 signer for the service routes, as the README shows it. */
export function serviceSigner(o: StackOutputs, options: SignerOptions = {}): SignatureV4 {
  return new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region ?? o.Region,
    credentials: options.credentials ?? serviceCredentials(o),
    sha256: Hash.bind(null, 'sha256'),
    ...(options.applyChecksum !== undefined && { applyChecksum: options.applyChecksum }),
  });
}

export interface ServiceCallOptions {
  /** Default POST; a GET sends no body. */
  method?: 'GET' | 'POST';
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`; pairs allow a repeated name. */
  form?: Record<string, string> | [string, string][];
  /** Sent as is (with `contentType`, default JSON). */
  rawBody?: string;
  contentType?: string;
  /** Query parameters, signed with the request. */
  query?: Record<string, string>;
  /** false: unsigned; default: signed with the stack's key pair. */
  signer?: SignatureV4 | false;
  signingDate?: Date;
  /** Headers added before signing, so they are signed too. */
  signedHeaders?: Record<string, string>;
  /** A body to send instead of the one that was signed (a tampered request). */
  sendBody?: string;
  /** A path (and query) to send to instead of the one that was signed. */
  sendPath?: string;
  /** Extra headers, unsigned, sent as they are (an `authorization` here replaces the signature). */
  headers?: Record<string, string>;
}

/** The body a service call sends, and its content type. */
function serviceBody(options: ServiceCallOptions): { body: string; contentType: string } {
  if (options.json !== undefined) return { body: JSON.stringify(options.json), contentType: 'application/json' };
  if (options.form !== undefined) {
    return { body: new URLSearchParams(options.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: options.rawBody ?? '', contentType: options.contentType ?? 'application/json' };
}

/** A call (POST by default) to a service route, SigV4-signed unless `signer: false`. */
export async function serviceCall(
  o: StackOutputs,
  path: string,
  options: ServiceCallOptions = {},
): Promise<CallResult> {
  const method = options.method ?? 'POST';
  const url = new URL(path, o.ApiUrl);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.append(name, value);
  const { body, contentType } = method === 'GET' ? { body: undefined, contentType: undefined } : serviceBody(options);
  let headers: Record<string, string> = {
    host: url.host,
    ...(contentType && { 'content-type': contentType }),
    ...options.signedHeaders,
  };
  if (options.signer !== false) {
    const signer = options.signer ?? serviceSigner(o);
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: options.query ?? {},
        headers,
        body,
      }),
      options.signingDate ? { signingDate: options.signingDate } : {},
    );
    headers = signed.headers;
  }
  const { host: _host, ...sent } = { ...headers, ...options.headers }; // fetch sets host itself, to the same value
  const target = options.sendPath === undefined ? url : new URL(options.sendPath, o.ApiUrl);
  return readResult(await fetch(target, { method, headers: sent, body: options.sendBody ?? body }));
}

/** No stack trace, exception name, table name or ARN in an answer (docs/api.md#errors). */
export function leaksInternals(text: string, o: StackOutputs): boolean {
  return (
    /\bat .+\.(js|ts|mjs|cjs):\d+|Exception|TableName|arn:aws|dynamodb|node_modules/i.test(text) ||
    /\b[A-Z][A-Za-z]*Error\b/.test(text) || // TypeError, ZodError, ...
    text.includes(o.TableName)
  );
}

export const ERROR_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'too_many_requests',
  500: 'internal_error',
};

// ---------------------------------------------------------------------------------------------
// JWTs

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export function decodeJwt(jwt: string): DecodedJwt {
  const [header, payload] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The fixed private key cognito-local signs every token with (kid "CognitoLocal"). */
export function cognitoLocalSigningKey(): { pem: string; kid: string } {
  const file = require.resolve('cognito-local/lib/keys/cognitoLocal.private.json', { paths: [REPO_ROOT] });
  const key = JSON.parse(readFileSync(file, 'utf8')) as { pem: string; jwk: { kid: string } };
  return { pem: key.pem, kid: key.jwk.kid };
}

/** An RS256 JWT over `payload`, signed with `pem` (default: cognito-local's own key). */
export function signJwt(payload: Record<string, unknown>, options: { pem?: string; kid?: string } = {}): string {
  const own = cognitoLocalSigningKey();
  const header = { alg: 'RS256', typ: 'JWT', kid: options.kid ?? own.kid };
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256')
    .update(input)
    .sign(options.pem ?? own.pem, 'base64url');
  return `${input}.${signature}`;
}

/** The unsigned form (`alg: none`) of a payload. */
export const unsignedJwt = (payload: Record<string, unknown>): string =>
  `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;

/**
 * Every non-2xx answer: JSON, exactly `{error, message}` (and on the OAuth routes `error_description`,
 * the same sentence), the code for the status, nothing internal.
 */
export function expectErrorAnswer(res: CallResult, status: number, o: StackOutputs): void {
  const { error_description: description, ...rest } = (res.body ?? {}) as Record<string, unknown>;
  expect({ status: res.status, body: rest }).toEqual({
    status,
    body: { error: ERROR_CODES[status], message: expect.stringMatching(/\S/) },
  });
  if (description !== undefined) expect(description).toBe(rest.message);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(leaksInternals(res.text, o)).toBe(false);
}

export interface StackWithUsers {
  stack: LocalStack;
  o: StackOutputs;
  alice: TestUser;
  bob: TestUser;
  /** An admin. */
  carol: TestUser;
}

/**
 * A local stack for the test file (beforeAll) with users alice and bob and an admin carol,
 * handed to `use`; stopped afterwards (afterAll), which also checks it stops cleanly.
 */
export function withStackAndUsers(options: StartOptions, use: (started: StackWithUsers) => void): void {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    stack = await startLocalStack(options);
    const o = stack.outputs;
    const [alice, bob, carol] = await Promise.all([
      createUser(o, 'alice'),
      createUser(o, 'bob'),
      createUser(o, 'carol', { admin: true }),
    ]);
    use({ stack, o, alice, bob, carol });
  }, 90_000);
  afterAll(async () => {
    if (stack) await stack.stop();
  }, 30_000);
}
