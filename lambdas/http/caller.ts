import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Caller } from '../domain/authorization';
import { ApiError, forbidden } from '../domain/errors';
import { GATEWAY_MESSAGES } from './gateway-messages';

/**
 * `cognito:groups` arrives as a JSON array from a raw JWT, as "a,b" from API Gateway's REST
 * Cognito authorizer, and as "[a b]" or "[a, b]" from some API Gateway variants: accept them all.
 */
export function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value !== 'string') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    try {
      return parseGroups(JSON.parse(trimmed));
    } catch {
      return parseGroups(trimmed.slice(1, -1));
    }
  }
  return trimmed.split(/[,\s]+/).filter(Boolean);
}

/** The caller as the authorizer vouched for them; no claims means no authorizer ran. */
export function callerFromEvent(event: APIGatewayProxyEvent, adminGroup: string): Caller {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) {
    throw new ApiError('unauthorized', 'Sign in to call this route.');
  }
  return { sub, isAdmin: parseGroups(claims?.['cognito:groups']).includes(adminGroup) };
}

/**
 * The IAM principal of a SigV4-signed call. API Gateway's AWS_IAM authorization fills these in
 * only for a valid signature (the local gateway likewise), so their absence means no signature.
 */
export function servicePrincipalFromEvent(event: APIGatewayProxyEvent): string {
  const identity = event.requestContext?.identity;
  const principal = identity?.userArn || identity?.caller || identity?.accessKey;
  if (!principal) throw forbidden(GATEWAY_MESSAGES.signatureRequired);
  return principal;
}
