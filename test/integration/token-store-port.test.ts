/**
 * What the TokenStore port promises of `list` (lambdas/domain/token-store.ts), checked the same
 * way against the in-memory fake the unit tests use and against the repository on dynalite: the
 * fake can stand in for the repository only while both pass these cases.
 */
import { ApiError } from '../../lambdas/domain/errors';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { ListRequest, TokenStore } from '../../lambdas/domain/token-store';
import { TokenRepository } from '../../lambdas/store/token-repository';
import {
  createTokenTable,
  putRecords,
  type RunningDynalite,
  uniqueTableName,
  withDynaliteRepository,
} from '../support/dynalite';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { expectExactlyOnce, expectLatestExpiryFirst, ids, listedWith, live, walk } from '../support/list-walk';
import { HOUR, NOW, tokenRecord } from '../support/token-records';

jest.setTimeout(60_000);

let db: RunningDynalite;
withDynaliteRepository((started) => {
  db = started.db;
});

/** A store holding exactly `records`: each real one in a table of its own. */
type StoreWith = (records: TokenRecord[]) => Promise<TokenStore>;

const STORES: [string, StoreWith][] = [
  ['the in-memory fake', async (records) => new InMemoryTokenStore(records)],
  [
    'the repository on dynalite',
    async (records) => {
      const tableName = uniqueTableName();
      await createTokenTable(db.client, tableName);
      await putRecords(db, records, tableName);
      return new TokenRepository(db.documentClient, tableName);
    },
  ],
];

const USER = 'user-port';
const OTHER = 'user-other';
const CLIENT = 'client-a';

/**
 * One user's 36 records (12 expiry times, so many ties, in an order unlike their issue order;
 * every fifth revoked, every seventh expired), another user's, and records with no user.
 */
function dataset(): TokenRecord[] {
  const records: TokenRecord[] = [];
  for (let i = 0; i < 36; i++) {
    records.push(
      tokenRecord({
        userId: USER,
        clientId: i % 3 ? CLIENT : 'client-b',
        tokenType: i % 2 ? 'refresh_token' : 'access_token',
        issuedAt: NOW - 60 * i,
        expiresAt: i % 7 === 6 ? NOW - i : NOW + HOUR * (1 + ((i * 5) % 12)),
        ...(i % 5 === 0 && { revokedAt: NOW - 1, revokedBy: USER }),
      }),
    );
  }
  for (let i = 0; i < 8; i++) {
    records.push(tokenRecord({ userId: OTHER, clientId: i % 2 ? CLIENT : 'client-b', expiresAt: NOW + HOUR * i + 1 }));
  }
  for (let i = 0; i < 6; i++) records.push(tokenRecord({ clientId: CLIENT, expiresAt: NOW + HOUR * (i - 2) }));
  return records;
}

type Filters = Pick<ListRequest, 'clientId' | 'tokenType' | 'status'>;
const FILTERS: Filters[] = [
  { tokenType: 'refresh_token' },
  { status: 'active' },
  { status: 'revoked' },
  { tokenType: 'access_token', status: 'active' },
];
/** For a list by user, clientId is a filter too. */
const USER_FILTERS: Filters[] = [{ clientId: 'client-b' }, { clientId: CLIENT, status: 'revoked' }];

/** The three kinds of list and the order the port gives each. */
const LISTS: [string, Pick<ListRequest, 'userId' | 'clientId'>, boolean][] = [
  ['by user', { userId: USER }, true],
  ['by client', { clientId: CLIENT }, true],
  ['unfiltered', {}, false],
];

