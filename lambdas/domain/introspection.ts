import { revokeIfParentRevoked } from './cascade';
import { isExpired, type TokenType } from './token';
import type { StoredToken, TokenStore } from './token-store';
import { parseTokenValue, secretMatches } from './token-value';

/** RFC 7662 answers. An inactive token says nothing else, so a probe learns nothing. */
export type Introspection =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      sub?: string;
      token_type: 'Bearer';
      token_use: TokenType;
      exp: number;
      iat: number;
      jti: string;
    };

export const INACTIVE: Introspection = { active: false };

/** `lastUsedAt` is written at most this often per token, so introspection stays a read. */
export const LAST_USED_INTERVAL_SECONDS = 60;

/** The stored record a presented value belongs to, or undefined: unknown format, id or secret. */
export async function findByValue(store: TokenStore, value: string, pepper: Buffer): Promise<StoredToken | undefined> {
  const parts = parseTokenValue(value);
  if (!parts) return undefined;
  const record = await store.get(parts.tokenId);
  return record && secretMatches(parts.secret, record.secretHash, pepper) ? record : undefined;
}

export async function introspect(
  store: TokenStore,
  value: string,
  pepper: Buffer,
  now: number,
): Promise<Introspection> {
  const record = await findByValue(store, value, pepper);
  if (!record || isExpired(record, now) || record.revokedAt !== undefined) return INACTIVE;
  if (await revokeIfParentRevoked(store, record, now)) return INACTIVE;
  if (record.lastUsedAt === undefined || now - record.lastUsedAt >= LAST_USED_INTERVAL_SECONDS) {
    await store.touch(record.tokenId, now, LAST_USED_INTERVAL_SECONDS);
  }
  return {
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    ...(record.userId !== undefined && { sub: record.userId }),
    token_type: 'Bearer',
    token_use: record.tokenType,
    exp: record.expiresAt,
    iat: record.issuedAt,
    jti: record.tokenId,
  };
}
