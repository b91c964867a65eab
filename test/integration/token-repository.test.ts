import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { ListRequest } from '../../lambdas/domain/token-store';
import { TokenRepository } from '../../lambdas/store/token-repository';
import {
  createTokenTable,
  putRecords,
  type RunningDynalite,
  uniqueTableName,
  withDynaliteRepository,
} from '../support/dynalite';
import {
  expectExactlyOnce,
  expectLatestExpiryFirst,
  ids,
  latestExpiryFirst,
  listedWith,
  live,
  walk,
} from '../support/list-walk';
import { DAY, HOUR, NOW, newTokenId, tokenRecord } from '../support/token-records';

jest.setTimeout(60_000);

let db: RunningDynalite;
let repo: TokenRepository;

withDynaliteRepository((started) => ({ db, repo } = started));

const putAll = (records: TokenRecord[], tableName?: string) => putRecords(db, records, tableName);

async function freshTable(): Promise<{ repo: TokenRepository; tableName: string }> {
  const tableName = uniqueTableName();
  await createTokenTable(db.client, tableName);
  return { repo: new TokenRepository(db.documentClient, tableName), tableName };
}

const read = async (tokenId: string, tableName = db.tableName) =>
  (await db.documentClient.send(new GetCommand({ TableName: tableName, Key: { tokenId }, ConsistentRead: true }))).Item;

/**
 * `n` records, the i-th issued i minutes before the first and valid for a day: index 0 is the
 * newest and the latest to expire, so a list by user or by client answers them in index order.
 */
const series = (n: number, make: (i: number) => Partial<TokenRecord>, newest = NOW - 60): TokenRecord[] =>
  Array.from({ length: n }, (_, i) =>
    tokenRecord({ issuedAt: newest - 60 * i, expiresAt: newest - 60 * i + DAY, ...make(i) }),
  );

const unique = (name: string) => `${name}-${newTokenId()}`;

describe('get', () => {
  it('returns the record as stored, attribute for attribute', async () => {
    const record = tokenRecord({ userId: unique('user'), parentTokenId: 'tok_parent01', lastUsedAt: NOW - 5 });
    await putAll([record]);
    expect(await repo.get(record.tokenId)).toStrictEqual(record);
  });

  it('answers undefined for a missing token', async () => {
    expect(await repo.get('tok_does_not_exist')).toBeUndefined();
  });

  it('reads with ConsistentRead, so a revocation is seen at once', async () => {
    const record = tokenRecord({ userId: unique('user') });
    await putAll([record]);
    const send = jest.spyOn(db.documentClient, 'send');
    try {
      await repo.get(record.tokenId);
      const command = send.mock.calls.map(([c]) => c).find((c) => c instanceof GetCommand) as GetCommand | undefined;
      expect(command?.input).toMatchObject({ Key: { tokenId: record.tokenId }, ConsistentRead: true });
    } finally {
      send.mockRestore();
    }
  });
});

