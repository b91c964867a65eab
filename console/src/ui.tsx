/**
 * Building blocks shared by both pages: data loading, states, dialogs, token details.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, rememberRevokedToken, segment, type TokenView } from './api';
import { useConsole } from './context';

/* ---------- formatting ---------- */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function Time({ iso, date }: { iso: string; date?: boolean }) {
  const value = new Date(iso);
  if (Number.isNaN(value.getTime())) return <span>{iso}</span>;
  return (
    <time dateTime={iso} title={value.toUTCString()}>
      {(date ? dateOnly : dateTime).format(value)}
    </time>
  );
}

export const tokenTypeLabel = (type: string) =>
  type === 'refresh_token' ? 'Refresh token' : type === 'access_token' ? 'Access token' : type;

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/* ---------- small pieces ---------- */

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge badge-${status === 'revoked' ? 'revoked' : 'active'}`}>
      {status === 'revoked' ? 'Revoked' : 'Active'}
    </span>
  );
}

export function Scopes({ scopes }: { scopes: string[] }) {
  if (scopes.length === 0) return <span class="muted">No scopes</span>;
  return (
    <ul class="chips" aria-label="Scopes">
      {scopes.map((scope) => (
        <li key={scope} class="chip">
          {scope}
        </li>
      ))}
    </ul>
  );
}

export function Loading({ children }: { children: ComponentChildren }) {
  return (
    <p class="loading">
      <span class="spinner" aria-hidden="true" />
      {children}
    </p>
  );
}

export function ErrorAlert({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="alert" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Focuses an element after the current render and the ones it triggers have settled. */
export function focusSoon(find: () => HTMLElement | null | undefined): void {
  setTimeout(() => (find() ?? document.querySelector<HTMLElement>('main h1'))?.focus(), 0);
}

/* ---------- data loading ---------- */

export interface Resource<T> {
  data?: T;
  loading: boolean;
  error?: string;
  reload(): void;
}

/**
 * Loads on mount and whenever `deps` change (showing nothing until the new answer). `reload()`
 * loads the same again, keeping the previous data meanwhile (with `loading` set) so the page does
 * not jump under the user's focus. A stale answer is dropped.
 */
export function useResource<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; loading: boolean; error?: string }>({ loading: true });
  const [tick, setTick] = useState(0);
  const lastTick = useRef(tick);
  useEffect(() => {
    const controller = new AbortController();
    const isReload = lastTick.current !== tick;
    lastTick.current = tick;
    setState((s) => ({ data: isReload ? s.data : undefined, loading: true }));
    fetcher(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setState({ loading: false, error: errorMessage(err) });
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/* ---------- confirmation dialog ---------- */

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will stop working: the dialog's description. */
  message: ComponentChildren;
  confirmLabel: string;
  busy: boolean;
  error?: string;
  onConfirm(): void;
  onCancel(): void;
  /** Extra fields (e.g. a reason), between the message and the buttons. */
  children?: ComponentChildren;
}

/**
 * A native modal <dialog>: focus moves into it (its first field, else Cancel), Tab stays inside,
 * Escape cancels (unless a request is in flight), and focus returns to the control that opened it.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, message, confirmLabel, busy, error, onConfirm, onCancel, children } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const messageId = useId();

  // A layout effect: the dialog must be closed (the page no longer inert) before any focusSoon().
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
      const back = opener.current;
      opener.current = null;
      if (back?.isConnected) back.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
      onClose={() => {
        // Closed by the browser itself (e.g. a repeated Escape): keep the state in step.
        if (open) onCancel();
      }}
    >
      <form
        method="dialog"
        aria-busy={busy}
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div id={messageId} class="dialog-message">
          {message}
        </div>
        {children}
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={() => !busy && onCancel()} aria-disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="button button-danger" aria-disabled={busy}>
            {confirmLabel}
          </button>
        </div>
        {busy && <Loading>Working…</Loading>}
      </form>
    </dialog>
  );
}

/* ---------- one token ---------- */

/** Who revoked, in words, from the viewer's point of view. */
function revokedByText(token: TokenView, mySub: string): string {
  const by = token.revokedBy;
  if (!by) return 'Unknown';
  if (by === mySub) return 'You';
  if (by.startsWith('client:')) return `The app itself (${by})`;
  if (token.userId && by === token.userId) return `The token's owner (user ${by})`;
  // Only the owner or an admin can revoke a token through the API.
  return `An administrator (user ${by})`;
}

