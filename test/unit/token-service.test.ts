import type { Caller } from '../../lambdas/domain/authorization';
import { ApiError } from '../../lambdas/domain/errors';
import type { TokenRecord } from '../../lambdas/domain/token';
import {
  allTokens,
  getToken,
  type ListContext,
  type ListQuery,
  listTokens,
  revokeToken,
} from '../../lambdas/domain/token-service';
import type { ListRequest, TokenStore } from '../../lambdas/domain/token-store';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { rejection } from '../support/rejection';
import { DAY, HOUR, NOW, tokenRecord } from '../support/token-records';

const alice: Caller = { sub: 'alice', isAdmin: false };
const bob: Caller = { sub: 'bob', isAdmin: false };
const admin: Caller = { sub: 'root', isAdmin: true };
const secret = Buffer.alloc(32, 3);

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an ApiError');
}

const ownList = (caller: Caller, now = NOW): ListContext => ({
  route: 'list-own-tokens',
  caller,
  userId: caller.sub,
  cursorSecret: secret,
  now,
});
const adminList = (caller: Caller, userId?: string, now = NOW): ListContext => ({
  route: 'list-all-tokens',
  caller,
  userId,
  cursorSecret: secret,
  now,
});

/** `n` live tokens of `userId`, issued one minute apart and valid for a day: latest expiry first by index. */
const tokensOf = (userId: string | undefined, n: number, extra: Partial<TokenRecord> = {}): TokenRecord[] =>
  Array.from({ length: n }, (_, i) =>
    tokenRecord({
      ...(userId !== undefined && { userId }),
      issuedAt: NOW - 60 * (i + 1),
      expiresAt: NOW + DAY - 60 * (i + 1),
      ...extra,
    }),
  );

