import type { APIGatewayProxyEvent } from 'aws-lambda';
import { decodeJwt, type JWTPayload } from 'jose';
import type { Caller } from '../domain/authorization';
import { ApiError, forbidden } from '../domain/errors';
import { isMemberOf } from '../domain/identity';
import { tokenOfAuthorization } from './bearer';
import { GATEWAY_MESSAGES } from './gateway-messages';

export interface CallerSettings {
  /** The app client whose ID tokens this API accepts. */
  readonly clientId: string;
  readonly adminGroup: string;
}

const unauthorized = () => new ApiError('unauthorized', GATEWAY_MESSAGES.unauthorized);

/**
 * The token in the Authorization header, as API Gateway's authorizer takes it. A request with
 * more than one Authorization value has none: the authorizer verified one of them, and nothing
 * says which.
 */
function bearerToken(event: APIGatewayProxyEvent): string | undefined {
  const isAuthorization = ([name]: [string, unknown]) => name.toLowerCase() === 'authorization';
  const values = new Set([
    ...Object.entries(event.headers ?? {})
      .filter(isAuthorization)
      .map(([, value]) => value),
    ...Object.entries(event.multiValueHeaders ?? {})
      .filter(isAuthorization)
      .flatMap(([, value]) => value ?? []),
  ]);
  if (values.size !== 1) return undefined;
  const [header] = values;
  return tokenOfAuthorization(header);
}

/**
 * The signed-in caller. API Gateway's Cognito authorizer has verified the ID token's signature,
 * issuer and expiry, but it does not pin the app client, and it renders the claims as strings.
 * So the function reads the token API Gateway verified (the Authorization header; its subject and
 * issuer must be those of the authorizer's claims), refuses one that is not an ID token of this
 * API's app client (401, as the authorizer itself would), and takes the groups from the token's
 * own array.
 */
export function callerFromEvent(event: APIGatewayProxyEvent, settings: CallerSettings): Caller {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const token = bearerToken(event);
  if (!claims || typeof claims.sub !== 'string' || !token) throw unauthorized();
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw unauthorized();
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (
    payload.sub !== claims.sub ||
    payload.iss !== claims.iss ||
    payload.token_use !== 'id' ||
    audiences.length !== 1 ||
    audiences[0] !== settings.clientId
  ) {
    throw unauthorized();
  }
  return { sub: payload.sub, isAdmin: isMemberOf(payload, settings.adminGroup) };
}

/**
 * The IAM principal of a SigV4-signed call. API Gateway's AWS_IAM authorization fills these in
 * only for a valid signature that the caller's policy allows (the local gateway likewise), so
 * their absence means no signature.
 */
export function servicePrincipalFromEvent(event: APIGatewayProxyEvent): string {
  const identity = event.requestContext?.identity;
  const principal = identity?.userArn || identity?.caller || identity?.accessKey;
  if (!principal) throw forbidden(GATEWAY_MESSAGES.signatureRequired);
  return principal;
}
