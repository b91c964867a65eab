import { ApiError, type ErrorCode } from '../domain/errors';
import { isThrottling } from '../store/throttling';
import { GATEWAY_MESSAGES } from './gateway-messages';

/** Each error code's one HTTP status (docs/api.md#errors). */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  unauthorized_client: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  internal_error: 500,
};

export interface JsonResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Every answer is JSON that no cache may keep: each is one caller's own, and a mint or an
 * introspection answer holds a token value or says whether one is good (RFC 6749 section 5.1).
 */
export const ANSWER_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' } as const;

export function jsonResponse(statusCode: number, body: unknown): JsonResponse {
  return { statusCode, headers: { ...ANSWER_HEADERS }, body: JSON.stringify(body) };
}

export interface ErrorStyle {
  /** An OAuth endpoint's error (RFC 7662, RFC 7009): `error_description` for OAuth client libraries too. */
  readonly oauth?: boolean;
}

export function errorResponse(code: ErrorCode, message: string, style: ErrorStyle = {}): JsonResponse {
  const response = jsonResponse(ERROR_STATUS[code], {
    error: code,
    message,
    ...(style.oauth && { error_description: message }),
  });
  // RFC 9110 section 15.5.2 and RFC 6750 section 3: the scheme to authenticate with, and why this token failed.
  if (code === 'unauthorized') response.headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
  return response;
}

/**
 * Every failure becomes the API's error body (docs/api.md#errors). Only ApiError messages, which
 * are written for clients, are shown; anything else is logged by the caller and answered with a
 * fixed sentence.
 */
export function toErrorResponse(
  error: unknown,
  style: ErrorStyle = {},
): { response: JsonResponse; unexpected: boolean } {
  if (error instanceof ApiError) {
    return { response: errorResponse(error.code, error.message, style), unexpected: ERROR_STATUS[error.code] >= 500 };
  }
  if (isThrottling(error)) {
    const response = errorResponse('too_many_requests', GATEWAY_MESSAGES.tooManyRequests, style);
    return { response, unexpected: true };
  }
  return { response: errorResponse('internal_error', GATEWAY_MESSAGES.internalError, style), unexpected: true };
}
