import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ErrorCode } from '../lambdas/domain/errors';
import { errorResponse } from '../lambdas/http/error-response';
import { GATEWAY_MESSAGES } from '../lambdas/http/gateway-messages';
import { ROUTES, type RouteDefinition } from '../lambdas/routes';
import { claimsAsGatewayStrings, type cognitoAuthorizer } from './cognito-authorizer';
import { type Identity, lambdaContext, proxyEvent } from './proxy-event';
import type { sigv4Verifier } from './sigv4-verifier';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface GatewaySettings {
  port: number;
  authorize: ReturnType<typeof cognitoAuthorizer>;
  verifySignature: ReturnType<typeof sigv4Verifier>;
  allowedOrigins: string[];
  /** Served at `openapi.json`, without authentication. */
  openapi: string;
}

/** API Gateway refuses payloads past 10 MB; the functions enforce the API's own 4 KiB. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  parameterNames: string[];
  handler: Handler;
}

/** `/tokens/{tokenId}` → a pattern where each `{name}` takes one non-empty path segment. */
function compile(route: RouteDefinition, handler: Handler): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), parameterNames, handler };
}

/** Imports every route's handler module, the same modules the CDK stack bundles. */
export async function loadRoutes(): Promise<CompiledRoute[]> {
  return Promise.all(
    ROUTES.map(async (route) => {
      const module = (await import(`../lambdas/${route.name}`)) as { handler: Handler };
      return compile(route, module.handler);
    }),
  );
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The local stand-in for API Gateway: routes from the route table, the Cognito authorizer's
 * checks (or, on service routes, AWS_IAM's SigV4 check), REST proxy events, and gateway
 * responses in the API's error shape. Checks run in API Gateway's order: unknown route or
 * method (404), then authentication (401, or 403 for an unsigned service call).
 */
export async function startGateway(settings: GatewaySettings) {
  const routes = await loadRoutes();

  const corsHeaders = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    if (settings.allowedOrigins.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
    if (origin && settings.allowedOrigins.includes(origin))
      return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    return {};
  };

  const send = (request: IncomingMessage, response: ServerResponse, result: APIGatewayProxyResult) => {
    const headers: Record<string, string | string[]> = { ...corsHeaders(request) };
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
    const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
    response.writeHead(result.statusCode, headers).end(body);
  };

  const refuse = (request: IncomingMessage, response: ServerResponse, code: ErrorCode, message: string) =>
    send(request, response, errorResponse(code, message));

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // The request target is a path: prefixing it keeps `//host/tokens` a path, never a host.
    let url: URL;
    try {
      url = new URL(`http://127.0.0.1${request.url ?? '/'}`);
    } catch {
      return refuse(request, response, 'not_found', GATEWAY_MESSAGES.noSuchRoute);
    }
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/openapi.json') {
      send(request, response, {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: settings.openapi,
      });
      return;
    }
    const onPath = routes.flatMap((compiled) => {
      const match = compiled.pattern.exec(url.pathname);
      return match ? [{ compiled, values: match.slice(1).map(decodeSegment) }] : [];
    });
    if (method === 'OPTIONS' && onPath.length > 0) {
      const methods = [...new Set(onPath.map((m) => m.compiled.route.method)), 'OPTIONS'].join(',');
      response
        .writeHead(204, {
          ...corsHeaders(request),
          'Access-Control-Allow-Methods': methods,
          'Access-Control-Allow-Headers': 'Authorization,Content-Type',
          'Access-Control-Max-Age': '600',
        })
        .end();
      return;
    }
    const found = onPath.find((m) => m.compiled.route.method === method);
    if (!found) return refuse(request, response, 'not_found', GATEWAY_MESSAGES.noSuchRoute);
    const body = await readBody(request);
    if (body === undefined) return refuse(request, response, 'invalid_request', GATEWAY_MESSAGES.tooLarge);
    const { route, parameterNames, handler } = found.compiled;
    let identity: Identity;
    if (route.access === 'service') {
      const accessKey = await settings.verifySignature(request, url, body);
      if (!accessKey) return refuse(request, response, 'forbidden', GATEWAY_MESSAGES.signatureRequired);
      identity = { service: { accessKey, userArn: `local-service:${accessKey}` } };
    } else {
      const claims = await settings.authorize(request.headers.authorization);
      if (!claims) return refuse(request, response, 'unauthorized', GATEWAY_MESSAGES.unauthorized);
      identity = { claims: claimsAsGatewayStrings(claims) };
    }

    const pathParameters = parameterNames.length
      ? Object.fromEntries(parameterNames.map((name, i) => [name, found.values[i] ?? '']))
      : null;
    const requestId = randomUUID();
    const event = proxyEvent({ request, url, route, pathParameters, identity, body, requestId });
    const result = await handler(event, lambdaContext(route, requestId));
    send(request, response, result);
  }

  const server = createServer((request, response) => {
    serve(request, response).catch(() => {
      // Like a Lambda that crashed: API Gateway answers 502/500 without details.
      if (!response.headersSent) refuse(request, response, 'internal_error', GATEWAY_MESSAGES.internalError);
    });
  });
  server.listen(settings.port, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
