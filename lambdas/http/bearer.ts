/**
 * The token in one Authorization header value, bare or after "Bearer " (any case), as API Gateway's Cognito
 * authorizer takes it; undefined when nothing is left.
 */
export function tokenOfAuthorization(value: string | undefined): string | undefined {
  return value?.replace(/^Bearer\s+/i, '').trim() || undefined;
}