describe('list by user', () => {
  it('lists one user’s live tokens latest expiry first: none expired, of other users or of no user', async () => {
    const user = unique('user');
    const mine = series(6, () => ({ userId: user }));
    const expired = [
      tokenRecord({ userId: user, issuedAt: NOW - 30, expiresAt: NOW }), // expiresAt == now: expired
      tokenRecord({ userId: user, issuedAt: NOW - 90, expiresAt: NOW - 1 }),
    ];
    const others = [...series(3, () => ({ userId: unique('other') })), ...series(2, () => ({}))];
    await putAll([...mine, ...expired, ...others]);
    const page = await repo.list({ userId: user, limit: 100, now: NOW });
    expect(ids(page.items)).toStrictEqual(ids(mine));
    expect(page.nextKey).toBeUndefined();
  });

  it('returns nothing for a user with no tokens', async () => {
    expect(await repo.list({ userId: unique('nobody'), limit: 20, now: NOW })).toMatchObject({ items: [] });
    expect((await repo.list({ userId: unique('nobody'), limit: 20, now: NOW })).nextKey).toBeUndefined();
  });

  describe('filters', () => {
    const user = unique('user');
    const clients = ['client-a', 'client-b'];
    const types = ['access_token', 'refresh_token'] as const;
    // 2 clients × 2 types × (active, revoked, expired) × 3, interleaved by issuedAt; the live ones
    // expire in an order unlike their issue order (17 is coprime to 37: all distinct).
    const records: TokenRecord[] = [];
    let i = 0;
    for (let n = 0; n < 3; n++)
      for (const clientId of clients)
        for (const tokenType of types)
          for (const state of ['active', 'revoked', 'expired'] as const) {
            i++;
            records.push(
              tokenRecord({
                userId: user,
                clientId,
                clientName: clientId.toUpperCase(),
                tokenType,
                issuedAt: NOW - 60 * i,
                expiresAt: state === 'expired' ? NOW - i : NOW + HOUR + 60 * ((i * 17) % 37),
                ...(state === 'revoked' && { revokedAt: NOW - 10, revokedBy: user }),
              }),
            );
          }
    beforeAll(() => putAll(records));

    const combos: [string | undefined, (typeof types)[number] | undefined, 'active' | 'revoked' | undefined][] = [];
    for (const c of [undefined, ...clients])
      for (const t of [undefined, ...types])
        for (const s of [undefined, 'active', 'revoked'] as const) combos.push([c, t, s]);

    it.each(combos)('clientId=%s tokenType=%s status=%s', async (clientId, tokenType, status) => {
      const expected = records.filter(listedWith({ clientId, tokenType, status }));
      expect(expected.length).toBeGreaterThan(0);
      for (const limit of [1, 4, 100]) {
        const { items } = await walk(repo, {
          userId: user,
          limit,
          now: NOW,
          ...(clientId && { clientId }),
          ...(tokenType && { tokenType }),
          ...(status && { status }),
        });
        expect(ids(items)).toStrictEqual(ids(latestExpiryFirst(expected)));
      }
    });
  });

  describe('pagination', () => {
    const user = unique('user');
    // 57 live tokens, with runs of equal expiresAt (ties must not lose or repeat items), and 20
    // expired ones mixed in.
    const records = [
      ...series(57, (i) => ({ userId: user, expiresAt: NOW + DAY - 60 * Math.floor(i / 3) })),
      ...series(20, (i) => ({ userId: user, issuedAt: NOW - 90 * i - 7, expiresAt: NOW - i })),
    ];
    beforeAll(() => putAll(records));

    it.each([1, 3, 7, 20, 100])('limit %i yields every live token exactly once, latest expiry first', async (limit) => {
      const { items, pages } = await walk(repo, { userId: user, limit, now: NOW });
      expectExactlyOnce(
        items,
        records.filter((r) => live(r)),
      );
      expectLatestExpiryFirst(items);
      if (limit < 57) expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(57 / limit));
    });

    it('keeps only key attributes in nextKey', async () => {
      const page = await repo.list({ userId: user, limit: 5, now: NOW });
      expect(Object.keys(page.nextKey!).sort()).toStrictEqual(['expiresAt', 'tokenId', 'userId']);
    });
  });

  it('fills pages through a heavy filter: 200 records, 3 matching, spread out', async () => {
    const user = unique('user');
    const matching = new Set([17, 101, 188]);
    const records = series(200, (i) => ({
      userId: user,
      tokenType: matching.has(i) ? 'refresh_token' : 'access_token',
    }));
    await putAll(records);
    const expected = records.filter((_, i) => matching.has(i));
    for (const limit of [1, 3, 7, 100]) {
      const { items } = await walk(repo, { userId: user, tokenType: 'refresh_token', limit, now: NOW });
      expect(ids(items)).toStrictEqual(ids(expected));
    }
    // And a filter that nothing matches ends in one empty, final page.
    const none = await walk(repo, { userId: user, clientId: 'no-such-client', limit: 5, now: NOW });
    expect(none.items).toHaveLength(0);
    expect(none.pages).toHaveLength(1);
  });

  it('reads none of 150 expired records issued after the live ones', async () => {
    const user = unique('user');
    const expired = series(150, (i) => ({ userId: user, expiresAt: NOW - 1 - i }), NOW - 60);
    const older = series(10, (i) => ({ userId: user, expiresAt: NOW + 30 * DAY - i }), NOW - 60 * 200);
    await putAll([...expired, ...older]);
    for (const limit of [1, 3, 7, 20, 100]) {
      const { items, pages } = await walk(repo, { userId: user, limit, now: NOW });
      expect(ids(items)).toStrictEqual(ids(older));
      expect(pages[0]!.items.length).toBeGreaterThan(0);
      expect(pages.reduce((sum, p) => sum + p.itemsRead, 0)).toBe(older.length);
    }
  });
});

