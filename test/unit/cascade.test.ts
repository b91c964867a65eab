import { cascadeReason, cascadeRevocation, revokeIfParentRevoked } from '../../lambdas/domain/cascade';
import type { TokenRecord } from '../../lambdas/domain/token';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { InterruptingStore } from '../support/interrupting-store';
import { DAY, HOUR, NOW, tokenRecord } from '../support/token-records';

const revokedRefresh = (overrides: Partial<TokenRecord> = {}) =>
  tokenRecord({
    userId: 'alice',
    tokenType: 'refresh_token',
    expiresAt: NOW + DAY,
    revokedAt: NOW - 1,
    revokedBy: 'admin-1',
    revokeReason: 'offboarding',
    ...overrides,
  });

const childOf = (parent: TokenRecord, overrides: Partial<TokenRecord> = {}) =>
  tokenRecord({ userId: parent.userId, clientId: parent.clientId, parentTokenId: parent.tokenId, ...overrides });

describe('cascadeReason', () => {
  it('names the parent', () => {
    expect(cascadeReason('tok_parent_1')).toContain('tok_parent_1');
  });
});

describe('cascadeRevocation', () => {
  it('revokes every live unrevoked child with the parent’s revokedBy and a reason naming the parent', async () => {
    const parent = revokedRefresh();
    const live = [childOf(parent), childOf(parent), childOf(parent, { expiresAt: NOW + 1 })];
    const expired = [childOf(parent, { expiresAt: NOW }), childOf(parent, { expiresAt: NOW - HOUR })];
    const alreadyRevoked = childOf(parent, { revokedAt: NOW - 100, revokedBy: 'alice', revokeReason: 'first' });
    const otherParent = revokedRefresh();
    const notMine = [childOf(otherParent), tokenRecord({ userId: 'alice' })];
    const store = new InMemoryTokenStore([parent, ...live, ...expired, alreadyRevoked, otherParent, ...notMine]);

    expect(await cascadeRevocation(store, parent, NOW)).toBe(3);

    for (const child of live) {
      expect(store.records.get(child.tokenId)).toStrictEqual({
        ...child,
        revokedAt: NOW,
        revokedBy: 'admin-1',
        revokeReason: cascadeReason(parent.tokenId),
      });
    }
    for (const r of [...expired, alreadyRevoked, otherParent, ...notMine, parent]) {
      expect(store.records.get(r.tokenId)).toStrictEqual(r);
    }
    // Already revoked children are not even written to.
    expect(store.revokeRequests.map((r) => r.tokenId).sort()).toStrictEqual(live.map((c) => c.tokenId).sort());
  });

  it('revokes cascaded children whatever their user or client (records other systems wrote)', async () => {
    const parent = revokedRefresh();
    const strays = [childOf(parent, { userId: 'bob' }), childOf(parent, { clientId: 'client-z' }), childOf(parent)];
    delete strays[2]!.userId;
    const store = new InMemoryTokenStore([parent, ...strays]);
    expect(await cascadeRevocation(store, parent, NOW)).toBe(3);
    for (const s of strays) expect(store.records.get(s.tokenId)!.revokedBy).toBe('admin-1');
  });

  it('records the revoker as token:<parent> when the parent’s revocation names nobody', async () => {
    const parent = revokedRefresh();
    delete parent.revokedBy;
    const child = childOf(parent);
    const store = new InMemoryTokenStore([parent, child]);
    expect(await cascadeRevocation(store, parent, NOW)).toBe(1);
    expect(store.records.get(child.tokenId)!.revokedBy).toBe(`token:${parent.tokenId}`);
  });

  it.each<[string, TokenRecord]>([
    ['an unrevoked refresh token', tokenRecord({ userId: 'alice', tokenType: 'refresh_token', expiresAt: NOW + DAY })],
    [
      'a revoked access token',
      tokenRecord({ userId: 'alice', tokenType: 'access_token', revokedAt: NOW - 1, revokedBy: 'alice' }),
    ],
  ])('does nothing for %s', async (_, parent) => {
    const children = [childOf(parent), childOf(parent)];
    const store = new InMemoryTokenStore([parent, ...children]);
    const before = store.snapshot();
    expect(await cascadeRevocation(store, parent, NOW)).toBe(0);
    expect(store.snapshot()).toStrictEqual(before);
    expect(store.childrenRequests).toHaveLength(0);
  });

  it('answers 0 for a parent without children, and for a second run', async () => {
    const parent = revokedRefresh();
    const lonely = revokedRefresh();
    const store = new InMemoryTokenStore([parent, lonely, childOf(parent)]);
    expect(await cascadeRevocation(store, lonely, NOW)).toBe(0);
    expect(await cascadeRevocation(store, parent, NOW)).toBe(1);
    expect(await cascadeRevocation(store, parent, NOW)).toBe(0);
  });

  it.each([0, 1, 7, 19])(
    'finishes an interrupted cascade on a second run (interrupted after %i revocations)',
    async (k) => {
      const parent = revokedRefresh();
      const children = Array.from({ length: 20 }, () => childOf(parent));
      const store = new InterruptingStore([parent, ...children], k);

      await expect(cascadeRevocation(store, parent, NOW)).rejects.toThrow('interrupted');
      const revokedFirst = children.filter((c) => store.records.get(c.tokenId)!.revokedAt !== undefined);
      expect(revokedFirst).toHaveLength(k);
      const firstRecords = revokedFirst.map((c) => store.records.get(c.tokenId));

      await new Promise((resolve) => setImmediate(resolve)); // let the other workers of the failed run stop
      store.allowed = Infinity;
      expect(await cascadeRevocation(store, parent, NOW + 30)).toBe(20 - k);
      for (const c of children) {
        expect(store.records.get(c.tokenId)).toMatchObject({
          revokedBy: 'admin-1',
          revokeReason: cascadeReason(parent.tokenId),
        });
      }
      // The first run's revocations are kept as they were.
      for (const r of firstRecords) expect(store.records.get(r!.tokenId)).toStrictEqual(r);
      expect(await cascadeRevocation(store, parent, NOW + 60)).toBe(0);
    },
  );

  it('counts only its own revocations when another cascade runs at the same time', async () => {
    const parent = revokedRefresh();
    const children = Array.from({ length: 50 }, () => childOf(parent));
    const store = new InMemoryTokenStore([parent, ...children]);
    const counts = await Promise.all([cascadeRevocation(store, parent, NOW), cascadeRevocation(store, parent, NOW)]);
    expect(counts[0]! + counts[1]!).toBe(50);
  });
});

