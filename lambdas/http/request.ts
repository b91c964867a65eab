import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod/mini';
import { invalidRequest } from '../domain/errors';
import { describeIssue, MAX_BODY_BYTES } from './input';

function parse<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(describeIssue(result.error));
  return result.data;
}

/** Query parameters, refusing repeated ones rather than silently picking one. */
export function queryOf<S extends z.ZodMiniType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if ((values?.length ?? 0) > 1) throw invalidRequest(`The parameter ${name} is given more than once.`);
  }
  return parse(schema, event.queryStringParameters ?? {});
}

/** A path parameter, decoded: API Gateway's REST proxy passes it as the client sent it, percent-encoded. */
export function pathParameter<S extends z.ZodMiniType>(
  event: APIGatewayProxyEvent,
  name: string,
  schema: S,
): z.output<S> {
  const raw = event.pathParameters?.[name];
  let value: string | undefined;
  try {
    value = raw === undefined ? undefined : decodeURIComponent(raw);
  } catch {
    throw invalidRequest(`${name}: not valid percent-encoding.`);
  }
  return parse(schema, value);
}

/**
 * The body's bytes, refused past the API's 4 KiB limit. Every route calls this (through
 * `routeHandler` and `serviceRouteHandler`), including those that take no body.
 */
export function bodyBytes(event: APIGatewayProxyEvent): Buffer {
  const raw = event.body ?? '';
  const bytes = Buffer.from(raw, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw invalidRequest(`The body must be at most ${MAX_BODY_BYTES} bytes.`);
  return bytes;
}

/** A JSON object body, or an empty one; anything else is refused before it reaches the domain. */
export function jsonBodyOf<S extends z.ZodMiniType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  const text = bodyBytes(event).toString('utf8');
  if (text.trim() === '') return parse(schema, {});
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidRequest('The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The body must be a JSON object.');
  }
  return parse(schema, body);
}

/**
 * An `application/x-www-form-urlencoded` body, as RFC 7662 and RFC 7009 send it. A parameter
 * given twice is refused (RFC 6749 section 3.1), never silently resolved.
 */
export function formBodyOf<S extends z.ZodMiniType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  // No prototype: a parameter named `constructor` or `__proto__` is just an unknown parameter.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(bodyBytes(event).toString('utf8'))) {
    if (Object.hasOwn(fields, name)) throw invalidRequest(`The parameter ${name} is given more than once.`);
    fields[name] = value;
  }
  return parse(schema, fields);
}