describe('listTokens', () => {
  it('lists only the caller’s live tokens, latest expiry first, as views', async () => {
    const mine = tokensOf('alice', 3);
    const expired = tokenRecord({ userId: 'alice', expiresAt: NOW });
    const store = new InMemoryTokenStore([...mine, expired, ...tokensOf('bob', 2), ...tokensOf(undefined, 2)]);
    const answer = await listTokens(store, {}, ownList(alice));
    expect(answer.items.map((v) => v.tokenId)).toStrictEqual(mine.map((r) => r.tokenId));
    expect(answer.items.every((v) => v.userId === 'alice' && v.status === 'active')).toBe(true);
    expect(answer.items[0]).toHaveProperty('scopes', ['read', 'write']);
    expect(answer.nextCursor).toBeNull();
  });

  it('asks the store for a page of 20 by default, and passes limit, filters and now through', async () => {
    const store = new InMemoryTokenStore(tokensOf('alice', 25));
    const first = await listTokens(store, {}, ownList(alice));
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(store.listRequests[0]).toMatchObject({ userId: 'alice', limit: 20, now: NOW });

    await listTokens(store, { limit: 7, clientId: 'c', tokenType: 'refresh_token', status: 'revoked' }, ownList(alice));
    expect(store.listRequests[1]).toMatchObject({
      userId: 'alice',
      clientId: 'c',
      tokenType: 'refresh_token',
      status: 'revoked',
      limit: 7,
      now: NOW,
    });
  });

  it('walks every token exactly once by following nextCursor', async () => {
    const all = tokensOf('alice', 45);
    const store = new InMemoryTokenStore(all);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await listTokens(store, { limit: 10, ...(cursor && { cursor }) }, ownList(alice));
      expect(answer.items.length).toBeLessThanOrEqual(10);
      if (answer.nextCursor) expect(answer.items.length).toBeGreaterThan(0);
      seen.push(...answer.items.map((v) => v.tokenId));
      cursor = answer.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toStrictEqual(all.map((r) => r.tokenId));
  });

  it('accepts a changed limit with the same cursor', async () => {
    const store = new InMemoryTokenStore(tokensOf('alice', 30));
    const first = await listTokens(store, { limit: 5 }, ownList(alice));
    const second = await listTokens(store, { limit: 50, cursor: first.nextCursor! }, ownList(alice));
    expect(second.items).toHaveLength(25);
  });

  it('refuses a cursor reused by another caller, and does not list for them', async () => {
    const store = new InMemoryTokenStore([...tokensOf('alice', 5), ...tokensOf('bob', 5)]);
    const { nextCursor } = await listTokens(store, { limit: 2 }, ownList(alice));
    const calls = store.listRequests.length;
    const error = await apiError(listTokens(store, { limit: 2, cursor: nextCursor! }, ownList(bob)));
    expect(error.code).toBe('invalid_request');
    expect(store.listRequests).toHaveLength(calls);
  });

  it('refuses an admin cursor reused by another admin', async () => {
    const store = new InMemoryTokenStore(tokensOf('alice', 5));
    const { nextCursor } = await listTokens(store, { limit: 2 }, adminList(admin));
    const other: Caller = { sub: 'root2', isAdmin: true };
    expect((await apiError(listTokens(store, { cursor: nextCursor! }, adminList(other)))).code).toBe('invalid_request');
  });

  it.each<[string, ListQuery]>([
    ['clientId', { clientId: 'client-b' }],
    ['tokenType', { tokenType: 'refresh_token' }],
    ['status', { status: 'revoked' }],
  ])('refuses a cursor when %s changes', async (_, changed) => {
    const store = new InMemoryTokenStore(tokensOf('alice', 5));
    const { nextCursor } = await listTokens(store, { limit: 2, status: 'active' }, ownList(alice));
    const base: ListQuery = { limit: 2, status: 'active' };
    expect((await apiError(listTokens(store, { ...base, ...changed, cursor: nextCursor! }, ownList(alice)))).code).toBe(
      'invalid_request',
    );
  });

  it('refuses a cursor when a filter is dropped', async () => {
    const store = new InMemoryTokenStore(tokensOf('alice', 5));
    const { nextCursor } = await listTokens(store, { limit: 2, status: 'active' }, ownList(alice));
    expect((await apiError(listTokens(store, { cursor: nextCursor! }, ownList(alice)))).code).toBe('invalid_request');
  });

  it('refuses an admin cursor when the userId filter changes, is added or dropped', async () => {
    const store = new InMemoryTokenStore([...tokensOf('alice', 5), ...tokensOf('bob', 5)]);
    const forAlice = (await listTokens(store, { limit: 2 }, adminList(admin, 'alice'))).nextCursor!;
    const forAll = (await listTokens(store, { limit: 2 }, adminList(admin))).nextCursor!;
    for (const attempt of [
      listTokens(store, { cursor: forAlice }, adminList(admin, 'bob')),
      listTokens(store, { cursor: forAlice }, adminList(admin)),
      listTokens(store, { cursor: forAll }, adminList(admin, 'alice')),
    ]) {
      expect((await apiError(attempt)).code).toBe('invalid_request');
    }
  });

  it('refuses a cursor on another route (own list ↔ admin list) even for the same admin', async () => {
    const store = new InMemoryTokenStore(tokensOf('root', 5));
    const own = (await listTokens(store, { limit: 2 }, ownList(admin))).nextCursor!;
    expect((await apiError(listTokens(store, { cursor: own }, adminList(admin, 'root')))).code).toBe('invalid_request');
  });

  it('keeps cursors valid for an hour and across instances (same secret, new store object)', async () => {
    const records = tokensOf('alice', 5);
    const { nextCursor } = await listTokens(new InMemoryTokenStore(records), { limit: 2 }, ownList(alice));
    const later = await listTokens(
      new InMemoryTokenStore(records),
      { limit: 2, cursor: nextCursor! },
      ownList(alice, NOW + HOUR),
    );
    expect(later.items.map((v) => v.tokenId)).toStrictEqual(records.slice(2, 4).map((r) => r.tokenId));
  });

  it('refuses a day-old cursor', async () => {
    const store = new InMemoryTokenStore(tokensOf('alice', 5));
    const { nextCursor } = await listTokens(store, { limit: 2 }, ownList(alice));
    expect((await apiError(listTokens(store, { cursor: nextCursor! }, ownList(alice, NOW + DAY + 1)))).code).toBe(
      'invalid_request',
    );
  });

  it('gives the admin every user’s tokens and those with no user', async () => {
    const all = [...tokensOf('alice', 2), ...tokensOf('bob', 2), ...tokensOf(undefined, 2)];
    const store = new InMemoryTokenStore(all);
    const answer = await listTokens(store, { limit: 100 }, adminList(admin));
    expect(answer.items.map((v) => v.tokenId).sort()).toStrictEqual(all.map((r) => r.tokenId).sort());
    expect(answer.items.filter((v) => !('userId' in v))).toHaveLength(2);
  });
});