describe('revokeIfParentRevoked', () => {
  it('revokes the child as the cascade would, and leaves a revoked child alone', async () => {
    const parent = revokedRefresh();
    const child = childOf(parent);
    const done = childOf(parent, { revokedAt: NOW - 9, revokedBy: 'alice', revokeReason: 'mine' });
    const store = new InMemoryTokenStore([parent, child, done]);
    expect(await revokeIfParentRevoked(store, child, NOW)).toBe(true);
    expect(await revokeIfParentRevoked(store, done, NOW)).toBe(true);
    expect(store.records.get(child.tokenId)).toMatchObject({
      revokedAt: NOW,
      revokedBy: 'admin-1',
      revokeReason: cascadeReason(parent.tokenId),
    });
    expect(store.records.get(done.tokenId)).toStrictEqual(done);
  });

  it('answers false and writes nothing for a live parent, a missing one, or no parent at all', async () => {
    const live = tokenRecord({ tokenType: 'refresh_token' });
    const store = new InMemoryTokenStore([live]);
    const before = store.snapshot();
    for (const child of [childOf(live), tokenRecord({ parentTokenId: 'tok_gone_parent' }), tokenRecord()]) {
      expect(await revokeIfParentRevoked(store, child, NOW)).toBe(false);
    }
    expect(store.snapshot()).toEqual(before);
  });
});
