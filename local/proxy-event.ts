import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, LOCAL_API_ID } from './local-aws';
import type { ApiRoute } from './stack-model';

/** Who the gateway let through: a Cognito user's claims, or a SigV4-signed IAM caller. */
export type Identity = { claims: Record<string, string> } | { iam: { accessKey: string; userArn: string } };

interface EventParts {
  request: IncomingMessage;
  url: URL;
  route: ApiRoute;
  stage: string;
  pathParameters: Record<string, string> | null;
  identity: Identity;
  body: string;
  requestId: string;
}

/** Single and multi-value maps, as API Gateway builds them (the single one keeps the last value). */
function valueMaps(pairs: Iterable<[string, string]>) {
  // A Map, not an object: a parameter named `__proto__` or `constructor` is just a parameter.
  const multi = new Map<string, string[]>();
  for (const [name, value] of pairs) multi.set(name, [...(multi.get(name) ?? []), value]);
  return {
    single: Object.fromEntries([...multi].map(([name, values]) => [name, values.at(-1) ?? ''])),
    multi: Object.fromEntries(multi),
  };
}

function headerPairs(request: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}

/** A REST API (v1) Lambda proxy event, shaped as API Gateway sends it. */
export function proxyEvent(parts: EventParts): APIGatewayProxyEvent {
  const { request, url, route, identity } = parts;
  const headers = valueMaps(headerPairs(request));
  const query = valueMaps(url.searchParams.entries());
  const hasQuery = Object.keys(query.single).length > 0;
  const iam = 'iam' in identity ? identity.iam : undefined;
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: route.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: hasQuery ? query.single : null,
    multiValueQueryStringParameters: hasQuery ? query.multi : null,
    pathParameters: parts.pathParameters,
    stageVariables: null,
    body: parts.body === '' ? null : parts.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      authorizer: 'claims' in identity ? { claims: identity.claims } : null,
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      identity: {
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: request.headers['user-agent'] ?? null,
        // As API Gateway's AWS_IAM authorization fills them in; null for Cognito-authorized calls.
        accessKey: iam?.accessKey ?? null,
        caller: iam?.userArn ?? null,
        userArn: iam?.userArn ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/${parts.stage}${url.pathname}`,
      stage: parts.stage,
      requestId: parts.requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.resourceId,
      resourcePath: route.path,
    },
  };
}
