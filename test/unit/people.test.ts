import { findPeople, withUserEmails } from '../../lambdas/domain/people';
import { type TokenRecord, type TokenView, toView } from '../../lambdas/domain/token';
import { InMemoryUserDirectory } from '../support/in-memory-user-directory';
import { tokenRecord } from '../support/token-records';

const alice = { userId: 'sub-alice', email: 'alice@example.com' };
const bob = { userId: 'sub-bob', email: 'bob@example.com' };
const admin = { sub: 'sub-admin', isAdmin: true };
const view = (fields: Partial<TokenRecord> = {}): TokenView => toView(tokenRecord(fields));

describe('findPeople', () => {
  it('answers the people whose email starts with the prefix, at most the limit, 20 by default', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ userId: `sub-${i}`, email: `user${i}@example.com` }));
    const directory = new InMemoryUserDirectory([alice, bob, ...many]);
    expect(await findPeople(directory, { email: 'ali' })).toEqual({ items: [alice] });
    expect(await findPeople(directory, { email: 'nobody' })).toEqual({ items: [] });
    expect((await findPeople(directory, { email: 'user' })).items).toHaveLength(20);
    expect((await findPeople(directory, { email: 'user', limit: 3 })).items).toHaveLength(3);
  });
});

describe('withUserEmails', () => {
  it("gives an admin each token's owner email, asking the directory once per distinct user", async () => {
    const directory = new InMemoryUserDirectory([alice, bob]);
    const views = [view({ userId: alice.userId }), view({ userId: bob.userId }), view({ userId: alice.userId })];
    const shown = await withUserEmails(directory, admin, views);
    expect(shown.map((v) => v.userEmail)).toEqual([alice.email, bob.email, alice.email]);
    expect(directory.asked).toEqual([[alice.userId, bob.userId]]);
    // Otherwise the views as they were.
    expect(shown.map(({ userEmail: _, ...rest }) => rest)).toEqual(views);
  });

  it('leaves userEmail out for a token with no user and for a user the directory does not know', async () => {
    const directory = new InMemoryUserDirectory([alice]);
    const noUser = view({ userId: undefined });
    const ghost = view({ userId: 'sub-deleted' });
    const shown = await withUserEmails(directory, admin, [noUser, ghost]);
    expect(shown).toEqual([noUser, ghost]);
    for (const v of shown) expect('userEmail' in v).toBe(false);
    expect(directory.asked).toEqual([['sub-deleted']]);
  });

  it('asks nothing when no token of the page has a user', async () => {
    const directory = new InMemoryUserDirectory([alice]);
    const page = [view({ userId: undefined })];
    expect(await withUserEmails(directory, admin, page)).toEqual(page);
    expect(await withUserEmails(directory, admin, [])).toEqual([]);
    expect(directory.asked).toEqual([]);
  });

  it('gives a person who is not an admin the views unchanged, without asking the directory', async () => {
    const directory = new InMemoryUserDirectory([alice]);
    const own = [view({ userId: alice.userId })];
    expect(await withUserEmails(directory, { sub: alice.userId, isAdmin: false }, own)).toEqual(own);
    expect(directory.asked).toEqual([]);
  });
});
