/**
 * The token table's keys and indexes as plain data: the CDK table construct and the local
 * stack's CreateTable are both derived from this, so they cannot disagree.
 *
 * Every index is keyed on the token table's documented attributes only, so a record written by
 * another system (import, migration, a test) is found exactly like one this system wrote.
 *
 * Every index is sorted by `expiresAt`, so `expiresAt > now` is part of each Query's key
 * condition: records that have expired but that TTL has not yet deleted (it runs days late, and
 * an app that refreshes its access token hourly leaves dozens a day) are never read, and a page
 * costs the same however many of them wait. BENCHMARKS.md measures it. Projections are ALL
 * because every list answer needs the full view; KEYS_ONLY would turn each item into a GetItem.
 */
export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export const TOKEN_TABLE = {
  partitionKey: { name: 'tokenId', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  indexes: {
    /**
     * One user's tokens: `GET tokens`, `GET apps`, the admin's per-user filter and bulk
     * revocation. Its name and partition key are part of the table's interface (docs/api.md).
     * Sorted by `expiresAt` because the API lists a user's tokens latest expiry first: a backward
     * Query is that order, with nothing sorted in code, and skips the expired in its key condition.
     */
    byUser: { partitionKey: { name: 'userId', type: 'S' }, sortKey: { name: 'expiresAt', type: 'N' } },
    /**
     * One app's tokens across users: the admin's per-client filter, without a table scan. Sorted
     * by `expiresAt` for the same reasons as byUser: the API gives this list the same order.
     */
    byClient: { partitionKey: { name: 'clientId', type: 'S' }, sortKey: { name: 'expiresAt', type: 'N' } },
    /**
     * A refresh token's access tokens (its children), for the revocation cascade. Sorted by
     * `expiresAt` (order does not matter here) so the key condition skips expired children.
     */
    byParent: { partitionKey: { name: 'parentTokenId', type: 'S' }, sortKey: { name: 'expiresAt', type: 'N' } },
  },
} as const satisfies {
  partitionKey: KeyAttribute;
  timeToLiveAttribute: string;
  indexes: Record<string, IndexDefinition>;
};

export type IndexName = keyof typeof TOKEN_TABLE.indexes;
