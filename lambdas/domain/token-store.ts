import type { PageKey } from './cursor';
import type { TokenRecord, TokenStatus, TokenType } from './token';

/** The port the use cases talk to; `store/token-repository.ts` is its DynamoDB adapter. */
export interface ListRequest {
  /** Only this user's tokens (uses the per-user index); absent: every user's. */
  userId?: string;
  clientId?: string;
  tokenType?: TokenType;
  status?: TokenStatus;
  limit: number;
  /**
   * Resume right after this position: a `nextKey` this store answered for the same filters. A
   * key of another shape (made before an index's keys changed) is refused as an expired cursor.
   */
  startKey?: PageKey;
  now: number;
}

export interface RecordPage {
  items: TokenRecord[];
  /** Where the next page starts; absent on the last page. */
  nextKey?: PageKey;
  /** Items DynamoDB read to fill this page, to measure what filters cost. */
  itemsRead: number;
}

export interface RevokeRequest {
  tokenId: string;
  revokedBy: string;
  reason?: string;
  /** Only revoke when the token belongs to this user (checked in the same write). */
  owner?: string;
  now: number;
}

/** A record as this system stores it: the token table's attributes plus the hash of the value's secret. */
export interface StoredToken extends TokenRecord {
  /** Keyed hash of the secret part of the token value; absent on records other systems wrote. */
  secretHash?: string;
}

export interface TokenStore {
  /** Strongly consistent, so a revocation is seen at once. */
  get(tokenId: string): Promise<StoredToken | undefined>;
  /** Writes a new record; fails if its tokenId is taken. */
  create(record: StoredToken): Promise<void>;
  /**
   * One page of the non-expired records that match, in this order:
   * - with `userId` (other filters or not): latest `expiresAt` first;
   * - with `clientId` and no `userId`: the same;
   * - with neither: stable, but unspecified.
   * Ties keep a stable order, so following `nextKey` until it is absent yields every record that
   * matches throughout the walk exactly once, whatever is minted or revoked meanwhile (a record
   * minted or revoked during the walk may be missed or show its new state). A page never holds
   * more than `limit` items, and a page with a `nextKey` is never empty.
   */
  list(request: ListRequest): Promise<RecordPage>;
  /** Revokes a live, unrevoked (and, with `owner`, owned) token; undefined when that condition failed. */
  revoke(request: RevokeRequest): Promise<TokenRecord | undefined>;
  /** Sets lastUsedAt to `now` unless it was set less than `minInterval` seconds ago. */
  touch(tokenId: string, now: number, minInterval: number): Promise<void>;
  /** Non-expired tokens (revoked or not) whose parentTokenId is this token, through an index. */
  children(parentTokenId: string, now: number): Promise<TokenRecord[]>;
}
