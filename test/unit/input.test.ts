import type * as z from 'zod/mini';
import { codePoints, DEFAULT_PAGE_SIZE, MAX_REASON_LENGTH } from '../../lambdas/domain/limits';
import {
  adminListQuerySchema,
  noQuerySchema,
  ownListQuerySchema,
  revokeBodySchema,
  tokenIdSchema,
} from '../../lambdas/http/input';
import { accepts, messageFor } from '../support/schema-checks';

describe('list query', () => {
  describe('limit', () => {
    it.each(['1', '2', '20', '99', '100'])('accepts %j as a number', (limit) => {
      expect(ownListQuerySchema.parse({ limit })).toStrictEqual({ limit: Number(limit) });
    });

    it.each([
      '0',
      '101',
      '1000',
      '999999',
      '9999999',
      'abc',
      '2.5',
      '+5',
      '-5',
      '05',
      '1e1',
      ' 5',
      '5 ',
      '',
      '0x10',
      '١',
    ])('refuses %j', (limit) => {
      expect(accepts(ownListQuerySchema, { limit })).toBe(false);
      expect(messageFor(ownListQuerySchema, { limit })).toMatch(/^limit: /);
    });

    it('is optional, with a default page size of 20 applied by the service', () => {
      expect(ownListQuerySchema.parse({})).toStrictEqual({});
      expect(DEFAULT_PAGE_SIZE).toBe(20);
    });
  });

  it.each(['foo', 'userId', 'Limit', 'page'])('the own-token route refuses the unknown parameter %j', (name) => {
    expect(accepts(ownListQuerySchema, { [name]: 'x' })).toBe(false);
    expect(messageFor(ownListQuerySchema, { [name]: 'x' })).toContain(name);
  });

  it('the admin route takes userId, and refuses other unknown parameters', () => {
    expect(adminListQuerySchema.parse({ userId: 'alice' })).toStrictEqual({ userId: 'alice' });
    expect(accepts(adminListQuerySchema, { user: 'alice' })).toBe(false);
  });

  it('takes every documented parameter together', () => {
    expect(
      adminListQuerySchema.parse({
        limit: '5',
        cursor: 'abc.def',
        clientId: 'client-a',
        tokenType: 'refresh_token',
        status: 'revoked',
        userId: 'alice',
      }),
    ).toStrictEqual({
      limit: 5,
      cursor: 'abc.def',
      clientId: 'client-a',
      tokenType: 'refresh_token',
      status: 'revoked',
      userId: 'alice',
    });
  });

  it.each(['access_token', 'refresh_token'])('accepts tokenType %j', (tokenType) => {
    expect(accepts(ownListQuerySchema, { tokenType })).toBe(true);
  });

  it.each(['id_token', 'ACCESS_TOKEN', 'access', ''])('refuses tokenType %j', (tokenType) => {
    expect(accepts(ownListQuerySchema, { tokenType })).toBe(false);
  });

  it.each(['active', 'revoked'])('accepts status %j', (status) => {
    expect(accepts(ownListQuerySchema, { status })).toBe(true);
  });

  it.each(['expired', 'Active', 'all', ''])('refuses status %j', (status) => {
    expect(accepts(ownListQuerySchema, { status })).toBe(false);
  });

  it('refuses an empty cursor, clientId or userId', () => {
    expect(accepts(ownListQuerySchema, { cursor: '' })).toBe(false);
    expect(accepts(ownListQuerySchema, { clientId: '' })).toBe(false);
    expect(accepts(adminListQuerySchema, { userId: '' })).toBe(false);
  });
});

describe('routes without a query', () => {
  it('accept no parameters and refuse any', () => {
    expect(accepts(noQuerySchema, {})).toBe(true);
    expect(accepts(noQuerySchema, { limit: '1' })).toBe(false);
  });
});

