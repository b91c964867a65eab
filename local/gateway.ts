import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { claimsAsGatewayStrings, type cognitoAuthorizer } from './cognito-authorizer';
import type { FunctionHost } from './function-host';
import { decide, invokePermission } from './iam-policy';
import { LOCAL_ACCOUNT_ID } from './local-aws';
import { listenOnLoopback } from './loopback';
import { type Identity, proxyEvent } from './proxy-event';
import { readBody } from './read-body';
import { signatureClaim, type sigv4Verifier } from './sigv4';
import type { ApiRoute, GatewayAnswer, MockAnswer, SigningIdentity, StackModel } from './stack-model';

interface GatewaySettings {
  port: number;
  model: StackModel;
  functionHost: FunctionHost;
  authorize: ReturnType<typeof cognitoAuthorizer>;
  /** Checks a SigV4 signature for `execute-api`; gives the access key it was made with. */
  verifySignature: ReturnType<typeof sigv4Verifier>;
  /** The IAM identities the local stack knows, by access key. */
  identities: ReadonlyMap<string, SigningIdentity>;
  /** Served at `openapi.json`, without authentication, with this gateway's own URL as its server. */
  openapi: string;
}

/** The types the local gateway answers with whose class is 5XX; every other it answers with is a 4XX. */
const SERVER_ERRORS: ReadonlySet<string> = new Set(['DEFAULT_5XX', 'API_CONFIGURATION_ERROR']);

/** API Gateway refuses payloads past 10 MB; the functions enforce the API's own 4 KiB. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface Resource {
  readonly path: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
  /** For each path segment: 0 a literal, 1 a variable, 2 a greedy variable; lower wins, segment by segment. */
  readonly precedence: readonly number[];
  readonly methods: ReadonlyMap<string, ApiRoute>;
}

function compile(path: string, methods: ReadonlyMap<string, ApiRoute>): Resource {
  const parameterNames: string[] = [];
  const precedence: number[] = [];
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const variable = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!variable) {
        precedence.push(0);
        return segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
      }
      parameterNames.push(variable[1] as string);
      precedence.push(variable[2] ? 2 : 1);
      return variable[2] ? '(.+)' : '([^/]+)';
    });
  return { path, pattern: new RegExp(`^/${segments.join('/')}$`), parameterNames, precedence, methods };
}

const byPrecedence = (a: Resource, b: Resource) => {
  for (let i = 0; i < Math.min(a.precedence.length, b.precedence.length); i++) {
    const order = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (order !== 0) return order;
  }
  return a.precedence.length - b.precedence.length;
};

/**
 * The API's resources and their methods, matched as API Gateway matches them: of the resources whose path fits
 * the request's, a literal segment wins over a `{variable}`, which wins over a greedy `{variable+}`; then the
 * resource's method for the request's, or its `ANY`. No match is API Gateway's MISSING_AUTHENTICATION_TOKEN.
 */
export function routeTable(routes: readonly ApiRoute[]) {
  const byPath = new Map<string, Map<string, ApiRoute>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Map<string, ApiRoute>();
    if (methods.has(route.method)) throw new Error(`the template has ${route.method} ${route.path} twice`);
    byPath.set(route.path, methods.set(route.method, route));
  }
  const resources = [...byPath].map(([path, methods]) => compile(path, methods)).sort(byPrecedence);
  return function match(method: string, pathname: string) {
    for (const resource of resources) {
      const values = resource.pattern.exec(pathname)?.slice(1);
      if (!values) continue;
      const route = resource.methods.get(method) ?? resource.methods.get('ANY');
      if (!route) return undefined;
      const pathParameters = resource.parameterNames.length
        ? Object.fromEntries(resource.parameterNames.map((name, i) => [name, values[i] ?? '']))
        : null;
      return { route, pathParameters };
    }
    return undefined;
  };
}

const isProxyResult = (value: unknown): value is APIGatewayProxyResult =>
  typeof value === 'object' &&
  value !== null &&
  Number.isInteger((value as APIGatewayProxyResult).statusCode) &&
  ['string', 'undefined'].includes(typeof (value as APIGatewayProxyResult).body);

/**
 * The local stand-in for API Gateway, serving the REST API of the synthesized template: its methods (Lambda
 * proxies and MOCKs, among them the CORS preflights and the 404s for unknown routes), matched as API Gateway
 * matches them, and its gateway responses for every refusal. Like API Gateway, it finds the method first, then
 * checks the caller: a Cognito ID token for COGNITO_USER_POOLS methods (401), a SigV4 signature whose key's
 * policy allows `execute-api:Invoke` on the request for AWS_IAM methods (403); then, before it invokes the
 * method's function, that the function's resource policy lets API Gateway invoke it for the request (500).
 */
