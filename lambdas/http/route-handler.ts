import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { allowedOrigins, DEFAULT_ADMIN_GROUP, ENV } from '../config';
import { assertMayCall, type Caller } from '../domain/authorization';
import { nowInSeconds } from '../domain/token';
import { type RouteDefinition, type RouteName, routeNamed } from '../routes';
import { callerFromEvent, servicePrincipalFromEvent } from './caller';
import { jsonResponse, toErrorResponse } from './error-response';
import { logger, metricsFor } from './observability';
import { bodyBytes } from './request';
import { tracingMiddleware } from './tracing';

export interface RouteRequest {
  route: RouteDefinition;
  event: APIGatewayProxyEvent;
  caller: Caller;
  now: number;
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
const errorAnswers = (metrics: Metrics): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: (request) => {
    const { response, unexpected } = toErrorResponse(request.error);
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
function routeStack(route: RouteDefinition, run: (event: APIGatewayProxyEvent) => Promise<RouteResult>) {
  const metrics = metricsFor(route.name);
  return (
    middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      // Never the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds ID tokens and token values.
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(tracingMiddleware())
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
      .use(httpCors({ origins: allowedOrigins() }))
      .use(errorAnswers(metrics))
      .handler(async (event) => {
        const { status = 200, body } = await run(event);
        // Every outcome counts once (see errorAnswers), so no invocation publishes nothing.
        metrics.addMetric('Succeeded', MetricUnit.Count, 1);
        logAnswer(event, status);
        return body === undefined ? { statusCode: status, body: '' } : jsonResponse(status, body);
      })
  );
}

/**
 * A user or admin route: the caller comes from the Cognito authorizer's claims, the role from
 * the route table, then the body size limit applies before the handler reads any input
 * (401, then 403, then 400).
 */
export function routeHandler(name: RouteName, handle: (request: RouteRequest) => Promise<RouteResult>) {
  const route = routeNamed(name);
  if (route.access === 'service') throw new Error(`${name} is a service route: use serviceRouteHandler`);
  const adminGroup = process.env[ENV.adminGroupName] || DEFAULT_ADMIN_GROUP;
  return routeStack(route, async (event) => {
    const caller = callerFromEvent(event, adminGroup);
    assertMayCall(route.access, caller);
    bodyBytes(event);
    return handle({ route, event, caller, now: nowInSeconds() });
  });
}

/** A service route: only for SigV4-signed (IAM) callers, who are trusted servers, not users. */
export function serviceRouteHandler(name: RouteName, handle: (request: ServiceRequest) => Promise<RouteResult>) {
  const route = routeNamed(name);
  if (route.access !== 'service') throw new Error(`${name} is not a service route: use routeHandler`);
  return routeStack(route, async (event) => {
    servicePrincipalFromEvent(event);
    bodyBytes(event);
    return handle({ route, event, now: nowInSeconds() });
  });
}
