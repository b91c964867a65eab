/**
 * One function's execution environment: a worker thread that loads the function's handler module
 * once (its cold start) and then runs invocations, as Lambda's Node.js runtime does. Its
 * `process.env` is the function's own, built from the template (local/function-environment.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { LOCAL_FUNCTION_VERSION } from './local-aws';

export interface WorkerSetup {
  /** This file, for the boot script. */
  readonly worker: string;
  /** Absolute path of the handler module. */
  readonly source: string;
  readonly exportName: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
}

export interface Invocation {
  readonly id: number;
  readonly event: unknown;
  readonly requestId: string;
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadline: number;
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-failed'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly errorType: string; readonly message: string };

type Handler = (event: unknown, context: Context) => Promise<unknown>;

function contextFor(setup: WorkerSetup, invocation: Invocation): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: setup.functionName,
    functionVersion: LOCAL_FUNCTION_VERSION,
    invokedFunctionArn: setup.functionArn,
    memoryLimitInMB: String(setup.memoryMb),
    awsRequestId: invocation.requestId,
    logGroupName: `/aws/lambda/${setup.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function main(port: NonNullable<typeof parentPort>, setup: WorkerSetup): Promise<void> {
  let handler: Handler;
  try {
    const module = (await import(setup.source)) as Record<string, unknown>;
    const found = module[setup.exportName];
    if (typeof found !== 'function') throw new Error(`${setup.source} exports no function ${setup.exportName}`);
    handler = found as Handler;
  } catch (error) {
    port.postMessage({
      kind: 'init-failed',
      message: String((error as Error)?.stack ?? error),
    } satisfies WorkerMessage);
    return;
  }
  port.on('message', (invocation: Invocation) => {
    // As Lambda's runtime: a handler that throws before it returns a promise fails its own invocation only, and
    // the result travels as JSON, so a value JSON cannot carry fails that invocation rather than the environment.
    Promise.resolve()
      .then(() => handler(invocation.event, contextFor(setup, invocation)))
      .then((value) => {
        const result = JSON.parse(JSON.stringify(value ?? null)) as unknown;
        port.postMessage({ kind: 'result', id: invocation.id, value: result } satisfies WorkerMessage);
      })
      .catch((error: unknown) => {
        const { name = 'Error', message = String(error) } = (error ?? {}) as Error;
        console.error(`${setup.functionName} failed:`, error);
        port.postMessage({
          kind: 'error',
          id: invocation.id,
          errorType: String(name),
          message: String(message),
        } satisfies WorkerMessage);
      });
  });
  port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
}

if (parentPort) void main(parentPort, workerData as WorkerSetup);
