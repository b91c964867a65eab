/**
 * The exact sentence a client reads for each refusal (docs/api.md, "Input rules and order of
 * checks"). zod/mini has no locale: a check that lost its message would answer "Invalid input"
 * or nothing at all, and one that lost its path would no longer name the field.
 */
import * as z from 'zod/mini';
import {
  adminListQuerySchema,
  bulkRevokeBodySchema,
  describeIssue,
  externalId,
  introspectFormSchema,
  mintBodySchema,
  revokeBodySchema,
  revokeFormSchema,
  tokenIdSchema,
  userSearchQuerySchema,
} from '../../lambdas/http/input';
import { messageFor } from '../support/schema-checks';

const TOKEN_ID_RULE = 'tokenId must be 8–128 characters of A–Z, a–z, 0–9, _ or -.';
const LIMIT_RULE = 'limit: limit must be a whole number from 1 to 100.';
const mint = { clientId: 'client-a', clientName: 'App A', tokenType: 'access_token', scope: 'read', expiresIn: 3600 };

type Case = [string, unknown, string];

// A path parameter's sentence has no prefix: the schema sees the bare value, not an object.
describe.each<[string, z.ZodMiniType, Case[]]>([
  [
    'a token id in the path',
    tokenIdSchema,
    [
      ['tokenId missing', undefined, TOKEN_ID_RULE],
      ['tokenId not text', 12345678, TOKEN_ID_RULE],
      ['tokenId too short', 'abcdefg', TOKEN_ID_RULE],
    ],
  ],
  [
    'an id of another system in the path',
    externalId('clientId'),
    [
      ['empty', '', 'clientId must not be empty.'],
      ['too long', 'x'.repeat(257), 'clientId must be at most 256 characters.'],
      ['a control character', 'a\u0000b', 'clientId must not contain control characters.'],
    ],
  ],
  [
    'the token lists',
    adminListQuerySchema,
    [
      ['limit not text', { limit: 5 }, LIMIT_RULE],
      ['limit 0', { limit: '0' }, LIMIT_RULE],
      ['limit 101', { limit: '101' }, LIMIT_RULE],
      ['limit 1.5', { limit: '1.5' }, LIMIT_RULE],
      ['cursor not text', { cursor: 5 }, 'cursor: cursor must be a string.'],
      ['cursor empty', { cursor: '' }, 'cursor: cursor must not be empty.'],
      ['clientId empty', { clientId: '' }, 'clientId: clientId must not be empty.'],
      ['clientId with a bell', { clientId: 'a\u0007' }, 'clientId: clientId must not contain control characters.'],
      ['tokenType unknown', { tokenType: 'id_token' }, 'tokenType: tokenType must be access_token or refresh_token.'],
      ['status unknown', { status: 'expired' }, 'status: status must be active or revoked.'],
      ['userId too long', { userId: 'a'.repeat(257) }, 'userId: userId must be at most 256 characters.'],
      ['two unknown parameters', { foo: '1', bar: '2' }, 'Unknown parameter: foo, bar.'],
    ],
  ],
  [
    'finding people',
    userSearchQuerySchema,
    [
      ['email missing', {}, 'email: email is required.'],
      ['email empty', { email: '' }, 'email: email must not be empty.'],
      ['email too long', { email: 'x'.repeat(255) }, 'email: email must be at most 254 characters.'],
      ['email with a tab', { email: 'a\tb' }, 'email: email must not contain control characters.'],
      ['limit 21', { email: 'a', limit: '21' }, 'limit: limit must be a whole number from 1 to 20.'],
      ['limit not text', { email: 'a', limit: 5 }, 'limit: limit must be a whole number from 1 to 20.'],
    ],
  ],
  [
    'revoking a token',
    revokeBodySchema,
    [
      ['reason not text', { reason: 42 }, 'reason: reason must be a string.'],
      ['reason too long', { reason: 'x'.repeat(501) }, 'reason: reason must be at most 500 characters.'],
    ],
  ],
  [
    'revoking in bulk',
    bulkRevokeBodySchema,
    [
      ['reason not text', { reason: 42 }, 'reason: reason must be a string.'],
      ['dryRun not a boolean', { dryRun: 'yes' }, 'dryRun: dryRun must be true or false.'],
      ['clientId empty', { clientId: '' }, 'clientId: clientId must not be empty.'],
    ],
  ],
  [
    'minting',
    mintBodySchema,
    [
      ['clientId not text', { ...mint, clientId: 5 }, 'clientId: clientId must be a string.'],
      ['clientId missing', { ...mint, clientId: undefined }, 'clientId: clientId must be a string.'],
      ['clientName not text', { ...mint, clientName: 5 }, 'clientName: clientName must be a string.'],
      ['clientName empty', { ...mint, clientName: '' }, 'clientName: clientName must not be empty.'],
      [
        'clientName too long',
        { ...mint, clientName: 'x'.repeat(201) },
        'clientName: clientName must be at most 200 characters.',
      ],
      [
        'clientName with a newline',
        { ...mint, clientName: 'a\nb' },
        'clientName: clientName must not contain control characters.',
      ],
      [
        'tokenType unknown',
        { ...mint, tokenType: 'id_token' },
        'tokenType: tokenType must be access_token or refresh_token.',
      ],
      ['scope missing', { ...mint, scope: undefined }, 'scope: scope must be a string.'],
      ['scope too long', { ...mint, scope: 'x'.repeat(1001) }, 'scope: scope must be at most 1000 characters.'],
      ['scope two spaces', { ...mint, scope: 'a  b' }, 'scope: scope must be space-delimited OAuth scope tokens.'],
      ['expiresIn text', { ...mint, expiresIn: '3600' }, 'expiresIn: expiresIn must be a number of seconds.'],
      ['expiresIn fraction', { ...mint, expiresIn: 60.5 }, 'expiresIn: expiresIn must be a whole number of seconds.'],
      ['expiresIn 59', { ...mint, expiresIn: 59 }, 'expiresIn: expiresIn must be at least 60 seconds.'],
      [
        'expiresIn a year + 1',
        { ...mint, expiresIn: 31_536_001 },
        'expiresIn: expiresIn must be at most 31536000 seconds.',
      ],
      ['userId not text', { ...mint, userId: ['alice'] }, 'userId: userId must be a string.'],
      ['parentTokenId malformed', { ...mint, parentTokenId: 'x' }, `parentTokenId: ${TOKEN_ID_RULE}`],
      [
        'parentTokenId on a refresh token',
        { ...mint, tokenType: 'refresh_token', parentTokenId: 'tok_parent01' },
        'parentTokenId: only an access token can have a parentTokenId.',
      ],
    ],
  ],
  [
    'introspection',
    introspectFormSchema,
    [
      ['token missing', {}, 'token: token is required.'],
      ['token empty', { token: '' }, 'token: token is required.'],
      ['token too long', { token: 'a'.repeat(1025) }, 'token: token is too long.'],
      [
        'token_type_hint not text',
        { token: 'a', token_type_hint: 1 },
        'token_type_hint: token_type_hint must be a string.',
      ],
    ],
  ],
  [
    'revocation by the authorization server',
    revokeFormSchema,
    [
      ['client_id missing', { token: 'a' }, 'client_id: client_id must be a string.'],
      ['client_id empty', { token: 'a', client_id: '' }, 'client_id: client_id must not be empty.'],
    ],
  ],
])('the sentence a client reads: %s', (_, schema, cases) => {
  it.each(cases)('%s', (_case, value, expected) => {
    expect(messageFor(schema, value)).toBe(expected);
  });
});

// No schema of ours produces these today; describeIssue must still answer one well-formed sentence.
describe('describeIssue', () => {
  it('answers a generic sentence when zod reports no issue', () => {
    expect(describeIssue(new z.core.$ZodError([]))).toBe('The request is not valid.');
  });

  it.each<[string, z.ZodMiniType, unknown, string]>([
    [
      'joins a nested path with dots',
      z.object({ a: z.object({ b: z.string({ error: 'bad' }) }) }),
      { a: { b: 1 } },
      'a.b: bad.',
    ],
    ['adds no second period', z.string({ error: 'Not text.' }), 1, 'Not text.'],
    ['keeps two periods inside the message', z.string({ error: 'one of 1..9' }), 1, 'one of 1..9.'],
  ])('%s', (_, schema, value, expected) => {
    expect(messageFor(schema, value)).toBe(expected);
  });
});
