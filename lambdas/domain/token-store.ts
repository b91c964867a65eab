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
  startKey?: PageKey;
  now: number;
}

export interface TokenPage {
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

export interface TokenStore {
  /** Strongly consistent, so a revocation is seen at once. */
  get(tokenId: string): Promise<TokenRecord | undefined>;
  list(request: ListRequest): Promise<TokenPage>;
  /** Revokes a live, unrevoked (and, with `owner`, owned) token; undefined when that condition failed. */
  revoke(request: RevokeRequest): Promise<TokenRecord | undefined>;
}
