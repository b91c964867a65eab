/**
 * Throughput of the local stack for `GET tokens`, and what its gateway adds per request: the
 * real stack (`node --import tsx local/start.ts`, its own process) serves a signed-in user with
 * ~200 tokens; autocannon drives it with 16 connections; then the same handler module is
 * called in this process with the environment and the event the local gateway gives it, against
 * the stack's own DynamoDB table, and compared with single requests over HTTP.
 *
 * Alone: `npx tsx bench/throughput.ts` prints the tables. `bench/run.ts` calls `run()`.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ENV } from '../lambdas/config';
import { routeNamed } from '../lambdas/routes';
import { claimsAsGatewayStrings } from '../local/cognito-authorizer';
import { lambdaContext, proxyEvent } from '../local/proxy-event';
import {
  createUser,
  decodeJwt,
  type LocalStack,
  putTokens,
  startLocalStack,
  tokenRecord,
} from '../test/support/local-stack';
import { type BenchSection, markdownTable, percentile, runStandalone, type TargetCheck } from './section';

const CONNECTIONS = 16;
const DURATION_SECONDS = 10;
const TOKENS = 200;
/** Sequential requests per way for the per-request comparison (after WARMUP of each). */
const SAMPLES = 400;
const WARMUP = 50;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const now = () => Math.floor(Date.now() / 1000);

/** The caller's tokens: live, issued over the last 50 minutes, a tenth revoked. */
function tokensFor(userId: string) {
  const t = now();
  return Array.from({ length: TOKENS }, (_, i) =>
    tokenRecord({
      userId,
      clientId: `bench-app-${i % 5}`,
      clientName: `Bench App ${i % 5}`,
      tokenType: i % 3 ? 'access_token' : 'refresh_token',
      issuedAt: t - 60 - i * 15,
      expiresAt: t + 3600,
      ...(i % 10 === 0 && { revokedAt: t - 30, revokedBy: userId }),
    }),
  );
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100; // the usual value
    }
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

interface LoadFigures {
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: { mean: number; p50: number; min: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU the stack's process (gateway, handlers, dynalite) spent per request under load. */
  stackCpuMsPerRequest?: number;
}

async function load(url: string, idToken: string, stackPid: number): Promise<LoadFigures> {
  const cpuBefore = cpuMsOf(stackPid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    headers: { authorization: `Bearer ${idToken}` },
  });
  return {
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    requests: result.requests.total,
    requestsPerSecond: { mean: round(result.requests.average, 1), p50: result.requests.p50, min: result.requests.min },
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ...(cpuBefore !== undefined && {
      stackCpuMsPerRequest: round((cpuMsOf(stackPid)! - cpuBefore) / result.requests.total),
    }),
  };
}

/**
 * The handler of `lambdas/list-own-tokens.ts`, loaded into this process with the environment
 * the local stack gives its handlers (local/start.ts `configureHandlers`), against the stack's
 * DynamoDB and table. The variables are restored after the import: the module reads them once.
 */
