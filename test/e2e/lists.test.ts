/**
 * The list routes end to end: exactly the right tokens, latest expiry first, no expired ones,
 * filters, pagination whose cursors are bound to the caller, the route and the filters, and a
 * walk that writes go on around; and GET apps in the same order.
 * The stack is started with LOCAL_SEED=0, so the table holds exactly what this file writes.
 */
import type { TokenRecord } from '../../lambdas/domain/token';
import {
  type CallResult,
  call,
  createUser,
  expectErrorAnswer,
  type LocalStack,
  putTokens,
  type StackOutputs,
  serviceCall,
  startLocalStack,
  type TestUser,
  tokenRecord,
} from '../support/local-stack';

jest.setTimeout(60_000);

let stack: LocalStack;
let o: StackOutputs;
let alice: TestUser;
let bob: TestUser;
let dave: TestUser; // a user with no tokens
let carol: TestUser; // an admin

const now = () => Math.floor(Date.now() / 1000);
const T0 = now();
const APP_A = 'app-a';
const APP_B = 'app-b';
const APP_RARE = 'app-rare';
const APP_SERVICE = 'reporting-service';

const recs = {
  alice: [] as TokenRecord[],
  bob: [] as TokenRecord[],
  carol: [] as TokenRecord[],
  nouser: [] as TokenRecord[],
};

function makeRecords(): void {
  const live = (userId: string | undefined, i: number, fields: Partial<TokenRecord> = {}) =>
    tokenRecord({
      ...(userId !== undefined && { userId }),
      clientId: i % 3 ? APP_A : APP_B,
      clientName: i % 3 ? 'App A' : 'App B',
      tokenType: i % 4 ? 'access_token' : 'refresh_token',
      scope: i % 2 ? 'read write' : 'read',
      issuedAt: T0 - 100 - i * 37,
      expiresAt: T0 + 86_400 + i,
      ...fields,
    });
  for (let i = 0; i < 23; i++) {
    const revoked = [4, 9, 15].includes(i);
    recs.alice.push(
      live(alice.sub, i, revoked ? { revokedAt: T0 - 50, revokedBy: alice.sub, revokeReason: `lost device ${i}` } : {}),
    );
  }
  // Four tokens expiring in the same second: ties must not be skipped or repeated across pages.
  for (let i = 0; i < 4; i++) recs.alice.push(live(alice.sub, 30 + i, { issuedAt: T0 - 5000, expiresAt: T0 + 86_300 }));
  // One token of a rare client, deep in the list: a filter that thins pages out.
  recs.alice.push(
    live(alice.sub, 40, { clientId: APP_RARE, clientName: 'Rare', issuedAt: T0 - 6000, expiresAt: T0 + 86_200 }),
  );
  // Expired, some of them issued more recently than live ones: never listed.
  recs.alice.push(live(alice.sub, 50, { issuedAt: T0 - 7200, expiresAt: T0 - 3600 }));
  recs.alice.push(live(alice.sub, 51, { issuedAt: T0 - 60, expiresAt: T0 - 10 }));
  recs.alice.push(
    live(alice.sub, 52, { clientId: APP_RARE, clientName: 'Rare', issuedAt: T0 - 30, expiresAt: T0 - 1 }),
  );
  for (let i = 0; i < 5; i++) recs.bob.push(live(bob.sub, i, { issuedAt: T0 - 70 - i }));
  recs.bob.push(live(bob.sub, 9, { issuedAt: T0 - 40, expiresAt: T0 - 20 }));
  for (let i = 0; i < 3; i++) recs.carol.push(live(carol.sub, i));
  for (let i = 0; i < 3; i++) {
    recs.nouser.push(
      live(undefined, i, { clientId: APP_SERVICE, clientName: 'Reporting Service', issuedAt: T0 - 10 - i }),
    );
  }
}

beforeAll(async () => {
  stack = await startLocalStack();
  o = stack.outputs;
  [alice, bob, dave, carol] = await Promise.all([
    createUser(o, 'alice'),
    createUser(o, 'bob'),
    createUser(o, 'dave'),
    createUser(o, 'carol', { admin: true }),
  ]);
  makeRecords();
  await putTokens(o, [...recs.alice, ...recs.bob, ...recs.carol, ...recs.nouser]);
}, 90_000);

afterAll(async () => {
  if (stack) await stack.stop();
}, 30_000);

// ---------------------------------------------------------------------------------------------

