import { cascadeReason } from '../../lambdas/domain/cascade';
import { ApiError } from '../../lambdas/domain/errors';
import { previewBulkRevocation, revokeByValue, revokeSelection } from '../../lambdas/domain/revocation';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { RevokeRequest, StoredToken } from '../../lambdas/domain/token-store';
import { newTokenValue } from '../../lambdas/domain/token-value';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { InterruptingStore } from '../support/interrupting-store';
import { rejection } from '../support/rejection';
import { DAY, HOUR, NOW, tokenRecord } from '../support/token-records';

const pepper = Buffer.alloc(32, 4);

function withValue(overrides: Partial<TokenRecord> = {}): { record: StoredToken; value: string } {
  const { tokenId, value, secretHash } = newTokenValue(pepper);
  return { record: { ...tokenRecord({ userId: 'alice', ...overrides, tokenId }), secretHash }, value };
}

/**
 * A store on which every revoke loses its answer: while the write is under way `meanwhile`
 * decides what the table then holds for that token (this write landed, another revoke won, TTL
 * purged it: undefined), and the caller hears a failed condition.
 */
class AnswerLostStore extends InMemoryTokenStore {
  constructor(
    records: StoredToken[],
    private readonly meanwhile: (stored: StoredToken, request: RevokeRequest) => StoredToken | undefined,
  ) {
    super(records);
  }

  override async revoke(request: RevokeRequest): Promise<TokenRecord | undefined> {
    this.revokeRequests.push({ ...request });
    const stored = this.records.get(request.tokenId);
    const after = stored && this.meanwhile(stored, request);
    if (after) this.records.set(request.tokenId, after);
    else this.records.delete(request.tokenId);
    return undefined;
  }
}

/** The records whose stored state differs between two snapshots. */
function changed(before: StoredToken[], after: StoredToken[]): string[] {
  const old = new Map(before.map((r) => [r.tokenId, JSON.stringify(r)]));
  return after.filter((r) => old.get(r.tokenId) !== JSON.stringify(r)).map((r) => r.tokenId);
}

