import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A DynamoDB endpoint that fails on demand: an HTTP proxy in front of dynalite. The functions'
 * SDK client talks to it exactly as to DynamoDB (through the local AWS endpoint, which forwards
 * each request as it came), so an injected fault goes through the SDK's real error parsing and
 * retry strategy (classification, backoff, retry quota), which an in-process middleware would
 * have to imitate. Each SDK attempt is one HTTP request here, and the SDK labels it
 * (`amz-sdk-invocation-id`, `amz-sdk-request: attempt=N; max=M`), so the proxy also counts the
 * retries the SDK really made.
 */

/** One HTTP request the SDK sent: one attempt of one DynamoDB call. */
export interface DynamoAttempt {
  /** `UpdateItem`, `Query`, … (from `X-Amz-Target`). */
  operation: string;
  /** The same for every attempt of one SDK call. */
  invocationId: string;
  /** 1-based, as the SDK numbers it. */
  attempt: number;
  /** The max the SDK announced for this call. */
  maxAttempts: number | undefined;
  body: Record<string, unknown>;
  /** When it arrived (epoch milliseconds). */
  at: number;
  /** When the proxy was done with it: answered, failed or dropped. */
  endedAt?: number;
  /** The fault it met, if any. */
  fault?: string;
}

export type Fault =
  /** Answers as DynamoDB does: this status, `__type` and message in an x-amz-json-1.0 body. */
  | { kind: 'error'; status: number; type: string; message: string }
  /** Destroys the connection without answering (a reset, as when a front end dies). */
  | { kind: 'drop' }
  /**
   * Forwards the request, lets dynalite apply it, then destroys the connection instead of
   * relaying the answer: the write happened but the caller never heard (a timeout after commit).
   */
  | { kind: 'lostResponse' }
  /**
   * Keeps the request waiting, unanswered and not yet applied, until `release` resolves; then
   * forwards it, unless its caller has gone meanwhile (the connection closed: its function's
   * environment ended), in which case it never reaches DynamoDB. A DynamoDB that hangs: for a
   * function that must run past its timeout with a call in flight, or for a write that must land
   * after something the test does meanwhile (a race, made to happen every time).
   */
  | { kind: 'hold'; release: Promise<void> };

/** Decides each attempt's fate; `undefined` forwards it to dynalite. */
export type FaultPolicy = (attempt: DynamoAttempt) => Fault | undefined;

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810';