export async function startGateway(settings: GatewaySettings) {
  const { model } = settings;
  const match = routeTable(model.routes);
  let openapi = '';

  // As API Gateway does, a type without a response of its own falls back to the default of its class, which
  // the model always has.
  const sendAnswer = (response: ServerResponse, type: string) => {
    const fallback = SERVER_ERRORS.has(type) ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
    const answer = (model.gatewayResponses.get(type) ?? model.gatewayResponses.get(fallback)) as GatewayAnswer;
    response.writeHead(answer.statusCode, answer.headers).end(answer.body);
  };

  /** The caller of an AWS_IAM method, or the gateway response that refuses them. */
  async function iamCaller(request: IncomingMessage, url: URL, body: Buffer, executeApiArn: string) {
    if (!signatureClaim(request.headers.authorization)) return { refusal: 'MISSING_AUTHENTICATION_TOKEN' };
    const accessKey = await settings.verifySignature(request, url, body);
    const principal = accessKey === undefined ? undefined : settings.identities.get(accessKey)?.principal;
    if (!accessKey || !principal) return { refusal: 'INVALID_SIGNATURE' };
    if (decide(principal.statements, 'execute-api:Invoke', executeApiArn) !== 'allowed') {
      return { refusal: 'ACCESS_DENIED' };
    }
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
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(openapi);
      return;
    }
    const found = match(method, url.pathname);
    if (!found) return sendAnswer(response, 'MISSING_AUTHENTICATION_TOKEN');
    const body = await readBody(request, MAX_PAYLOAD_BYTES);
    if (body === undefined) return sendAnswer(response, 'REQUEST_TOO_LARGE');
    const { route, pathParameters } = found;
    if (route.integration.kind === 'mock') return serveMock(request, response, route.integration.answer);
    const { functionId } = route.integration;
    // The method's ARN, which both an IAM policy and the function's resource policy are judged on.
    const sourceArn = model.executeApiArn(method, url.pathname);

    let identity: Identity;
    if (route.authorization === 'AWS_IAM') {
      const outcome = await iamCaller(request, url, body, sourceArn);
      if (!outcome.identity) return sendAnswer(response, outcome.refusal);
      identity = outcome.identity;
    } else if (route.authorization === 'COGNITO_USER_POOLS') {
      const claims = await settings.authorize(request.headers.authorization);
      if (!claims) return sendAnswer(response, 'UNAUTHORIZED');
      identity = { claims: claimsAsGatewayStrings(claims) };
    } else {
      throw new Error(`the local gateway does not serve ${route.authorization} methods`);
    }

    // API Gateway asks Lambda to invoke the function as itself, on behalf of the method's execute-api ARN; with
    // no permission in the function's resource policy for that, Lambda refuses, and API Gateway logs "Invalid
    // permissions on Lambda function" and answers API_CONFIGURATION_ERROR. Only the developer can fix it.
    const source = { service: 'apigateway.amazonaws.com', sourceArn, sourceAccount: LOCAL_ACCOUNT_ID };
    if (!invokePermission(model.permissions, functionId, source)) {
      console.error(
        `local gateway: ${method} ${url.pathname} answered API_CONFIGURATION_ERROR, as deployed: no ` +
          `AWS::Lambda::Permission in the template lets ${source.service} lambda:InvokeFunction ${functionId} ` +
          `from ${sourceArn} (API Gateway logs "Invalid permissions on Lambda function")`,
      );
      return sendAnswer(response, 'API_CONFIGURATION_ERROR');
    }

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
    const outcome = await settings.functionHost.invoke(functionId, event, requestId);
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

  /**
   * A MOCK's answer. With passthrough NEVER, a request whose content type it does not map (none counts as JSON)
   * gets API Gateway's 415 instead.
   */
  function serveMock(request: IncomingMessage, response: ServerResponse, answer: MockAnswer) {
    if (answer.contentTypes) {
      const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
      if (!answer.contentTypes.includes(contentType.toLowerCase())) {
        return sendAnswer(response, 'UNSUPPORTED_MEDIA_TYPE');
      }
    }
    const origin = request.headers.origin;
    const echoed = origin !== undefined && answer.echoedOrigins.includes(origin);
    response
      .writeHead(answer.statusCode, { ...answer.headers, ...(echoed && { 'Access-Control-Allow-Origin': origin }) })
      .end(answer.body);
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      console.error('local gateway failed:', error);
      if (response.headersSent) response.destroy();
      else sendAnswer(response, 'DEFAULT_5XX');
    });
  });
  const listener = await listenOnLoopback(server, settings.port);
  // Built once: its server is this gateway's own URL, known once it listens.
  const document = JSON.parse(settings.openapi) as { servers?: { url: string; description?: string }[] };
  document.servers = [{ url: listener.origin, description: 'This local stack.' }];
  openapi = JSON.stringify(document);
  return { url: `${listener.origin}/`, close: listener.close };
}
