import * as z from 'zod';
import { TOKEN_STATUSES, TOKEN_TYPES } from './token';

/** Text limits count Unicode code points, not UTF-16 units (contract 7). */
export const codePoints = (s: string): number => [...s].length;

export const MAX_BODY_BYTES = 4096;
export const MAX_REASON_LENGTH = 500;

export const tokenIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'tokenId must be 8–128 characters of A–Z, a–z, 0–9, _ or -');

/** Ids of other systems (OAuth clients, user subs): any printable text of sane length. */
export const externalId = (name: string) =>
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

/** RFC 6749 section 3.3: space-delimited scope tokens of printable ASCII without `"` or `\`. */
const scopeSchema = z
  .string({ error: 'scope must be a string' })
  .max(1000, 'scope must be at most 1000 characters')
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'scope must be space-delimited OAuth scope tokens');

export const MIN_EXPIRES_IN = 60;
export const MAX_EXPIRES_IN = 31_536_000;

export const mintBodySchema = z
  .strictObject({
    clientId: externalId('clientId'),
    clientName: z
      .string({ error: 'clientName must be a string' })
      .min(1, 'clientName must not be empty')
      .refine((s) => codePoints(s) <= 200, 'clientName must be at most 200 characters')
      .refine((s) => !/\p{Cc}/u.test(s), 'clientName must not contain control characters'),
    tokenType: z.enum(TOKEN_TYPES, { error: 'tokenType must be access_token or refresh_token' }),
    scope: scopeSchema,
    expiresIn: z
      .number({ error: 'expiresIn must be a number of seconds' })
      .int('expiresIn must be a whole number of seconds')
      .min(MIN_EXPIRES_IN, `expiresIn must be at least ${MIN_EXPIRES_IN} seconds`)
      .max(MAX_EXPIRES_IN, `expiresIn must be at most ${MAX_EXPIRES_IN} seconds`),
    userId: externalId('userId').optional(),
    parentTokenId: tokenIdSchema.optional(),
  })
  .refine((b) => b.parentTokenId === undefined || b.tokenType === 'access_token', {
    message: 'only an access token can have a parentTokenId',
    path: ['parentTokenId'],
  });
export type MintBody = z.infer<typeof mintBodySchema>;

/** A token value as a client presents it; its format is checked later, and an unknown one is just inactive. */
const tokenValue = z.string({ error: 'token is required' }).min(1, 'token is required').max(1024, 'token is too long');

/** RFC 7662: other parameters MAY be sent, so unknown ones are ignored rather than refused. */
export const introspectFormSchema = z.object({ token: tokenValue, token_type_hint: z.string().optional() });

/** RFC 7009, with the client the authorization server authenticated. */
export const revokeFormSchema = z.object({
  token: tokenValue,
  token_type_hint: z.string().optional(),
  client_id: externalId('client_id'),
});

export const appRevokeBodySchema = z.strictObject({});

export const bulkRevokeBodySchema = z.strictObject({
  clientId: externalId('clientId').optional(),
  reason: revokeBodySchema.shape.reason,
  dryRun: z.boolean({ error: 'dryRun must be true or false' }).optional(),
});
export type BulkRevokeBody = z.infer<typeof bulkRevokeBodySchema>;

/** One sentence for the client from zod's first complaint; never echoes the rejected value. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  if (issue.code === 'unrecognized_keys') return `Unknown parameter: ${issue.keys.join(', ')}.`;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}.`.replace(/\.\.$/, '.');
}
