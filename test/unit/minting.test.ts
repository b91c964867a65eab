import { cascadeReason } from '../../lambdas/domain/cascade';
import { type MintRequest, mintToken } from '../../lambdas/domain/minting';
import type { StoredToken } from '../../lambdas/domain/token-store';
import { hashSecret, parseTokenValue } from '../../lambdas/domain/token-value';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { rejection } from '../support/rejection';
import { DAY, HOUR, NOW, tokenRecord } from '../support/token-records';

const pepper = Buffer.alloc(32, 1);

const accessBody = (overrides: Partial<MintRequest> = {}): MintRequest => ({
  clientId: 'client-a',
  clientName: 'App A',
  tokenType: 'access_token',
  scope: 'read write',
  expiresIn: 3600,
  userId: 'alice',
  ...overrides,
});

/** A live, unrevoked refresh token of client-a and alice: a usable parent. */
const refreshOf = (overrides: Partial<StoredToken> = {}): StoredToken =>
  tokenRecord({ tokenType: 'refresh_token', userId: 'alice', expiresAt: NOW + DAY, ...overrides });

describe('mintToken', () => {
  it('answers the full view plus the value, and stores the record', async () => {
    const store = new InMemoryTokenStore();
    const minted = await mintToken(store, accessBody(), pepper, NOW);
    expect(minted).toStrictEqual({
      tokenId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      userId: 'alice',
      clientId: 'client-a',
      clientName: 'App A',
      tokenType: 'access_token',
      scopes: ['read', 'write'],
      issuedAt: '2027-01-15T08:00:00Z',
      expiresAt: '2027-01-15T09:00:00Z',
      status: 'active',
      token: expect.stringMatching(/^tledger_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/),
    });
    expect(parseTokenValue(minted.token)?.tokenId).toBe(minted.tokenId);
    expect(store.records.get(minted.tokenId)).toStrictEqual({
      tokenId: minted.tokenId,
      userId: 'alice',
      clientId: 'client-a',
      clientName: 'App A',
      tokenType: 'access_token',
      scope: 'read write',
      issuedAt: NOW,
      expiresAt: NOW + 3600,
      secretHash: hashSecret(parseTokenValue(minted.token)!.secret, pepper),
    });
  });

  it('omits userId for a token with no user, and mints refresh tokens', async () => {
    const store = new InMemoryTokenStore();
    const { userId: _omit, ...noUser } = accessBody({ tokenType: 'refresh_token', expiresIn: 31_536_000 });
    const minted = await mintToken(store, noUser, pepper, NOW);
    expect(minted).not.toHaveProperty('userId');
    expect(minted.tokenType).toBe('refresh_token');
    expect(store.records.get(minted.tokenId)).not.toHaveProperty('userId');
    expect(store.records.get(minted.tokenId)!.expiresAt).toBe(NOW + 31_536_000);
  });

  it('shows the value in the token field only, and stores nothing of it beyond the tokenId', async () => {
    const store = new InMemoryTokenStore();
    const minted = await mintToken(store, accessBody(), pepper, NOW);
    const { token, ...view } = minted;
    const { secret } = parseTokenValue(token)!;
    const viewText = JSON.stringify(view);
    const storedText = JSON.stringify([...store.records.values()]);
    expect(storedText).toContain('secretHash');
    expect(viewText).not.toContain('secretHash');
    // Every 16-character slice of the value, except those wholly inside the public tokenId.
    let checked = 0;
    for (let i = 0; i + 16 <= token.length; i++) {
      const slice = token.slice(i, i + 16);
      if (minted.tokenId.includes(slice)) continue;
      checked++;
      expect(storedText).not.toContain(slice);
      expect(viewText).not.toContain(slice);
    }
    expect(checked).toBeGreaterThan(40);
    for (let i = 0; i + 16 <= secret.length; i++) {
      expect(storedText).not.toContain(secret.slice(i, i + 16));
      expect(viewText).not.toContain(secret.slice(i, i + 16));
    }
  });

  it('reads nothing for a token without a parent: one write', async () => {
    const store = new InMemoryTokenStore();
    await mintToken(store, accessBody(), pepper, NOW);
    expect(store.getRequests).toStrictEqual([]);
    expect(store.createRequests).toHaveLength(1);
  });

  it('mints a distinct value each time', async () => {
    const store = new InMemoryTokenStore();
    const values = await Promise.all(Array.from({ length: 50 }, () => mintToken(store, accessBody(), pepper, NOW)));
    expect(new Set(values.map((v) => v.token)).size).toBe(50);
    expect(store.records.size).toBe(50);
  });

  describe('parent rules', () => {
    it('mints a child of a usable refresh token, with parentTokenId', async () => {
      const parent = refreshOf();
      const store = new InMemoryTokenStore([parent]);
      const minted = await mintToken(store, accessBody({ parentTokenId: parent.tokenId }), pepper, NOW);
      expect(minted.parentTokenId).toBe(parent.tokenId);
      expect(minted.status).toBe('active');
      expect(store.records.get(minted.tokenId)).toMatchObject({ parentTokenId: parent.tokenId });
      expect(store.records.get(minted.tokenId)!.revokedAt).toBeUndefined();
      expect(store.records.get(parent.tokenId)).toStrictEqual(parent);
    });

    it('mints a child of a refresh token with no user when the body names no user', async () => {
      const { userId: _omit, ...parent } = refreshOf();
      const store = new InMemoryTokenStore([parent]);
      const { userId: _none, ...body } = accessBody({ parentTokenId: parent.tokenId });
      expect((await mintToken(store, body, pepper, NOW)).parentTokenId).toBe(parent.tokenId);
    });

    const { userId: _omit, ...noUserParent } = refreshOf();
    it.each<[string, StoredToken | undefined, Partial<MintRequest>]>([
      ['a missing parent', undefined, {}],
      ['an expired parent', refreshOf({ expiresAt: NOW }), {}],
      ['a long-expired parent', refreshOf({ expiresAt: NOW - HOUR }), {}],
      ['a revoked parent', refreshOf({ revokedAt: NOW - 5, revokedBy: 'alice' }), {}],
      ['an access-token parent', refreshOf({ tokenType: 'access_token' }), {}],
      ['a parent of another client', refreshOf({ clientId: 'client-b' }), {}],
      ['a parent of another user', refreshOf({ userId: 'bob' }), {}],
      ['a parent with a user, child without', refreshOf(), { userId: undefined }],
      ['a parent without a user, child with', noUserParent as StoredToken, {}],
    ])('refuses %s with 400 and stores nothing', async (_, parent, overrides) => {
      const store = new InMemoryTokenStore(parent ? [parent] : []);
      const before = store.snapshot();
      const body = accessBody({ parentTokenId: parent?.tokenId ?? 'tok_missing_parent', ...overrides });
      if (overrides.userId === undefined && 'userId' in overrides) delete body.userId;
      const error = await rejection(mintToken(store, body, pepper, NOW), 'invalid_request');
      expect(error.message).toContain('parentTokenId');
      expect(store.snapshot()).toStrictEqual(before);
      expect(store.createRequests).toHaveLength(0);
    });
  });

  describe('racing the parent’s revocation', () => {
    /** Right after the child is written, before the mint re-reads the parent, `meanwhile` changes the table. */
    class ChangesAfterCreate extends InMemoryTokenStore {
      constructor(
        records: StoredToken[],
        private readonly meanwhile: (store: InMemoryTokenStore) => Promise<unknown>,
      ) {
        super(records);
      }

      override async create(record: StoredToken): Promise<void> {
        await super.create(record);
        await this.meanwhile(this);
      }
    }

    it('fails the mint with 400 and leaves the child revoked as the cascade would', async () => {
      const parent = refreshOf();
      const store = new ChangesAfterCreate([parent], (s) =>
        s.revoke({ tokenId: parent.tokenId, revokedBy: 'admin-1', reason: 'compromised', now: NOW }),
      );
      await rejection(mintToken(store, accessBody({ parentTokenId: parent.tokenId }), pepper, NOW), 'invalid_request');
      const children = [...store.records.values()].filter((r) => r.parentTokenId === parent.tokenId);
      expect(children).toHaveLength(1);
      const [child] = children;
      expect(child).toMatchObject({
        revokedAt: NOW,
        revokedBy: 'admin-1',
        revokeReason: cascadeReason(parent.tokenId),
      });
      expect(child!.revokeReason).toContain(parent.tokenId);
      expect(store.records.get(parent.tokenId)).toMatchObject({ revokedBy: 'admin-1', revokeReason: 'compromised' });
    });

    it('succeeds when the parent stays live across the re-read', async () => {
      const parent = refreshOf();
      const store = new InMemoryTokenStore([parent]);
      const minted = await mintToken(store, accessBody({ parentTokenId: parent.tokenId }), pepper, NOW);
      expect(store.createRequests).toHaveLength(1);
      expect(store.getRequests).toStrictEqual([parent.tokenId, parent.tokenId]);
      expect(store.records.get(minted.tokenId)!.revokedAt).toBeUndefined();
      expect(store.revokeRequests).toHaveLength(0);
    });

    it('succeeds when the parent is gone at the re-read (expired and purged: nothing to cascade)', async () => {
      const parent = refreshOf();
      const store = new ChangesAfterCreate([parent], async (s) => s.records.delete(parent.tokenId));
      const minted = await mintToken(store, accessBody({ parentTokenId: parent.tokenId }), pepper, NOW);
      expect(minted).toMatchObject({ status: 'active', parentTokenId: parent.tokenId });
      expect(store.revokeRequests).toHaveLength(0);
    });
  });
});
