/**
 * "My Connected Apps": the caller's apps (GET apps), each expandable to its tokens
 * (GET tokens?clientId=…), with "Revoke Access" per app and "Revoke" per token.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { DEFAULT_PAGE_SIZE } from '../../lambdas/domain/limits';
import {
  type ConnectedApp,
  errorMessage,
  type RevokedCount,
  rememberRevokedApp,
  segment,
  type TokenPage,
  type TokenView,
  withoutRecentlyRevokedApps,
  withRecentRevocations,
} from './api';
import { useConsole } from './context';
import {
  alreadyRevokedText,
  ConfirmDialog,
  ErrorAlert,
  focusSoon,
  Loading,
  plural,
  RevokeTokenDialog,
  Scopes,
  StatusBadge,
  Time,
  TokenDetails,
  tokenOfApp,
  tokenTypeLabel,
  useResource,
} from './ui';

/**
 * The API lists apps newest first, so revoking a token can reorder them. Within one visit, keep
 * the apps where they were (a card must not jump away under the user's focus); new ones go last.
 */
function keepOrder(previous: string[], apps: ConnectedApp[]): ConnectedApp[] {
  const rank = (app: ConnectedApp) => {
    const i = previous.indexOf(app.clientId);
    return i === -1 ? previous.length : i;
  };
  return apps
    .map((app, i) => ({ app, i }))
    .sort((a, b) => rank(a.app) - rank(b.app) || a.i - b.i)
    .map((x) => x.app);
}

/** A card, or where an app's card was until its access ended during this visit. */
type Slot = { app: ConnectedApp; gone: boolean };

export function AppsPage() {
  const { api } = useConsole();
  const order = useRef<string[]>([]);
  /** Apps seen during this visit, so one whose access ends leaves a notice rather than nothing. */
  const seen = useRef(new Map<string, ConnectedApp>());
  const apps = useResource(
    (signal) =>
      api.get<{ items: ConnectedApp[] }>('apps', undefined, signal).then((r): Slot[] => {
        const items = withoutRecentlyRevokedApps(r.items);
        const live = new Set(items.map((app) => app.clientId));
        const gone = [...seen.current.values()].filter((app) => !live.has(app.clientId));
        for (const app of items) seen.current.set(app.clientId, app);
        const slots = keepOrder(order.current, [...items, ...gone]).map((app) => ({
          app,
          gone: !live.has(app.clientId),
        }));
        order.current = slots.map((slot) => slot.app.clientId);
        return slots;
      }),
    [api],
  );

  return (
    <>
      <h1 tabIndex={-1}>My Connected Apps</h1>
      <p class="lead">
        Apps you have allowed to access your account. Revoke access you no longer want: the app's tokens stop working at
        once.
      </p>
      <section aria-labelledby="apps-list-heading" aria-busy={apps.loading}>
        <h2 id="apps-list-heading" class="visually-hidden">
          Apps
        </h2>
        {apps.error ? (
          <ErrorAlert message={apps.error} onRetry={apps.reload} />
        ) : !apps.data ? (
          <Loading>Loading your connected apps…</Loading>
        ) : apps.data.length === 0 ? (
          <p class="empty">No connected apps yet.</p>
        ) : (
          <ul class="app-list">
            {apps.data.map(({ app, gone }) => (
              <li key={app.clientId}>
                {gone ? (
                  <p class="card app-gone">
                    <strong>{app.clientName}</strong> <code class="muted">{app.clientId}</code>: access revoked. It has
                    no active tokens left and can no longer reach your account; it would need your permission again.
                  </p>
                ) : (
                  <AppCard app={app} onChanged={apps.reload} />
                )}
              </li>
            ))}
          </ul>
        )}
        {apps.loading && apps.data && <p class="visually-hidden">Refreshing…</p>}
      </section>
    </>
  );
}

