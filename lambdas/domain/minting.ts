import { revokeIfParentRevoked } from './cascade';
import { invalidRequest } from './errors';
import { isExpired, type TokenType, type TokenView, toView } from './token';
import type { StoredToken, TokenStore } from './token-store';
import { newTokenValue } from './token-value';

/** A mint request, checked (docs/api.md#post-servicetokens-mint). */
export interface MintRequest {
  clientId: string;
  clientName: string;
  tokenType: TokenType;
  scope: string;
  /** Seconds from now. */
  expiresIn: number;
  userId?: string;
  parentTokenId?: string;
}

export type MintedToken = TokenView & { token: string };

const unusableParent = () =>
  invalidRequest('parentTokenId must name a live, unrevoked refresh token of the same client and user.');

function assertUsableParent(
  parent: StoredToken | undefined,
  body: MintRequest,
  now: number,
): asserts parent is StoredToken {
  if (
    !parent ||
    isExpired(parent, now) ||
    parent.revokedAt !== undefined ||
    parent.tokenType !== 'refresh_token' ||
    parent.clientId !== body.clientId ||
    parent.userId !== body.userId
  ) {
    throw unusableParent();
  }
}

/**
 * Mints a token and returns its value, the only time it is ever shown. A child of a refresh token
 * re-reads its parent after being written: if the parent was revoked meanwhile, the cascade may
 * have run before the child existed, so the child revokes itself and the mint fails. Either way
 * no access token outlives its refresh token's revocation.
 */
export async function mintToken(
  store: TokenStore,
  body: MintRequest,
  pepper: Buffer,
  now: number,
): Promise<MintedToken> {
  const { parentTokenId } = body;
  if (parentTokenId !== undefined) assertUsableParent(await store.get(parentTokenId), body, now);
  const { tokenId, value, secretHash } = newTokenValue(pepper);
  const record: StoredToken = {
    tokenId,
    ...(body.userId !== undefined && { userId: body.userId }),
    clientId: body.clientId,
    clientName: body.clientName,
    tokenType: body.tokenType,
    scope: body.scope,
    issuedAt: now,
    expiresAt: now + body.expiresIn,
    ...(parentTokenId !== undefined && { parentTokenId }),
    secretHash,
  };
  await store.create(record);
  if (await revokeIfParentRevoked(store, record, now)) throw unusableParent();
  return { ...toView(record), token: value };
}
