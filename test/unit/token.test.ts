import { isExpired, nowInSeconds, statusOf, type TokenRecord, toView } from '../../lambdas/domain/token';

const base: TokenRecord = {
  tokenId: 'tok_00000001',
  clientId: 'client-a',
  clientName: 'App A',
  tokenType: 'access_token',
  scope: 'read write',
  issuedAt: 1_795_874_400, // 2026-11-28T14:00:00Z
  expiresAt: 1_795_878_000, // 2026-11-28T15:00:00Z
};

describe('toView', () => {
  it('shows a live token with a user exactly as docs/api.md describes the view', () => {
    expect(toView({ ...base, userId: 'user-1' })).toStrictEqual({
      tokenId: 'tok_00000001',
      userId: 'user-1',
      clientId: 'client-a',
      clientName: 'App A',
      tokenType: 'access_token',
      scopes: ['read', 'write'],
      issuedAt: '2026-11-28T14:00:00Z',
      expiresAt: '2026-11-28T15:00:00Z',
      status: 'active',
    });
  });

  it('leaves out userId (the key, not just the value) for a token with no user', () => {
    const view = toView(base);
    expect(Object.keys(view)).not.toContain('userId');
    expect(JSON.parse(JSON.stringify(view))).not.toHaveProperty('userId');
  });

  it('has no revoked* keys on an active token and never a null or undefined value', () => {
    const view = toView({ ...base, userId: 'u' });
    for (const key of ['revokedAt', 'revokedBy', 'revokeReason', 'parentTokenId', 'lastUsedAt']) {
      expect(Object.keys(view)).not.toContain(key);
    }
    for (const value of Object.values(view)) {
      expect(value).not.toBeNull();
      expect(value).not.toBeUndefined();
    }
  });

  it('shows a revoked token with revokedAt, revokedBy and revokeReason, and status revoked', () => {
    const view = toView({ ...base, revokedAt: 1_795_875_000, revokedBy: 'admin-1', revokeReason: 'lost phone' });
    expect(view).toMatchObject({
      status: 'revoked',
      revokedAt: '2026-11-28T14:10:00Z',
      revokedBy: 'admin-1',
      revokeReason: 'lost phone',
    });
  });

  it('omits revokeReason when none was given', () => {
    const view = toView({ ...base, revokedAt: 1_795_875_000, revokedBy: 'admin-1' });
    expect(view.status).toBe('revoked');
    expect(Object.keys(view)).not.toContain('revokeReason');
  });

  it('shows parentTokenId and lastUsedAt only when set', () => {
    const view = toView({ ...base, parentTokenId: 'tok_parent01', lastUsedAt: 1_795_876_800 });
    expect(view.parentTokenId).toBe('tok_parent01');
    expect(view.lastUsedAt).toBe('2026-11-28T14:40:00Z');
  });

  it('writes every time as ISO 8601 UTC without milliseconds', () => {
    const view = toView({ ...base, revokedAt: 1_795_875_001, revokedBy: 'x', lastUsedAt: 0 });
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
    for (const t of [view.issuedAt, view.expiresAt, view.revokedAt, view.lastUsedAt]) expect(t).toMatch(iso);
    expect(view.revokedAt).toBe('2026-11-28T14:10:01Z');
    expect(view.lastUsedAt).toBe('1970-01-01T00:00:00Z');
  });

  it.each([
    ['read write', ['read', 'write']],
    ['read  write', ['read', 'write']],
    ['  read   write  ', ['read', 'write']],
    ['openid', ['openid']],
    ['', []],
  ])('splits scope %j into %j', (scope, scopes) => {
    expect(toView({ ...base, scope }).scopes).toStrictEqual(scopes);
  });

  it('shows a revoked record another system wrote without revokedBy with neither key, nor an undefined', () => {
    const view = toView({ ...base, revokedAt: 1_795_875_000 });
    expect(view.status).toBe('revoked');
    expect(Object.keys(view)).toContain('revokedAt');
    expect(Object.keys(view)).not.toContain('revokedBy');
    expect(Object.keys(view)).not.toContain('revokeReason');
  });

  it('never shows an attribute the view does not list', () => {
    const record = { ...base, userId: 'u', secretHash: 'abc', gsiKey: 'k' } as TokenRecord;
    expect(Object.keys(toView(record)).sort()).toStrictEqual(
      ['clientId', 'clientName', 'expiresAt', 'issuedAt', 'scopes', 'status', 'tokenId', 'tokenType', 'userId'].sort(),
    );
  });
});

describe('statusOf', () => {
  it('is active without revokedAt and revoked with it', () => {
    expect(statusOf({})).toBe('active');
    expect(statusOf({ revokedAt: 1 })).toBe('revoked');
  });
});

describe('isExpired', () => {
  const now = 1_800_000_000;
  it('counts expiresAt == now as expired (expired means expiresAt <= now)', () => {
    expect(isExpired({ expiresAt: now }, now)).toBe(true);
  });
  it('is expired before now and live after it', () => {
    expect(isExpired({ expiresAt: now - 1 }, now)).toBe(true);
    expect(isExpired({ expiresAt: now + 1 }, now)).toBe(false);
  });
});

describe('nowInSeconds', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is the clock in whole seconds, rounded down as the table’s times are', () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_800_000_000_999);
    expect(nowInSeconds()).toBe(1_800_000_000);
  });
});
