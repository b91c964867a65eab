import { cascadeRevocation } from './cascade';
import { BULK_CONCURRENCY, mapLimited } from './concurrency';
import { ApiError } from './errors';
import { findByValue } from './introspection';
import { isExpired, type TokenRecord } from './token';
import { allTokens } from './token-service';
import type { TokenStore } from './token-store';
import type { BulkPreview } from './views';

/**
 * RFC 7009: unknown, expired and already revoked tokens all answer 200 (revoking is idempotent
 * and says nothing about what exists); only a token of another client is refused.
 */
export async function revokeByValue(
  store: TokenStore,
  value: string,
  clientId: string,
  pepper: Buffer,
  now: number,
  deadline?: AbortSignal,
) {
  const record = await findByValue(store, value, pepper);
  if (!record || isExpired(record, now)) return;
  if (record.clientId !== clientId)
    throw new ApiError('unauthorized_client', 'The token was not issued to this client.');
  const revoked =
    (await store.revoke({ tokenId: record.tokenId, revokedBy: `client:${clientId}`, now })) ??
    (await store.get(record.tokenId));
  if (revoked) await cascadeRevocation(store, revoked, now, deadline);
}

export interface TokenSelection {
  userId: string;
  clientId?: string;
}

/**
 * The selection's live tokens, split into what a bulk revocation revokes directly (the active
 * ones) and whose cascades it runs: every live refresh token, including those already revoked,
 * so that a retry after an interruption also finishes cascades the first attempt left undone.
 */
async function bulkSelection(store: TokenStore, selection: TokenSelection, now: number, deadline?: AbortSignal) {
  const live = await allTokens(store, { ...selection, now }, deadline);
  return {
    active: live.filter((t) => t.revokedAt === undefined),
    refreshTokens: live.filter((t) => t.tokenType === 'refresh_token'),
  };
}

/**
 * What a bulk revocation would revoke: the selection's active tokens, plus active access tokens
 * of its refresh tokens that the selection does not hold (records other systems wrote may name
 * a parent of another user or none).
 */
export async function previewBulkRevocation(
  store: TokenStore,
  selection: TokenSelection,
  now: number,
  deadline?: AbortSignal,
): Promise<BulkPreview> {
  const { active, refreshTokens } = await bulkSelection(store, selection, now, deadline);
  const children = (
    await mapLimited(refreshTokens, BULK_CONCURRENCY, (t) => store.children(t.tokenId, now), deadline)
  ).flat();
  const targets = new Map(active.map((t) => [t.tokenId, t]));
  for (const child of children) if (child.revokedAt === undefined) targets.set(child.tokenId, child);
  const byClient: Record<string, number> = {};
  for (const t of targets.values()) byClient[t.clientId] = (byClient[t.clientId] ?? 0) + 1;
  return { wouldRevoke: targets.size, byClient };
}

/**
 * Revokes every active token of the selection, each by its own conditional write (so a retry
 * after a timeout revokes exactly what is left), then runs the cascade of each of its live
 * refresh tokens. Returns how many tokens this call revoked, cascaded ones included.
 */
export async function revokeSelection(
  store: TokenStore,
  selection: TokenSelection,
  revokedBy: string,
  reason: string | undefined,
  now: number,
  deadline?: AbortSignal,
): Promise<number> {
  const { active, refreshTokens } = await bulkSelection(store, selection, now, deadline);
  // A write whose condition failed either lost to a concurrent revoke, or landed and had its
  // answer lost: the token is read again, and counts as this call's if it bears this revocation.
  const revokedHere = (t: TokenRecord) => t.revokedAt === now && t.revokedBy === revokedBy && t.revokeReason === reason;
  const written = await mapLimited(
    active,
    BULK_CONCURRENCY,
    async (t) => {
      const revoked = await store.revoke({ tokenId: t.tokenId, revokedBy, reason, now });
      if (revoked) return { record: revoked, ours: true };
      const reread = await store.get(t.tokenId);
      return { record: reread, ours: reread !== undefined && revokedHere(reread) };
    },
    deadline,
  );
  const afterWrites = new Map(written.flatMap(({ record }) => (record ? [[record.tokenId, record] as const] : [])));
  // Every live refresh token cascades: as this call's revocation, another's, or an earlier one's.
  const parents = refreshTokens.map((t) => afterWrites.get(t.tokenId) ?? t).filter((t) => t.revokedAt !== undefined);
  const cascaded = await mapLimited(
    parents,
    BULK_CONCURRENCY,
    (parent) => cascadeRevocation(store, parent, now, deadline),
    deadline,
  );
  const revokedByThisCall = written.filter(({ ours }) => ours).length;
  return revokedByThisCall + cascaded.reduce((a, b) => a + b, 0);
}
