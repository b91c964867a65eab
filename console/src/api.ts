/**
 * The token API as the console uses it (shapes from docs/api.md and openapi.json).
 */

import type { TokenView } from '../../lambdas/domain/token';
import type { ConnectedApp } from '../../lambdas/domain/views';

export type { Person } from '../../lambdas/domain/people';
// The API's own answer shapes, type-only: nothing of the server code enters the bundle.
export type { TokenStatus, TokenType, TokenView } from '../../lambdas/domain/token';
export type {
  BulkPreview as BulkRevokePreview,
  ConnectedApp,
  PersonList,
  RevokedCount,
  TokenPage,
} from '../../lambdas/domain/views';

/** A non-2xx answer (`{error, message}`), or `network` when there was no answer. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export type Query = Record<string, string | number | null | undefined>;

export interface Api {
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: object): Promise<T>;
}

/** One path segment, e.g. a tokenId or a clientId. */
export const segment = (value: string) => encodeURIComponent(value);

/**
 * @param apiUrl the API's base URL (ends with "/"); paths are relative to it.
 * @param idToken the current ID token, or null when the session is over.
 * @param onUnauthorized called on a 401 (or no session): the console asks to sign in again.
 */
export function createApi(
  apiUrl: string,
  idToken: () => string | null,
  onUnauthorized: (message: string) => void,
): Api {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    query?: Query,
    body?: object,
    signal?: AbortSignal,
  ): Promise<T> {
    const token = idToken();
    if (!token) {
      const message = 'Your session has expired. Please sign in again.';
      onUnauthorized(message);
      throw new ApiCallError(401, 'unauthorized', message);
    }
    const url = new URL(path, base);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body) headers['Content-Type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiCallError(0, 'network', 'The token API could not be reached. Check your connection and try again.');
    }
    const text = await response.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const fields = (data && typeof data === 'object' ? data : {}) as { error?: unknown; message?: unknown };
      const message =
        typeof fields.message === 'string' && fields.message
          ? fields.message
          : `The token API answered with status ${response.status}.`;
      if (response.status === 401) onUnauthorized(message);
      throw new ApiCallError(response.status, typeof fields.error === 'string' ? fields.error : 'http_error', message);
    }
    return data as T;
  }

  return {
    get: (path, query, signal) => call('GET', path, query, undefined, signal),
    post: (path, body) => call('POST', path, undefined, body),
  };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Please try again.';
}

/*
 * Lists are served from a secondary index that may lag a write by about a second on AWS
 * (docs/api.md#consistency). So that a token the user just revoked never shows "Active" again
 * in the list refreshed right after, the console remembers what it revoked for a short while
 * and lays that over list answers.
 */
const LAG_WINDOW_MS = 15_000;
const revokedTokens = new Map<string, { view: TokenView; at: number }>();
const revokedApps = new Map<string, number>();

export function rememberRevokedToken(view: TokenView): void {
  revokedTokens.set(view.tokenId, { view, at: Date.now() });
}

export function rememberRevokedApp(clientId: string): void {
  revokedApps.set(clientId, Date.now());
}

export function withRecentRevocations(items: TokenView[]): TokenView[] {
  const now = Date.now();
  return items.map((token) => {
    const known = revokedTokens.get(token.tokenId);
    if (!known) return token;
    if (now - known.at > LAG_WINDOW_MS) {
      revokedTokens.delete(token.tokenId);
      return token;
    }
    return token.status === 'active' ? known.view : token;
  });
}

export function withoutRecentlyRevokedApps(apps: ConnectedApp[]): ConnectedApp[] {
  const now = Date.now();
  return apps.filter((app) => {
    const at = revokedApps.get(app.clientId);
    if (at === undefined) return true;
    if (now - at > LAG_WINDOW_MS) {
      revokedApps.delete(app.clientId);
      return true;
    }
    // Still listed right after "Revoke Access": the index has not caught up yet. A token issued
    // after the revocation would be newer than it.
    return Date.parse(app.lastIssuedAt) > at;
  });
}