describe.each(STORES)('list, on %s', (_, storeWith) => {
  const records = dataset();
  let store: TokenStore;
  beforeAll(async () => {
    store = await storeWith(records);
  });

  describe.each(LISTS)('%s', (_, list, latestExpiryFirst) => {
    it('answers every matching live record once, on pages of every size, in one stable order', async () => {
      const expected = records.filter(listedWith(list));
      expect(expected.length).toBeGreaterThan(10);
      const walks = [];
      for (const limit of [1, 3, 7, 100]) {
        const { items, pages } = await walk(store, { ...list, limit, now: NOW });
        expectExactlyOnce(items, expected);
        if (limit < expected.length) expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(expected.length / limit));
        if (latestExpiryFirst) expectLatestExpiryFirst(items);
        walks.push(ids(items));
      }
      // Ties included: every page size gives the same sequence.
      for (const w of walks) expect(w).toStrictEqual(walks[0]);
    });

    it.each((list.userId ? [...FILTERS, ...USER_FILTERS] : FILTERS).map((f) => [f]))(
      'filters %j: the matching records, in the unfiltered list’s order',
      async (filters) => {
        const everything = (await walk(store, { ...list, limit: 100, now: NOW })).items;
        const expected = everything.filter(listedWith({ ...list, ...filters }));
        expect(expected.length).toBeGreaterThan(0);
        for (const limit of [1, 4]) {
          const { items } = await walk(store, { ...list, ...filters, limit, now: NOW });
          expect(ids(items)).toStrictEqual(ids(expected));
        }
      },
    );

    it('refuses a page key of another shape as an expired cursor', async () => {
      // The shape of byUser's page keys before its sort key became expiresAt.
      const before = { tokenId: records[0]!.tokenId, userId: USER, issuedAt: NOW };
      const refusal = await store.list({ ...list, limit: 5, now: NOW, startKey: before }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(ApiError);
      expect(refusal).toMatchObject({
        code: 'invalid_request',
        message: 'The cursor has expired; start the list again.',
      });
    });
  });
});

describe.each(STORES)('a walk while the list changes, on %s', (_, storeWith) => {
  it.each(LISTS)(
    '%s: answers once every record that matches throughout, whatever is minted, revoked or expires between pages',
    async (_, list) => {
      const records = dataset();
      const store = await storeWith(records);
      const minted: TokenRecord[] = [];
      let end = NOW;
      const { items } = await walk(store, { ...list, limit: 4, now: NOW }, async (pages, now) => {
        const shown = new Set(ids(pages.flatMap((p) => p.items)));
        const later = now + 10 * 60;
        // A mint that sorts first, one in the middle, and revocations ahead of and behind the cursor.
        for (const expiresAt of [later + 24 * HOUR, later + 6 * HOUR]) {
          const fresh = tokenRecord({ userId: USER, clientId: CLIENT, issuedAt: later, expiresAt });
          minted.push(fresh);
          await store.create(fresh);
        }
        const ahead = records.find((r) => listedWith(list, later)(r) && !shown.has(r.tokenId));
        const behind = records.find((r) => listedWith(list, later)(r) && shown.has(r.tokenId));
        for (const r of [ahead, behind]) if (r) await store.revoke({ tokenId: r.tokenId, revokedBy: USER, now: later });
        end = later;
        return later;
      });
      expect(end).toBeGreaterThan(NOW + HOUR); // records expired during the walk
      const listed = ids(items);
      expect(new Set(listed).size).toBe(listed.length);
      expectExactlyOnce(
        items.filter((r) => !minted.some((m) => m.tokenId === r.tokenId) && live(r, end)),
        records.filter(listedWith(list, end)),
      );
    },
  );

  it('ends a list by user whose resume position has expired since, without an error', async () => {
    const store = await storeWith(dataset());
    const first = await store.list({ userId: USER, limit: 5, now: NOW });
    expect(first.nextKey).toBeDefined();
    // The last token shown has just expired, and so has every one after it.
    const later = first.items.at(-1)!.expiresAt;
    const rest = await store.list({ userId: USER, limit: 5, now: later, startKey: first.nextKey });
    expect(rest.items).toStrictEqual([]);
    expect(rest.nextKey).toBeUndefined();
  });
});
