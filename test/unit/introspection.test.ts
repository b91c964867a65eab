import { cascadeReason } from '../../lambdas/domain/cascade';
import { INACTIVE, introspect, LAST_USED_INTERVAL_SECONDS } from '../../lambdas/domain/introspection';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { StoredToken } from '../../lambdas/domain/token-store';
import { newTokenValue, TOKEN_PREFIX } from '../../lambdas/domain/token-value';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { DAY, HOUR, NOW, tokenRecord } from '../support/token-records';

const pepper = Buffer.alloc(32, 2);

/** A stored token with a real value; the record's tokenId is the one the value carries. */
function withValue(overrides: Partial<TokenRecord> = {}): { record: StoredToken; value: string } {
  const { tokenId, value, secretHash } = newTokenValue(pepper);
  return { record: { ...tokenRecord({ userId: 'alice', ...overrides, tokenId }), secretHash }, value };
}

describe('introspect', () => {
  it('answers an active token with exactly the RFC 7662 fields', async () => {
    const { record, value } = withValue({ scope: 'read write', issuedAt: NOW - HOUR, expiresAt: NOW + HOUR });
    const store = new InMemoryTokenStore([record]);
    const answer = await introspect(store, value, pepper, NOW);
    expect(answer).toStrictEqual({
      active: true,
      scope: 'read write',
      client_id: 'client-a',
      sub: 'alice',
      token_type: 'Bearer',
      token_use: 'access_token',
      exp: NOW + HOUR,
      iat: NOW - HOUR,
      jti: record.tokenId,
    });
    if (!answer.active) throw new Error('expected active');
    expect(Number.isInteger(answer.exp)).toBe(true);
    expect(Number.isInteger(answer.iat)).toBe(true);
  });

  it('reads the token, and a parent only when the token names one', async () => {
    const parent = tokenRecord({ userId: 'alice', tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const child = withValue({ parentTokenId: parent.tokenId });
    const alone = withValue();
    const store = new InMemoryTokenStore([parent, child.record, alone.record]);
    await introspect(store, alone.value, pepper, NOW);
    expect(store.getRequests).toStrictEqual([alone.record.tokenId]);
    await introspect(store, child.value, pepper, NOW);
    expect(store.getRequests.slice(1)).toStrictEqual([child.record.tokenId, parent.tokenId]);
  });

  it('omits sub for a token with no user, and says refresh_token for a refresh token', async () => {
    const { record, value } = withValue({ tokenType: 'refresh_token' });
    delete record.userId;
    const store = new InMemoryTokenStore([record]);
    const answer = await introspect(store, value, pepper, NOW);
    expect(answer).not.toHaveProperty('sub');
    expect(answer).toMatchObject({
      active: true,
      token_use: 'refresh_token',
      token_type: 'Bearer',
      jti: record.tokenId,
    });
    expect(Object.keys(answer).sort()).toStrictEqual([
      'active',
      'client_id',
      'exp',
      'iat',
      'jti',
      'scope',
      'token_type',
      'token_use',
    ]);
  });

  describe('inactive: exactly {active: false}', () => {
    const live = withValue();
    const cases: [string, () => { store: InMemoryTokenStore; value: string }][] = [
      ['an unknown format', () => ({ store: new InMemoryTokenStore([live.record]), value: 'not-a-token' })],
      ['an empty value', () => ({ store: new InMemoryTokenStore([live.record]), value: '' })],
      [
        'another prefix',
        () => ({ store: new InMemoryTokenStore([live.record]), value: live.value.replace(TOKEN_PREFIX, 'other_') }),
      ],
      ['an unknown id', () => ({ store: new InMemoryTokenStore([live.record]), value: newTokenValue(pepper).value })],
      [
        'a wrong secret',
        () => {
          const other = newTokenValue(pepper).value;
          return {
            store: new InMemoryTokenStore([live.record]),
            value: `${live.value.split('.')[0]}.${other.split('.')[1]}`,
          };
        },
      ],
      [
        'an expired token (expiresAt = now)',
        () => {
          const t = withValue({ expiresAt: NOW });
          return { store: new InMemoryTokenStore([t.record]), value: t.value };
        },
      ],
      [
        'a long-expired token',
        () => {
          const t = withValue({ expiresAt: NOW - DAY, issuedAt: NOW - 2 * DAY });
          return { store: new InMemoryTokenStore([t.record]), value: t.value };
        },
      ],
      [
        'a revoked token',
        () => {
          const t = withValue({ revokedAt: NOW - 10, revokedBy: 'alice' });
          return { store: new InMemoryTokenStore([t.record]), value: t.value };
        },
      ],
      [
        'a revoked refresh token',
        () => {
          const t = withValue({ tokenType: 'refresh_token', revokedAt: NOW - 10, revokedBy: 'alice' });
          return { store: new InMemoryTokenStore([t.record]), value: t.value };
        },
      ],
      [
        'a record with no secretHash (written by another system)',
        () => {
          const t = withValue();
          delete t.record.secretHash;
          return { store: new InMemoryTokenStore([t.record]), value: t.value };
        },
      ],
      [
        'a value hashed with another pepper',
        () => {
          const { tokenId, value, secretHash } = newTokenValue(Buffer.alloc(32, 9));
          return { store: new InMemoryTokenStore([{ ...tokenRecord({ tokenId }), secretHash }]), value };
        },
      ],
    ];

    it.each(cases)('%s', async (_, make) => {
      const { store, value } = make();
      const before = store.snapshot();
      const answer = await introspect(store, value, pepper, NOW);
      expect(answer).toStrictEqual({ active: false });
      expect(answer).toStrictEqual(INACTIVE);
      expect(store.snapshot()).toStrictEqual(before);
      expect(store.touchRequests).toHaveLength(0);
    });
  });

  describe('lastUsedAt', () => {
    it('is set on first use, then written at most once per interval', async () => {
      expect(LAST_USED_INTERVAL_SECONDS).toBe(60);
      const { record, value } = withValue();
      const store = new InMemoryTokenStore([record]);
      await introspect(store, value, pepper, NOW);
      expect(store.records.get(record.tokenId)!.lastUsedAt).toBe(NOW);
      expect(store.touchRequests).toHaveLength(1);

      await introspect(store, value, pepper, NOW + 59);
      expect(store.records.get(record.tokenId)!.lastUsedAt).toBe(NOW);
      expect(store.touchRequests).toHaveLength(1); // a read only: no write attempted

      await introspect(store, value, pepper, NOW + 60);
      expect(store.records.get(record.tokenId)!.lastUsedAt).toBe(NOW + 60);
      expect(store.touchRequests).toHaveLength(2);
      expect(store.touchRequests[1]).toStrictEqual({ tokenId: record.tokenId, now: NOW + 60, minInterval: 60 });
    });

    it('updates a stale lastUsedAt and leaves a fresh one alone', async () => {
      const stale = withValue({ lastUsedAt: NOW - 600 });
      const fresh = withValue({ lastUsedAt: NOW - 30 });
      const store = new InMemoryTokenStore([stale.record, fresh.record]);
      await introspect(store, stale.value, pepper, NOW);
      await introspect(store, fresh.value, pepper, NOW);
      expect(store.records.get(stale.record.tokenId)!.lastUsedAt).toBe(NOW);
      expect(store.records.get(fresh.record.tokenId)!.lastUsedAt).toBe(NOW - 30);
      expect(store.touchRequests.map((t) => t.tokenId)).toStrictEqual([stale.record.tokenId]);
    });

    it('is written once however many introspections run at the same moment', async () => {
      const { record, value } = withValue();
      const store = new InMemoryTokenStore([record]);
      const answers = await Promise.all(Array.from({ length: 10 }, () => introspect(store, value, pepper, NOW)));
      expect(answers.every((a) => a.active)).toBe(true);
      expect(store.records.get(record.tokenId)!.lastUsedAt).toBe(NOW);
    });
  });

  describe('a child of a revoked refresh token', () => {
    it('is inactive, and the introspection completes the cascade for it', async () => {
      const parent = tokenRecord({
        userId: 'alice',
        tokenType: 'refresh_token',
        expiresAt: NOW + DAY,
        revokedAt: NOW - 5,
        revokedBy: 'client:client-a',
      });
      const { record, value } = withValue({ parentTokenId: parent.tokenId });
      const store = new InMemoryTokenStore([parent, record]);
      expect(await introspect(store, value, pepper, NOW)).toStrictEqual({ active: false });
      expect(store.records.get(record.tokenId)).toMatchObject({
        revokedAt: NOW,
        revokedBy: 'client:client-a',
        revokeReason: cascadeReason(parent.tokenId),
      });
      expect(store.records.get(record.tokenId)!.revokeReason).toContain(parent.tokenId);
      expect(store.records.get(record.tokenId)!.lastUsedAt).toBeUndefined();
      expect(store.records.get(parent.tokenId)).toStrictEqual(parent);
    });

    it('stays active while its parent is live, or gone (expired and purged)', async () => {
      const parent = tokenRecord({ userId: 'alice', tokenType: 'refresh_token', expiresAt: NOW + DAY });
      const child = withValue({ parentTokenId: parent.tokenId });
      const orphan = withValue({ parentTokenId: 'tok_purged_parent' });
      const store = new InMemoryTokenStore([parent, child.record, orphan.record]);
      expect((await introspect(store, child.value, pepper, NOW)).active).toBe(true);
      expect((await introspect(store, orphan.value, pepper, NOW)).active).toBe(true);
      expect(store.revokeRequests).toHaveLength(0);
    });
  });
});
