import { cursorExpired, type PageKey } from '../../lambdas/domain/cursor';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { ListRequest, RecordPage, RevokeRequest, StoredToken, TokenStore } from '../../lambdas/domain/token-store';
import { TOKEN_TABLE } from '../../lambdas/store/table-definition';

const copy = <T extends TokenRecord>(r: T): T => ({ ...r });

const byTokenId = (a: TokenRecord, b: TokenRecord): number =>
  a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0;

/** The order of a list by user or by client: latest expiresAt first, ties by tokenId. */
const latestExpiryFirst = (a: TokenRecord, b: TokenRecord): number => b.expiresAt - a.expiresAt || byTokenId(a, b);

/** As the byParent index orders them: expiresAt ascending (ties by tokenId, for a stable order). */
const soonestExpiring = (a: TokenRecord, b: TokenRecord): number => a.expiresAt - b.expiresAt || byTokenId(a, b);

/** What the DynamoDB client throws when a ConditionExpression fails; code checks it by name. */
export function conditionalCheckFailed(): Error {
  const error = new Error('The conditional request failed');
  error.name = 'ConditionalCheckFailedException';
  return error;
}

export interface TouchRequest {
  tokenId: string;
  now: number;
  minInterval: number;
}

/**
 * A `TokenStore` over a Map, with the same observable semantics as the DynamoDB repository:
 * - lists omit expired records, never return more than `limit` and never return an empty page
 *   with a `nextKey`; a list by user or by client is latest expiresAt first (ties by tokenId),
 *   an unfiltered list is by tokenId (stable; the port leaves it unspecified); `nextKey` holds
 *   the attributes the repository's would (the table's key, and the index's for an index list),
 *   a `startKey` of another shape is refused as an expired cursor, and a list resumes right
 *   after that position whatever was written meanwhile;
 * - `itemsRead` counts what DynamoDB would read: an index list never reads expired records (its
 *   key condition skips them), an unfiltered list (a Scan) reads them;
 * - `create` is a conditional put that throws ConditionalCheckFailedException when the tokenId
 *   is taken (by any record, expired or not) and then leaves the record alone;
 * - `revoke` is one atomic conditional write (exists, not revoked, not expired, owned by `owner`
 *   when given) that answers undefined when the condition fails;
 * - `touch` sets lastUsedAt only on an existing record whose lastUsedAt is absent or at least
 *   `minInterval` seconds old, and never creates one;
 * - `children` answers the non-expired records naming that parent, revoked or not, ordered as
 *   the byParent index orders them (expiresAt ascending).
 * Returned records are copies, as a database read would be; `get` returns the whole stored
 * item, secretHash included.
 */
export class InMemoryTokenStore implements TokenStore {
  readonly records = new Map<string, StoredToken>();
  readonly getRequests: string[] = [];
  readonly listRequests: ListRequest[] = [];
  readonly revokeRequests: RevokeRequest[] = [];
  readonly touchRequests: TouchRequest[] = [];
  readonly createRequests: StoredToken[] = [];
  readonly childrenRequests: { parentTokenId: string; now: number }[] = [];

  constructor(records: StoredToken[] = []) {
    for (const r of records) this.put(r);
  }

  /** Writes a record unconditionally, as another system (or a test) would. */
  put(record: StoredToken): void {
    this.records.set(record.tokenId, copy(record));
  }

  /** A deep copy of every record, to compare before and after an operation that must change nothing. */
  snapshot(): StoredToken[] {
    return [...this.records.values()].map(copy).sort(byTokenId);
  }

  async get(tokenId: string): Promise<StoredToken | undefined> {
    this.getRequests.push(tokenId);
    const r = this.records.get(tokenId);
    return r && copy(r);
  }

  async create(record: StoredToken): Promise<void> {
    this.createRequests.push(copy(record));
    const existing = this.records.get(record.tokenId);
    if (existing) {
      // As the repository: our own earlier attempt (same secret hash) is not a collision.
      if (existing.secretHash === undefined || existing.secretHash !== record.secretHash)
        throw conditionalCheckFailed();
      return;
    }
    this.records.set(record.tokenId, copy(record));
  }

  async list(request: ListRequest): Promise<RecordPage> {
    this.listRequests.push({ ...request });
    const index = request.userId !== undefined ? 'byUser' : request.clientId !== undefined ? 'byClient' : undefined;
    const keyNames = ['tokenId', ...(index ? [TOKEN_TABLE.indexes[index].partitionKey.name, 'expiresAt'] : [])];
    const order = index ? latestExpiryFirst : byTokenId;
    const all = [...this.records.values()]
      .filter((r) => request.userId === undefined || r.userId === request.userId)
      .filter((r) => request.clientId === undefined || r.clientId === request.clientId)
      .filter((r) => index === undefined || r.expiresAt > request.now)
      .sort(order);
    let start = 0;
    const after = request.startKey;
    if (after) {
      if (Object.keys(after).length !== keyNames.length || keyNames.some((n) => after[n] === undefined)) {
        throw cursorExpired();
      }
      const position = after as unknown as TokenRecord;
      const i = all.findIndex((r) => order(r, position) > 0);
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
    const last = items[items.length - 1] as unknown as Record<string, string | number> | undefined;
    const more = position < all.length;
    const nextKey: PageKey | undefined =
      more && last ? Object.fromEntries(keyNames.map((n) => [n, last[n]!])) : undefined;
    return { items, ...(nextKey && { nextKey }), itemsRead };
  }

  async revoke(request: RevokeRequest): Promise<TokenRecord | undefined> {
    this.revokeRequests.push({ ...request });
    const r = this.records.get(request.tokenId);
    if (!r) return undefined;
    if (r.revokedAt !== undefined) return undefined;
    if (!(r.expiresAt > request.now)) return undefined;
    if (request.owner !== undefined && r.userId !== request.owner) return undefined;
    const revoked: StoredToken = {
      ...r,
      revokedAt: request.now,
      revokedBy: request.revokedBy,
      ...(request.reason !== undefined && { revokeReason: request.reason }),
    };
    this.records.set(r.tokenId, revoked);
    return copy(revoked);
  }

  async touch(tokenId: string, now: number, minInterval: number): Promise<void> {
    this.touchRequests.push({ tokenId, now, minInterval });
    const r = this.records.get(tokenId);
    if (!r) return;
    if (r.lastUsedAt !== undefined && !(r.lastUsedAt <= now - minInterval)) return;
    this.records.set(tokenId, { ...r, lastUsedAt: now });
  }

  async children(parentTokenId: string, now: number): Promise<TokenRecord[]> {
    this.childrenRequests.push({ parentTokenId, now });
    return [...this.records.values()]
      .filter((r) => r.parentTokenId === parentTokenId && r.expiresAt > now)
      .sort(soonestExpiring)
      .map(copy);
  }
}