describe('list by client (no userId)', () => {
  const clientId = unique('client');
  const users = [unique('u1'), unique('u2'), unique('u3')];
  // Lifetimes vary, so expiry order differs from issue order (17 is coprime to 40: all distinct).
  const records = series(40, (i) => ({
    clientId,
    ...(i % 4 !== 3 && { userId: users[i % 3] }),
    tokenType: i % 2 ? 'refresh_token' : 'access_token',
    ...(i % 5 === 0 && { revokedAt: NOW - 1, revokedBy: 'admin' }),
    expiresAt: i % 7 === 0 ? NOW - i : NOW + HOUR * (((i * 17) % 40) + 1),
  }));
  const otherClient = series(5, () => ({ clientId: unique('client'), userId: users[0] }));
  beforeAll(() => putAll([...records, ...otherClient]));

  it.each([1, 3, 7, 100])(
    'limit %i: the client’s live tokens across users (and with no user), latest expiry first, once each',
    async (limit) => {
      const { items, pages } = await walk(repo, { clientId, limit, now: NOW });
      const expected = latestExpiryFirst(records.filter((r) => live(r)));
      expect(ids(items)).toStrictEqual(ids(expected));
      expect(ids(items)).not.toStrictEqual(ids(records.filter((r) => live(r)))); // not issue order
      expect(items.some((r) => r.userId === undefined)).toBe(true);
      expect(new Set(items.map((r) => r.userId)).size).toBeGreaterThan(2);
      // The key condition skips the expired records: nothing is read that is not returned.
      expect(pages.reduce((sum, p) => sum + p.itemsRead, 0)).toBe(items.length);
    },
  );

  it.each([
    ['access_token', undefined],
    ['refresh_token', 'revoked'],
    [undefined, 'active'],
  ] as const)('filters tokenType=%s status=%s', async (tokenType, status) => {
    const expected = records.filter(listedWith({ tokenType, status }));
    const { items } = await walk(repo, {
      clientId,
      limit: 3,
      now: NOW,
      ...(tokenType && { tokenType }),
      ...(status && { status }),
    });
    expect(ids(items)).toStrictEqual(ids(latestExpiryFirst(expected)));
  });

  it('reads none of 150 newer but expired records', async () => {
    const client = unique('client');
    const expired = series(150, (i) => ({ clientId: client, userId: users[i % 3], expiresAt: NOW - 1 - i }));
    const older = series(4, (i) => ({ clientId: client, expiresAt: NOW + DAY - i }), NOW - 60 * 200);
    await putAll([...expired, ...older]);
    for (const limit of [1, 7, 100]) {
      const { items, pages } = await walk(repo, { clientId: client, limit, now: NOW });
      expect(ids(items)).toStrictEqual(ids(older));
      expect(pages[0]!.items.length).toBeGreaterThan(0);
      expect(pages.reduce((sum, p) => sum + p.itemsRead, 0)).toBe(older.length);
    }
  });
});

