import { isoTime, scopesOf, type TokenRecord } from './token';
import { allTokens } from './token-service';
import type { TokenStore } from './token-store';
import type { ConnectedApp } from './views';

/** Latest expiry first (the app's expiresAt: the latest of its active tokens), ties by clientId. */
const latestExpiryFirst = (a: ConnectedApp, b: ConnectedApp): number =>
  b.expiresAt.localeCompare(a.expiresAt) || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);

function summarize(clientId: string, tokens: TokenRecord[]): ConnectedApp {
  // The newest token carries the app's current display name.
  const newest = tokens.reduce((a, b) => (b.issuedAt > a.issuedAt ? b : a));
  const scopes = new Set(tokens.flatMap(scopesOf));
  return {
    clientId,
    clientName: newest.clientName,
    scopes: [...scopes].sort(),
    activeTokens: tokens.length,
    lastIssuedAt: isoTime(newest.issuedAt),
    expiresAt: isoTime(Math.max(...tokens.map((t) => t.expiresAt))),
  };
}

export async function connectedApps(
  store: TokenStore,
  userId: string,
  now: number,
): Promise<{ items: ConnectedApp[] }> {
  const byClient = new Map<string, TokenRecord[]>();
  for (const token of await allTokens(store, { userId, status: 'active', now })) {
    const tokens = byClient.get(token.clientId) ?? [];
    tokens.push(token);
    byClient.set(token.clientId, tokens);
  }
  const items = [...byClient].map(([clientId, tokens]) => summarize(clientId, tokens));
  return { items: items.sort(latestExpiryFirst) };
}