async function loadHandlerDirectly(stack: LocalStack): Promise<{ handler: Handler; restore: () => void }> {
  const o = stack.outputs;
  const settings: Record<string, string> = {
    [ENV.tableName]: o.TableName,
    [ENV.adminGroupName]: o.AdminGroupName,
    [ENV.allowedOrigins]: '*',
    [ENV.cursorSecret]: readFileSync(join(stack.dir, 'cursor-secret.key'), 'utf8').trim(),
    [ENV.dynamoDbEndpoint]: o.DynamoDbEndpoint,
    AWS_REGION: o.Region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  const module = (await import('../lambdas/list-own-tokens')) as { handler: Handler };
  return {
    handler: module.handler,
    restore: () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}

/** A request as Node's HTTP server would hand it to the gateway: what proxyEvent reads of it. */
function fakeRequest(url: URL, idToken: string): IncomingMessage {
  const headers = { host: url.host, authorization: `Bearer ${idToken}`, 'user-agent': 'bench', accept: '*/*' };
  return {
    headers,
    rawHeaders: Object.entries(headers).flat(),
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
}

async function timeEach(n: number, call: () => Promise<void>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await call();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return ms;
}

interface PerRequestFigures {
  samples: number;
  directP50Ms: number;
  directP95Ms: number;
  httpP50Ms: number;
  httpP95Ms: number;
  gatewayOverheadP50Ms: number;
  /** Median of (HTTP − direct) over adjacent pairs: less sensitive to bursts of machine noise. */
  gatewayOverheadPairedP50Ms: number;
}

/**
 * Runs `work` with this process's stdout going to /dev/null, written synchronously: the handler
 * logs one line per request, which the stack writes to its log file; here it must not flood the
 * bench's output, and it should cost about what it costs there.
 */
async function withStdoutDiscarded<T>(work: () => Promise<T>): Promise<T> {
  const fd = openSync('/dev/null', 'w');
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string') writeSync(fd, chunk);
    else writeSync(fd, chunk);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
    closeSync(fd);
  }
}

async function perRequest(stack: LocalStack, idToken: string): Promise<PerRequestFigures> {
  const url = new URL('tokens', stack.outputs.ApiUrl);
  const route = routeNamed('list-own-tokens');
  // The claims as the gateway forwards them after verifying the token (strings, as API Gateway does).
  const claims = claimsAsGatewayStrings(decodeJwt(idToken).payload);
  const { handler, restore } = await loadHandlerDirectly(stack);
  try {
    const direct = async () => {
      const requestId = randomUUID();
      const event = proxyEvent({
        request: fakeRequest(url, idToken),
        url,
        route,
        pathParameters: null,
        identity: { claims },
        body: '',
        requestId,
      });
      const result = await handler(event, lambdaContext(route, requestId));
      if (result.statusCode !== 200) throw new Error(`the handler answered ${result.statusCode}: ${result.body}`);
    };
    const overHttp = async () => {
      const answer = await fetch(url, { headers: { authorization: `Bearer ${idToken}` } });
      await answer.arrayBuffer();
      if (answer.status !== 200) throw new Error(`GET tokens answered ${answer.status}`);
    };
    const directMs: number[] = [];
    const httpMs: number[] = [];
    await withStdoutDiscarded(async () => {
      await timeEach(WARMUP, direct);
      await timeEach(WARMUP, overHttp);
      // Taking turns request by request, so machine noise hits both ways alike.
      for (let i = 0; i < SAMPLES; i++) {
        directMs.push(...(await timeEach(1, direct)));
        httpMs.push(...(await timeEach(1, overHttp)));
      }
    });
    const d50 = percentile(directMs, 50);
    const h50 = percentile(httpMs, 50);
    return {
      samples: SAMPLES,
      directP50Ms: round(d50),
      directP95Ms: round(percentile(directMs, 95)),
      httpP50Ms: round(h50),
      httpP95Ms: round(percentile(httpMs, 95)),
      gatewayOverheadP50Ms: round(h50 - d50),
      gatewayOverheadPairedP50Ms: round(
        percentile(
          httpMs.map((h, i) => h - directMs[i]!),
          50,
        ),
      ),
    };
  } finally {
    restore();
  }
}

export async function run(): Promise<BenchSection> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  const stack = await startLocalStack({ env: { LOCAL_SEED: '0' } });
  const startupSeconds = round((Date.now() - started) / 1000, 1);
  let loadFigures: LoadFigures;
  let per: PerRequestFigures;
  let pageItems: number;
  let pageBytes: number;
  try {
    const user = await createUser(stack.outputs, 'bench');
    await putTokens(stack.outputs, tokensFor(user.sub));
    const url = new URL('tokens', stack.outputs.ApiUrl).toString();
    const first = await fetch(url, { headers: { authorization: `Bearer ${user.idToken}` } });
    const text = await first.text();
    const body = JSON.parse(text) as { items?: unknown[] };
    if (first.status !== 200 || !Array.isArray(body.items)) throw new Error(`GET tokens answered ${first.status}`);
    pageItems = body.items.length;
    pageBytes = Buffer.byteLength(text);
    console.error(`throughput: stack up in ${startupSeconds} s; ${CONNECTIONS} connections for ${DURATION_SECONDS} s…`);
    loadFigures = await load(url, user.idToken, stack.pid);
    console.error(`throughput: ${loadFigures.requestsPerSecond.mean} requests/s; per-request comparison…`);
    per = await perRequest(stack, user.idToken);
  } finally {
    await stack.stop();
  }
  const seconds = round((Date.now() - started) / 1000, 1);
  const machineLoad = { before: round(loadBefore), after: round(loadavg()[0]!) };
  return section(loadFigures, per, { items: pageItems, bytes: pageBytes }, startupSeconds, seconds, machineLoad);
}

function section(
  l: LoadFigures,
  p: PerRequestFigures,
  page: { items: number; bytes: number },
  startupSeconds: number,
  seconds: number,
  machineLoad: { before: number; after: number },
): BenchSection {
  const loadTable = markdownTable(
    ['GET tokens, local stack', 'figure'],
    [
      ['concurrent connections', l.connections],
      ['duration (s)', l.durationSeconds],
      ['requests answered', l.requests],
      ['requests per second (mean of 1 s samples)', l.requestsPerSecond.mean],
      ['requests per second (slowest 1 s sample)', l.requestsPerSecond.min],
      [
        'latency p50 / p90 / p99 / max (ms)',
        `${l.latencyMs.p50} / ${l.latencyMs.p90} / ${l.latencyMs.p99} / ${l.latencyMs.max}`,
      ],
      ['non-2xx answers / errors / timeouts', `${l.non2xx} / ${l.errors} / ${l.timeouts}`],
      ['CPU time of the stack process per request (ms)', l.stackCpuMsPerRequest ?? 'n/a'],
    ],
  );
  const perTable = markdownTable(
    ['GET tokens, one request at a time', 'p50 (ms)', 'p95 (ms)'],
    [
      [
        'handler called in-process (same module, env and event shape)',
        p.directP50Ms.toFixed(2),
        p.directP95Ms.toFixed(2),
      ],
      ['through the local gateway over HTTP', p.httpP50Ms.toFixed(2), p.httpP95Ms.toFixed(2)],
      ['gateway overhead: difference of the p50s', p.gatewayOverheadP50Ms.toFixed(2), ''],
      ['gateway overhead: p50 of paired differences', p.gatewayOverheadPairedP50Ms.toFixed(2), ''],
    ],
  );
  const method = `The local stack is started as \`npm start\` runs it (\`node --import tsx local/start.ts\`: gateway, handlers and dynalite, with its state on disk in a temporary \`LOCAL_DIR\`, in one process; cognito-local in a second one; \`LOCAL_SEED=0\`; up in ${startupSeconds} s here). A user is created in the local user pool and signs in (a real ID token); ${TOKENS} live tokens of theirs are written straight into the table (a tenth revoked, 5 apps). Every request is \`GET tokens\` with that token: one page of ${page.items} items (the default limit), so each request verifies the JWT (RS256, the pool's JWKS), builds the REST proxy event, runs the handler's middy/Powertools stack, queries byUser, signs a cursor and answers ${(page.bytes / 1024).toFixed(1)} KB of JSON. Every answer must be a 200: the table counts any other.

**Throughput**: [autocannon](https://github.com/mcollina/autocannon) (a dev dependency), programmatically, ${CONNECTIONS} connections with keep-alive, ${DURATION_SECONDS} s, from the bench process (so client and stack share this machine's cores). The stack answers from one Node process (gateway, every handler and dynalite share one event loop; the JWKS is fetched once), so its CPU time per request (from \`/proc\`, user + system, over the load test) bounds what it can serve: about 1000 ÷ that many requests per second on a free core, whatever the concurrency.

**Gateway overhead**: the same handler module (\`lambdas/list-own-tokens.ts\`) is imported into the bench process with the environment \`local/start.ts\` gives handlers (\`TABLE_NAME\`, \`CURSOR_SECRET\` from the stack's key file, \`DYNAMODB_ENDPOINT\` = the stack's dynalite, \`ADMIN_GROUP_NAME\`, \`AWS_REGION\`, dummy credentials, \`POWERTOOLS_TRACE_ENABLED=false\`, \`POWERTOOLS_METRICS_DISABLED=true\`) and called with an event built by the gateway's own \`proxyEvent\` (claims as the authorizer forwards them). ${SAMPLES} sequential calls each way, after ${WARMUP} warm-up calls each, taking turns request by request. The difference of the p50s is what the local gateway adds per request in wall time: HTTP parsing and writing on both sides (the bench's \`fetch\` client included), JWT verification, routing and event building. Since the two ways take turns, each HTTP request has a direct call next to it in time; the median of those pairs' differences is the steadier figure on a busy machine. The in-process handler's p50 is the handler time the cost section prices Lambda with.

Machine load average (1 min) at start and end of this section: ${machineLoad.before} and ${machineLoad.after}. Reproduce: \`npx tsx bench/throughput.ts\` (this section alone, ${seconds} s here) or \`npm run bench\`.`;
  // No target for throughput: figures only.
  const targets: TargetCheck[] = [];
  return {
    key: 'throughput',
    title: `Throughput of the local stack: GET tokens, ${CONNECTIONS} concurrent clients, and the gateway's overhead`,
    method,
    tables: [loadTable, '', perTable].join('\n'),
    results: {
      seconds,
      loadAverage1m: machineLoad,
      startupSeconds,
      tokens: TOKENS,
      pageItems: page.items,
      pageBytes: page.bytes,
      load: l,
      perRequest: p,
      /** Read by bench/run.ts to price Lambda. */
      handlerP50Ms: p.directP50Ms,
    },
    targets,
  };
}

if (require.main === module) runStandalone(run);
