import {
  externalId,
  MAX_BODY_BYTES,
  ownListQuerySchema,
  revokeBodySchema,
  tokenIdSchema,
} from '../../lambdas/http/input';
import { bodyBytes, jsonBodyOf, pathParameter, queryOf } from '../../lambdas/http/request';
import { apiEvent, withQuery } from '../support/api-event';
import { refusal } from '../support/refusal';

describe('queryOf', () => {
  it('parses the query with the schema', () => {
    expect(
      queryOf(
        apiEvent(
          withQuery([
            ['limit', '5'],
            ['status', 'active'],
          ]),
        ),
        ownListQuerySchema,
      ),
    ).toStrictEqual({
      limit: 5,
      status: 'active',
    });
  });

  it('treats no query as an empty one', () => {
    expect(queryOf(apiEvent(), ownListQuerySchema)).toStrictEqual({});
  });

  it.each<[string, [string, string][]]>([
    [
      'the same value twice',
      [
        ['limit', '5'],
        ['limit', '5'],
      ],
    ],
    [
      'two values',
      [
        ['limit', '5'],
        ['limit', '10'],
      ],
    ],
    [
      'a repeated filter',
      [
        ['status', 'active'],
        ['status', 'revoked'],
      ],
    ],
    [
      'a repeated unknown parameter',
      [
        ['x', '1'],
        ['x', '2'],
      ],
    ],
  ])('refuses a repeated parameter: %s', (_, pairs) => {
    const error = refusal(() => queryOf(apiEvent(withQuery(pairs)), ownListQuerySchema));
    expect(error.message).toContain(pairs[0]![0]);
  });

  it('refuses unknown parameters', () => {
    refusal(() => queryOf(apiEvent(withQuery([['foo', 'bar']])), ownListQuerySchema));
  });
});

describe('pathParameter', () => {
  it('validates the path parameter', () => {
    expect(pathParameter(apiEvent({ pathParameters: { tokenId: 'tok_abcdefgh' } }), 'tokenId', tokenIdSchema)).toBe(
      'tok_abcdefgh',
    );
    refusal(() => pathParameter(apiEvent({ pathParameters: { tokenId: 'short' } }), 'tokenId', tokenIdSchema));
    refusal(() => pathParameter(apiEvent(), 'tokenId', tokenIdSchema));
  });

  it('decodes it, since API Gateway passes it percent-encoded as the client sent it', () => {
    const event = apiEvent({ pathParameters: { clientId: 'app%20%C3%A9%2F%25' } });
    expect(pathParameter(event, 'clientId', externalId('clientId'))).toBe('app é/%');
  });

  it('refuses a parameter that is not valid percent-encoding', () => {
    const error = refusal(() =>
      pathParameter(apiEvent({ pathParameters: { clientId: 'app%zz' } }), 'clientId', externalId('clientId')),
    );
    expect(error.message).toBe('clientId: not valid percent-encoding.');
  });
});

describe('bodyBytes', () => {
  it('accepts exactly 4096 bytes and refuses 4097', () => {
    expect(MAX_BODY_BYTES).toBe(4096);
    expect(bodyBytes(apiEvent({ body: 'x'.repeat(4096) }))).toHaveLength(4096);
    refusal(() => bodyBytes(apiEvent({ body: 'x'.repeat(4097) })));
  });

  it('measures bytes, not characters', () => {
    // 1366 three-byte characters = 4098 bytes, though only 1366 UTF-16 units.
    refusal(() => bodyBytes(apiEvent({ body: '€'.repeat(1366) })));
    expect(bodyBytes(apiEvent({ body: '€'.repeat(1365) }))).toHaveLength(4095);
  });

  it('measures a base64 body after decoding it', () => {
    const exactly = Buffer.alloc(4096, 1).toString('base64'); // ~5464 characters of base64
    expect(exactly.length).toBeGreaterThan(4096);
    expect(bodyBytes(apiEvent({ body: exactly, isBase64Encoded: true }))).toHaveLength(4096);
    refusal(() => bodyBytes(apiEvent({ body: Buffer.alloc(4097, 1).toString('base64'), isBase64Encoded: true })));
  });

  it('treats a missing body as empty', () => {
    expect(bodyBytes(apiEvent({ body: null }))).toHaveLength(0);
  });
});

describe('jsonBodyOf', () => {
  it.each(['', '   ', '\n'])('treats the empty body %j as {}', (body) => {
    expect(jsonBodyOf(apiEvent({ body }), revokeBodySchema)).toStrictEqual({});
  });

  it('treats a null body as {}', () => {
    expect(jsonBodyOf(apiEvent({ body: null }), revokeBodySchema)).toStrictEqual({});
  });

  it('parses a JSON object, also when base64-encoded', () => {
    const body = JSON.stringify({ reason: 'lost 📱' });
    expect(jsonBodyOf(apiEvent({ body }), revokeBodySchema)).toStrictEqual({ reason: 'lost 📱' });
    expect(
      jsonBodyOf(apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true }), revokeBodySchema),
    ).toStrictEqual({ reason: 'lost 📱' });
  });

  it.each(['[]', '"x"', 'null', '1', 'true', '[{"reason":"x"}]'])('refuses the non-object JSON %j', (body) => {
    refusal(() => jsonBodyOf(apiEvent({ body }), revokeBodySchema));
  });

  it.each(['{', 'reason=x', "{'reason':'x'}", '{"reason":"x"} trailing'])('refuses the malformed JSON %j', (body) => {
    refusal(() => jsonBodyOf(apiEvent({ body }), revokeBodySchema));
  });

  it('refuses unknown fields', () => {
    refusal(() => jsonBodyOf(apiEvent({ body: '{"reason":"x","force":true}' }), revokeBodySchema));
  });

  it('refuses an oversized body before parsing it', () => {
    const body = JSON.stringify({ reason: 'x'.repeat(4096) });
    expect(refusal(() => jsonBodyOf(apiEvent({ body }), revokeBodySchema)).message).toMatch(/4096 bytes/);
  });
});
