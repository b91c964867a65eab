import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Invocation, WorkerMessage, WorkerSetup } from './function-worker';
import type { FunctionModel } from './stack-model';

const ROOT = join(__dirname, '..');
const BOOT = join(__dirname, 'function-worker-boot.mjs');
const WORKER = join(__dirname, 'function-worker.ts');

export type InvokeOutcome =
  | { readonly kind: 'result'; readonly value: unknown }
  /** The handler threw, or its module failed to load: Lambda reports a function error. */
  | { readonly kind: 'error'; readonly errorType: string; readonly message: string }
  /** The function ran past its timeout, or its environment died (out of memory): Lambda ends it. */
  | { readonly kind: 'timeout' | 'crashed'; readonly message: string };

interface ExecutionEnvironment {
  readonly worker: Worker;
  readonly ready: Promise<string | undefined>;
  readonly pending: Map<number, (outcome: InvokeOutcome) => void>;
}

/**
 * Runs each function of the template in its own execution environment (a worker thread) with
 * the environment variables, timeout and memory the template gives it, as Lambda does:
 *
 * - the environment starts on the first invocation (a cold start) or on `warm`;
 * - an invocation that outlives the function's timeout ends the whole environment, so nothing it
 *   started keeps running (Lambda resets an environment after a timeout); so does running out of
 *   the function's memory, which bounds the worker's heap;
 * - the next invocation starts a fresh one.
 *
 * Unlike Lambda, one environment takes concurrent invocations; a timeout or crash ends all of
 * those in flight in it.
 */
export class FunctionHost {
  private readonly environments = new Map<string, ExecutionEnvironment>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly functions: ReadonlyMap<string, FunctionModel>,
    private readonly envVarsOf: (fn: FunctionModel) => Record<string, string>,
  ) {}

  private model(functionId: string): FunctionModel {
    const fn = this.functions.get(functionId);
    if (!fn) throw new Error(`no function ${functionId} in the template`);
    return fn;
  }

  private start(functionId: string): ExecutionEnvironment {
    const fn = this.model(functionId);
    const setup: WorkerSetup = {
      worker: WORKER,
      source: join(ROOT, fn.source),
      exportName: fn.exportName,
      functionName: fn.logicalId,
      functionArn: fn.arn,
      memoryMb: fn.memoryMb,
    };
    const worker = new Worker(BOOT, {
      workerData: setup,
      env: this.envVarsOf(fn),
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb },
    });
    const pending = new Map<number, (outcome: InvokeOutcome) => void>();
    let settleReady: (failure: string | undefined) => void = () => undefined;
    const ready = new Promise<string | undefined>((resolve) => {
      settleReady = resolve;
    });
    const environment: ExecutionEnvironment = { worker, ready, pending };
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') settleReady(undefined);
      else if (message.kind === 'init-failed') settleReady(message.message);
      else {
        const settle = pending.get(message.id);
        pending.delete(message.id);
        settle?.(
          message.kind === 'result'
            ? { kind: 'result', value: message.value }
            : { kind: 'error', errorType: message.errorType, message: message.message },
        );
      }
    });
    const end = (message: string) => {
      settleReady(message);
      // An environment already retired exits too: that exit is its retirement's own.
      if (this.environments.get(functionId) === environment) {
        void this.retire(functionId, environment, { kind: 'crashed', message });
      }
    };
    worker.on('error', (error) => end(`${fn.logicalId} crashed: ${error.message}`));
    worker.on('exit', (code) => end(`${fn.logicalId} exited (${code})`));
    this.environments.set(functionId, environment);
    return environment;
  }

  /** Ends an environment, then answers everything that was in flight in it. */
  private async retire(functionId: string, environment: ExecutionEnvironment, outcome: InvokeOutcome): Promise<void> {
    if (this.environments.get(functionId) === environment) this.environments.delete(functionId);
    const settles = [...environment.pending.values()];
    environment.pending.clear();
    await environment.worker.terminate().catch(() => undefined);
    for (const settle of settles) settle(outcome);
  }

  /** Starts every function's environment now, and fails if any cannot load its handler. */
  async warm(): Promise<void> {
    const failures = await Promise.all(
      [...this.functions.keys()].map((id) => (this.environments.get(id) ?? this.start(id)).ready),
    );
    const failed = failures.filter((f): f is string => f !== undefined);
    if (failed.length > 0) throw new Error(`functions failed to start:\n${failed.join('\n')}`);
  }

  async invoke(functionId: string, event: unknown, requestId: string = randomUUID()): Promise<InvokeOutcome> {
    if (this.closed) return { kind: 'crashed', message: 'the local stack is stopping' };
    const fn = this.model(functionId);
    const environment = this.environments.get(functionId) ?? this.start(functionId);
    const initFailure = await environment.ready;
    if (initFailure !== undefined) {
      void this.retire(functionId, environment, { kind: 'crashed', message: initFailure });
      return { kind: 'error', errorType: 'Runtime.ImportModuleError', message: initFailure };
    }
    const id = this.nextId++;
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        const message = `${fn.logicalId} timed out after ${fn.timeoutSeconds} seconds`;
        console.error(`local Lambda: ${message}; its environment is ended`);
        void this.retire(functionId, environment, { kind: 'timeout', message });
      }, deadline - Date.now());
      environment.pending.set(id, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      environment.worker.postMessage({ id, event, requestId, deadline } satisfies Invocation);
    });
  }

  /** Resolves once every environment's thread has ended. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.environments].map(([id, environment]) =>
        this.retire(id, environment, { kind: 'crashed', message: 'the local stack is stopping' }),
      ),
    );
  }
}
