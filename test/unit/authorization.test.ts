import { assertMayCall, type Caller, maySeeToken, requiredOwner } from '../../lambdas/domain/authorization';
import { thrownApiError } from '../support/refusal';

const alice: Caller = { sub: 'alice', isAdmin: false };
const bob: Caller = { sub: 'bob', isAdmin: false };
const admin: Caller = { sub: 'root', isAdmin: true };

describe('assertMayCall (role × route access)', () => {
  it.each([
    ['user', alice],
    ['user', admin],
    ['admin', admin],
  ] as const)('lets a %s route through for %o', (access, caller) => {
    expect(() => assertMayCall(access, caller)).not.toThrow();
  });

  it('refuses an admin route to a non-admin with 403 forbidden', () => {
    const error = thrownApiError(() => assertMayCall('admin', alice), 'forbidden', 403);
    expect(error.message).toBe('This route is for administrators only.');
  });
});

describe('maySeeToken (role × ownership)', () => {
  const alicesToken = { userId: 'alice' };
  const noUserToken = {};

  it.each([
    ['the owner', alice, alicesToken, true],
    ['another user', bob, alicesToken, false],
    ['an admin, on a user token', admin, alicesToken, true],
    ['a non-admin, on a token with no user', alice, noUserToken, false],
    ['an admin, on a token with no user', admin, noUserToken, true],
    ['an admin, on their own token', admin, { userId: 'root' }, true],
  ])('%s → %s', (_, caller, record, expected) => {
    expect(maySeeToken(caller, record)).toBe(expected);
  });

  it('does not treat an empty caller sub as the owner of a token with no user', () => {
    expect(maySeeToken({ sub: '', isAdmin: false }, noUserToken)).toBe(false);
    expect(maySeeToken({ sub: '', isAdmin: false }, { userId: undefined })).toBe(false);
  });
});

describe('requiredOwner', () => {
  it('pins a non-admin write to the caller', () => {
    expect(requiredOwner(alice)).toBe('alice');
  });
  it('does not pin an admin write to anyone', () => {
    expect(requiredOwner(admin)).toBeUndefined();
  });
});
