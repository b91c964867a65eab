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
