import type { MiddlewareObj } from '@middy/core';
import { SERVICE_NAME } from '../config';

type TracerPackage = typeof import('@aws-lambda-powertools/tracer');
type TracerMiddlewarePackage = typeof import('@aws-lambda-powertools/tracer/middleware');

/**
 * Whether this function traces its own work with the Powertools Tracer: a deployment choice
 * (`-c tracing=true`, lib/stack-config.ts), off by default. Lambda's active tracing gives every
 * invocation a segment either way; on, the handler gets a subsegment with a cold-start annotation
 * and every AWS SDK call passed to `traceClient` one of its own.
 *
 * A bundle has no such variable at run time: esbuild's `define` (lib/handler-function.ts) writes
 * the deployment's choice over `process.env.TOKEN_LEDGER_TRACING`, so in a bundle without tracing
 * the branch below is dead and esbuild leaves out the Tracer and the X-Ray SDK it loads (CommonJS,
 * which esbuild cannot tree-shake, a fifth of a naive SDK bundle in bytes). The TypeScript sources
 * run directly (the local stack, the tests) read the variable, and trace only when it is `true`.
 *
 * The only module that knows of the Tracer: a function's middy stack takes `tracingMiddleware()`,
 * and each of its AWS SDK clients goes through `traceClient` once, where it is built.
 */
const xray =
  process.env.TOKEN_LEDGER_TRACING === 'true'
    ? {
        tracer: new (require('@aws-lambda-powertools/tracer') as TracerPackage).Tracer({ serviceName: SERVICE_NAME }),
        captureLambdaHandler: (require('@aws-lambda-powertools/tracer/middleware') as TracerMiddlewarePackage)
          .captureLambdaHandler,
      }
    : undefined;

export const tracingEnabled = xray !== undefined;

/**
 * For a function's middy stack: with tracing on, the Tracer's middleware (never capturing the
 * response: a mint answer holds a token value); with tracing off, no middleware at all.
 */
export function tracingMiddleware<TEvent = unknown, TResult = unknown>(): MiddlewareObj<TEvent, TResult>[] {
  if (!xray) return [];
  return [xray.captureLambdaHandler(xray.tracer, { captureResponse: false }) as MiddlewareObj<TEvent, TResult>];
}

/** The client itself, its calls traced as subsegments when tracing is on. */
export function traceClient<T>(client: T): T {
  return xray ? xray.tracer.captureAWSv3Client(client) : client;
}
