import { z } from 'zod';
import { TOKEN_STATUSES, TOKEN_TYPES } from './token';

/** Text limits count Unicode code points, not UTF-16 units (contract 7). */
export const codePoints = (s: string): number => [...s].length;

export const MAX_BODY_BYTES = 4096;
export const MAX_REASON_LENGTH = 500;

export const tokenIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'tokenId must be 8–128 characters of A–Z, a–z, 0–9, _ or -');

/** Ids of other systems (OAuth clients, user subs): any printable text of sane length. */
const externalId = (name: string) =>
  z
    .string()
    .min(1, `${name} must not be empty`)
    .refine((s) => codePoints(s) <= 256, `${name} must be at most 256 characters`)
    .refine((s) => !/\p{Cc}/u.test(s), `${name} must not contain control characters`);

const limit = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,5})$/, 'limit must be a whole number from 1 to 100')
  .transform(Number)
  .pipe(z.number().min(1, 'limit must be a whole number from 1 to 100').max(100, 'limit must be a whole number from 1 to 100'));

const listQueryFields = {
  limit: limit.optional(),
  cursor: z.string().min(1).optional(),
  clientId: externalId('clientId').optional(),
  tokenType: z.enum(TOKEN_TYPES, { error: 'tokenType must be access_token or refresh_token' }).optional(),
  status: z.enum(TOKEN_STATUSES, { error: 'status must be active or revoked' }).optional(),
};

export const ownListQuerySchema = z.strictObject(listQueryFields);
export const adminListQuerySchema = z.strictObject({ ...listQueryFields, userId: externalId('userId').optional() });
export type ListQuery = z.infer<typeof adminListQuerySchema>;

export const DEFAULT_PAGE_SIZE = 20;

export const noQuerySchema = z.strictObject({});

export const revokeBodySchema = z.strictObject({
  reason: z
    .string({ error: 'reason must be a string' })
    .refine((s) => codePoints(s) <= MAX_REASON_LENGTH, `reason must be at most ${MAX_REASON_LENGTH} characters`)
    .optional(),
});
export type RevokeBody = z.infer<typeof revokeBodySchema>;

/** One sentence for the client from zod's first complaint; never echoes the rejected value. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  if (issue.code === 'unrecognized_keys') return `Unknown parameter: ${issue.keys.join(', ')}.`;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}.`.replace(/\.\.$/, '.');
}