function AppCard({ app, onChanged }: { app: ConnectedApp; onChanged(): void }) {
  const { api, announce } = useConsole();
  const [expanded, setExpanded] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const nameId = useId();
  const panelId = useId();

  const revokeAccess = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { revoked } = await api.post<RevokedCount>(`apps/${segment(app.clientId)}/revoke`);
      rememberRevokedApp(app.clientId);
      setConfirming(false);
      announce(`${app.clientName} can no longer access your account: ${plural(revoked, 'token')} revoked.`);
      onChanged();
      focusSoon(() => null); // the card goes away: back to the page heading
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const count = app.activeTokens;
  return (
    <section class="card app" aria-labelledby={nameId}>
      <div class="app-head">
        <h2 id={nameId}>{app.clientName}</h2>
        <code class="muted">{app.clientId}</code>
      </div>
      <Scopes scopes={app.scopes} />
      <p class="facts">
        <span>{plural(count, 'active token')}</span>
        <span>
          expires <Time iso={app.expiresAt} relative />
        </span>
        <span>
          last issued <Time iso={app.lastIssuedAt} relative />
        </span>
      </p>
      <div class="actions">
        <button
          type="button"
          class="button disclosure"
          aria-expanded={expanded}
          aria-controls={panelId}
          onClick={() => setExpanded(!expanded)}
        >
          Tokens
        </button>
        <button
          type="button"
          class="button button-danger"
          onClick={() => {
            setError(undefined);
            setConfirming(true);
          }}
        >
          Revoke Access
        </button>
      </div>
      <div id={panelId} class="app-tokens" hidden={!expanded}>
        {expanded && <AppTokens app={app} onChanged={onChanged} />}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Revoke access for ${app.clientName}?`}
        message={
          <p>
            {app.clientName} will no longer be able to access your account with{' '}
            {count === 1 ? 'this token' : `these ${count} tokens`}. It would need your permission again.
          </p>
        }
        confirmLabel="Revoke Access"
        busy={busy}
        error={error}
        onConfirm={revokeAccess}
        onCancel={() => setConfirming(false)}
      />
    </section>
  );
}

/** The app's tokens (active and revoked), newest first, "Load more" following nextCursor. */
function AppTokens({ app, onChanged }: { app: ConnectedApp; onChanged(): void }) {
  const { api, announce } = useConsole();
  const [items, setItems] = useState<TokenView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<{ message: string; cursor: string | null }>();
  const [reloads, setReloads] = useState(0);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const [hideRevoked, setHideRevoked] = useState(false);
  const headingId = useId();
  const hideId = useId();

  const load = async (cursor: string | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(undefined);
    try {
      const query = {
        clientId: app.clientId,
        limit: DEFAULT_PAGE_SIZE,
        cursor,
        ...(hideRevoked && { status: 'active' }),
      };
      const page = await api.get<TokenPage>('tokens', query, signal);
      if (signal?.aborted) return;
      setItems((previous) => withRecentRevocations(cursor ? [...previous, ...page.items] : page.items));
      setNext(page.nextCursor);
    } catch (err) {
      if (signal?.aborted) return;
      setError({ message: errorMessage(err), cursor });
    }
    setLoading(false);
  };

  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, [app.clientId, reloads, hideRevoked]);

  const revoked = (view: TokenView, already: boolean) => {
    setRevoking(null);
    setItems((previous) => previous.map((t) => (t.tokenId === view.tokenId ? view : t)));
    announce(already ? alreadyRevokedText(view) : `Revoked the ${tokenOfApp(view)}. It no longer works.`);
    setReloads((n) => n + 1); // a refresh token takes its access tokens with it
    onChanged(); // counts and expiry of the app
    focusSoon(() => document.getElementById(detailsButtonId(view.tokenId)));
  };

  return (
    <div aria-busy={loading}>
      <div class="tokens-head">
        <h3 id={headingId}>Tokens</h3>
        <label class="check" for={hideId}>
          <input
            id={hideId}
            type="checkbox"
            checked={hideRevoked}
            onChange={(e) => setHideRevoked(e.currentTarget.checked)}
          />{' '}
          Hide revoked tokens
        </label>
      </div>
      {items.length > 0 && (
        <ul class="token-list" aria-labelledby={headingId}>
          {items.map((token) => (
            <li key={token.tokenId}>
              <TokenRow token={token} onRevoke={() => setRevoking(token)} />
            </li>
          ))}
        </ul>
      )}
      {error ? (
        <ErrorAlert message={error.message} onRetry={() => void load(error.cursor)} />
      ) : loading ? (
        <Loading>Loading tokens…</Loading>
      ) : items.length === 0 ? (
        <p class="empty">{hideRevoked ? 'No active tokens.' : 'No tokens.'}</p>
      ) : (
        next && (
          <button type="button" class="button" onClick={() => void load(next)}>
            Load more
          </button>
        )
      )}
      <RevokeTokenDialog token={revoking} onCancel={() => setRevoking(null)} onRevoked={revoked} />
    </div>
  );
}

const detailsButtonId = (tokenId: string) => `token-${tokenId}-details`;

function TokenRow({ token, onRevoke }: { token: TokenView; onRevoke(): void }) {
  const [open, setOpen] = useState(false);
  const titleId = useId();
  const panelId = useId();
  return (
    <article class={`token${token.status === 'revoked' ? ' token-revoked' : ''}`} aria-labelledby={titleId}>
      <div class="token-line">
        <p class="token-title" id={titleId}>
          <strong>{tokenTypeLabel(token.tokenType)}</strong> <span class="muted">issued</span>{' '}
          <Time iso={token.issuedAt} />
        </p>
        <StatusBadge status={token.status} />
        <div class="token-actions">
          <button
            type="button"
            id={detailsButtonId(token.tokenId)}
            class="button button-small disclosure"
            aria-expanded={open}
            aria-controls={panelId}
            aria-describedby={titleId}
            onClick={() => setOpen(!open)}
          >
            Details
          </button>
          {token.status === 'active' && (
            <button
              type="button"
              class="button button-small button-danger"
              aria-describedby={titleId}
              onClick={onRevoke}
            >
              Revoke
            </button>
          )}
        </div>
      </div>
      <Scopes scopes={token.scopes} />
      <div id={panelId} hidden={!open}>
        {open && <TokenDetails token={token} />}
      </div>
    </article>
  );
}
