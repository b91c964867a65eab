/** A token record as the table holds it (docs/api.md#the-token-table). */
export interface TokenRecord {
  tokenId: string;
  userId?: string;
  clientId: string;
  clientName: string;
  tokenType: TokenType;
  scope: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt?: number;
  revokedBy?: string;
  revokeReason?: string;
  parentTokenId?: string;
  lastUsedAt?: number;
}

export const TOKEN_TYPES = ['access_token', 'refresh_token'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const TOKEN_STATUSES = ['active', 'revoked'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/** What every route shows for a token (docs/api.md#the-token-view). */
export interface TokenView {
  tokenId: string;
  userId?: string;
  clientId: string;
  clientName: string;
  tokenType: TokenType;
  scopes: string[];
  issuedAt: string;
  expiresAt: string;
  status: TokenStatus;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
  parentTokenId?: string;
  lastUsedAt?: string;
  /** The owner's current email, in views sent to admins; never from the token record. */
  userEmail?: string;
}

export const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

/** Expired tokens do not exist for the API, whether or not TTL has purged them yet. */
export const isExpired = (record: Pick<TokenRecord, 'expiresAt'>, now: number): boolean => record.expiresAt <= now;

export const statusOf = (record: Pick<TokenRecord, 'revokedAt'>): TokenStatus =>
  record.revokedAt === undefined ? 'active' : 'revoked';

/** Whole seconds, as the table stores them, so no milliseconds suffix. */
export const isoTime = (epochSeconds: number): string =>
  new Date(Math.floor(epochSeconds) * 1000).toISOString().replace('.000Z', 'Z');

/** The stored `scope`, split at spaces as OAuth delimits it. */
export const scopesOf = (record: Pick<TokenRecord, 'scope'>): string[] => record.scope.split(' ').filter(Boolean);

export function toView(record: TokenRecord): TokenView {
  const view: TokenView = {
    tokenId: record.tokenId,
    ...(record.userId !== undefined && { userId: record.userId }),
    clientId: record.clientId,
    clientName: record.clientName,
    tokenType: record.tokenType,
    scopes: scopesOf(record),
    issuedAt: isoTime(record.issuedAt),
    expiresAt: isoTime(record.expiresAt),
    status: statusOf(record),
  };
  if (record.revokedAt !== undefined) {
    view.revokedAt = isoTime(record.revokedAt);
    if (record.revokedBy !== undefined) view.revokedBy = record.revokedBy;
    if (record.revokeReason !== undefined) view.revokeReason = record.revokeReason;
  }
  if (record.parentTokenId !== undefined) view.parentTokenId = record.parentTokenId;
  if (record.lastUsedAt !== undefined) view.lastUsedAt = isoTime(record.lastUsedAt);
  return view;
}
