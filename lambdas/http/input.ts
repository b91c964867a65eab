// zod/mini: the same checks as classic zod from a quarter of its bytes in every bundle
// (BENCHMARKS.md, cold start). It ships no locale, so every check carries its own message.
import * as z from 'zod/mini';
import {
  codePoints,
  MAX_CLIENT_NAME_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_EXPIRES_IN,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_PAGE_SIZE,
  MAX_PEOPLE_FOUND,
  MAX_REASON_LENGTH,
  MAX_SCOPE_LENGTH,
  MAX_TOKEN_VALUE_LENGTH,
  MIN_EXPIRES_IN,
} from '../domain/limits';
import { TOKEN_STATUSES, TOKEN_TYPES } from '../domain/token';

export const MAX_BODY_BYTES = 4096;

const TOKEN_ID_RULE = 'tokenId must be 8–128 characters of A–Z, a–z, 0–9, _ or -';
export const tokenIdSchema = z.string({ error: TOKEN_ID_RULE }).check(z.regex(/^[A-Za-z0-9_-]{8,128}$/, TOKEN_ID_RULE));

/** 1 to `max` Unicode characters, none of them a control character. */
const printableText = (name: string, max: number, missing = `${name} must be a string`) =>
  z.string({ error: missing }).check(
    z.minLength(1, `${name} must not be empty`),
    z.refine((s) => codePoints(s) <= max, `${name} must be at most ${max} characters`),
    z.refine((s) => !/\p{Cc}/u.test(s), `${name} must not contain control characters`),
  );

/** Ids of other systems (OAuth clients, user subs): any printable text of sane length. */
export const externalId = (name: string) => printableText(name, MAX_EXTERNAL_ID_LENGTH);

/** `limit` as a query parameter: a plain whole number from 1 to `max`. */
function limitUpTo(max: number) {
  const rule = `limit must be a whole number from 1 to ${max}`;
  return z.pipe(
    z.pipe(z.string({ error: rule }).check(z.regex(/^(0|[1-9][0-9]{0,5})$/, rule)), z.transform(Number)),
    z.number().check(z.minimum(1, rule), z.maximum(max, rule)),
  );
}

const limit = limitUpTo(MAX_PAGE_SIZE);

const listQueryFields = {
  limit: z.optional(limit),
  cursor: z.optional(z.string({ error: 'cursor must be a string' }).check(z.minLength(1, 'cursor must not be empty'))),
  clientId: z.optional(externalId('clientId')),
  tokenType: z.optional(z.enum(TOKEN_TYPES, { error: 'tokenType must be access_token or refresh_token' })),
  status: z.optional(z.enum(TOKEN_STATUSES, { error: 'status must be active or revoked' })),
};

export const ownListQuerySchema = z.strictObject(listQueryFields);
export const adminListQuerySchema = z.strictObject({ ...listQueryFields, userId: z.optional(externalId('userId')) });

export const noQuerySchema = z.strictObject({});

export const userSearchQuerySchema = z.strictObject({
  email: printableText('email', MAX_EMAIL_LENGTH, 'email is required'),
  limit: z.optional(limitUpTo(MAX_PEOPLE_FOUND)),
});

export const revokeBodySchema = z.strictObject({
  reason: z.optional(
    z
      .string({ error: 'reason must be a string' })
      .check(
        z.refine((s) => codePoints(s) <= MAX_REASON_LENGTH, `reason must be at most ${MAX_REASON_LENGTH} characters`),
      ),
  ),
});

/** RFC 6749 section 3.3: space-delimited scope tokens of printable ASCII without `"` or `\`. */
const scopeSchema = z
  .string({ error: 'scope must be a string' })
  .check(
    z.maxLength(MAX_SCOPE_LENGTH, `scope must be at most ${MAX_SCOPE_LENGTH} characters`),
    z.regex(
      /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/,
      'scope must be space-delimited OAuth scope tokens',
    ),
  );

export const mintBodySchema = z
  .strictObject({
    clientId: externalId('clientId'),
    clientName: printableText('clientName', MAX_CLIENT_NAME_LENGTH),
    tokenType: z.enum(TOKEN_TYPES, { error: 'tokenType must be access_token or refresh_token' }),
    scope: scopeSchema,
    expiresIn: z
      .number({ error: 'expiresIn must be a number of seconds' })
      .check(
        z.refine(Number.isInteger, 'expiresIn must be a whole number of seconds'),
        z.minimum(MIN_EXPIRES_IN, `expiresIn must be at least ${MIN_EXPIRES_IN} seconds`),
        z.maximum(MAX_EXPIRES_IN, `expiresIn must be at most ${MAX_EXPIRES_IN} seconds`),
      ),
    userId: z.optional(externalId('userId')),
    parentTokenId: z.optional(tokenIdSchema),
  })
  .check(
    z.refine((b) => b.parentTokenId === undefined || b.tokenType === 'access_token', {
      error: 'only an access token can have a parentTokenId',
      path: ['parentTokenId'],
    }),
  );

/** A token value as a client presents it; its format is checked later, and an unknown one is just inactive. */
const tokenValue = z
  .string({ error: 'token is required' })
  .check(z.minLength(1, 'token is required'), z.maxLength(MAX_TOKEN_VALUE_LENGTH, 'token is too long'));
const tokenTypeHint = z.optional(z.string({ error: 'token_type_hint must be a string' }));

/** RFC 7662: other parameters MAY be sent, so unknown ones are ignored rather than refused. */
export const introspectFormSchema = z.object({ token: tokenValue, token_type_hint: tokenTypeHint });

/** RFC 7009, with the client the authorization server authenticated. */
export const revokeFormSchema = z.object({
  token: tokenValue,
  token_type_hint: tokenTypeHint,
  client_id: externalId('client_id'),
});

export const appRevokeBodySchema = z.strictObject({});

export const bulkRevokeBodySchema = z.strictObject({
  clientId: z.optional(externalId('clientId')),
  reason: revokeBodySchema.shape.reason,
  dryRun: z.optional(z.boolean({ error: 'dryRun must be true or false' })),
});

/** One sentence for the client from zod's first complaint; never echoes the rejected value. */
export function describeIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  if (issue.code === 'unrecognized_keys') return `Unknown parameter: ${issue.keys.join(', ')}.`;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}.`.replace(/\.\.$/, '.');
}