describe('list everything (no userId, no clientId)', () => {
  let table: { repo: TokenRepository; tableName: string };
  const records = series(90, (i) => ({
    ...(i % 6 !== 0 && { userId: `user-${i % 4}` }),
    clientId: `client-${i % 3}`,
    tokenType: i % 2 ? 'refresh_token' : 'access_token',
    ...(i % 5 === 0 && { revokedAt: NOW - 1, revokedBy: 'admin' }),
    ...(i % 9 === 0 && { expiresAt: NOW - i }),
  }));
  beforeAll(async () => {
    table = await freshTable();
    await putAll(records, table.tableName);
  });

  it.each([1, 3, 7, 100])('limit %i: every live token, those with no user included, exactly once', async (limit) => {
    const { items } = await walk(table.repo, { limit, now: NOW });
    expectExactlyOnce(
      items,
      records.filter((r) => live(r)),
    );
    expect(items.some((r) => r.userId === undefined)).toBe(true);
  });

  it('lists in a stable order', async () => {
    const first = await walk(table.repo, { limit: 7, now: NOW });
    const second = await walk(table.repo, { limit: 13, now: NOW });
    expect(ids(second.items)).toStrictEqual(ids(first.items));
  });

  it.each([
    ['refresh_token', undefined],
    [undefined, 'revoked'],
    ['access_token', 'active'],
  ] as const)('filters tokenType=%s status=%s', async (tokenType, status) => {
    const expected = records.filter(listedWith({ tokenType, status }));
    const { items } = await walk(table.repo, {
      limit: 4,
      now: NOW,
      ...(tokenType && { tokenType }),
      ...(status && { status }),
    });
    expectExactlyOnce(items, expected);
  });
});

describe('records with only the documented attributes', () => {
  it('are found by get and by every list mode, with every filter, and can be revoked', async () => {
    const table = await freshTable();
    const userId = unique('user');
    const clientId = unique('client');
    const withUser = {
      tokenId: newTokenId(),
      userId,
      clientId,
      clientName: 'Imported App',
      tokenType: 'refresh_token',
      scope: 'offline_access',
      issuedAt: NOW - 100,
      expiresAt: NOW + 100,
    };
    const withoutUser = {
      tokenId: newTokenId(),
      clientId,
      clientName: 'Imported App',
      tokenType: 'access_token',
      scope: 'api',
      issuedAt: NOW - 50,
      expiresAt: NOW + 100,
    };
    for (const Item of [withUser, withoutUser]) {
      await db.documentClient.send(new PutCommand({ TableName: table.tableName, Item }));
    }
    const listed = async (request: Omit<ListRequest, 'limit' | 'now'>) =>
      ids((await walk(table.repo, { ...request, limit: 10, now: NOW })).items).sort();

    expect(await table.repo.get(withUser.tokenId)).toStrictEqual(withUser);
    expect(await listed({ userId })).toStrictEqual([withUser.tokenId]);
    expect(await listed({ userId, clientId, tokenType: 'refresh_token', status: 'active' })).toStrictEqual([
      withUser.tokenId,
    ]);
    expect(await listed({ clientId })).toStrictEqual([withUser.tokenId, withoutUser.tokenId].sort());
    expect(await listed({ clientId, tokenType: 'access_token', status: 'active' })).toStrictEqual([
      withoutUser.tokenId,
    ]);
    expect(await listed({})).toStrictEqual([withUser.tokenId, withoutUser.tokenId].sort());
    expect(await listed({ status: 'active' })).toStrictEqual([withUser.tokenId, withoutUser.tokenId].sort());

    expect(
      await table.repo.revoke({ tokenId: withUser.tokenId, revokedBy: userId, owner: userId, now: NOW }),
    ).toMatchObject({
      revokedAt: NOW,
    });
    expect(await table.repo.revoke({ tokenId: withoutUser.tokenId, revokedBy: 'root', now: NOW })).toMatchObject({
      revokedAt: NOW,
    });
    expect(await listed({ status: 'revoked' })).toStrictEqual([withUser.tokenId, withoutUser.tokenId].sort());
    expect(await listed({ userId, status: 'revoked' })).toStrictEqual([withUser.tokenId]);
  });
});

