import { randomBytes } from 'node:crypto';
import type { TokenRecord } from '../../lambdas/domain/token';

/** A fixed "now" (2027-01-15T08:00:00Z) so every test is reproducible. */
export const NOW = 1_800_000_000;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

/** A token id of the allowed shape `[A-Za-z0-9_-]{8,128}`. */
export const newTokenId = (): string => `tok_${randomBytes(12).toString('base64url')}`;

/**
 * A record with only the token table's attributes (docs/api.md#the-token-table), live by default:
 * issued an hour ago, expiring in an hour, no user unless given.
 */
export function tokenRecord(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    tokenId: newTokenId(),
    clientId: 'client-a',
    clientName: 'App A',
    tokenType: 'access_token',
    scope: 'read write',
    issuedAt: NOW - HOUR,
    expiresAt: NOW + HOUR,
    ...overrides,
  };
}
