import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { tokenOfAuthorization } from '../lambdas/http/bearer';

interface AuthorizerSettings {
  /** `http://127.0.0.1:<port>/<poolId>`, exactly as cognito-local writes `iss`. */
  issuer: string;
}

/**
 * What API Gateway's Cognito user pools authorizer checks, done with jose (aws-jwt-verify
 * refuses cognito-local's http JWKS and `local_…` pool ids): the RS256 signature against the
 * pool's JWKS, `iss` (a pool the authorizer names) and `exp`. Like API Gateway it does not pin
 * the app client (`aud`) nor tell ID from access tokens: the functions refuse those themselves
 * (lambdas/http/caller.ts), deployed and locally alike. It reads the token as the functions do.
 */
export function cognitoAuthorizer(settings: AuthorizerSettings) {
  const jwks = createRemoteJWKSet(new URL(`${settings.issuer}/.well-known/jwks.json`));
  return async function authorize(authorization: string | undefined): Promise<JWTPayload | undefined> {
    const token = tokenOfAuthorization(authorization);
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp'],
      });
      return payload;
    } catch {
      return undefined;
    }
  };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIME_CLAIMS = new Set(['exp', 'iat', 'auth_time']);

/** `Sat Nov 28 15:00:00 UTC 2026`: how API Gateway renders time claims to Lambda. */
function gatewayDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/** Claims as the REST API's Cognito authorizer hands them to Lambda: every value a string. */
export function claimsAsGatewayStrings(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => {
      if (TIME_CLAIMS.has(name) && typeof value === 'number') return [name, gatewayDate(value)];
      if (Array.isArray(value)) return [name, value.join(',')];
      return [name, typeof value === 'string' ? value : JSON.stringify(value)];
    }),
  );
}
