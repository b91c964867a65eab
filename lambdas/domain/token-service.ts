import { type Caller, maySeeToken, requiredOwner } from './authorization';
import { cascadeRevocation } from './cascade';
import { type CursorBinding, decodeCursor, encodeCursor, type PageKey } from './cursor';
import { ApiError, deadlineExceeded, notFound } from './errors';
import { DEFAULT_PAGE_SIZE } from './limits';
import { isExpired, type TokenRecord, type TokenStatus, type TokenType, type TokenView, toView } from './token';
import type { ListRequest, TokenStore } from './token-store';
import type { TokenPage } from './views';

/** What a client asks of a token list, checked (docs/api.md#lists-order-paging-and-filters). */
export interface ListQuery {
  limit?: number;
  cursor?: string;
  clientId?: string;
  tokenType?: TokenType;
  status?: TokenStatus;
}

export interface ListContext {
  route: string;
  caller: Caller;
  /** Own-token routes pin this to the caller; the admin route takes it from the query. */
  userId: string | undefined;
  cursorSecret: Buffer;
  now: number;
}

export async function listTokens(store: TokenStore, query: ListQuery, ctx: ListContext): Promise<TokenPage> {
  const filters = { userId: ctx.userId, clientId: query.clientId, tokenType: query.tokenType, status: query.status };
  const binding: CursorBinding = { route: ctx.route, caller: ctx.caller.sub, filters };
  const startKey = query.cursor ? decodeCursor(query.cursor, binding, ctx.cursorSecret, ctx.now) : undefined;
  const page = await store.list({ ...filters, limit: query.limit ?? DEFAULT_PAGE_SIZE, startKey, now: ctx.now });
  return {
    items: page.items.map(toView),
    nextCursor: page.nextKey ? encodeCursor(page.nextKey, binding, ctx.cursorSecret, ctx.now) : null,
  };
}

/** The record if the caller may see it; otherwise 404, never 403, so existence is not revealed. */
function visibleOrNotFound(caller: Caller, record: TokenRecord | undefined, now: number): TokenRecord {
  if (!record || isExpired(record, now) || !maySeeToken(caller, record)) throw notFound();
  return record;
}

export async function getToken(store: TokenStore, caller: Caller, tokenId: string, now: number): Promise<TokenView> {
  return toView(visibleOrNotFound(caller, await store.get(tokenId), now));
}

/**
 * One conditional write decides the revocation, so concurrent revokes record exactly one. When
 * the condition fails we read the item to tell "already revoked" (answer it as it stands, first
 * revocation kept) from "not yours / gone" (404).
 */
export async function revokeToken(
  store: TokenStore,
  caller: Caller,
  tokenId: string,
  reason: string | undefined,
  now: number,
  deadline?: AbortSignal,
): Promise<TokenView> {
  const request = { tokenId, revokedBy: caller.sub, reason, owner: requiredOwner(caller), now };
  // A second attempt only matters if the item changed between our write and our read.
  for (let attempt = 0; attempt < 2; attempt++) {
    const revoked =
      (await store.revoke(request)) ?? alreadyRevoked(visibleOrNotFound(caller, await store.get(tokenId), now));
    if (revoked) {
      // Also when it was already revoked: that completes a cascade an earlier call left unfinished.
      await cascadeRevocation(store, revoked, now, deadline);
      return toView(revoked);
    }
  }
  throw new ApiError('conflict', 'The token changed while it was being revoked; try again.');
}

const alreadyRevoked = (record: TokenRecord): TokenRecord | undefined =>
  record.revokedAt === undefined ? undefined : record;

/** Pages as large as one DynamoDB read returns: bulk work wants every match, not a screenful. */
const BULK_PAGE_SIZE = 1000;

/** Every live token matching the request, all pages: for bulk work, not for answers to page through. */
export async function allTokens(
  store: TokenStore,
  request: Omit<ListRequest, 'limit' | 'startKey'>,
  deadline?: AbortSignal,
): Promise<TokenRecord[]> {
  const found: TokenRecord[] = [];
  let startKey: PageKey | undefined;
  do {
    if (deadline?.aborted) throw deadlineExceeded();
    const page = await store.list({ ...request, limit: BULK_PAGE_SIZE, startKey });
    found.push(...page.items);
    startKey = page.nextKey;
  } while (startKey);
  return found;
}
