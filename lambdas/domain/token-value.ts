import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A token value is `tledger_<tokenId>.<secret>`:
 * - the fixed prefix lets secret scanners recognise a leaked token;
 * - `tokenId` is random (128 bits), not derived from the secret, so the public id says nothing
 *   about the value; carrying it in the value makes lookup one GetItem;
 * - `secret` is 256 random bits, base64url. Only an HMAC of it is stored, keyed with a pepper the
 *   table never holds, so neither a view, a log nor a copy of the table lets anyone recover a
 *   value or check a guessed one.
 */
export const TOKEN_PREFIX = 'tledger_';
const SECRET_BYTES = 32;
const TOKEN_ID_BYTES = 16;

/** `bytes` random bytes in unpadded base64url. */
const base64url = (bytes: number) => `[A-Za-z0-9_-]{${Math.ceil((bytes * 8) / 6)}}`;
const VALUE_PATTERN = new RegExp(`^${TOKEN_PREFIX}(${base64url(TOKEN_ID_BYTES)})\\.(${base64url(SECRET_BYTES)})$`);

export interface NewTokenValue {
  tokenId: string;
  value: string;
  secretHash: string;
}

export const hashSecret = (secret: string, pepper: Buffer): string =>
  createHmac('sha256', pepper).update(secret).digest('base64url');

export function newTokenValue(pepper: Buffer): NewTokenValue {
  const tokenId = randomBytes(TOKEN_ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { tokenId, value: `${TOKEN_PREFIX}${tokenId}.${secret}`, secretHash: hashSecret(secret, pepper) };
}

/** The parts of a value in this system's format; undefined for anything else. */
export function parseTokenValue(value: string): { tokenId: string; secret: string } | undefined {
  const match = VALUE_PATTERN.exec(value);
  const [, tokenId, secret] = match ?? [];
  return tokenId && secret ? { tokenId, secret } : undefined;
}

/** Constant-time check of a presented secret against the stored hash. */
export function secretMatches(secret: string, storedHash: string | undefined, pepper: Buffer): boolean {
  if (storedHash === undefined) return false;
  const given = Buffer.from(hashSecret(secret, pepper));
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}
