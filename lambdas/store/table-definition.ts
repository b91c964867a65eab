/**
 * The token table's keys and indexes as plain data: the CDK table construct and the local
 * stack's CreateTable are both derived from this, so they cannot disagree.
 *
 * Every index is keyed on the token table's documented attributes only, so a record written by
 * another system (import, migration, a test) is found exactly like one this system wrote.
 *
 * Where the API fixes a list's order (newest `issuedAt` first), the sort key is `issuedAt`:
 * any other would force reading a whole partition to sort it. The cost is that expired but not
 * yet purged records (TTL lags up to 48 h) are dropped by a filter, one read each, not by the key
 * condition. Where the order is ours, the sort key is `expiresAt`, so `expiresAt > now` in the
 * key condition skips expired records for free. BENCHMARKS.md measures both. Projections are ALL
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
    /** One user's tokens, newest first: "My Connected Apps" and the admin's per-user filter. */
    byUser: { partitionKey: { name: 'userId', type: 'S' }, sortKey: { name: 'issuedAt', type: 'N' } },
    /**
     * One app's tokens across users: the admin's per-client filter and bulk revocation of an
     * app, without a table scan. The API leaves this list's order open, so it is by expiry.
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
