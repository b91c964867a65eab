import type { APIGatewayProxyEvent } from 'aws-lambda';

/** An API Gateway REST proxy event, with only the fields a test sets; claims arrive as strings. */
export function apiEvent(
  fields: Partial<APIGatewayProxyEvent> & { claims?: Record<string, unknown> } = {},
): APIGatewayProxyEvent {
  const { claims, ...rest } = fields;
  return {
    body: null,
    headers: {},
    multiValueHeaders: {},
    httpMethod: 'GET',
    isBase64Encoded: false,
    path: '/tokens',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/tokens',
    requestContext: {
      ...(claims !== undefined && { authorizer: { claims } }),
    } as APIGatewayProxyEvent['requestContext'],
    ...rest,
  };
}

/** A JWT as API Gateway's authorizer passes it on: its payload readable, its signature already checked. */
export function idToken(payload: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'test' })}.${part(payload)}.${Buffer.from('signature').toString('base64url')}`;
}

/**
 * An event for an ID token: the token in the Authorization header, and the claims API Gateway's
 * authorizer renders from it as strings (arrays joined with commas).
 */
export function idTokenEvent(payload: Record<string, unknown>, fields: Partial<APIGatewayProxyEvent> = {}) {
  const claims = Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
  );
  return apiEvent({ claims, headers: { Authorization: `Bearer ${idToken(payload)}` }, ...fields });
}

/** Query parameters as API Gateway hands them over: single- and multi-value maps. */
export function withQuery(
  pairs: [string, string][],
): Pick<APIGatewayProxyEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    single[name] = value; // API Gateway keeps the last one
    multi[name] = [...(multi[name] ?? []), value];
  }
  return pairs.length
    ? { queryStringParameters: single, multiValueQueryStringParameters: multi }
    : { queryStringParameters: null, multiValueQueryStringParameters: null };
}
