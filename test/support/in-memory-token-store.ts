import type { PageKey } from '../../lambdas/domain/cursor';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { ListRequest, RevokeRequest, TokenPage, TokenStore } from '../../lambdas/domain/token-store';

const copy = (r: TokenRecord): TokenRecord => ({ ...r });

/** Newest issuedAt first, ties by tokenId, so the order is total and stable. */
const newestFirst = (a: TokenRecord, b: TokenRecord): number =>
  b.issuedAt - a.issuedAt || (a.tokenId < b.tokenId ? 1 : a.tokenId > b.tokenId ? -1 : 0);

/**
 * A `TokenStore` over a Map, with the same observable semantics as the DynamoDB repository:
 * lists omit expired records, are newest first, never return more than `limit` and never return
 * an empty page with a `nextKey`; `revoke` is one atomic conditional write (exists, not revoked,
 * not expired, owned by `owner` when given) that answers undefined when the condition fails.
 * Returned records are copies, as a database read would be.
 */
export class InMemoryTokenStore implements TokenStore {
  readonly records = new Map<string, TokenRecord>();
  readonly listRequests: ListRequest[] = [];
  readonly revokeRequests: RevokeRequest[] = [];

  constructor(records: TokenRecord[] = []) {
    for (const r of records) this.put(r);
  }

  put(record: TokenRecord): void {
    this.records.set(record.tokenId, copy(record));
  }

  async get(tokenId: string): Promise<TokenRecord | undefined> {
    const r = this.records.get(tokenId);
    return r && copy(r);
  }

  async list(request: ListRequest): Promise<TokenPage> {
    this.listRequests.push({ ...request });
    const all = [...this.records.values()]
      .filter((r) => request.userId === undefined || r.userId === request.userId)
      .filter((r) => request.clientId === undefined || r.clientId === request.clientId)
      .sort(newestFirst);
    let start = 0;
    if (request.startKey) {
      const after = request.startKey as { tokenId: string; issuedAt: number };
      const i = all.findIndex((r) => newestFirst(r, { ...r, tokenId: after.tokenId, issuedAt: after.issuedAt }) > 0);
      start = i === -1 ? all.length : i;
    }
    const items: TokenRecord[] = [];
    let position = start;
    let itemsRead = 0;
    for (; position < all.length && items.length < request.limit; position++) {
      const r = all[position]!;
      itemsRead++;
      if (r.expiresAt <= request.now) continue;
      if (request.tokenType !== undefined && r.tokenType !== request.tokenType) continue;
      if (request.status === 'active' && r.revokedAt !== undefined) continue;
      if (request.status === 'revoked' && r.revokedAt === undefined) continue;
      items.push(copy(r));
    }
    const last = items[items.length - 1];
    const more = position < all.length;
    const nextKey: PageKey | undefined = more && last ? { tokenId: last.tokenId, issuedAt: last.issuedAt } : undefined;
    return { items, ...(nextKey && { nextKey }), itemsRead };
  }

  async revoke(request: RevokeRequest): Promise<TokenRecord | undefined> {
    this.revokeRequests.push({ ...request });
    const r = this.records.get(request.tokenId);
    if (!r) return undefined;
    if (r.revokedAt !== undefined) return undefined;
    if (!(r.expiresAt > request.now)) return undefined;
    if (request.owner !== undefined && r.userId !== request.owner) return undefined;
    const revoked: TokenRecord = {
      ...r,
      revokedAt: request.now,
      revokedBy: request.revokedBy,
      ...(request.reason !== undefined && { revokeReason: request.reason }),
    };
    this.records.set(r.tokenId, revoked);
    return copy(revoked);
  }
}
