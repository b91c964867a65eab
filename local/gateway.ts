import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { claimsAsGatewayStrings, type cognitoAuthorizer } from './cognito-authorizer';
import type { FunctionHost } from './function-host';
import { decide } from './iam-policy';
import { listenOnLoopback } from './loopback';
import { type Identity, proxyEvent } from './proxy-event';
import { readBody } from './read-body';
import { signatureClaim, type sigv4Verifier } from './sigv4';
import type { ApiRoute, GatewayAnswer, SigningIdentity, StackModel } from './stack-model';

export interface GatewaySettings {
  port: number;
  model: StackModel;
  functions: FunctionHost;
  authorize: ReturnType<typeof cognitoAuthorizer>;
  /** Checks a SigV4 signature for `execute-api`; gives the access key it was made with. */
  verifySignature: ReturnType<typeof sigv4Verifier>;
  /** The IAM identities the local stack knows, by access key. */
  identities: ReadonlyMap<string, SigningIdentity>;
  /** Served at `openapi.json`, without authentication, with this gateway's own URL as its server. */
  openapi: string;
}

/** API Gateway refuses payloads past 10 MB; the functions enforce the API's own 4 KiB. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** The gateway response types the local gateway can answer with that are 5xx. */
const SERVER_ERRORS = new Set(['DEFAULT_5XX']);

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  parameterNames: string[];
}

/** `/tokens/{tokenId}` → a pattern where each `{name}` takes one non-empty path segment. */
function compile(route: ApiRoute): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), parameterNames };
}

const isProxyResult = (value: unknown): value is APIGatewayProxyResult =>
  typeof value === 'object' &&
  value !== null &&
  Number.isInteger((value as APIGatewayProxyResult).statusCode) &&
  ['string', 'undefined'].includes(typeof (value as APIGatewayProxyResult).body);

/**
 * The local stand-in for API Gateway, serving the REST API of the synthesized template: its Lambda
 * proxy methods (path, method, authorization type, function), its gateway responses for every
 * refusal, and its CORS preflights. Like API Gateway, it checks the route first (404), then the
 * caller: a Cognito ID token for COGNITO_USER_POOLS methods (401), a SigV4 signature whose key's
 * policy allows `execute-api:Invoke` on the request for AWS_IAM methods (403).
 */
export async function startGateway(settings: GatewaySettings) {
  const { model } = settings;
  const routes = model.routes.map(compile);
  let baseUrl = '';

  // As API Gateway does, a type without a response of its own falls back to the default of its class.
  const gatewayAnswer = (type: string): GatewayAnswer => {
    const found =
      model.gatewayResponses.get(type) ??
      model.gatewayResponses.get(SERVER_ERRORS.has(type) ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
    if (!found) throw new Error(`the template has no gateway response ${type}`);
    return found;
  };
  const sendAnswer = (response: ServerResponse, type: string) => {
    const answer = gatewayAnswer(type);
    response.writeHead(answer.statusCode, answer.headers).end(answer.body);
  };

  /** The caller of an AWS_IAM method, or the gateway response that refuses them. */
  async function iamCaller(request: IncomingMessage, url: URL, body: Buffer, route: ApiRoute) {
    if (!signatureClaim(request.headers.authorization)) return { refusal: 'MISSING_AUTHENTICATION_TOKEN' };
    const accessKey = await settings.verifySignature(request, url, body);
    const principal = accessKey === undefined ? undefined : settings.identities.get(accessKey)?.principal;
    if (!accessKey || !principal) return { refusal: 'INVALID_SIGNATURE' };
    const resource = model.executeApiArn(route.method, url.pathname);
    if (decide(principal.statements, 'execute-api:Invoke', resource) !== 'allowed') return { refusal: 'ACCESS_DENIED' };
    return { identity: { iam: { accessKey, userArn: principal.arn } } satisfies Identity };
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // The request target is a path: prefixing it keeps `//host/tokens` a path, never a host.
    let url: URL;
    try {
      url = new URL(`http://127.0.0.1${request.url ?? '/'}`);
    } catch {
      return sendAnswer(response, 'RESOURCE_NOT_FOUND');
    }
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/openapi.json') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(openapiFor(baseUrl));
      return;
    }
    const onPath = routes.flatMap((compiled) => {
      const match = compiled.pattern.exec(url.pathname);
      return match ? [{ compiled, values: match.slice(1) }] : [];
    });
    if (method === 'OPTIONS' && onPath.length > 0 && model.cors) return preflight(request, response);
    const found = onPath.find((m) => m.compiled.route.method === method);
    if (!found) return sendAnswer(response, 'RESOURCE_NOT_FOUND');
    const body = await readBody(request, MAX_PAYLOAD_BYTES);
    if (body === undefined) return sendAnswer(response, 'REQUEST_TOO_LARGE');
    const { route, parameterNames } = found.compiled;

    let identity: Identity;
    if (route.authorization === 'AWS_IAM') {
      const outcome = await iamCaller(request, url, body, route);
      if (!outcome.identity) return sendAnswer(response, outcome.refusal);
      identity = outcome.identity;
    } else if (route.authorization === 'COGNITO_USER_POOLS') {
      const claims = await settings.authorize(request.headers.authorization);
      if (!claims) return sendAnswer(response, 'UNAUTHORIZED');
      identity = { claims: claimsAsGatewayStrings(claims) };
    } else {
      throw new Error(`the local gateway does not serve ${route.authorization} methods`);
    }

    const pathParameters = parameterNames.length
      ? Object.fromEntries(parameterNames.map((name, i) => [name, found.values[i] ?? '']))
      : null;
    const requestId = randomUUID();
    const event = proxyEvent({
      request,
      url,
      route,
      stage: model.stage,
      pathParameters,
      identity,
      body: body.toString('utf8'),
      requestId,
    });
    const outcome = await settings.functions.invoke(route.functionId, event, requestId);
    // A function error, a timeout, or an answer that is not a proxy result: API Gateway's 5XX.
    if (outcome.kind !== 'result' || !isProxyResult(outcome.value)) return sendAnswer(response, 'DEFAULT_5XX');
    const result = outcome.value;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
    const payload = result.isBase64Encoded
      ? Buffer.from(result.body, 'base64')
      : Buffer.from(result.body ?? '', 'utf8');
    response.writeHead(result.statusCode, headers).end(payload);
  }

  /** As the template's preflight mocks answer: the first origin, or the request's when it is another allowed one. */
  function preflight(request: IncomingMessage, response: ServerResponse) {
    const cors = model.cors;
    if (!cors) return;
    const [first] = cors.origins;
    const origin = request.headers.origin;
    const allowed = origin && cors.origins.includes(origin) ? origin : first;
    response
      .writeHead(204, {
        ...(allowed && { 'Access-Control-Allow-Origin': allowed }),
        ...(allowed !== '*' && { Vary: 'Origin' }),
        'Access-Control-Allow-Headers': cors.allowHeaders,
        'Access-Control-Allow-Methods': cors.allowMethods,
      })
      .end();
  }

  const openapiFor = (url: string) => {
    const document = JSON.parse(settings.openapi) as { servers?: { url: string; description?: string }[] };
    document.servers = [{ url: url.replace(/\/$/, ''), description: 'This local stack.' }];
    return JSON.stringify(document);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      console.error('local gateway failed:', error);
      if (!response.headersSent) sendAnswer(response, 'DEFAULT_5XX');
    });
  });
  const listener = await listenOnLoopback(server, settings.port);
  baseUrl = `${listener.origin}/`;
  return { url: baseUrl, close: listener.close };
}
