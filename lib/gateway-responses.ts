import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ErrorCode } from '../lambdas/domain/errors';
import { ERROR_STATUS } from '../lambdas/http/error-response';
import { GATEWAY_MESSAGES } from '../lambdas/http/gateway-messages';

interface GatewayResponse {
  readonly type: ResponseType;
  /** Also fixes the status: the one status the API gives this code (docs/api.md#errors). */
  readonly error: ErrorCode;
  readonly message: string;
}

/**
 * RFC 9110 section 15.5.2: a 401 names the scheme to authenticate with. The gateway cannot tell
 * a missing token from a bad one, so it names only the scheme (RFC 6750 section 3).
 */
const AUTHENTICATE_HEADERS: Readonly<Partial<Record<ErrorCode, Record<string, string>>>> = {
  unauthorized: { 'WWW-Authenticate': 'Bearer' },
};

/**
 * API Gateway's own answers (authorizer refusals, unknown routes, throttling, integration
 * failures) in the API's error body. Every 4xx type is listed so each keeps the status of its
 * error code; a type the API has no code for (413) becomes invalid_request.
 * The messages are fixed sentences: `$context.error.message` could describe internals.
 */
export const GATEWAY_RESPONSES: readonly GatewayResponse[] = [
  { type: ResponseType.UNAUTHORIZED, error: 'unauthorized', message: GATEWAY_MESSAGES.unauthorized },
  { type: ResponseType.ACCESS_DENIED, error: 'forbidden', message: 'You are not allowed to do this.' },
  { type: ResponseType.EXPIRED_TOKEN, error: 'forbidden', message: 'The request credentials have expired.' },
  { type: ResponseType.INVALID_SIGNATURE, error: 'forbidden', message: 'The request signature is not valid.' },
  { type: ResponseType.INVALID_API_KEY, error: 'forbidden', message: 'The API key is not valid.' },
  { type: ResponseType.WAF_FILTERED, error: 'forbidden', message: 'The request was blocked.' },
  // An AWS_IAM (service) method called without a signature, or with an Authorization header that
  // is not a SigV4 one. API Gateway also answers unknown paths and methods with this type, but
  // unknown-routes.ts makes sure none reaches it, so here it only ever means "unsigned".
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, error: 'forbidden', message: GATEWAY_MESSAGES.signatureRequired },
  { type: ResponseType.RESOURCE_NOT_FOUND, error: 'not_found', message: GATEWAY_MESSAGES.noSuchRoute },
  { type: ResponseType.THROTTLED, error: 'too_many_requests', message: GATEWAY_MESSAGES.tooManyRequests },
  {
    type: ResponseType.QUOTA_EXCEEDED,
    error: 'too_many_requests',
    message: 'The request quota is used up; try again later.',
  },
  { type: ResponseType.BAD_REQUEST_BODY, error: 'invalid_request', message: 'The request body is not valid.' },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    error: 'invalid_request',
    message: 'The request parameters are not valid.',
  },
  { type: ResponseType.REQUEST_TOO_LARGE, error: 'invalid_request', message: GATEWAY_MESSAGES.tooLarge },
  // Only the 404 mocks of unknown-routes.ts can answer 415 (for a body they do not map), so this
  // is an unknown route too. Lambda proxy methods accept every content type.
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, error: 'not_found', message: GATEWAY_MESSAGES.noSuchRoute },
  // Catch-alls: any type not listed above, including ones AWS adds later.
  { type: ResponseType.DEFAULT_4XX, error: 'invalid_request', message: 'The request could not be processed.' },
  // Function errors, integration timeouts and authorizer failures: all a 500 internal_error.
  { type: ResponseType.DEFAULT_5XX, error: 'internal_error', message: GATEWAY_MESSAGES.internalError },
];

/**
 * A gateway response carries one static CORS header; it cannot echo the request's Origin only
 * when that origin is allowed. With several origins the first gets readable error bodies and the
 * others see an opaque CORS failure for gateway errors (the functions' own answers still carry the
 * right origin). Echoing `method.request.header.Origin` would allow every origin, so it is not used.
 */
export function addGatewayErrorResponses(api: RestApi, corsOrigin: string | undefined): void {
  for (const response of GATEWAY_RESPONSES) {
    api.addGatewayResponse(response.type.responseType, {
      type: response.type,
      statusCode: String(ERROR_STATUS[response.error]),
      // Header values are mapping expressions: a literal needs single quotes.
      responseHeaders: Object.fromEntries(
        Object.entries({
          ...(corsOrigin && { 'Access-Control-Allow-Origin': corsOrigin }),
          ...AUTHENTICATE_HEADERS[response.error],
        }).map(([name, value]) => [name, `'${value}'`]),
      ),
      // The template's content type becomes the response's Content-Type. Gateway response
      // templates are not VTL, only `$` substitution, and these bodies contain no `$`.
      templates: { 'application/json': JSON.stringify({ error: response.error, message: response.message }) },
    });
  }
}
