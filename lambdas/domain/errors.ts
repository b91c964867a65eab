/** The API's error codes (docs/api.md#errors), each with the one HTTP status it maps to. */
export const ERROR_STATUS = {
  invalid_request: 400,
  /** RFC 7009: the token belongs to another client than the one revoking it. */
  unauthorized_client: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failure the client may see: its message is written for the client, never for us. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
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
