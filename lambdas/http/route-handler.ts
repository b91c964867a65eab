import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { allowedOrigins, ENV, requiredEnv } from '../config';
import { deadlineOf } from '../deadline';
import { assertMayCall, type Caller } from '../domain/authorization';
import { nowInSeconds } from '../domain/token';
import { type RouteDefinition, type RouteName, routeNamed } from '../routes';
import { instrumented } from '../telemetry/instrumented';
import { logger, metricsFor } from '../telemetry/observability';
import { callerFromEvent, servicePrincipalFromEvent } from './caller';
import { ANSWER_HEADERS, jsonResponse, toErrorResponse } from './error-response';
import { bodyBytes } from './request';

export interface RouteRequest {
  route: RouteDefinition;
  event: APIGatewayProxyEvent;
  caller: Caller;
  now: number;
  /** Aborts shortly before the function's timeout (lambdas/deadline.ts). */
  deadline: AbortSignal;
}

export type ServiceRequest = Omit<RouteRequest, 'caller'>;

export interface RouteResult {
  status?: number;
  /** Sent as JSON; undefined sends an empty body (RFC 7009's answer). */
  body?: unknown;
}

/**
 * One line per request, built from an allow-list: the method, the route's resource and the
 * status. Never path parameters, headers, query strings or bodies: any of them may carry an ID
 * token, a signature, a cursor or a token value (a client may well paste a token value where a
 * tokenId belongs).
 */
function logAnswer(event: APIGatewayProxyEvent | undefined, statusCode: number): void {
  logger.info('answered', { method: event?.httpMethod, resource: event?.resource, statusCode });
}

/** Maps every failure to the API's error body; the client never sees what went wrong inside. */
const errorAnswers = (
  route: RouteDefinition,
  metrics: Metrics,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: (request) => {
    const { response, unexpected } = toErrorResponse(request.error, { oauth: route.oauth });
    if (unexpected) {
      logger.error('request failed', request.error as Error);
      metrics.addMetric('ServerErrors', MetricUnit.Count, 1);
    } else {
      metrics.addMetric('ClientErrors', MetricUnit.Count, 1);
    }
    logAnswer(request.event, response.statusCode);
    request.response = response;
  },
});

/**
 * Every route's function is this middy stack around one domain call: Powertools logging,
 * tracing (never of responses: a mint answer holds a token value) and metrics, CORS, and one
 * error mapper. Authorization happens in the two wrappers below and nowhere else.
 */
function routeStack(
  route: RouteDefinition,
  run: (event: APIGatewayProxyEvent, deadline: AbortSignal) => Promise<RouteResult>,
) {
  const metrics = metricsFor(route.name);
  return instrumented<APIGatewayProxyEvent, APIGatewayProxyResult>(metrics, { captureColdStartMetric: true })
    .use(httpCors(corsOptions()))
    .use(errorAnswers(route, metrics))
    .handler(async (event, context) => {
      const { status = 200, body } = await run(event, deadlineOf(context));
      // Every outcome counts once (see errorAnswers), so no invocation publishes nothing.
      metrics.addMetric('Succeeded', MetricUnit.Count, 1);
      logAnswer(event, status);
      return body === undefined
        ? { statusCode: status, headers: { ...ANSWER_HEADERS }, body: '' }
        : jsonResponse(status, body);
    });
}

/**
 * middy adds `Vary: Origin` only for several origins; with one, the answer still differs for
 * another origin (it has no CORS header), so a cache must key on it too.
 */
function corsOptions() {
  const origins = allowedOrigins();
  return { origins, ...(origins.length === 1 && origins[0] !== '*' && { vary: 'Origin' }) };
}

/**
 * A user or admin route: the caller comes from the ID token the Cognito authorizer verified, the role from
 * the route table, then the body size limit applies before the handler reads any input
 * (401, then 403, then 400).
 */
export function routeHandler(name: RouteName, handle: (request: RouteRequest) => Promise<RouteResult>) {
  const route = routeNamed(name);
  if (route.access === 'service') throw new Error(`${name} is a service route: use serviceRouteHandler`);
  const settings = {
    clientId: requiredEnv(ENV.userPoolClientId),
    adminGroup: requiredEnv(ENV.adminGroupName),
  };
  return routeStack(route, async (event, deadline) => {
    const caller = callerFromEvent(event, settings);
    assertMayCall(route.access, caller);
    bodyBytes(event);
    return handle({ route, event, caller, now: nowInSeconds(), deadline });
  });
}

/** A service route: only for SigV4-signed (IAM) callers, who are trusted servers, not users. */
export function serviceRouteHandler(name: RouteName, handle: (request: ServiceRequest) => Promise<RouteResult>) {
  const route = routeNamed(name);
  if (route.access !== 'service') throw new Error(`${name} is not a service route: use routeHandler`);
  return routeStack(route, async (event, deadline) => {
    servicePrincipalFromEvent(event);
    bodyBytes(event);
    return handle({ route, event, now: nowInSeconds(), deadline });
  });
}