describe('revoke', () => {
  it('sets revokedAt, revokedBy and revokeReason and keeps everything else, expiresAt included', async () => {
    const record = tokenRecord({ userId: unique('user') });
    await putAll([record]);
    const revoked = await repo.revoke({
      tokenId: record.tokenId,
      revokedBy: record.userId!,
      reason: 'lost 📱',
      owner: record.userId,
      now: NOW,
    });
    const expected = { ...record, revokedAt: NOW, revokedBy: record.userId, revokeReason: 'lost 📱' };
    expect(revoked).toStrictEqual(expected);
    expect(await read(record.tokenId)).toStrictEqual(expected);
  });

  it('stores no revokeReason when none is given', async () => {
    const record = tokenRecord({ userId: unique('user') });
    await putAll([record]);
    const revoked = await repo.revoke({ tokenId: record.tokenId, revokedBy: 'root', now: NOW });
    expect(revoked).toStrictEqual({ ...record, revokedAt: NOW, revokedBy: 'root' });
  });

  it('refuses a second revoke and changes nothing', async () => {
    const record = tokenRecord({ userId: unique('user') });
    await putAll([record]);
    const first = await repo.revoke({ tokenId: record.tokenId, revokedBy: 'first', reason: 'one', now: NOW });
    expect(
      await repo.revoke({ tokenId: record.tokenId, revokedBy: 'second', reason: 'two', now: NOW + 5 }),
    ).toBeUndefined();
    expect(await read(record.tokenId)).toStrictEqual(first);
  });

  it('refuses when the owner does not match, and changes nothing', async () => {
    const record = tokenRecord({ userId: unique('user') });
    await putAll([record]);
    expect(
      await repo.revoke({ tokenId: record.tokenId, revokedBy: 'mallory', owner: 'mallory', now: NOW }),
    ).toBeUndefined();
    expect(await read(record.tokenId)).toStrictEqual(record);
  });

  it('refuses an owner-conditioned revoke of a token with no user', async () => {
    const record = tokenRecord();
    await putAll([record]);
    expect(
      await repo.revoke({ tokenId: record.tokenId, revokedBy: 'alice', owner: 'alice', now: NOW }),
    ).toBeUndefined();
    expect(await read(record.tokenId)).toStrictEqual(record);
  });

  it.each([
    ['expiresAt == now', NOW],
    ['expiresAt < now', NOW - HOUR],
  ])('refuses an expired token (%s) and changes nothing', async (_, expiresAt) => {
    const record = tokenRecord({ userId: unique('user'), expiresAt });
    await putAll([record]);
    expect(await repo.revoke({ tokenId: record.tokenId, revokedBy: 'root', now: NOW })).toBeUndefined();
    expect(await read(record.tokenId)).toStrictEqual(record);
  });

  it('refuses a missing token and does not create an item', async () => {
    const tokenId = newTokenId();
    expect(await repo.revoke({ tokenId, revokedBy: 'root', reason: 'x', now: NOW })).toBeUndefined();
    expect(await read(tokenId)).toBeUndefined();
  });

  it('records exactly one of 50 concurrent revokes', async () => {
    const record = tokenRecord({ userId: unique('user') });
    await putAll([record]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        repo.revoke({ tokenId: record.tokenId, revokedBy: `caller-${i}`, reason: `reason ${i}`, now: NOW + i }),
      ),
    );
    const winners = results.filter((r) => r !== undefined);
    expect(winners).toHaveLength(1);
    expect(await read(record.tokenId)).toStrictEqual(winners[0]);
  });
});