describe('getToken', () => {
  const alices = tokenRecord({ userId: 'alice' });
  const noUser = tokenRecord();
  const expired = tokenRecord({ userId: 'alice', expiresAt: NOW });
  const store = new InMemoryTokenStore([alices, noUser, expired]);

  it('shows the owner their token', async () => {
    expect(await getToken(store, alice, alices.tokenId, NOW)).toMatchObject({
      tokenId: alices.tokenId,
      userId: 'alice',
    });
  });

  it('shows an admin anyone’s token, and a token with no user', async () => {
    expect((await getToken(store, admin, alices.tokenId, NOW)).tokenId).toBe(alices.tokenId);
    const view = await getToken(store, admin, noUser.tokenId, NOW);
    expect(view.tokenId).toBe(noUser.tokenId);
    expect(Object.keys(view)).not.toContain('userId');
  });

  it.each<[string, Caller, () => string]>([
    ['a missing token', alice, () => 'tok_missing1'],
    ['an expired token (expiresAt == now), even to its owner', alice, () => expired.tokenId],
    ['an expired token, even to an admin', admin, () => expired.tokenId],
    ['another user’s token', bob, () => alices.tokenId],
    ['a token with no user, to a non-admin', alice, () => noUser.tokenId],
  ])('answers 404 (never 403) for %s', async (_, caller, id) => {
    const error = await apiError(getToken(store, caller, id(), NOW));
    expect(error.code).toBe('not_found');
    expect(error.message).toBe('No such token.');
  });
});

