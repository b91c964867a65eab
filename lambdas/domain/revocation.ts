import { cascadeRevocation } from './cascade';
import { BULK_CONCURRENCY, mapLimited } from './concurrency';
import { ApiError } from './errors';
import { findByValue } from './introspection';
import { isExpired, type TokenRecord } from './token';
import { allTokens } from './token-service';
import type { TokenStore } from './token-store';

/**
 * RFC 7009: unknown, expired and already revoked tokens all answer 200 (revoking is idempotent
 * and says nothing about what exists); only a token of another client is refused.
 */
export async function revokeByValue(store: TokenStore, value: string, clientId: string, pepper: Buffer, now: number) {
  const record = await findByValue(store, value, pepper);
  if (!record || isExpired(record, now)) return;
  if (record.clientId !== clientId) throw new ApiError('unauthorized_client', 'The token was not issued to this client.');
  const revoked = (await store.revoke({ tokenId: record.tokenId, revokedBy: `client:${clientId}`, now })) ?? (await store.get(record.tokenId));
  if (revoked) await cascadeRevocation(store, revoked, now);
}

export interface TokenSelection {
  userId: string;
  clientId?: string;
}

export interface BulkPreview {
  wouldRevoke: number;
  byClient: Record<string, number>;
}

/**
 * The active tokens a bulk revocation would revoke: the selection itself, plus access tokens of
 * its refresh tokens that the selection does not already hold (records other systems wrote may
 * name a parent of another user).
 */
async function bulkTargets(store: TokenStore, selection: TokenSelection, now: number): Promise<TokenRecord[]> {
  const selected = await allTokens(store, { ...selection, status: 'active', now });
  const ids = new Set(selected.map((t) => t.tokenId));
  const refreshTokens = selected.filter((t) => t.tokenType === 'refresh_token');
  const children = (await mapLimited(refreshTokens, BULK_CONCURRENCY, (t) => store.children(t.tokenId, now))).flat();
  const targets = [...selected];
  for (const child of children) {
    if (child.revokedAt !== undefined || ids.has(child.tokenId)) continue;
    ids.add(child.tokenId);
    targets.push(child);
  }
  return targets;
}

export async function previewBulkRevocation(store: TokenStore, selection: TokenSelection, now: number): Promise<BulkPreview> {
  const targets = await bulkTargets(store, selection, now);
  const byClient: Record<string, number> = {};
  for (const t of targets) byClient[t.clientId] = (byClient[t.clientId] ?? 0) + 1;
  return { wouldRevoke: targets.length, byClient };
}

/**
 * Revokes every active token of the selection, each by its own conditional write (so a retry
 * after a timeout revokes exactly what is left), then runs each refresh token's cascade.
 * Returns how many tokens this call revoked, cascaded ones included.
 */
export async function revokeSelection(
  store: TokenStore,
  selection: TokenSelection,
  revokedBy: string,
  reason: string | undefined,
  now: number,
): Promise<number> {
  const targets = await allTokens(store, { ...selection, status: 'active', now });
  const revoked = await mapLimited(targets, BULK_CONCURRENCY, (t) => store.revoke({ tokenId: t.tokenId, revokedBy, reason, now }));
  const parents = revoked.filter((r): r is TokenRecord => r?.tokenType === 'refresh_token');
  const cascaded = await mapLimited(parents, BULK_CONCURRENCY, (parent) => cascadeRevocation(store, parent, now));
  return revoked.filter(Boolean).length + cascaded.reduce((a, b) => a + b, 0);
}
