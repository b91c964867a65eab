import type { Person } from './people';
import type { TokenView } from './token';

/**
 * What the routes answer, besides a single token's view (`TokenView` in token.ts). Type-only
 * and free of runtime imports, so the web console compiles against these very shapes.
 */
export interface TokenPage {
  items: TokenView[];
  nextCursor: string | null;
}

/** One connected app as "My Connected Apps" shows it, over the caller's active tokens. */
export interface ConnectedApp {
  clientId: string;
  clientName: string;
  scopes: string[];
  activeTokens: number;
  lastIssuedAt: string;
  expiresAt: string;
}

export interface RevokedCount {
  revoked: number;
}

export interface BulkPreview {
  wouldRevoke: number;
  byClient: Record<string, number>;
}

/** `GET admin/users`: the people found, with no cursor. */
export interface PersonList {
  items: Person[];
}
