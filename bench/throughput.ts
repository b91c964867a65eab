/**
 * Throughput of the local stack for `GET tokens`, and what its gateway adds per request: the
 * real stack (`node --import tsx local/start.ts`, its own process) serves a signed-in user with
 * ~200 tokens; autocannon drives it with 16 connections; then a runtime on the stack's template,
 * in this process, takes turns invoking the function in its own environment with the event the
 * gateway builds and answering the same request over HTTP through its gateway.
 *
 * Alone: `npx tsx bench/throughput.ts` prints the tables. `bench/run.ts` calls `run()`. The
 * section's prose is bench/throughput.md, its `{{placeholders}}` filled from the measurements.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { claimsAsGatewayStrings } from '../local/cognito-authorizer';
import { startDynamoDb } from '../local/dynamodb';
import { proxyEvent } from '../local/proxy-event';
import {
  createUser,
  decodeJwt,
  putTokens,
  type StackOutputs,
  startLocalStack,
  tokenRecord,
} from '../test/support/local-stack';
import { answerOf, startTestRuntime, type TestRuntime } from '../test/support/runtime';
import {
  type BenchSection,
  type BudgetCheck,
  markdownTable,
  percentile,
  renderTemplate,
  runStandalone,
} from './section';

const CONNECTIONS = 16;
const DURATION_SECONDS = 10;
const TOKENS = 200;
/** Sequential requests per way for the per-request comparison (after WARMUP of each). */
const SAMPLES = 400;
const WARMUP = 50;

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
 * A runtime in this process on the stack's template (synthesized here), with a dynalite of its
 * own holding `tokens`, and the stack's cognito-local as its user pool, so the stack's ID tokens
 * are good at its gateway too.
 */
async function startBenchRuntime(o: StackOutputs, tokens: ReturnType<typeof tokensFor>) {
  const dynamo = await startDynamoDb(undefined, 0);
  try {
    const runtime = await startTestRuntime({
      dynamoDbBackend: dynamo.endpoint,
      cognito: { endpoint: o.CognitoEndpoint, userPoolId: o.UserPoolId, clientId: o.UserPoolClientId },
    });
    await putTokens({ ...o, DynamoDbEndpoint: dynamo.endpoint, TableName: runtime.tableName }, tokens);
    return {
      runtime,
      stop: async () => {
        await runtime.close();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
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
 * Runs `work` with this process's stdout going to /dev/null, written synchronously: the function
 * logs one line per request, which its environment hands to this process's stdout, as the stack
 * writes it to its log file; here it must not flood the bench's output, and it should cost about
 * what it costs there.
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

async function perRequest(rt: TestRuntime, idToken: string): Promise<PerRequestFigures> {
  const url = new URL('tokens', rt.runtime.apiUrl);
  const functionId = rt.functionIdOf('list-own-tokens');
  const route = rt.runtime.model.routes.find(
    (r) => r.integration.kind === 'function' && r.integration.functionId === functionId && r.method === 'GET',
  );
  if (!route) throw new Error('the template has no GET route for list-own-tokens');
  // The claims as the gateway forwards them after verifying the token (strings, as API Gateway does).
  const claims = claimsAsGatewayStrings(decodeJwt(idToken).payload);
  const direct = async () => {
    const requestId = randomUUID();
    const event = proxyEvent({
      request: fakeRequest(url, idToken),
      url,
      route,
      stage: rt.runtime.model.stage,
      pathParameters: null,
      identity: { claims },
      body: '',
      requestId,
    });
    const result = answerOf(await rt.runtime.functionHost.invoke(functionId, event, requestId));
    if (result.statusCode !== 200) throw new Error(`the function answered ${result.statusCode}: ${result.body}`);
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
    const tokens = tokensFor(user.sub);
    await putTokens(stack.outputs, tokens);
    const url = new URL('tokens', stack.outputs.ApiUrl).toString();
    const first = await fetch(url, { headers: { authorization: `Bearer ${user.idToken}` } });
    const text = await first.text();
    const body = JSON.parse(text) as { items?: unknown[] };
    if (first.status !== 200 || !Array.isArray(body.items)) throw new Error(`GET tokens answered ${first.status}`);
    pageItems = body.items.length;
    pageBytes = Buffer.byteLength(text);
    console.error(`throughput: stack up in ${startupSeconds} s; ${CONNECTIONS} connections, ${DURATION_SECONDS} s…`);
    loadFigures = await load(url, user.idToken, stack.pid);
    console.error(`throughput: ${loadFigures.requestsPerSecond.mean} requests/s; per-request comparison…`);
    const bench = await startBenchRuntime(stack.outputs, tokens);
    try {
      per = await perRequest(bench.runtime, user.idToken);
    } finally {
      await bench.stop();
    }
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
        "function invoked through the runtime (its own environment, the gateway's event)",
        p.directP50Ms.toFixed(2),
        p.directP95Ms.toFixed(2),
      ],
      ['through the local gateway over HTTP', p.httpP50Ms.toFixed(2), p.httpP95Ms.toFixed(2)],
      ['gateway overhead: difference of the p50s', p.gatewayOverheadP50Ms.toFixed(2), ''],
      ['gateway overhead: p50 of paired differences', p.gatewayOverheadPairedP50Ms.toFixed(2), ''],
    ],
  );
  const { method } = renderTemplate(join(__dirname, 'throughput.md'), {
    startupSeconds,
    tokens: TOKENS,
    pageItems: page.items,
    pageKb: (page.bytes / 1024).toFixed(1),
    connections: l.connections,
    durationSeconds: l.durationSeconds,
    samples: p.samples,
    warmup: WARMUP,
    loadBefore: machineLoad.before,
    loadAfter: machineLoad.after,
    seconds,
  });
  // No target for throughput: figures only.
  const targets: BudgetCheck[] = [];
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