describe('revokeByValue', () => {
  it('revokes the token as client:<client_id>', async () => {
    const { record, value } = withValue();
    const store = new InMemoryTokenStore([record]);
    await expect(revokeByValue(store, value, 'client-a', pepper, NOW)).resolves.toBeUndefined();
    expect(store.records.get(record.tokenId)).toStrictEqual({
      ...record,
      revokedAt: NOW,
      revokedBy: 'client:client-a',
    });
  });

  it('revoking a refresh token cascades to its live children; an access token leaves its parent alone', async () => {
    const parent = withValue({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const child = withValue({ parentTokenId: parent.record.tokenId });
    const sibling = withValue({ parentTokenId: parent.record.tokenId });
    const store = new InMemoryTokenStore([parent.record, child.record, sibling.record]);

    await revokeByValue(store, child.value, 'client-a', pepper, NOW);
    expect(store.records.get(parent.record.tokenId)!.revokedAt).toBeUndefined();
    expect(store.records.get(sibling.record.tokenId)!.revokedAt).toBeUndefined();

    await revokeByValue(store, parent.value, 'client-a', pepper, NOW + 1);
    expect(store.records.get(parent.record.tokenId)).toMatchObject({
      revokedAt: NOW + 1,
      revokedBy: 'client:client-a',
    });
    expect(store.records.get(sibling.record.tokenId)).toMatchObject({
      revokedAt: NOW + 1,
      revokedBy: 'client:client-a',
      revokeReason: cascadeReason(parent.record.tokenId),
    });
    // The child revoked on its own keeps its own revocation.
    expect(store.records.get(child.record.tokenId)).toMatchObject({ revokedAt: NOW, revokedBy: 'client:client-a' });
    expect(store.records.get(child.record.tokenId)!.revokeReason).toBeUndefined();
  });

  describe('answers nothing and changes nothing for', () => {
    const live = withValue();
    it.each<[string, () => { records: StoredToken[]; value: string }]>([
      ['a malformed value', () => ({ records: [live.record], value: 'garbage' })],
      ['an empty value', () => ({ records: [live.record], value: '' })],
      ['an unknown token id', () => ({ records: [live.record], value: newTokenValue(pepper).value })],
      [
        'a wrong secret',
        () => ({
          records: [live.record],
          value: `${live.value.split('.')[0]}.${newTokenValue(pepper).value.split('.')[1]}`,
        }),
      ],
      [
        'an expired token',
        () => {
          const t = withValue({ expiresAt: NOW });
          return { records: [t.record], value: t.value };
        },
      ],
      [
        'an expired token of another client',
        () => {
          const t = withValue({ expiresAt: NOW - 1, clientId: 'client-b' });
          return { records: [t.record], value: t.value };
        },
      ],
      [
        'a record without secretHash',
        () => {
          const t = withValue();
          delete t.record.secretHash;
          return { records: [t.record], value: t.value };
        },
      ],
    ])('%s', async (_, make) => {
      const { records, value } = make();
      const store = new InMemoryTokenStore(records);
      const before = store.snapshot();
      await expect(revokeByValue(store, value, 'client-a', pepper, NOW)).resolves.toBeUndefined();
      expect(store.snapshot()).toStrictEqual(before);
      expect(store.revokeRequests).toHaveLength(0);
    });
  });

  it('refuses a token of another client with unauthorized_client (400) and changes nothing', async () => {
    const parent = withValue({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const child = withValue({ parentTokenId: parent.record.tokenId });
    const store = new InMemoryTokenStore([parent.record, child.record]);
    const before = store.snapshot();
    for (const t of [parent, child]) {
      const error = await rejection(revokeByValue(store, t.value, 'client-b', pepper, NOW), 'unauthorized_client');
      expect(error).toBeInstanceOf(ApiError);
      expect(error.message).toBe('The token was not issued to this client.');
    }
    expect(store.snapshot()).toStrictEqual(before);
    expect(store.revokeRequests).toHaveLength(0);
  });

  it('answers 200 for a token purged by TTL between its lookup and its revocation', async () => {
    const parent = withValue({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const child = withValue({ parentTokenId: parent.record.tokenId });
    const store = new AnswerLostStore([parent.record, child.record], () => undefined);
    await expect(revokeByValue(store, parent.value, 'client-a', pepper, NOW)).resolves.toBeUndefined();
    expect(store.getRequests).toStrictEqual([parent.record.tokenId, parent.record.tokenId]);
    expect(store.records.get(child.record.tokenId)).toStrictEqual(child.record);
  });

  it('keeps the first revocation of an already revoked token and completes its interrupted cascade', async () => {
    const parent = withValue({
      tokenType: 'refresh_token',
      expiresAt: NOW + DAY,
      revokedAt: NOW - HOUR,
      revokedBy: 'admin-1',
      revokeReason: 'offboarding',
    });
    const missed = withValue({ parentTokenId: parent.record.tokenId });
    const done = withValue({
      parentTokenId: parent.record.tokenId,
      revokedAt: NOW - HOUR,
      revokedBy: 'admin-1',
      revokeReason: cascadeReason(parent.record.tokenId),
    });
    const store = new InMemoryTokenStore([parent.record, missed.record, done.record]);
    await expect(revokeByValue(store, parent.value, 'client-a', pepper, NOW)).resolves.toBeUndefined();
    expect(store.records.get(parent.record.tokenId)).toStrictEqual(parent.record);
    expect(store.records.get(done.record.tokenId)).toStrictEqual(done.record);
    expect(store.records.get(missed.record.tokenId)).toMatchObject({
      revokedAt: NOW,
      revokedBy: 'admin-1',
      revokeReason: cascadeReason(parent.record.tokenId),
    });
  });
});

/**
 * alice's tokens across three clients, with the cases a bulk revocation must get right:
 * - client-a: 2 access tokens, refresh token R1 with 2 live children (alice's, so in the
 *   selection), 1 revoked child and 1 expired child; a revoked and an expired access token;
 * - client-b: 1 access token, refresh token R2 whose children other systems wrote: one of
 *   another user, one with no user (both client-b), one of bob under client-c;
 * - bob's own tokens, which nothing here may touch.
 */
function aliceAndBob() {
  let minute = 0;
  const t = (overrides: Partial<TokenRecord>) =>
    tokenRecord({ userId: 'alice', issuedAt: NOW - 60 * ++minute, expiresAt: NOW + DAY, ...overrides });
  const R1 = t({ tokenType: 'refresh_token' });
  const R2 = t({ tokenType: 'refresh_token', clientId: 'client-b', clientName: 'App B' });
  const aliceA = [t({}), t({}), R1, t({ parentTokenId: R1.tokenId }), t({ parentTokenId: R1.tokenId })];
  const aliceB = [t({ clientId: 'client-b' }), R2];
  const noUser = t({ clientId: 'client-b', parentTokenId: R2.tokenId });
  delete noUser.userId;
  const strays = [
    t({ clientId: 'client-b', parentTokenId: R2.tokenId, userId: 'svc-other' }),
    noUser,
    t({ clientId: 'client-c', parentTokenId: R2.tokenId, userId: 'bob' }),
  ];
  const inactive = [
    t({ parentTokenId: R1.tokenId, revokedAt: NOW - 50, revokedBy: 'alice', revokeReason: 'first' }),
    t({ parentTokenId: R1.tokenId, expiresAt: NOW - 1 }),
    t({ revokedAt: NOW - 40, revokedBy: 'alice' }),
    t({ expiresAt: NOW }),
    t({ clientId: 'client-b', parentTokenId: R2.tokenId, userId: 'svc-other', revokedAt: NOW - 5, revokedBy: 'x' }),
    t({ clientId: 'client-b', parentTokenId: R2.tokenId, userId: 'svc-other', expiresAt: NOW - 5 }),
  ];
  const bobR = t({ userId: 'bob', tokenType: 'refresh_token' });
  const bob = [
    t({ userId: 'bob' }),
    bobR,
    t({ userId: 'bob', parentTokenId: bobR.tokenId }),
    t({ userId: 'bob', clientId: 'client-b' }),
  ];
  return { R1, R2, aliceA, aliceB, strays, inactive, bob, all: [...aliceA, ...aliceB, ...strays, ...inactive, ...bob] };
}

describe('previewBulkRevocation', () => {
  it(
    'counts the active selection plus children of its refresh ' +
      'tokens that the selection lacks, by client, and changes nothing',
    async () => {
      const data = aliceAndBob();
      const store = new InMemoryTokenStore(data.all);
      const before = store.snapshot();
      expect(await previewBulkRevocation(store, { userId: 'alice' }, NOW)).toStrictEqual({
        wouldRevoke: 10,
        byClient: { 'client-a': 5, 'client-b': 4, 'client-c': 1 },
      });
      expect(await previewBulkRevocation(store, { userId: 'alice', clientId: 'client-b' }, NOW)).toStrictEqual({
        wouldRevoke: 5,
        byClient: { 'client-b': 4, 'client-c': 1 },
      });
      expect(await previewBulkRevocation(store, { userId: 'alice', clientId: 'client-a' }, NOW)).toStrictEqual({
        wouldRevoke: 5,
        byClient: { 'client-a': 5 },
      });
      expect(await previewBulkRevocation(store, { userId: 'nobody' }, NOW)).toStrictEqual({
        wouldRevoke: 0,
        byClient: {},
      });
      expect(store.snapshot()).toStrictEqual(before);
      expect(store.revokeRequests).toHaveLength(0);
      expect(store.touchRequests).toHaveLength(0);
      expect(store.createRequests).toHaveLength(0);
    },
  );

  it('predicts exactly what revokeSelection then revokes', async () => {
    const data = aliceAndBob();
    const store = new InMemoryTokenStore(data.all);
    for (const clientId of ['client-b', undefined]) {
      const before = store.snapshot();
      const preview = await previewBulkRevocation(store, { userId: 'alice', clientId }, NOW);
      const revoked = await revokeSelection(store, { userId: 'alice', clientId }, 'admin-1', undefined, NOW);
      expect(revoked).toBe(preview.wouldRevoke);
      const byClient: Record<string, number> = {};
      for (const id of changed(before, store.snapshot())) {
        const c = store.records.get(id)!.clientId;
        byClient[c] = (byClient[c] ?? 0) + 1;
      }
      expect(byClient).toStrictEqual(preview.byClient);
    }
  });

  // Only a refresh token cascades, so a query under an access token would cost a read per token
  // and, where another system's record names an access token as its parent, overcount.
  it('looks for children under the refresh tokens only', async () => {
    const access = tokenRecord({ userId: 'alice' });
    const refresh = tokenRecord({ userId: 'alice', tokenType: 'refresh_token' });
    const foreign = tokenRecord({ userId: 'bob', parentTokenId: access.tokenId });
    const store = new InMemoryTokenStore([access, refresh, foreign]);
    expect(await previewBulkRevocation(store, { userId: 'alice' }, NOW)).toStrictEqual({
      wouldRevoke: 2,
      byClient: { 'client-a': 2 },
    });
    expect(store.childrenRequests.map((r) => r.parentTokenId)).toStrictEqual([refresh.tokenId]);
    expect(await revokeSelection(store, { userId: 'alice' }, 'admin-1', undefined, NOW)).toBe(2);
    expect(store.records.get(foreign.tokenId)).toStrictEqual(foreign);
  });
});

describe('revokeSelection', () => {
  it('revokes every active token of the user and its cascade, counting each revocation once', async () => {
    const data = aliceAndBob();
    const store = new InMemoryTokenStore(data.all);
    const before = store.snapshot();
    expect(await revokeSelection(store, { userId: 'alice' }, 'admin-1', 'offboarding', NOW)).toBe(10);

    const changedIds = changed(before, store.snapshot());
    expect(changedIds.sort()).toStrictEqual(
      [...data.aliceA, ...data.aliceB, ...data.strays].map((r) => r.tokenId).sort(),
    );
    for (const r of [...data.aliceA, ...data.aliceB]) {
      expect(store.records.get(r.tokenId)).toMatchObject({ revokedAt: NOW, revokedBy: 'admin-1' });
    }
    for (const r of [...data.aliceA, ...data.aliceB].filter((x) => x.parentTokenId === undefined)) {
      expect(store.records.get(r.tokenId)!.revokeReason).toBe('offboarding');
    }
    for (const r of data.strays) {
      expect(store.records.get(r.tokenId)).toMatchObject({
        revokedAt: NOW,
        revokedBy: 'admin-1',
        revokeReason: cascadeReason(data.R2.tokenId),
      });
    }
    for (const r of [...data.inactive, ...data.bob]) expect(store.records.get(r.tokenId)).toStrictEqual(r);
    // Each token was written successfully once.
    const writes = store.revokeRequests.map((r) => r.tokenId);
    expect(new Set(writes).size).toBe(writes.length);
  });

  it('counts a write whose answer was lost (read back with this revocation), not one another revoke won', async () => {
    const data = aliceAndBob();
    /** The first write of `lost` lands, but the caller hears a failed condition; someone else revokes `raced` first. */
    class LossyStore extends InMemoryTokenStore {
      override async revoke(request: RevokeRequest) {
        if (request.tokenId === lost.tokenId) {
          await super.revoke(request);
          return undefined;
        }
        if (request.tokenId === raced.tokenId) {
          await super.revoke({ ...request, revokedBy: 'someone-else', reason: 'first' });
          return undefined;
        }
        return super.revoke(request);
      }
    }
    const [lost, raced] = data.aliceA.filter((t) => t.parentTokenId === undefined);
    if (!lost || !raced) throw new Error('the data set needs two tokens without a parent');
    const store = new LossyStore(data.all);
    expect(await revokeSelection(store, { userId: 'alice' }, 'admin-1', 'offboarding', NOW)).toBe(9);
    expect(store.records.get(lost.tokenId)).toMatchObject({ revokedBy: 'admin-1', revokeReason: 'offboarding' });
    expect(store.records.get(raced.tokenId)).toMatchObject({ revokedBy: 'someone-else' });
  });

  describe('re-reads a token whose write met a failed condition, counting it only if it bears this revocation', () => {
    const call = { revokedBy: 'admin-1', reason: 'offboarding' };
    it.each<[string, (stored: StoredToken) => StoredToken | undefined, number]>([
      [
        'this very write, landed',
        (r) => ({ ...r, revokedAt: NOW, revokedBy: call.revokedBy, revokeReason: call.reason }),
        1,
      ],
      [
        'an earlier attempt of the same revocation',
        (r) => ({ ...r, revokedAt: NOW - 1, revokedBy: call.revokedBy, revokeReason: call.reason }),
        0,
      ],
      [
        'another admin in the same second, same reason',
        (r) => ({ ...r, revokedAt: NOW, revokedBy: 'admin-2', revokeReason: call.reason }),
        0,
      ],
      [
        'the same admin in the same second, another reason',
        (r) => ({ ...r, revokedAt: NOW, revokedBy: call.revokedBy, revokeReason: 'lost laptop' }),
        0,
      ],
      ['the same admin in the same second, no reason', (r) => ({ ...r, revokedAt: NOW, revokedBy: call.revokedBy }), 0],
      ['nothing: TTL purged the token', () => undefined, 0],
    ])('%s', async (_, meanwhile, counted) => {
      const token = tokenRecord({ userId: 'carol', tokenType: 'refresh_token', expiresAt: NOW + DAY });
      const store = new AnswerLostStore([token], meanwhile);
      expect(await revokeSelection(store, { userId: 'carol' }, call.revokedBy, call.reason, NOW)).toBe(counted);
      expect(store.getRequests).toStrictEqual([token.tokenId]);
    });
  });

  it('writes only to tokens still active, one write each, and reads none back when the writes succeed', async () => {
    const data = aliceAndBob();
    const store = new InMemoryTokenStore(data.all);
    expect(await revokeSelection(store, { userId: 'alice' }, 'admin-1', 'offboarding', NOW)).toBe(10);
    const active = [...data.aliceA, ...data.aliceB, ...data.strays].map((r) => r.tokenId);
    expect(store.revokeRequests.map((r) => r.tokenId).sort()).toStrictEqual(active.sort());
    expect(store.getRequests).toStrictEqual([]);
  });

  it('is idempotent: a second call revokes nothing and changes nothing', async () => {
    const data = aliceAndBob();
    const store = new InMemoryTokenStore(data.all);
    expect(await revokeSelection(store, { userId: 'alice' }, 'admin-1', 'offboarding', NOW)).toBe(10);
    const after = store.snapshot();
    expect(await revokeSelection(store, { userId: 'alice' }, 'admin-2', 'again', NOW + 5)).toBe(0);
    expect(store.snapshot()).toStrictEqual(after);
  });

  it('with a client filter, revokes only that client’s tokens (and their cascade)', async () => {
    const data = aliceAndBob();
    const store = new InMemoryTokenStore(data.all);
    const before = store.snapshot();
    expect(await revokeSelection(store, { userId: 'alice', clientId: 'client-a' }, 'alice', undefined, NOW)).toBe(5);
    expect(changed(before, store.snapshot()).sort()).toStrictEqual(data.aliceA.map((r) => r.tokenId).sort());
    for (const r of data.aliceA) expect(store.records.get(r.tokenId)).toMatchObject({ revokedBy: 'alice' });
    for (const r of data.aliceA) expect(store.records.get(r.tokenId)!.revokeReason).toBeUndefined();
    expect(await revokeSelection(store, { userId: 'alice', clientId: 'client-a' }, 'alice', undefined, NOW)).toBe(0);
    expect(await revokeSelection(store, { userId: 'alice', clientId: 'client-b' }, 'alice', undefined, NOW)).toBe(5);
  });

  it('answers 0 for a user with no active tokens', async () => {
    const store = new InMemoryTokenStore(aliceAndBob().all);
    const before = store.snapshot();
    expect(await revokeSelection(store, { userId: 'nobody' }, 'admin-1', undefined, NOW)).toBe(0);
    expect(store.snapshot()).toStrictEqual(before);
  });

  it('pages through more tokens than one list page holds', async () => {
    const many = Array.from({ length: 2500 }, (_, i) =>
      tokenRecord({ userId: 'carol', issuedAt: NOW - i, expiresAt: NOW + DAY }),
    );
    const store = new InMemoryTokenStore(many);
    expect(await previewBulkRevocation(store, { userId: 'carol' }, NOW)).toMatchObject({ wouldRevoke: 2500 });
    expect(await revokeSelection(store, { userId: 'carol' }, 'admin-1', undefined, NOW)).toBe(2500);
    expect([...store.records.values()].every((r) => r.revokedAt === NOW)).toBe(true);
  });

  it('a retry after an interruption finishes the work, cascades included', async () => {
    const data = aliceAndBob();
    // R2 is listed first (the latest to expire) so the interrupted run revokes it but never reaches
    // its cascade.
    const R2 = data.all.find((r) => r.tokenId === data.R2.tokenId)!;
    R2.expiresAt = NOW + 2 * DAY;
    const store = new InterruptingStore(data.all, 1);
    await expect(revokeSelection(store, { userId: 'alice' }, 'admin-1', 'offboarding', NOW)).rejects.toThrow(
      'interrupted',
    );
    expect(store.records.get(R2.tokenId)!.revokedAt).toBe(NOW);
    await new Promise((resolve) => setImmediate(resolve));

    store.allowed = Infinity;
    const second = await revokeSelection(store, { userId: 'alice' }, 'admin-1', 'offboarding', NOW + 1);
    // Every token the uninterrupted run would have revoked is revoked, R2's strays included: a
    // retry must also finish the cascades of refresh tokens the interrupted run already revoked.
    const leftActive = [...data.aliceA, ...data.aliceB, ...data.strays]
      .filter((r) => store.records.get(r.tokenId)!.revokedAt === undefined)
      .map((r) => ({ tokenId: r.tokenId, userId: r.userId, parentTokenId: r.parentTokenId }));
    expect(leftActive).toStrictEqual([]);
    expect(1 + second).toBe(10);
  });
});