describe('revokeToken', () => {
  it('lets the owner revoke, recording who, when and why', async () => {
    const record = tokenRecord({ userId: 'alice' });
    const store = new InMemoryTokenStore([record]);
    const view = await revokeToken(store, alice, record.tokenId, 'lost phone', NOW);
    expect(view).toMatchObject({
      tokenId: record.tokenId,
      status: 'revoked',
      revokedAt: new Date(NOW * 1000).toISOString().replace('.000Z', 'Z'),
      revokedBy: 'alice',
      revokeReason: 'lost phone',
    });
    expect(store.records.get(record.tokenId)).toMatchObject({
      revokedAt: NOW,
      revokedBy: 'alice',
      revokeReason: 'lost phone',
    });
    expect(store.revokeRequests[0]).toMatchObject({ owner: 'alice' });
  });

  it('leaves revokeReason out when no reason is given', async () => {
    const record = tokenRecord({ userId: 'alice' });
    const view = await revokeToken(new InMemoryTokenStore([record]), alice, record.tokenId, undefined, NOW);
    expect(Object.keys(view)).not.toContain('revokeReason');
  });

  it('answers 404 to another user and leaves the token unchanged', async () => {
    const record = tokenRecord({ userId: 'alice' });
    const store = new InMemoryTokenStore([record]);
    expect((await apiError(revokeToken(store, bob, record.tokenId, 'mine now', NOW))).code).toBe('not_found');
    expect(store.records.get(record.tokenId)).toStrictEqual(record);
  });

  it('answers 404 to a non-admin for a token with no user, unchanged', async () => {
    const record = tokenRecord();
    const store = new InMemoryTokenStore([record]);
    expect((await apiError(revokeToken(store, alice, record.tokenId, undefined, NOW))).code).toBe('not_found');
    expect(store.records.get(record.tokenId)).toStrictEqual(record);
  });

  it('lets an admin revoke anyone’s token and tokens with no user, as themselves', async () => {
    const alices = tokenRecord({ userId: 'alice' });
    const noUser = tokenRecord();
    const store = new InMemoryTokenStore([alices, noUser]);
    expect(await revokeToken(store, admin, alices.tokenId, undefined, NOW)).toMatchObject({
      status: 'revoked',
      revokedBy: 'root',
    });
    expect(await revokeToken(store, admin, noUser.tokenId, undefined, NOW)).toMatchObject({
      status: 'revoked',
      revokedBy: 'root',
    });
    expect(store.revokeRequests.every((r) => r.owner === undefined)).toBe(true);
  });

  it('answers a second revoke with the first revokedAt, revokedBy and revokeReason', async () => {
    const record = tokenRecord({ userId: 'alice' });
    const store = new InMemoryTokenStore([record]);
    const first = await revokeToken(store, alice, record.tokenId, 'first', NOW);
    const again = await revokeToken(store, alice, record.tokenId, 'second', NOW + 10);
    const byAdmin = await revokeToken(store, admin, record.tokenId, undefined, NOW + 20);
    expect(again).toStrictEqual(first);
    expect(byAdmin).toStrictEqual(first);
    expect(store.records.get(record.tokenId)).toMatchObject({
      revokedAt: NOW,
      revokedBy: 'alice',
      revokeReason: 'first',
    });
  });

  it('still answers 404 to another user for an already revoked token', async () => {
    const record = tokenRecord({ userId: 'alice', revokedAt: NOW - 5, revokedBy: 'alice' });
    const store = new InMemoryTokenStore([record]);
    expect((await apiError(revokeToken(store, bob, record.tokenId, undefined, NOW))).code).toBe('not_found');
  });

  it.each<[string, Partial<TokenRecord>]>([
    ['expired', { expiresAt: NOW }],
    ['expired and revoked', { expiresAt: NOW - 1, revokedAt: NOW - 100, revokedBy: 'alice' }],
  ])('answers 404 for an %s token, unchanged', async (_, fields) => {
    const record = tokenRecord({ userId: 'alice', ...fields });
    const store = new InMemoryTokenStore([record]);
    for (const caller of [alice, admin]) {
      expect((await apiError(revokeToken(store, caller, record.tokenId, undefined, NOW))).code).toBe('not_found');
    }
    expect(store.records.get(record.tokenId)).toStrictEqual(record);
  });

  it('answers 404 for a missing token and creates nothing', async () => {
    const store = new InMemoryTokenStore();
    expect((await apiError(revokeToken(store, admin, 'tok_missing1', undefined, NOW))).code).toBe('not_found');
    expect(store.records.size).toBe(0);
  });

  it('answers 409 conflict when the write keeps failing while the token reads as active', async () => {
    const record = tokenRecord({ userId: 'alice' });
    let gets = 0;
    let revokes = 0;
    const flaky: TokenStore = {
      get: async () => {
        gets++;
        return { ...record };
      },
      create: async () => {},
      list: async () => ({ items: [], itemsRead: 0 }),
      revoke: async () => {
        revokes++;
        return undefined;
      },
      touch: async () => {},
      children: async () => [],
    };
    const error = await apiError(revokeToken(flaky, alice, record.tokenId, undefined, NOW));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe('The token changed while it was being revoked; try again.');
    expect(revokes).toBe(2);
    expect(gets).toBe(2);
  });

  it('succeeds when the second write goes through after one failed condition', async () => {
    const record = tokenRecord({ userId: 'alice' });
    const store = new InMemoryTokenStore([record]);
    let first = true;
    const racy: TokenStore = {
      get: (id) => store.get(id),
      create: (r) => store.create(r),
      list: (r) => store.list(r),
      revoke: async (r) => {
        if (first) {
          first = false;
          return undefined;
        }
        return store.revoke(r);
      },
      touch: (id, now, interval) => store.touch(id, now, interval),
      children: (id, now) => store.children(id, now),
    };
    expect(await revokeToken(racy, alice, record.tokenId, undefined, NOW)).toMatchObject({ status: 'revoked' });
  });

  it('records exactly one revocation under concurrent revokes', async () => {
    const record = tokenRecord({ userId: 'alice' });
    const store = new InMemoryTokenStore([record]);
    const views = await Promise.all(
      Array.from({ length: 20 }, (_, i) => revokeToken(store, i % 2 ? alice : admin, record.tokenId, `r${i}`, NOW + i)),
    );
    const stored = store.records.get(record.tokenId)!;
    for (const v of views) {
      expect(v.revokedBy).toBe(stored.revokedBy);
      expect(v.revokeReason).toBe(stored.revokeReason);
    }
  });
});

describe('allTokens', () => {
  it('asks for no further page once the deadline aborts, and answers 500', async () => {
    const deadline = new AbortController();
    class AbortsAfterOnePage extends InMemoryTokenStore {
      override async list(request: ListRequest) {
        deadline.abort();
        return super.list(request);
      }
    }
    // Two pages' worth: the store answers at most 1000 a page.
    const store = new AbortsAfterOnePage(tokensOf('alice', 1200));
    await rejection(allTokens(store, { userId: 'alice', now: NOW }, deadline.signal), 'internal_error');
    expect(store.listRequests).toHaveLength(1);
  });
});
