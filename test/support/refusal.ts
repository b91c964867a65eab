import { ApiError } from '../../lambdas/domain/errors';

/** Runs `run`, expecting it to throw a 400 invalid_request ApiError; returns that error. */
export function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe('invalid_request');
    expect((e as ApiError).status).toBe(400);
    return e as ApiError;
  }
  throw new Error('expected a 400 invalid_request');
}
