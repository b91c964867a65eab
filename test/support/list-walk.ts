import type { TokenRecord, TokenStatus, TokenType } from '../../lambdas/domain/token';
import type { ListRequest, RecordPage, TokenStore } from '../../lambdas/domain/token-store';
import { NOW } from './token-records';

/** What happens between two pages of a walk (writes, time passing): answers the next page's "now". */
export type BetweenPages = (pagesSoFar: RecordPage[], now: number) => Promise<number>;

/**
 * Follows nextKey to the end, checking the page rules on every page: never more than `limit`
 * items, never an empty page with a nextKey.
 */
export async function walk(
  store: TokenStore,
  request: Omit<ListRequest, 'startKey'>,
  between?: BetweenPages,
): Promise<{ items: TokenRecord[]; pages: RecordPage[] }> {
  const pages: RecordPage[] = [];
  let startKey: ListRequest['startKey'];
  let now = request.now;
  do {
    const page = await store.list({ ...request, now, ...(startKey && { startKey }) });
    pages.push(page);
    expect(page.items.length).toBeLessThanOrEqual(request.limit);
    if (page.nextKey) expect(page.items.length).toBeGreaterThan(0);
    startKey = page.nextKey;
    if (pages.length > 10_000) throw new Error('pagination does not end');
    if (startKey && between) now = await between(pages, now);
  } while (startKey);
  return { items: pages.flatMap((p) => p.items), pages };
}

export const ids = (records: TokenRecord[]) => records.map((r) => r.tokenId);

/** Every expected record exactly once (as a multiset), nothing else. */
export function expectExactlyOnce(got: TokenRecord[], expected: TokenRecord[]): void {
  expect(ids(got).sort()).toStrictEqual(ids(expected).sort());
}

export function expectLatestExpiryFirst(records: TokenRecord[]): void {
  for (let i = 1; i < records.length; i++) {
    expect(records[i]!.expiresAt).toBeLessThanOrEqual(records[i - 1]!.expiresAt);
  }
}

/** The order of a list by user or by client, for records with distinct expiry times. */
export const latestExpiryFirst = (rs: TokenRecord[]) => [...rs].sort((a, b) => b.expiresAt - a.expiresAt);

export const live = (r: TokenRecord, now = NOW) => r.expiresAt > now;

/** What a list with these filters must answer (docs/api.md's rules, independently of any store). */
export const listedWith =
  (f: { userId?: string; clientId?: string; tokenType?: TokenType; status?: TokenStatus }, now = NOW) =>
  (r: TokenRecord): boolean =>
    live(r, now) &&
    (f.userId === undefined || r.userId === f.userId) &&
    (f.clientId === undefined || r.clientId === f.clientId) &&
    (f.tokenType === undefined || r.tokenType === f.tokenType) &&
    (f.status === undefined || (f.status === 'revoked') === (r.revokedAt !== undefined));