export function TokenDetails({ token, showOwner }: { token: TokenView; showOwner?: boolean }) {
  const { session } = useConsole();
  return (
    <dl class="details">
      <dt>Status</dt>
      <dd>
        <StatusBadge status={token.status} />
      </dd>
      <dt>Type</dt>
      <dd>{tokenTypeLabel(token.tokenType)}</dd>
      <dt>App</dt>
      <dd>
        {token.clientName} <code>{token.clientId}</code>
      </dd>
      {showOwner && (
        <>
          <dt>User</dt>
          <dd>{token.userId ? <code>{token.userId}</code> : 'No user (client credentials)'}</dd>
        </>
      )}
      <dt>Scopes</dt>
      <dd>
        <Scopes scopes={token.scopes} />
      </dd>
      <dt>Issued</dt>
      <dd>
        <Time iso={token.issuedAt} />
      </dd>
      <dt>Expires</dt>
      <dd>
        <Time iso={token.expiresAt} />
      </dd>
      <dt>Last used</dt>
      <dd>{token.lastUsedAt ? <Time iso={token.lastUsedAt} /> : 'Not recorded'}</dd>
      {token.status === 'revoked' && (
        <>
          <dt>Revoked at</dt>
          <dd>{token.revokedAt ? <Time iso={token.revokedAt} /> : 'Unknown'}</dd>
          <dt>Revoked by</dt>
          <dd>{revokedByText(token, session.sub)}</dd>
          <dt>Reason</dt>
          <dd>{token.revokeReason ?? 'No reason given'}</dd>
        </>
      )}
      {token.parentTokenId && (
        <>
          <dt>Parent token</dt>
          <dd>
            <code>{token.parentTokenId}</code>
          </dd>
        </>
      )}
      <dt>Token ID</dt>
      <dd>
        <code>{token.tokenId}</code>
      </dd>
    </dl>
  );
}

/** "This access token of Calendar Sync (scopes: calendar.read) will stop working immediately." */
export function revokeTokenMessage(token: TokenView, showOwner: boolean): string {
  const owner = showOwner ? ` issued to ${token.userId ? `user ${token.userId}` : 'no user'}` : '';
  const scopes = token.scopes.length ? ` (scopes: ${token.scopes.join(', ')})` : '';
  const what =
    `This ${tokenTypeLabel(token.tokenType).toLowerCase()} of ${token.clientName}${owner}${scopes}` +
    ' will stop working immediately';
  return token.tokenType === 'refresh_token' ? `${what}, and so will the access tokens issued from it.` : `${what}.`;
}

/**
 * "Revoke" for one token: a confirmation naming what stops working, an optional reason, then
 * POST tokens/{tokenId}/revoke. `token` null means closed.
 */
export function RevokeTokenDialog(props: {
  token: TokenView | null;
  showOwner?: boolean;
  onCancel(): void;
  onRevoked(view: TokenView): void;
}) {
  const { token, showOwner = false, onCancel, onRevoked } = props;
  const { api } = useConsole();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const reasonId = useId();
  const shown = useRef<TokenView | null>(null);
  if (token) shown.current = token; // keep the text while the dialog closes

  useEffect(() => {
    if (token) {
      setReason('');
      setError(undefined);
    }
  }, [token?.tokenId]);

  const confirm = async () => {
    if (!token) return;
    setBusy(true);
    setError(undefined);
    try {
      const trimmed = reason.trim();
      const view = await api.post<TokenView>(
        `tokens/${segment(token.tokenId)}/revoke`,
        trimmed ? { reason: trimmed } : undefined,
      );
      rememberRevokedToken(view);
      onRevoked(view);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const current = token ?? shown.current;
  return (
    <ConfirmDialog
      open={token !== null}
      title="Revoke this token?"
      message={<p>{current ? revokeTokenMessage(current, showOwner) : ''}</p>}
      confirmLabel="Revoke"
      busy={busy}
      error={error}
      onConfirm={confirm}
      onCancel={onCancel}
    >
      <div class="field">
        <label for={reasonId}>Reason (optional)</label>
        <textarea
          id={reasonId}
          rows={2}
          maxLength={500}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </div>
    </ConfirmDialog>
  );
}
