import { MAX_EXPIRES_IN, MAX_REASON_LENGTH, MIN_EXPIRES_IN } from '../../lambdas/domain/limits';
import { appRevokeBodySchema, bulkRevokeBodySchema, mintBodySchema } from '../../lambdas/http/input';
import { accepts, messageFor } from '../support/schema-checks';

const valid = {
  clientId: 'client-a',
  clientName: 'App A',
  tokenType: 'access_token',
  scope: 'read write',
  expiresIn: 3600,
};

describe('mintBodySchema', () => {
  it('accepts a minimal body and one with every field, as given', () => {
    expect(mintBodySchema.parse(valid)).toStrictEqual(valid);
    const full = { ...valid, userId: 'alice', parentTokenId: 'tok_parent01' };
    expect(mintBodySchema.parse(full)).toStrictEqual(full);
    expect(accepts(mintBodySchema, { ...valid, tokenType: 'refresh_token', userId: 'alice' })).toBe(true);
  });

  it.each<[unknown, boolean]>([
    [59, false],
    [60, true],
    [3600, true],
    [31_536_000, true],
    [31_536_001, false],
    [1.5, false],
    [60.5, false],
    ['60', false],
    [0, false],
    [-60, false],
    [null, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
  ])('expiresIn %p: accepted %p', (expiresIn, ok) => {
    expect(accepts(mintBodySchema, { ...valid, expiresIn })).toBe(ok);
  });

  it('names the expiresIn bounds', () => {
    expect([MIN_EXPIRES_IN, MAX_EXPIRES_IN]).toStrictEqual([60, 31_536_000]);
    expect(messageFor(mintBodySchema, { ...valid, expiresIn: 59 })).toContain('expiresIn');
    const { expiresIn: _omit, ...missing } = valid;
    expect(messageFor(mintBodySchema, missing)).toContain('expiresIn');
  });

  it.each<[unknown, boolean]>([
    ['access_token', true],
    ['refresh_token', true],
    ['id_token', false],
    ['ACCESS_TOKEN', false],
    ['', false],
    [undefined, false],
    [1, false],
  ])('tokenType %p: accepted %p', (tokenType, ok) => {
    expect(accepts(mintBodySchema, { ...valid, tokenType })).toBe(ok);
  });

  it.each(['clientId', 'clientName'])('refuses an empty or missing %s', (field) => {
    expect(messageFor(mintBodySchema, { ...valid, [field]: '' })).toContain(field);
    const { [field as keyof typeof valid]: _omit, ...missing } = valid;
    expect(accepts(mintBodySchema, missing)).toBe(false);
  });

  it('refuses control characters in clientId, clientName and userId', () => {
    for (const field of ['clientId', 'clientName', 'userId'])
      expect(accepts(mintBodySchema, { ...valid, [field]: 'a\nb' })).toBe(false);
  });

  it.each<[unknown, boolean]>([
    ['read', true],
    ['read write', true],
    ['a:b/c d.e', true],
    [42, false],
    [['read'], false],
    ['', false],
    ['read  write', false],
    [' read', false],
    ['read ', false],
    ['say"hi"', false],
    ['back\\slash', false],
    ['tab\tsep', false],
    ['caf\u00e9', false],
    ['x'.repeat(1001), false],
    ['x'.repeat(1000), true],
  ])('scope %p: accepted %p', (scope, ok) => {
    expect(accepts(mintBodySchema, { ...valid, scope })).toBe(ok);
  });

  it('allows parentTokenId only on an access token', () => {
    expect(accepts(mintBodySchema, { ...valid, parentTokenId: 'tok_parent01' })).toBe(true);
    expect(
      messageFor(mintBodySchema, { ...valid, tokenType: 'refresh_token', parentTokenId: 'tok_parent01' }),
    ).toContain('parentTokenId');
  });

  it('checks the shape of parentTokenId', () => {
    for (const parentTokenId of ['short', 'has space x', 'x'.repeat(129), '', 42]) {
      expect(accepts(mintBodySchema, { ...valid, parentTokenId })).toBe(false);
    }
  });

  it.each(['extra', 'token', 'secretHash', 'tokenId', 'issuedAt', 'revokedAt'])(
    'refuses the unknown field %s',
    (field) => {
      expect(messageFor(mintBodySchema, { ...valid, [field]: 'x' })).toContain(field);
    },
  );
});

describe('bulkRevokeBodySchema', () => {
  it('accepts an empty body and every field', () => {
    expect(bulkRevokeBodySchema.parse({})).toStrictEqual({});
    const full = { clientId: 'client-a', reason: 'offboarding', dryRun: true };
    expect(bulkRevokeBodySchema.parse(full)).toStrictEqual(full);
    expect(accepts(bulkRevokeBodySchema, { dryRun: false })).toBe(true);
  });

  it.each(['true', 1, 0, null, 'yes', {}])('refuses dryRun %p', (dryRun) => {
    expect(messageFor(bulkRevokeBodySchema, { dryRun })).toContain('dryRun');
  });

  it('limits reason to 500 code points', () => {
    expect(MAX_REASON_LENGTH).toBe(500);
    expect(accepts(bulkRevokeBodySchema, { reason: 'x'.repeat(500) })).toBe(true);
    expect(accepts(bulkRevokeBodySchema, { reason: '😀'.repeat(500) })).toBe(true); // 1000 UTF-16 units
    expect(accepts(bulkRevokeBodySchema, { reason: 'x'.repeat(501) })).toBe(false);
    expect(accepts(bulkRevokeBodySchema, { reason: 42 })).toBe(false);
  });

  it('refuses an empty clientId and unknown fields', () => {
    expect(accepts(bulkRevokeBodySchema, { clientId: '' })).toBe(false);
    expect(messageFor(bulkRevokeBodySchema, { userId: 'alice' })).toContain('userId');
    expect(messageFor(bulkRevokeBodySchema, { dryrun: true })).toContain('dryrun');
  });
});

describe('appRevokeBodySchema', () => {
  it('accepts only {}', () => {
    expect(appRevokeBodySchema.parse({})).toStrictEqual({});
    expect(messageFor(appRevokeBodySchema, { x: 1 })).toContain('x');
    expect(accepts(appRevokeBodySchema, { reason: 'r' })).toBe(false);
  });
});
