import { BULK_CONCURRENCY, mapLimited } from './concurrency';
import type { TokenRecord } from './token';
import type { TokenStore } from './token-store';

export const cascadeReason = (parentTokenId: string) => `Parent refresh token ${parentTokenId} was revoked.`;

/** Who a cascaded revocation is recorded as: whoever revoked the parent. */
const revokerOf = (parent: TokenRecord) => parent.revokedBy ?? `token:${parent.tokenId}`;

/**
 * Revokes the live access tokens issued from a revoked refresh token. Each child is its own
 * conditional write, so running this again (after an interruption, or on a second revoke of
 * the parent) revokes exactly what is left. Returns how many it revoked.
 */
export async function cascadeRevocation(
  store: TokenStore,
  parent: TokenRecord,
  now: number,
  deadline?: AbortSignal,
): Promise<number> {
  if (parent.tokenType !== 'refresh_token' || parent.revokedAt === undefined) return 0;
  const children = (await store.children(parent.tokenId, now)).filter((c) => c.revokedAt === undefined);
  const outcomes = await mapLimited(
    children,
    BULK_CONCURRENCY,
    (child) =>
      store.revoke({
        tokenId: child.tokenId,
        revokedBy: revokerOf(parent),
        reason: cascadeReason(parent.tokenId),
        now,
      }),
    deadline,
  );
  return outcomes.filter(Boolean).length;
}

/** Revokes one child whose parent turned out revoked (a mint or introspection racing the cascade). */
export async function revokeAsChildOf(
  store: TokenStore,
  child: TokenRecord,
  parent: TokenRecord,
  now: number,
): Promise<void> {
  await store.revoke({
    tokenId: child.tokenId,
    revokedBy: revokerOf(parent),
    reason: cascadeReason(parent.tokenId),
    now,
  });
}
