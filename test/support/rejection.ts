import { ApiError, type ErrorCode } from '../../lambdas/domain/errors';

/** Awaits `promise`, expecting it to reject with an ApiError of `code`; returns that error. */
export async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<ApiError> {
  let outcome: unknown;
  try {
    await promise;
  } catch (e) {
    outcome = e;
  }
  if (outcome === undefined) throw new Error(`expected an ApiError ${code}, but the call succeeded`);
  expect(outcome).toBeInstanceOf(ApiError);
  expect((outcome as ApiError).code).toBe(code);
  return outcome as ApiError;
}
