import { ApiError, type ErrorCode } from '../../lambdas/domain/errors';
import { ERROR_STATUS } from '../../lambdas/http/error-response';

/** Runs `run`, expecting it to throw an ApiError of `code` and `status`; returns that error. */
export function thrownApiError(run: () => unknown, code: ErrorCode, status: number): ApiError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(code);
    expect(ERROR_STATUS[(e as ApiError).code]).toBe(status);
    return e as ApiError;
  }
  throw new Error(`expected a ${status} ${code}`);
}

/** Runs `run`, expecting it to throw a 400 invalid_request ApiError; returns that error. */
export const refusal = (run: () => unknown): ApiError => thrownApiError(run, 'invalid_request', 400);
