/** The API's error codes (docs/api.md#errors); `http/error-response.ts` maps each to its HTTP status. */
export type ErrorCode =
  | 'invalid_request'
  /** RFC 7009: the token belongs to another client than the one revoking it. */
  | 'unauthorized_client'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_many_requests'
  | 'internal_error';

/** A failure the client may see: its message is written for the client, never for us. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidRequest = (message: string) => new ApiError('invalid_request', message);
export const forbidden = (message = 'You may not call this route.') => new ApiError('forbidden', message);
export const notFound = (message = 'No such token.') => new ApiError('not_found', message);

/** Work stopped at its deadline, before the function's timeout: what it did stays done, and a retry finishes it. */
export const deadlineExceeded = () =>
  new ApiError(
    'internal_error',
    'The request ran out of time and stopped; what it changed stays changed. Send it again to finish.',
  );
