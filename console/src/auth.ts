/**
 * Sign-in against the stack's Cognito user pool, and the signed-in session.
 *
 * - `password` (local stack): USER_PASSWORD_AUTH straight against cognito-local's JSON API.
 * - `hosted` (deployed): Cognito's managed login, authorization code flow with PKCE (S256).
 *
 * The session is the Cognito ID token (what the API's authorizer takes), kept in sessionStorage:
 * it dies with the tab and is not shared with other tabs. Its claims are decoded for display and
 * for showing the admin UI only; the API verifies the token and enforces every rule itself.
 */
import { groupsOf } from '../../lambdas/domain/identity';
import type { HostedAuth, PasswordAuth } from './console-config';

const TOKEN_KEY = 'token-ledger.idToken';
const PKCE_KEY = 'token-ledger.pkce';

export interface Session {
  idToken: string;
  sub: string;
  email: string;
  groups: string[];
  /** Epoch seconds. */
  exp: number;
}

interface PkceState {
  verifier: string;
  state: string;
  /** The hash route the user was on, restored after the round trip. */
  returnTo: string;
}

function base64UrlDecode(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomString = (bytes: number) => base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));

/** Reads an ID token's claims. No signature check: the API does that on every call. */
export function parseIdToken(idToken: string): Session | null {
  try {
    const claims = JSON.parse(base64UrlDecode(idToken.split('.')[1] ?? '')) as Record<string, unknown>;
    const { sub, exp, email } = claims;
    if (typeof sub !== 'string' || typeof exp !== 'number') return null;
    // The same reading as the API's: the token's own array of group names, never a split string.
    const groups = groupsOf(claims);
    const username = claims['cognito:username'];
    return {
      idToken,
      sub,
      exp,
      groups,
      email: typeof email === 'string' ? email : typeof username === 'string' ? username : sub,
    };
  } catch {
    return null;
  }
}

/** Expired, or about to be (a few seconds of clock skew). */
export const isExpired = (session: Session, now = Date.now()) => session.exp * 1000 <= now + 5000;

export function loadSession(): Session | null {
  const stored = sessionStorage.getItem(TOKEN_KEY);
  const session = stored ? parseIdToken(stored) : null;
  if (!session || isExpired(session)) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return session;
}

function storeSession(idToken: string): Session {
  const session = parseIdToken(idToken);
  if (!session) throw new Error('The sign-in service returned an ID token this console cannot read.');
  sessionStorage.setItem(TOKEN_KEY, idToken);
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  try {
    const data: unknown = await response.json();
    return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Local stack: InitiateAuth with USER_PASSWORD_AUTH. */
export async function passwordSignIn(
  auth: PasswordAuth,
  clientId: string,
  email: string,
  password: string,
): Promise<Session> {
  let response: Response;
  try {
    response = await fetch(auth.cognitoEndpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId,
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    });
  } catch {
    throw new Error('The sign-in service could not be reached. Is the stack running?');
  }
  const data = await readJson(response);
  if (!response.ok) {
    throw new Error(
      typeof data.message === 'string' && data.message ? data.message : `Sign-in failed (status ${response.status}).`,
    );
  }
  const result = data.AuthenticationResult as { IdToken?: unknown } | undefined;
  if (typeof result?.IdToken !== 'string') {
    throw new Error(
      typeof data.ChallengeName === 'string'
        ? `This account must complete the ${data.ChallengeName} step first, which this console does not support.`
        : 'The sign-in service did not return an ID token.',
    );
  }
  return storeSession(result.IdToken);
}

/** Deployed: off to Cognito's managed login. Resolves never (the page navigates away). */
export async function startHostedSignIn(auth: HostedAuth, clientId: string): Promise<void> {
  if (!crypto.subtle) throw new Error('Signing in needs a secure (https) page.');
  const verifier = randomString(32);
  const state = randomString(16);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const pkce: PkceState = { verifier, state, returnTo: location.hash };
  sessionStorage.setItem(PKCE_KEY, JSON.stringify(pkce));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: auth.redirectUri,
    scope: 'openid email profile',
    code_challenge_method: 'S256',
    code_challenge: base64UrlEncode(new Uint8Array(digest)),
    state,
  });
  location.assign(`${auth.domain}/oauth2/authorize?${query}`);
}

/**
 * Deployed: back from the managed login with `?code=…&state=…` (or `?error=…`). Exchanges the
 * code for tokens and keeps the ID token. Null when this page load is not such a return.
 */
export async function completeHostedSignIn(auth: HostedAuth, clientId: string): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return null;

  let saved: PkceState | null = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as PkceState | null;
  } catch {
    saved = null;
  }
  sessionStorage.removeItem(PKCE_KEY);
  // Drop the one-time code from the address bar and history; back to where the user was.
  history.replaceState(null, '', location.pathname + (saved?.returnTo || '#/apps'));

  if (error || !code) throw new Error(`Sign-in was not completed: ${params.get('error_description') || error}.`);
  if (!saved || saved.state !== params.get('state')) {
    throw new Error('Sign-in could not be verified (its state did not match). Please sign in again.');
  }
  let response: Response;
  try {
    response = await fetch(`${auth.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        redirect_uri: auth.redirectUri,
        code_verifier: saved.verifier,
      }),
    });
  } catch {
    throw new Error('The sign-in service could not be reached. Please sign in again.');
  }
  const data = await readJson(response);
  if (!response.ok || typeof data.id_token !== 'string') {
    throw new Error(`Sign-in failed${typeof data.error === 'string' ? ` (${data.error})` : ''}. Please sign in again.`);
  }
  return storeSession(data.id_token);
}

/** Deployed: where to send the browser after clearing the session, to end the Cognito session too. */
export function hostedLogoutUrl(auth: HostedAuth, clientId: string): string {
  return `${auth.domain}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: auth.redirectUri })}`;
}
