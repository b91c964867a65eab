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
    (child) => revokeChild(store, child, parent, now),
    deadline,
  );
  return outcomes.filter(Boolean).length;
}

const revokeChild = (store: TokenStore, child: TokenRecord, parent: TokenRecord, now: number) =>
  store.revoke({ tokenId: child.tokenId, revokedBy: revokerOf(parent), reason: cascadeReason(parent.tokenId), now });

/**
 * Whether a token's refresh token has been revoked; if so, revokes the token as the cascade
 * would. The cascade finds children through an index, which on AWS lags writes by up to about a
 * second; this strongly consistent read of the parent closes that window for a child minted or
 * introspected while its parent is being revoked.
 */
export async function revokeIfParentRevoked(store: TokenStore, token: TokenRecord, now: number): Promise<boolean> {
  if (token.parentTokenId === undefined) return false;
  const parent = await store.get(token.parentTokenId);
  if (parent?.revokedAt === undefined) return false;
  await revokeChild(store, token, parent, now);
  return true;
}
