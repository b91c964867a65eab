import { ApiError, type ErrorCode } from '../../lambdas/domain/errors';

/** Runs `run`, expecting it to throw an ApiError of `code` and `status`; returns that error. */
export function thrownApiError(run: () => unknown, code: ErrorCode, status: number): ApiError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(code);
    expect((e as ApiError).status).toBe(status);
    return e as ApiError;
  }
  throw new Error(`expected a ${status} ${code}`);
}

/** Runs `run`, expecting it to throw a 400 invalid_request ApiError; returns that error. */
export const refusal = (run: () => unknown): ApiError => thrownApiError(run, 'invalid_request', 400);
