import type * as z from 'zod/mini';
import { describeIssue } from '../../lambdas/http/input';

export const accepts = (schema: z.ZodMiniType, value: unknown): boolean => schema.safeParse(value).success;

/** The sentence a client gets for `value`; throws if the schema accepts it. */
export function messageFor(schema: z.ZodMiniType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return describeIssue(result.error);
}