describe('tokenId', () => {
  it.each(['abcdefgh', 'A'.repeat(128), 'tok_AZaz09-_'])('accepts %j', (id) => {
    expect(accepts(tokenIdSchema, id)).toBe(true);
  });
  it.each(['abcdefg', 'A'.repeat(129), 'tok.abcdefgh', 'tok abcdefgh', 'tok/abcdefgh', 'tökenabcdef', '', undefined])(
    'refuses %j',
    (id) => {
      expect(accepts(tokenIdSchema, id)).toBe(false);
    },
  );
});

describe('revoke body', () => {
  it('accepts an empty object and a reason', () => {
    expect(revokeBodySchema.parse({})).toStrictEqual({});
    expect(revokeBodySchema.parse({ reason: 'lost my phone' })).toStrictEqual({ reason: 'lost my phone' });
  });

  it('counts the reason in code points: 500 emoji are accepted, 501 refused', () => {
    expect(MAX_REASON_LENGTH).toBe(500);
    const emoji = '😀';
    expect(emoji.length).toBe(2); // two UTF-16 units, one character
    expect(accepts(revokeBodySchema, { reason: emoji.repeat(500) })).toBe(true);
    expect(accepts(revokeBodySchema, { reason: emoji.repeat(501) })).toBe(false);
  });

  it('accepts 500 ASCII characters and refuses 501', () => {
    expect(accepts(revokeBodySchema, { reason: 'x'.repeat(500) })).toBe(true);
    expect(accepts(revokeBodySchema, { reason: 'x'.repeat(501) })).toBe(false);
    expect(messageFor(revokeBodySchema, { reason: 'x'.repeat(501) })).toMatch(/^reason: .*500/);
  });

  it.each([42, true, null, ['a'], { text: 'a' }])('refuses a non-string reason %j', (reason) => {
    expect(accepts(revokeBodySchema, { reason })).toBe(false);
  });

  it.each([{ why: 'x' }, { reason: 'x', force: true }, { Reason: 'x' }])('refuses unknown fields %j', (body) => {
    expect(accepts(revokeBodySchema, body)).toBe(false);
  });
});

describe('codePoints', () => {
  it('counts Unicode characters, not UTF-16 units', () => {
    expect(codePoints('abc')).toBe(3);
    expect(codePoints('😀😀')).toBe(2);
    expect(codePoints('é')).toBe(1);
  });
});

describe('describeIssue', () => {
  const distinctive = `ZQXJ-${'distinctive-rejected-value-'.repeat(10)}-KWPV`;

  it.each([
    ['limit', ownListQuerySchema, { limit: distinctive }],
    ['tokenType', ownListQuerySchema, { tokenType: distinctive }],
    ['status', ownListQuerySchema, { status: distinctive }],
    ['clientId (too long)', ownListQuerySchema, { clientId: distinctive.repeat(3) }],
    ['clientId (control character)', ownListQuerySchema, { clientId: `${distinctive}\u0007` }],
    ['userId', adminListQuerySchema, { userId: `${distinctive}\u0000` }],
    ['tokenId', tokenIdSchema, `${distinctive}!`],
    ['reason', revokeBodySchema, { reason: distinctive.repeat(3) }],
    ['reason (not a string)', revokeBodySchema, { reason: { distinctive } }],
  ] as const)('never echoes the rejected value of %s', (_, schema, value) => {
    const message = messageFor(schema as z.ZodMiniType, value);
    expect(message).not.toContain('ZQXJ');
    expect(message).not.toContain('KWPV');
    expect(message).not.toContain('distinctive');
    expect(message.length).toBeLessThan(200);
  });

  it('names an unknown parameter but does not echo its value', () => {
    const message = messageFor(ownListQuerySchema, { foo: distinctive });
    expect(message).toContain('foo');
    expect(message).not.toContain('ZQXJ');
  });

  it('is one sentence naming the parameter', () => {
    const message = messageFor(ownListQuerySchema, { status: 'nope' });
    expect(message).toMatch(/^status: .*\.$/);
    expect(message).not.toMatch(/\.\.$/);
  });
});