/** DynamoDB's own answers, as the service sends them (status, `__type`, message). */
export const FAULTS = {
  provisionedThroughputExceeded: {
    kind: 'error',
    status: 400,
    type: `${DYNAMODB}#ProvisionedThroughputExceededException`,
    message:
      'The level of configured provisioned throughput for the table was exceeded. ' +
      'Consider increasing your provisioning level with the UpdateTable API.',
  },
  throttling: {
    kind: 'error',
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  requestLimitExceeded: {
    kind: 'error',
    status: 400,
    type: `${DYNAMODB}#RequestLimitExceeded`,
    message:
      'Throughput exceeds the current throughput limit for your account. Please ' +
      'contact AWS Support at https://aws.amazon.com/support request a limit increase',
  },
  internalServerError: {
    kind: 'error',
    status: 500,
    type: `${DYNAMODB}#InternalServerError`,
    message: 'Internal server error',
  },
  serviceUnavailable: {
    kind: 'error',
    status: 503,
    type: `${DYNAMODB}#ServiceUnavailable`,
    message: 'Service unavailable',
  },
  drop: { kind: 'drop' },
  lostResponse: { kind: 'lostResponse' },
} as const satisfies Record<string, Fault>;

/** A non-retryable failure whose message names the table, as DynamoDB's do. */
export const resourceNotFound = (tableName: string): Fault => ({
  kind: 'error',
  status: 400,
  type: `${DYNAMODB}#ResourceNotFoundException`,
  message: `Requested resource not found: Table: ${tableName} not found`,
});

/** IAM refusing the function's role: the message names the role and the table's ARN. */
export const accessDenied = (tableName: string, operation = 'UpdateItem'): Fault => ({
  kind: 'error',
  status: 400,
  type: 'com.amazon.coral.service#AccessDeniedException',
  message:
    'User: arn:aws:sts::123456789012:assumed-role/TokenLedger-RevokeToken/fn is not authorized to perform: ' +
    `dynamodb:${operation} on resource: arn:aws:dynamodb:us-east-1:123456789012:table/${tableName} ` +
    `because no identity-based policy allows the dynamodb:${operation} action`,
});

/** Every attempt of the given operations (all, without a list) meets `fault`. */
export const always =
  (fault: Fault, operations?: string[]): FaultPolicy =>
  (a) =>
    !operations || operations.includes(a.operation) ? fault : undefined;

/** Only the first attempt of each call meets `fault`: the SDK's retry then goes through. */
export const firstAttemptOnly =
  (fault: Fault, operations?: string[]): FaultPolicy =>
  (a) =>
    a.attempt === 1 && (!operations || operations.includes(a.operation)) ? fault : undefined;

/**
 * The first `successes` attempts of `operation` go through; from then on every attempt of it
 * (retries included) meets `fault`: an outage that starts in the middle of a bulk write.
 */
export function afterSuccesses(operation: string, successes: number, fault: Fault): FaultPolicy {
  let passed = 0;
  return (a) => {
    if (a.operation !== operation) return undefined;
    if (passed < successes) {
      passed++;
      return undefined;
    }
    return fault;
  };
}

/** The `tokenId` an item-level call names (its `Key`, or a PutItem's `Item`), if any. */
export function tokenIdOf(a: DynamoAttempt): string | undefined {
  const item = (a.body.Key ?? a.body.Item) as Record<string, { S?: string }> | undefined;
  return item?.tokenId?.S;
}

/** Only the first attempt that matches meets `fault`; everything else goes through. */
export function onceWhen(match: (a: DynamoAttempt) => boolean, fault: Fault): FaultPolicy {
  let fired = false;
  return (a) => {
    if (fired || !match(a)) return undefined;
    fired = true;
    return fault;
  };
}

export interface FaultProxyOptions {
  /**
   * Access keys whose requests are not the calls under test: forwarded untouched, never met by a
   * fault and not recorded. The local AWS endpoint reads an item's images around each write with
   * a key of its own (for the table's stream), and a test sets up its table with one; those are
   * the local stack's bookkeeping, not calls a function made.
   */
  readonly bystanders?: readonly string[];
}

export interface FaultProxy {
  endpoint: string;
  /** Every attempt seen since the last `reset()`, in arrival order. */
  readonly attempts: DynamoAttempt[];
  /** Requests under test (not bystanders') that have arrived and not yet been answered. */
  readonly inFlight: number;
  /** Clears the policy and the log. */
  reset(policy?: FaultPolicy): void;
  setPolicy(policy: FaultPolicy | undefined): void;
  /**
   * Resolves once no request (bystanders' included) has been in flight or arrived for `quietMs`,
   * and no call can still retry: each call whose last attempt met a fault, with attempts left,
   * has had `retryPauseMs` (the SDK's longest pause before its next attempt) since that attempt.
   */
  settled(options?: { quietMs?: number; retryPauseMs?: number; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

function parseAttemptHeader(value: string | string[] | undefined): { attempt: number; max: number | undefined } {
  const text = Array.isArray(value) ? value[0] : value;
  const attempt = /attempt=(\d+)/.exec(text ?? '');
  const max = /max=(\d+)/.exec(text ?? '');
  return { attempt: attempt ? Number(attempt[1]) : 1, max: max ? Number(max[1]) : undefined };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The access key of a SigV4 `Authorization` header. */
const accessKeyOf = (authorization: string | undefined) => /Credential=([^/]+)\//.exec(authorization ?? '')?.[1];

/** Starts a proxy on 127.0.0.1 (any free port) forwarding to `target` (dynalite's endpoint). */
export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const bystanders = new Set(options.bystanders);
  const attempts: DynamoAttempt[] = [];
  let policy: FaultPolicy | undefined;
  let inFlight = 0;
  let busy = 0;
  let lastActivity = Date.now();

  /** Forwards a request to dynalite and relays its answer, or loses it (`lostResponse`). */
  const relay = (request: IncomingMessage, response: ServerResponse, raw: Buffer, fault: Fault | undefined) =>
    new Promise<void>((resolve, reject) => {
      const forward = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: upstream.host, 'content-length': raw.length },
        },
        (answer) => {
          if (fault?.kind === 'lostResponse') {
            answer.resume();
            answer.on('end', () => {
              request.socket.destroy();
              resolve();
            });
            return;
          }
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.on('end', resolve);
          answer.on('error', reject);
        },
      );
      forward.on('error', reject);
      forward.end(raw);
    });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readBody(request);
    const accessKeyId = accessKeyOf(request.headers.authorization);
    if (accessKeyId !== undefined && bystanders.has(accessKeyId)) return relay(request, response, raw, undefined);
    const target = String(request.headers['x-amz-target'] ?? '');
    const { attempt, max } = parseAttemptHeader(request.headers['amz-sdk-request']);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      // Not JSON: forwarded as it is.
    }
    const record: DynamoAttempt = {
      operation: target.split('.').pop() ?? '',
      invocationId: String(request.headers['amz-sdk-invocation-id'] ?? ''),
      attempt,
      maxAttempts: max,
      body,
      at: Date.now(),
    };
    attempts.push(record);
    inFlight++;
    try {
      const fault = policy?.(record);
      if (fault?.kind === 'drop') {
        record.fault = 'drop';
        request.socket.destroy();
        return;
      }
      if (fault?.kind === 'error') {
        record.fault = fault.type.split('#').pop();
        const payload = JSON.stringify({ __type: fault.type, message: fault.message });
        response.writeHead(fault.status, {
          'Content-Type': 'application/x-amz-json-1.0',
          'Content-Length': Buffer.byteLength(payload),
          'x-amzn-RequestId': `FAULT${attempts.length}`,
        });
        response.end(payload);
        return;
      }
      if (fault?.kind === 'lostResponse') record.fault = 'lostResponse';
      if (fault?.kind === 'hold') {
        record.fault = 'hold';
        await fault.release;
        if (request.socket.destroyed) {
          record.fault = 'hold, then dropped: its caller had gone';
          return;
        }
      }
      await relay(request, response, raw, fault);
    } finally {
      inFlight--;
      record.endedAt = Date.now();
    }
  };

  const server: Server = createServer((request, response) => {
    busy++;
    lastActivity = Date.now();
    handle(request, response)
      .catch(() => {
        if (!response.headersSent) response.writeHead(502).end();
        else response.destroy();
      })
      .finally(() => {
        busy--;
        lastActivity = Date.now();
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    get inFlight() {
      return inFlight;
    },
    reset(next) {
      attempts.length = 0;
      policy = next;
    },
    setPolicy(next) {
      policy = next;
    },
    async settled({ quietMs = 300, retryPauseMs = 0, timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      const mayRetry = () => {
        const last = new Map(attempts.map((a) => [a.invocationId, a]));
        return [...last.values()].some(
          (a) =>
            a.fault !== undefined &&
            a.fault !== 'hold' &&
            a.attempt < (a.maxAttempts ?? Number.POSITIVE_INFINITY) &&
            Date.now() - (a.endedAt ?? Date.now()) < retryPauseMs,
        );
      };
      while (busy > 0 || Date.now() - lastActivity < quietMs || mayRetry()) {
        if (Date.now() > deadline) throw new Error('the DynamoDB proxy never went quiet');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