describe('cost: items read per item returned', () => {
  /** Walks the list in pages and returns (items read) / (items returned) over the whole walk. */
  async function measure(
    label: string,
    request: Omit<ListRequest, 'startKey' | 'now' | 'limit'>,
    expected: number,
    limit = 20,
  ) {
    const { items, pages } = await walk(repo, { ...request, limit, now: NOW });
    expect(items).toHaveLength(expected);
    const read = pages.reduce((sum, p) => sum + p.itemsRead, 0);
    const ratio = read / items.length;
    console.log(
      `items read per item returned: ${label} = ${ratio.toFixed(2)} ` +
        `(${read} read / ${items.length} returned, ${pages.length} pages of ${limit})`,
    );
    return { ratio, pages, read };
  }

  it('(a) 100 live tokens in pages of 20: exactly one read per item', async () => {
    const user = unique('user');
    await putAll(series(100, () => ({ userId: user })));
    const { ratio, pages } = await measure('(a) 100 live, pages of 20', { userId: user }, 100);
    expect(ratio).toBe(1);
    for (const page of pages.filter((p) => p.items.length > 0)) expect(page.itemsRead).toBe(page.items.length);
  });

  it('(b) 100 live + 43 expired-not-purged (30 %) interleaved by issue time: none of the expired is read', async () => {
    const user = unique('user');
    // 143 slots by issuedAt; 43 of them, spread evenly, expired.
    const records = series(143, (i) => ({
      userId: user,
      ...(Math.floor((i * 43) / 143) !== Math.floor(((i + 1) * 43) / 143) && { expiresAt: NOW - 1 - i }),
    }));
    expect(records.filter((r) => !live(r))).toHaveLength(43);
    await putAll(records);
    const { ratio } = await measure('(b) 100 live + 43 expired interleaved (30 %), pages of 20', { userId: user }, 100);
    // byUser is sorted by expiresAt, so the key condition skips every expired record.
    expect(ratio).toBe(1);
  });

  it('(c) status=revoked with 20 % revoked', async () => {
    const user = unique('user');
    const records = series(100, (i) => ({ userId: user, ...(i % 5 === 2 && { revokedAt: NOW - 1, revokedBy: user }) }));
    await putAll(records);
    const { ratio } = await measure(
      '(c) status=revoked, 20 % of 100 revoked, pages of 20',
      { userId: user, status: 'revoked' },
      20,
    );
    // The floor is 5.0: the filter must look at every record to find the revoked fifth.
    expect(ratio).toBeGreaterThanOrEqual(5);
    expect(ratio).toBeLessThanOrEqual(6);
  });

  it('(d) 20 live + 2,000 expired hourly access tokens issued after them, beside 20 live and none', async () => {
    const lagging = unique('user');
    const steady = unique('user');
    // The live ones: refresh tokens issued days ago, valid for 30 days. The expired ones: access
    // tokens of an hour each, issued over the last 48 hours (TTL's lag), all expired by now.
    const liveOf = (userId: string) =>
      Array.from({ length: 20 }, (_, i) =>
        tokenRecord({
          userId,
          tokenType: 'refresh_token',
          issuedAt: NOW - 3 * DAY - i * HOUR,
          expiresAt: NOW + 27 * DAY - i * HOUR,
        }),
      );
    const hourly = Array.from({ length: 2000 }, (_, i) => {
      const issuedAt = NOW - HOUR - Math.floor((i * 47 * HOUR) / 2000);
      return tokenRecord({ userId: lagging, issuedAt, expiresAt: issuedAt + HOUR });
    });
    expect(hourly.every((r) => !live(r) && r.issuedAt > NOW - 3 * DAY)).toBe(true);
    await putAll([...liveOf(steady), ...liveOf(lagging), ...hourly]);
    const without = await measure('(d) 20 live, none expired, pages of 20', { userId: steady }, 20);
    const withExpired = await measure('(d) 20 live + 2,000 expired after them, pages of 20', { userId: lagging }, 20);
    expect(without.ratio).toBe(1);
    expect(withExpired.ratio).toBe(1);
    // The same reads, page by page: the expired records cost nothing.
    expect(withExpired.pages.map((p) => p.itemsRead)).toStrictEqual(without.pages.map((p) => p.itemsRead));
    expect(withExpired.pages[0]!.items).toHaveLength(20);
  });
});
