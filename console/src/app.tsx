/**
 * Token Ledger console: loads config.json, signs in, and shows "My Connected Apps" (#/apps)
 * and, for admins, "Manage Tokens" (#/admin). Hash routing, so any static host serves it.
 *
 * ACCESSIBLE NAMES (stable; end-to-end tests may rely on them; Playwright's getByRole name
 * matching is a case-insensitive substring unless `exact: true`, so pass `exact: true` for
 * "Revoke", "Tokens" and "User ID", or scope the query to a region, row, form or dialog):
 *
 * Boot / sign-in
 *   text "Loading the Token Ledger console…" until config.json is read
 *   alert: config.json could not be loaded, with button "Retry"
 *   heading (h1) "Sign in to Token Ledger"
 *   password (local stack): form "Sign in" > textbox "Email", textbox "Password" (type=password,
 *     find it with getByLabel('Password')), button "Sign in" ("Signing in…" while busy);
 *     a failed sign-in shows role="alert" with Cognito's message
 *   hosted (deployed): button "Sign in" (redirects to the managed login)
 *   after a 401 or an expired ID token: role="status" "Your session has expired…" above the form
 *
 * Signed-in shell
 *   link "Skip to content"; banner with text "Signed in as <email>" and button "Sign out"
 *   navigation "Main" > link "My Connected Apps", link "Manage Tokens" (admins only: not rendered
 *     at all for others); the current page's link has aria-current="page"
 *   main: role="status" (aria-live polite) with the last action's message, e.g.
 *     "Calendar Sync can no longer access your account: 2 tokens revoked."
 *     "Revoked the access token of Calendar Sync. It no longer works."
 *
 * My Connected Apps (#/apps)
 *   heading (h1) "My Connected Apps"
 *   states: "Loading your connected apps…" (aria-busy="true" on the section) /
 *     "No connected apps yet." / alert with the API's message + button "Retry"
 *   per app: region named by the app's name (e.g. region "Calendar Sync", its h2), holding
 *     list "Scopes" (one listitem per scope: its description from config.json when there is one,
 *     with the raw scope), text "N active tokens", "expires in N days (<exact time with zone>)",
 *     "last issued …", button "Tokens" (aria-expanded, disclosure), button "Revoke Access"; an
 *     app whose access ended during the visit leaves text "<name> <clientId>: access revoked. …"
 *     (not a region)
 *   "Revoke Access" → dialog "Revoke access for Calendar Sync?" with text "Calendar Sync will no
 *     longer be able to access your account with these 2 tokens." and buttons "Cancel",
 *     "Revoke Access"
 *   expanded: heading (h3) "Tokens", checkbox "Hide revoked tokens", list "Tokens" of article
 *     per token named "<Access token|Refresh token> issued <date>" holding text "Active" or "Revoked",
 *     button "Details" (aria-expanded), button "Revoke" (active tokens only), list "Scopes";
 *     "Details" shows a description list: Status, Type, App, Scopes, Issued, Expires,
 *     Last used, Revoked at / Revoked by / Reason (when revoked), Parent token, Token ID;
 *     button "Load more" when there is a next page; "Loading tokens…" while loading
 *   token "Revoke" → dialog "Revoke this token?" with text "This access token of Calendar Sync
 *     (scopes: calendar.read) will stop working immediately." (a refresh token adds ", and so
 *     will the access tokens issued from it."), textbox "Reason (optional)", buttons "Cancel",
 *     "Revoke"; a reason over 500 characters shows role="alert" "The reason is N characters
 *     long; …" and keeps the dialog open; a token revoked meanwhile (another tab) gives status
 *     "This access token of Calendar Sync was already revoked (<time>)."
 *   Times name their zone ("Nov 30, 2026, 9:48 AM UTC").
 *
 * Manage Tokens (#/admin, admins only)
 *   heading (h1) "Manage Tokens"
 *   form "Filter tokens" (its h2) > combobox "User" (a person: see below), textbox "Client ID",
 *     combobox "Token type" (options "Any type", "Access token", "Refresh token"), combobox
 *     "Status" (options "Any status", "Active", "Revoked"), button "Apply", button "Clear filters"
 *   after Apply with a user: text "Showing the tokens of <email>"
 *   table "Tokens (page N)" (caption) with columns App, Type, User (the email, then the sub),
 *     Scopes, Issued, Expires, Status, Actions (visually hidden); each row: status text
 *     "Active"/"Revoked", button "Details of the <access|refresh> token of <app>" (text
 *     "Details"); under 40rem each row is a card; states "Loading tokens…" / "No tokens match
 *     these filters." / alert + "Retry"
 *   navigation "Pages" > button "Previous", button "Next" (shown when the next page has tokens)
 *   region "Token details" (h2) > the description list (plus User: email, sub, button "Copy
 *     user ID"), button "Revoke" (active only), button "Show this user's tokens", button "Close
 *     details"; "Revoke" opens dialog "Revoke this token?" (text names the user: "… of Calendar
 *     Sync issued to alice@example.com (user <sub>) …", or "user <sub>" with no email known);
 *     after it, status "Revoked the access token of Calendar Sync." and the panel says "Revoked"
 *   region "Bulk revoke user" (h2) > form "Bulk revoke user" > combobox "User" (prefilled by
 *     Apply with a user, emptied by "Clear filters"), textbox "Client ID (optional)", textbox
 *     "Reason (optional)", button "Preview"; then role="status" text "N tokens would be revoked"
 *     (or "1 token would be revoked", or "No tokens would be revoked: …"), text "Tokens of
 *     <email> (user <sub>)" and list "By client" ("<clientId>: N tokens"), and button "Revoke N
 *     tokens" ("Revoke 1 token") → dialog "Revoke N tokens?" ("Every active token of <email>
 *     (user <sub>) will stop working …") with buttons "Cancel", "Revoke N tokens" → status text
 *     "Revoked N tokens of <email> (user <sub>)." ("of user <sub>" for a pasted user ID)
 *   combobox "User": type the start of an email; after a pause, listbox "People whose email
 *     starts with <text>" of options "<email> <sub>"; Down and Up move (aria-activedescendant),
 *     Enter chooses, Escape closes; a status says "N people found; …", or text "No one's email
 *     starts with “<text>”."; Apply or Preview with text that is nobody's email shows
 *     role="alert" "No one in the user pool has the email “…”." (or "… Choose one from the
 *     suggestions.")
 *
 * Every dialog is a native modal <dialog>: Escape or "Cancel" closes it; focus returns to the
 * control that opened it (or, when that is gone, to a nearby heading). Errors in a dialog show
 * there as role="alert" and keep it open.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AdminPage } from './admin-page';
import { createApi, errorMessage } from './api';
import { AppsPage } from './apps-page';
import {
  clearSession,
  completeHostedSignIn,
  hostedLogoutUrl,
  isExpired,
  loadSession,
  passwordSignIn,
  type Session,
  startHostedSignIn,
} from './auth';
import type { ConsoleConfig } from './console-config';
import { Console, type ConsoleContext } from './context';
import { ErrorAlert, Loading } from './ui';

const EXPIRED = 'Your session has expired. Please sign in again.';

type Boot = { phase: 'loading' } | { phase: 'failed'; message: string } | { phase: 'ready'; config: ConsoleConfig };

async function loadConfig(): Promise<ConsoleConfig> {
  let response: Response;
  try {
    response = await fetch('config.json', { cache: 'no-cache' });
  } catch {
    throw new Error('The console could not load its settings (config.json). Check your connection and try again.');
  }
  if (!response.ok)
    throw new Error(`The console could not load its settings (config.json answered ${response.status}).`);
  const config = (await response.json().catch(() => null)) as ConsoleConfig | null;
  const auth = config?.auth;
  const authOk =
    (auth?.kind === 'password' && typeof auth.cognitoEndpoint === 'string') ||
    (auth?.kind === 'hosted' && typeof auth.domain === 'string' && typeof auth.redirectUri === 'string');
  if (!config || typeof config.apiUrl !== 'string' || typeof config.userPoolClientId !== 'string' || !authOk) {
    throw new Error('The console’s settings (config.json) are incomplete.');
  }
  return config;
}

export function App() {
  const [boot, setBoot] = useState<Boot>({ phase: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string>();
  const [signInError, setSignInError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    setBoot({ phase: 'loading' });
    void (async () => {
      try {
        const config = await loadConfig();
        let signedIn: Session | null = null;
        if (config.auth.kind === 'hosted') {
          try {
            signedIn = await completeHostedSignIn(config.auth, config.userPoolClientId);
          } catch (err) {
            setSignInError(errorMessage(err));
          }
        }
        if (cancelled) return;
        setSession(signedIn ?? loadSession());
        setBoot({ phase: 'ready', config });
      } catch (err) {
        if (!cancelled) setBoot({ phase: 'failed', message: errorMessage(err) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const endSession = useCallback((message?: string) => {
    clearSession();
    setSession(null);
    setNotice(message);
  }, []);

  // Sign in again once the ID token's exp has passed.
  useEffect(() => {
    if (!session) return undefined;
    const wait = Math.min(Math.max(session.exp * 1000 - Date.now() - 5000, 0), 2 ** 31 - 1);
    const timer = setTimeout(() => endSession(EXPIRED), wait);
    return () => clearTimeout(timer);
  }, [session, endSession]);

  if (boot.phase === 'loading') {
    return (
      <main id="main" class="narrow" aria-busy="true">
        <Loading>Loading the Token Ledger console…</Loading>
      </main>
    );
  }
  if (boot.phase === 'failed') {
    return (
      <main id="main" class="narrow">
        <h1>Token Ledger</h1>
        <ErrorAlert message={boot.message} onRetry={() => setAttempt((n) => n + 1)} />
      </main>
    );
  }
  const { config } = boot;
  if (!session) {
    return (
      <SignIn
        config={config}
        notice={notice}
        error={signInError}
        onSignedIn={(s) => {
          setNotice(undefined);
          setSignInError(undefined);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Shell
      config={config}
      session={session}
      onExpired={endSession}
      onSignOut={() => {
        endSession();
        if (config.auth.kind === 'hosted') location.assign(hostedLogoutUrl(config.auth, config.userPoolClientId));
      }}
    />
  );
}

function SignIn(props: { config: ConsoleConfig; notice?: string; error?: string; onSignedIn(session: Session): void }) {
  const { config, notice, onSignedIn } = props;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(props.error);
  const auth = config.auth;

  useEffect(() => {
    document.title = 'Sign in · Token Ledger';
  }, []);

  const submit = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      if (auth.kind === 'password')
        onSignedIn(await passwordSignIn(auth, config.userPoolClientId, email.trim(), password));
      else await startHostedSignIn(auth, config.userPoolClientId);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="narrow">
      <div class="card signin">
        <h1>Sign in to Token Ledger</h1>
        <p class="muted">See the apps you have given access to your account, and revoke what you no longer want.</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
        {auth.kind === 'password' ? (
          <form
            aria-label="Sign in"
            aria-busy={busy}
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <div class="field">
              <label for="signin-email">Email</label>
              <input
                id="signin-email"
                type="email"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="signin-password">Password</label>
              <input
                id="signin-password"
                type="password"
                autocomplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="button button-primary" aria-disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        ) : (
          <button
            type="button"
            class="button button-primary"
            aria-disabled={busy}
            onClick={() => !busy && void submit()}
          >
            Sign in
          </button>
        )}
      </div>
    </main>
  );
}

type Route = 'apps' | 'admin';

function useHashRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

const PAGES: Record<Route, { hash: string; title: string }> = {
  apps: { hash: '#/apps', title: 'My Connected Apps' },
  admin: { hash: '#/admin', title: 'Manage Tokens' },
};

function Shell(props: {
  config: ConsoleConfig;
  session: Session;
  onExpired(message: string): void;
  onSignOut(): void;
}) {
  const { config, session, onExpired, onSignOut } = props;
  const isAdmin = session.groups.includes(config.adminGroupName);
  const hash = useHashRoute();
  const route: Route = hash.startsWith(PAGES.admin.hash) && isAdmin ? 'admin' : 'apps';
  const [status, setStatus] = useState({ text: '', key: 0 });
  const firstRender = useRef(true);

  // Canonical URL: an unknown route, or #/admin for a non-admin, shows (and says) #/apps.
  useEffect(() => {
    if (hash !== PAGES[route].hash) history.replaceState(null, '', PAGES[route].hash);
  }, [hash, route]);

  // On navigation: new title, old message gone, focus on the new page's heading.
  useEffect(() => {
    document.title = `${PAGES[route].title} · Token Ledger`;
    setStatus((s) => ({ text: '', key: s.key + 1 }));
    if (firstRender.current) firstRender.current = false;
    else document.querySelector<HTMLElement>('main h1')?.focus();
  }, [route]);

  // When the focused control goes away (a revoked app's card, say), focus the page heading
  // rather than leaving keyboard and screen reader users at the top of the document.
  useEffect(() => {
    const lost = (event: FocusEvent) => {
      const from = event.target;
      if (event.relatedTarget || !(from instanceof HTMLElement)) return;
      setTimeout(() => {
        if (!from.isConnected && (document.activeElement === document.body || !document.activeElement)) {
          document.querySelector<HTMLElement>('main h1')?.focus();
        }
      }, 0);
    };
    document.addEventListener('focusout', lost);
    return () => document.removeEventListener('focusout', lost);
  }, []);

  const context = useMemo<ConsoleContext>(
    () => ({
      config,
      session,
      isAdmin,
      api: createApi(
        config.apiUrl,
        () => {
          if (!isExpired(session)) return session.idToken;
          onExpired(EXPIRED);
          return null;
        },
        () => onExpired(EXPIRED),
      ),
      announce: (text) => setStatus((s) => ({ text, key: s.key + 1 })),
    }),
    [config, session, isAdmin, onExpired],
  );

  return (
    <Console.Provider value={context}>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link moves focus, which a plain #main jump does not
          do reliably */}
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <span class="brand">Token Ledger</span>
          <nav aria-label="Main">
            <ul>
              <li>
                <a href={PAGES.apps.hash} aria-current={route === 'apps' ? 'page' : undefined}>
                  My Connected Apps
                </a>
              </li>
              {isAdmin && (
                <li>
                  <a href={PAGES.admin.hash} aria-current={route === 'admin' ? 'page' : undefined}>
                    Manage Tokens
                  </a>
                </li>
              )}
            </ul>
          </nav>
          <div class="account">
            <span class="account-email">
              Signed in as <strong>{session.email}</strong>
            </span>
            <button type="button" class="button button-small" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <div class="status-message" role="status">
          {status.text && <p key={status.key}>{status.text}</p>}
        </div>
        {route === 'admin' ? <AdminPage key="admin" /> : <AppsPage key="apps" />}
      </main>
    </Console.Provider>
  );
}