const live = (xs: TokenRecord[]) => xs.filter((r) => r.expiresAt > now());
const ids = (xs: readonly object[]) => xs.map((x) => String((x as { tokenId?: unknown }).tokenId));
const sortedIds = (xs: readonly object[]) => ids(xs).sort();
const latestExpiryFirst = (xs: TokenRecord[]) => [...xs].sort((a, b) => b.expiresAt - a.expiresAt);

const expectError = (res: CallResult, status: number) => expectErrorAnswer(res, status, o);

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

async function page(path: string, token: string, query: Record<string, string | undefined> = {}): Promise<Page> {
  const url = new URL(path, o.ApiUrl);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const res = await call(o, 'GET', url.toString(), { token });
  expect({ status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
  expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
  expect(Array.isArray(res.body.items)).toBe(true);
  const { items, nextCursor } = res.body as Page;
  if (query.limit !== undefined) expect(items.length).toBeLessThanOrEqual(Number(query.limit));
  if (nextCursor !== null) {
    expect(typeof nextCursor).toBe('string');
    expect(items.length).toBeGreaterThan(0); // a page with a next cursor is never empty
  }
  return { items, nextCursor };
}

/** Follows nextCursor to the end; returns every item and the number of pages. */
async function listAll(path: string, token: string, query: Record<string, string | undefined> = {}) {
  const items: Record<string, unknown>[] = [];
  let cursor = query.cursor;
  for (let pages = 1; pages <= 200; pages++) {
    const p = await page(path, token, { ...query, cursor });
    items.push(...p.items);
    if (p.nextCursor === null) return { items, pages };
    cursor = p.nextCursor;
  }
  throw new Error('more than 200 pages');
}

/** The order of a list by user and of a list by client. */
function expectLatestExpiryFirst(items: Record<string, unknown>[]): void {
  const times = items.map((v) => Date.parse(String(v.expiresAt)));
  for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThanOrEqual(times[i - 1]!);
}

function expectEachOnce(items: Record<string, unknown>[]): void {
  expect(new Set(ids(items)).size).toBe(items.length);
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/** An admin's views also carry the owner's email (docs/api.md#the-token-view). */
const emailOf = (userId: string | undefined) => [alice, bob, carol, dave].find((u) => u.sub === userId)?.username;

function expectViewsMatch(items: Record<string, unknown>[], records: TokenRecord[], asAdmin = false): void {
  const byId = new Map(records.map((r) => [r.tokenId, r]));
  for (const v of items) {
    const r = byId.get(String(v.tokenId))!;
    expect(r).toBeDefined();
    const view: Record<string, unknown> = {
      tokenId: r.tokenId,
      clientId: r.clientId,
      clientName: r.clientName,
      tokenType: r.tokenType,
      scopes: r.scope.split(' '),
      issuedAt: iso(r.issuedAt),
      expiresAt: iso(r.expiresAt),
      status: r.revokedAt === undefined ? 'active' : 'revoked',
      ...(r.userId !== undefined && { userId: r.userId }),
      ...(r.revokedAt !== undefined && {
        revokedAt: iso(r.revokedAt),
        revokedBy: r.revokedBy,
        revokeReason: r.revokeReason,
      }),
      ...(asAdmin && emailOf(r.userId) !== undefined && { userEmail: emailOf(r.userId) }),
    };
    expect(v).toEqual(view);
  }
}

// ---------------------------------------------------------------------------------------------

describe('GET tokens (my tokens)', () => {
  test('lists exactly my live tokens, latest expiry first, each once, over several pages', async () => {
    const { items, pages } = await listAll('tokens', alice.idToken, { limit: '5' });
    expect(pages).toBeGreaterThanOrEqual(6);
    expect(sortedIds(items)).toEqual(sortedIds(live(recs.alice)));
    expectEachOnce(items);
    expectLatestExpiryFirst(items);
    expectViewsMatch(items, recs.alice);
  });

  test.each(['1', '3', '4', '7', '28', '100'])('every page size gives the same list (limit=%s)', async (limit) => {
    const { items } = await listAll('tokens', alice.idToken, { limit });
    expect(sortedIds(items)).toEqual(sortedIds(live(recs.alice)));
    expectEachOnce(items);
    expectLatestExpiryFirst(items);
  });

  test('the default page size is 20', async () => {
    const p = await page('tokens', alice.idToken);
    expect(p.items).toHaveLength(20);
    expect(typeof p.nextCursor).toBe('string');
    // The 20 latest to expire have distinct expiry times, so their order is fully determined.
    expect(ids(p.items)).toEqual(ids(latestExpiryFirst(live(recs.alice))).slice(0, 20));
  });

  test('shows other users only their own tokens, and nothing to a user with none', async () => {
    const forBob = await listAll('tokens', bob.idToken, { limit: '2' });
    expect(sortedIds(forBob.items)).toEqual(sortedIds(live(recs.bob)));
    expect(ids(forBob.items)).toEqual(ids(latestExpiryFirst(live(recs.bob))));
    const forDave = await page('tokens', dave.idToken);
    expect(forDave).toEqual({ items: [], nextCursor: null });
    // An admin's own list is their own, not everyone's.
    const forCarol = await listAll('tokens', carol.idToken);
    expect(sortedIds(forCarol.items)).toEqual(sortedIds(recs.carol));
  });

  const FILTERS: [string, Record<string, string>, (r: TokenRecord) => boolean][] = [
    ['status=revoked', { status: 'revoked' }, (r) => r.revokedAt !== undefined],
    ['status=active', { status: 'active' }, (r) => r.revokedAt === undefined],
    ['clientId', { clientId: APP_B }, (r) => r.clientId === APP_B],
    ['a rare clientId', { clientId: APP_RARE }, (r) => r.clientId === APP_RARE],
    ['an unknown clientId', { clientId: 'nobody' }, () => false],
    ['tokenType=refresh_token', { tokenType: 'refresh_token' }, (r) => r.tokenType === 'refresh_token'],
    [
      'clientId + tokenType + status',
      { clientId: APP_A, tokenType: 'access_token', status: 'active' },
      (r) => r.clientId === APP_A && r.tokenType === 'access_token' && r.revokedAt === undefined,
    ],
  ];

  test.each(FILTERS)('filters: %s', async (_, filter, keep) => {
    for (const limit of ['1', '4', '100']) {
      const { items } = await listAll('tokens', alice.idToken, { ...filter, limit });
      expect(sortedIds(items)).toEqual(sortedIds(live(recs.alice).filter(keep)));
      expectEachOnce(items);
      expectLatestExpiryFirst(items);
    }
  });

  test('lists reflect a revocation at once', async () => {
    const target = latestExpiryFirst(live(recs.alice)).find((r) => r.revokedAt === undefined && r.clientId === APP_B)!;
    const res = await call(o, 'POST', `tokens/${target.tokenId}/revoke`, {
      token: alice.idToken,
      body: { reason: 'list check' },
    });
    expect(res.status).toBe(200);
    target.revokedAt = Date.parse(res.body.revokedAt) / 1000;
    target.revokedBy = alice.sub;
    target.revokeReason = 'list check';
    const revoked = await listAll('tokens', alice.idToken, { status: 'revoked', limit: '2' });
    expect(ids(revoked.items)).toContain(target.tokenId);
    const active = await listAll('tokens', alice.idToken, { status: 'active', limit: '50' });
    expect(ids(active.items)).not.toContain(target.tokenId);
    expectViewsMatch(revoked.items, recs.alice);
  });
});

// ---------------------------------------------------------------------------------------------

describe('cursors', () => {
  test('limit may change between pages', async () => {
    const first = await page('tokens', alice.idToken, { limit: '5' });
    const second = await page('tokens', alice.idToken, { limit: '7', cursor: first.nextCursor! });
    const rest = await listAll('tokens', alice.idToken, { limit: '100', cursor: second.nextCursor! });
    const items = [...first.items, ...second.items, ...rest.items];
    expect(second.items).toHaveLength(7);
    expect(sortedIds(items)).toEqual(sortedIds(live(recs.alice)));
    expectEachOnce(items);
    expectLatestExpiryFirst(items);
  });

  test('a cursor is reusable: the same cursor gives the same page', async () => {
    const first = await page('tokens', alice.idToken, { limit: '3' });
    const a = await page('tokens', alice.idToken, { limit: '3', cursor: first.nextCursor! });
    const b = await page('tokens', alice.idToken, { limit: '3', cursor: first.nextCursor! });
    expect(b).toEqual(a);
  });

  test("another user's cursor → 400", async () => {
    const { nextCursor } = await page('tokens', alice.idToken, { limit: '3' });
    const url = `tokens?limit=3&cursor=${encodeURIComponent(nextCursor!)}`;
    expectError(await call(o, 'GET', url, { token: bob.idToken }), 400);
    expectError(await call(o, 'GET', url, { token: carol.idToken }), 400); // even an admin's
  });

  test('a cursor made for other filters → 400', async () => {
    const active = await page('tokens', alice.idToken, { limit: '3', status: 'active' });
    const unfiltered = await page('tokens', alice.idToken, { limit: '3' });
    const c = (x: Page) => encodeURIComponent(x.nextCursor!);
    for (const query of [
      `status=revoked&cursor=${c(active)}`,
      `cursor=${c(active)}`,
      `status=active&clientId=${APP_A}&cursor=${c(active)}`,
    ]) {
      expectError(await call(o, 'GET', `tokens?limit=3&${query}`, { token: alice.idToken }), 400);
    }
    for (const query of [`status=active&cursor=${c(unfiltered)}`, `tokenType=access_token&cursor=${c(unfiltered)}`]) {
      expectError(await call(o, 'GET', `tokens?limit=3&${query}`, { token: alice.idToken }), 400);
    }
    // The right filters with it: fine.
    expect(
      (await call(o, 'GET', `tokens?limit=3&status=active&cursor=${c(active)}`, { token: alice.idToken })).status,
    ).toBe(200);
  });

  test('a cursor made for another route → 400', async () => {
    const own = await page('tokens', carol.idToken, { limit: '1' });
    expect(own.nextCursor).not.toBeNull();
    expectError(
      await call(o, 'GET', `admin/tokens?limit=1&cursor=${encodeURIComponent(own.nextCursor!)}`, {
        token: carol.idToken,
      }),
      400,
    );
    expectError(
      await call(o, 'GET', `admin/tokens?limit=1&userId=${carol.sub}&cursor=${encodeURIComponent(own.nextCursor!)}`, {
        token: carol.idToken,
      }),
      400,
    );
    const admin = await page('admin/tokens', carol.idToken, { limit: '1', userId: carol.sub });
    expectError(
      await call(o, 'GET', `tokens?limit=1&cursor=${encodeURIComponent(admin.nextCursor!)}`, { token: carol.idToken }),
      400,
    );
  });

  test('an admin cursor for one userId does not work for another, or for all users', async () => {
    const forAlice = await page('admin/tokens', carol.idToken, { limit: '2', userId: alice.sub });
    const c = encodeURIComponent(forAlice.nextCursor!);
    expectError(
      await call(o, 'GET', `admin/tokens?limit=2&userId=${bob.sub}&cursor=${c}`, { token: carol.idToken }),
      400,
    );
    expectError(await call(o, 'GET', `admin/tokens?limit=2&cursor=${c}`, { token: carol.idToken }), 400);
  });

  test('an altered, truncated or made-up cursor → 400', async () => {
    const { nextCursor } = await page('tokens', alice.idToken, { limit: '3' });
    const c = nextCursor!;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const [payload] = c.split('.');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const reencoded = `${Buffer.from(JSON.stringify({ ...decoded, k: {} })).toString('base64url')}.${c.split('.')[1]}`;
    for (const bad of [
      flip(c, 1),
      flip(c, Math.floor(c.length / 2)),
      flip(c, c.length - 2),
      c.slice(0, -3),
      `${c}x`,
      'x'.repeat(40),
      reencoded,
      '.',
      'e30',
    ]) {
      expectError(
        await call(o, 'GET', `tokens?limit=3&cursor=${encodeURIComponent(bad)}`, { token: alice.idToken }),
        400,
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('GET admin/tokens', () => {
  const everyone = () => [...recs.alice, ...recs.bob, ...recs.carol, ...recs.nouser];

  test('lists every live token of every user and those with no user, each once', async () => {
    for (const limit of ['4', '100']) {
      const { items } = await listAll('admin/tokens', carol.idToken, { limit });
      expect(sortedIds(items)).toEqual(sortedIds(live(everyone())));
      expectEachOnce(items);
      expectViewsMatch(items, everyone(), true);
    }
  });

  test('the unfiltered order is stable', async () => {
    const a = await listAll('admin/tokens', carol.idToken, { limit: '6' });
    const b = await listAll('admin/tokens', carol.idToken, { limit: '6' });
    expect(ids(b.items)).toEqual(ids(a.items));
  });

  test("with userId: that user's live tokens, latest expiry first", async () => {
    for (const limit of ['1', '9', '100']) {
      const { items } = await listAll('admin/tokens', carol.idToken, { userId: alice.sub, limit });
      expect(sortedIds(items)).toEqual(sortedIds(live(recs.alice)));
      expectEachOnce(items);
      expectLatestExpiryFirst(items);
    }
    expect(await page('admin/tokens', carol.idToken, { userId: dave.sub })).toEqual({ items: [], nextCursor: null });
  });

  const FILTERS: [string, () => Record<string, string>, () => TokenRecord[]][] = [
    ['clientId across users', () => ({ clientId: APP_A }), () => everyone().filter((r) => r.clientId === APP_A)],
    ['clientId of a client with no user', () => ({ clientId: APP_SERVICE }), () => recs.nouser],
    ['status=revoked', () => ({ status: 'revoked' }), () => everyone().filter((r) => r.revokedAt !== undefined)],
    [
      'tokenType=refresh_token',
      () => ({ tokenType: 'refresh_token' }),
      () => everyone().filter((r) => r.tokenType === 'refresh_token'),
    ],
    [
      'userId + clientId + status',
      () => ({ userId: alice.sub, clientId: APP_B, status: 'active' }),
      () => recs.alice.filter((r) => r.clientId === APP_B && r.revokedAt === undefined),
    ],
    [
      'userId + a rare clientId',
      () => ({ userId: alice.sub, clientId: APP_RARE }),
      () => recs.alice.filter((r) => r.clientId === APP_RARE),
    ],
  ];

  test.each(FILTERS)('filters: %s', async (name, filter, expected) => {
    for (const limit of ['2', '100']) {
      const { items } = await listAll('admin/tokens', carol.idToken, { ...filter(), limit });
      expect(sortedIds(items)).toEqual(sortedIds(live(expected())));
      expectEachOnce(items);
      if (name.includes('userId') || name.includes('clientId')) expectLatestExpiryFirst(items);
    }
  });

  test('a token with no user has no userId key in its view', async () => {
    const { items } = await listAll('admin/tokens', carol.idToken, { clientId: APP_SERVICE });
    expect(items.length).toBe(3);
    for (const v of items) expect(v).not.toHaveProperty('userId');
  });
});

// ---------------------------------------------------------------------------------------------

describe('GET apps', () => {
  test('lists the apps latest expiresAt first, each app’s expiresAt the latest of its active tokens', async () => {
    const res = await call(o, 'GET', 'apps', { token: alice.idToken });
    expect(res.status).toBe(200);
    const latest = new Map<string, number>();
    for (const r of live(recs.alice).filter((t) => t.revokedAt === undefined)) {
      latest.set(r.clientId, Math.max(latest.get(r.clientId) ?? 0, r.expiresAt));
    }
    const expected = [...latest].sort((a, b) => b[1] - a[1]).map(([clientId, expiresAt]) => [clientId, iso(expiresAt)]);
    expect(expected.length).toBeGreaterThan(2);
    const items = res.body.items as { clientId: string; expiresAt: string }[];
    expect(items.map((a) => [a.clientId, a.expiresAt])).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------

// Last: its writes would change what the lists above expect.
describe('a walk of GET tokens while tokens are minted and revoked', () => {
  test('answers once every token that exists throughout, whatever is written between pages', async () => {
    const erin = await createUser(o, 'erin');
    const start = now();
    const held = Array.from({ length: 12 }, (_, i) =>
      tokenRecord({ userId: erin.sub, issuedAt: start - 60 * i, expiresAt: start + 86_400 - 600 * i }),
    );
    await putTokens(o, held);
    const minted: string[] = [];
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let pages = 1; pages <= 50; pages++) {
      const p = await page('tokens', erin.idToken, { limit: '3', cursor });
      items.push(...p.items);
      if (p.nextCursor === null) break;
      cursor = p.nextCursor;
      // A mint that sorts first, one among those still to come, and revocations of a token already
      // shown and of one still to come.
      for (const expiresIn of [2 * 86_400, 86_400 - 600 * (3 * pages + 1) - 300]) {
        const res = await serviceCall(o, 'service/tokens', {
          json: {
            userId: erin.sub,
            clientId: APP_A,
            clientName: 'App A',
            tokenType: 'access_token',
            scope: 'read',
            expiresIn,
          },
        });
        expect(res.status).toBe(201);
        minted.push(String(res.body.tokenId));
      }
      const shown = new Set(ids(items));
      const unrevoked = (wasShown: boolean) =>
        held.find((h) => h.revokedAt === undefined && shown.has(h.tokenId) === wasShown);
      for (const r of [unrevoked(true), unrevoked(false)]) {
        if (!r) continue;
        const res = await call(o, 'POST', `tokens/${r.tokenId}/revoke`, { token: erin.idToken });
        expect(res.status).toBe(200);
        r.revokedAt = Date.parse(res.body.revokedAt) / 1000;
      }
    }
    const listed = ids(items);
    expect(new Set(listed).size).toBe(listed.length);
    expect(sortedIds(items.filter((v) => !minted.includes(String(v.tokenId))))).toEqual(sortedIds(held));
    expect(held.filter((r) => r.revokedAt !== undefined).length).toBeGreaterThan(2);
  });
});
