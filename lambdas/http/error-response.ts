import { ApiError, ERROR_STATUS, type ErrorCode } from '../domain/errors';
import { GATEWAY_MESSAGES } from './gateway-messages';

export interface JsonResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export function jsonResponse(statusCode: number, body: unknown): JsonResponse {
  return { statusCode, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

export function errorResponse(code: ErrorCode, message: string): JsonResponse {
  return jsonResponse(ERROR_STATUS[code], { error: code, message });
}

/** DynamoDB's own "slow down" errors: the client should retry later, not see a 500. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/**
 * Every failure becomes the API's error body (docs/api.md#errors). Only ApiError messages, which
 * are written for clients, are shown; anything else is logged by the caller and answered with a
 * fixed sentence.
 */
export function toErrorResponse(error: unknown): { response: JsonResponse; unexpected: boolean } {
  if (error instanceof ApiError) return { response: errorResponse(error.code, error.message), unexpected: false };
  if (error instanceof Error && THROTTLING.has(error.name)) {
    return { response: errorResponse('too_many_requests', 'Too many requests; try again shortly.'), unexpected: true };
  }
  return { response: errorResponse('internal_error', GATEWAY_MESSAGES.internalError), unexpected: true };
}
