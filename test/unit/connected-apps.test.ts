import { connectedApps } from '../../lambdas/domain/connected-apps';
import type { TokenRecord } from '../../lambdas/domain/token';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { DAY, HOUR, NOW, tokenRecord } from '../support/token-records';

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const t = (overrides: Partial<TokenRecord>) => tokenRecord({ userId: 'alice', ...overrides });

describe('connectedApps', () => {
  it('answers {items: []} for a user with no tokens, or only inactive ones', async () => {
    expect(await connectedApps(new InMemoryTokenStore(), 'alice', NOW)).toStrictEqual({ items: [] });
    const store = new InMemoryTokenStore([
      t({ expiresAt: NOW }),
      t({ revokedAt: NOW - 1, revokedBy: 'alice' }),
      t({ userId: 'bob' }),
      tokenRecord({}), // no user
    ]);
    expect(await connectedApps(store, 'alice', NOW)).toStrictEqual({ items: [] });
  });

  it('groups active tokens by client with the union of scopes, counts, newest name and latest expiry', async () => {
    const store = new InMemoryTokenStore([
      // client-a: two active tokens, one revoked and one expired (which must not count or contribute)
      t({
        clientId: 'client-a',
        clientName: 'Old A',
        scope: 'write read',
        issuedAt: NOW - 3 * HOUR,
        expiresAt: NOW + 5 * DAY,
      }),
      t({
        clientId: 'client-a',
        clientName: 'New A',
        scope: 'read profile',
        issuedAt: NOW - HOUR,
        expiresAt: NOW + HOUR,
        tokenType: 'refresh_token',
      }),
      t({
        clientId: 'client-a',
        clientName: 'Revoked A',
        scope: 'admin',
        issuedAt: NOW - 60,
        expiresAt: NOW + 9 * DAY,
        revokedAt: NOW - 30,
        revokedBy: 'alice',
      }),
      t({ clientId: 'client-a', clientName: 'Expired A', scope: 'zzz', issuedAt: NOW - 30, expiresAt: NOW }),
      // client-b: one active token, issued more recently than any of client-a's
      t({ clientId: 'client-b', clientName: 'App B', scope: 'b:read', issuedAt: NOW - 120, expiresAt: NOW + DAY }),
      // client-c: issued long ago
      t({ clientId: 'client-c', clientName: 'App C', scope: 'c', issuedAt: NOW - 30 * DAY, expiresAt: NOW + 60 }),
      // other users' tokens for the same clients
      t({
        userId: 'bob',
        clientId: 'client-a',
        clientName: 'Bob A',
        scope: 'bob',
        issuedAt: NOW - 1,
        expiresAt: NOW + 99 * DAY,
      }),
    ]);
    expect(await connectedApps(store, 'alice', NOW)).toStrictEqual({
      items: [
        {
          clientId: 'client-a',
          clientName: 'New A',
          scopes: ['profile', 'read', 'write'],
          activeTokens: 2,
          lastIssuedAt: iso(NOW - HOUR),
          expiresAt: iso(NOW + 5 * DAY),
        },
        {
          clientId: 'client-b',
          clientName: 'App B',
          scopes: ['b:read'],
          activeTokens: 1,
          lastIssuedAt: iso(NOW - 120),
          expiresAt: iso(NOW + DAY),
        },
        {
          clientId: 'client-c',
          clientName: 'App C',
          scopes: ['c'],
          activeTokens: 1,
          lastIssuedAt: iso(NOW - 30 * DAY),
          expiresAt: iso(NOW + 60),
        },
      ],
    });
  });

  it('takes the name from the most recently issued token, wherever the list puts it', async () => {
    // Lists come latest expiry first: here the newest token comes first, the oldest last.
    const store = new InMemoryTokenStore([
      t({ clientName: 'Renamed A', issuedAt: NOW - HOUR, expiresAt: NOW + 2 * DAY }),
      t({ clientName: 'Old A', issuedAt: NOW - 10 * DAY, expiresAt: NOW + DAY }),
    ]);
    const [app] = (await connectedApps(store, 'alice', NOW)).items;
    expect(app).toMatchObject({ clientName: 'Renamed A', lastIssuedAt: iso(NOW - HOUR) });
  });

  it('lists no empty scope for a token another system wrote with an empty scope or doubled spaces', async () => {
    const store = new InMemoryTokenStore([t({ scope: '' }), t({ scope: 'read  write ' })]);
    const [app] = (await connectedApps(store, 'alice', NOW)).items;
    expect(app!.scopes).toStrictEqual(['read', 'write']);
  });

  it('shows times as ISO 8601 without milliseconds', async () => {
    const store = new InMemoryTokenStore([t({ issuedAt: NOW - HOUR, expiresAt: NOW + HOUR })]);
    const [app] = (await connectedApps(store, 'alice', NOW)).items;
    expect(app!.lastIssuedAt).toBe('2027-01-15T07:00:00Z');
    expect(app!.expiresAt).toBe('2027-01-15T09:00:00Z');
  });

  it('sorts apps by expiresAt (their tokens’ latest), latest first, ties by clientId, over many apps', async () => {
    // Issue order differs from expiry order, and every third app shares its expiry with another.
    const records = Array.from({ length: 30 }, (_, i) =>
      t({
        clientId: `client-${String((i * 7) % 30).padStart(2, '0')}`,
        issuedAt: NOW - 1000 + ((i * 13) % 30) * 10,
        expiresAt: NOW + DAY + Math.floor(((i * 11) % 30) / 3) * 60,
      }),
    );
    const { items } = await connectedApps(new InMemoryTokenStore(records), 'alice', NOW);
    expect(items).toHaveLength(30);
    const expected = [...records]
      .sort((a, b) => b.expiresAt - a.expiresAt || a.clientId.localeCompare(b.clientId))
      .map((r) => r.clientId);
    expect(items.map((a) => a.clientId)).toStrictEqual(expected);
    expect(items.map((a) => a.clientId)).not.toStrictEqual(
      [...records].sort((a, b) => b.issuedAt - a.issuedAt).map((r) => r.clientId),
    );
  });

  it('orders apps by the latest expiry of their active tokens, not of revoked or expired ones', async () => {
    const store = new InMemoryTokenStore([
      t({ clientId: 'client-a', expiresAt: NOW + HOUR }),
      t({ clientId: 'client-a', expiresAt: NOW + 9 * DAY, revokedAt: NOW - 1, revokedBy: 'alice' }),
      t({ clientId: 'client-b', expiresAt: NOW + 2 * HOUR }),
      t({ clientId: 'client-c', expiresAt: NOW + 3 * HOUR }),
      t({ clientId: 'client-c', expiresAt: NOW + 4 * HOUR }),
    ]);
    const { items } = await connectedApps(store, 'alice', NOW);
    expect(items.map((a) => [a.clientId, a.expiresAt])).toStrictEqual([
      ['client-c', iso(NOW + 4 * HOUR)],
      ['client-b', iso(NOW + 2 * HOUR)],
      ['client-a', iso(NOW + HOUR)],
    ]);
  });

  it('counts every active token of a user with many, across list pages', async () => {
    const records = Array.from({ length: 1500 }, (_, i) =>
      t({ clientId: `client-${i % 3}`, issuedAt: NOW - i, expiresAt: NOW + DAY }),
    );
    const { items } = await connectedApps(new InMemoryTokenStore(records), 'alice', NOW);
    expect(items.map((a) => a.activeTokens)).toStrictEqual([500, 500, 500]);
  });
});
