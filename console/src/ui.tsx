/**
 * Building blocks shared by both pages: data loading, states, dialogs, token details.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { codePoints, MAX_REASON_LENGTH } from '../../lambdas/domain/limits';
import { errorMessage, rememberRevokedToken, segment, type TokenView } from './api';
import { useConsole } from './context';

/* ---------- formatting ---------- */

/** Every time names its time zone: an admin in one zone reads what a user in another did. */
const exactTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});
const relativeTime = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "in 3 days", "5 minutes ago", "now". */
function fromNow(when: Date, now = Date.now()): string {
  const ms = when.getTime() - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size) return relativeTime.format(Math.round(ms / size), unit);
  }
  return relativeTime.format(0, 'minute');
}

/**
 * A time with its time zone ("Nov 30, 2026, 9:48 AM UTC"). `relative` leads with how far away it
 * is ("in 3 days") and keeps the exact time beside it.
 */
export function Time({ iso, relative }: { iso: string; relative?: boolean }) {
  const value = new Date(iso);
  if (Number.isNaN(value.getTime())) return <span>{iso}</span>;
  const exact = exactTime.format(value);
  if (!relative) return <time dateTime={iso}>{exact}</time>;
  return (
    <span class="time-relative">
      <time dateTime={iso}>{fromNow(value)}</time> <span class="muted">({exact})</span>
    </span>
  );
}

/** "access token of App": a token as sentences name it. */
export const tokenOfApp = (token: { tokenType: string; clientName: string }): string =>
  `${tokenTypeLabel(token.tokenType).toLowerCase()} of ${token.clientName}`;

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

/** The scopes, each in words where the deployment describes it (config.json), raw otherwise. */
export function Scopes({ scopes }: { scopes: string[] }) {
  const { config } = useConsole();
  if (scopes.length === 0) return <span class="muted">No scopes</span>;
  return (
    <ul class="chips" aria-label="Scopes">
      {scopes.map((scope) => {
        const description = config.scopeDescriptions?.[scope];
        return (
          <li key={scope} class="chip">
            {description ? (
              <>
                {description} <code class="scope-raw">{scope}</code>
              </>
            ) : (
              scope
            )}
          </li>
        );
      })}
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

/* ---------- people ---------- */

/** Copies text to the clipboard, saying so in the page's live region. */
function CopyButton({ text, label }: { text: string; label: string }) {
  const { announce } = useConsole();
  return (
    <button
      type="button"
      class="button button-small"
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => announce(`Copied ${text}.`),
          () => announce('The browser did not allow copying; select the text and copy it instead.'),
        )
      }
    >
      {label}
    </button>
  );
}

/** How a sentence names a person: "bob@example.com (user 9f11…)", or "user 9f11…" when no email is known. */
export const userText = (user: { userId: string; email?: string }) =>
  user.email ? `${user.email} (user ${user.userId})` : `user ${user.userId}`;

/** How a sentence names a token's owner: their email when the API sent it, with their user ID. */
function ownerText(token: Pick<TokenView, 'userId' | 'userEmail'>): string {
  return token.userId ? userText({ userId: token.userId, email: token.userEmail }) : 'no user';
}

/** A token's owner: their email, and their user ID (the `sub`) to copy. */
export function Owner({ token, copy }: { token: Pick<TokenView, 'userId' | 'userEmail'>; copy?: boolean }) {
  if (!token.userId) return <span class="muted">No user (client credentials)</span>;
  return (
    <span class="owner">
      {token.userEmail ? (
        <span class="owner-email">{token.userEmail}</span>
      ) : (
        <span class="muted">Email not known</span>
      )}{' '}
      <code class="owner-id" title={token.userId}>
        {token.userId}
      </code>
      {copy && <CopyButton text={token.userId} label="Copy user ID" />}
    </span>
  );
}

/* ---------- revocation reasons ---------- */

/** Why a reason cannot be sent, or undefined: the API refuses more than its limit, never cuts it. */
export function reasonProblem(reason: string): string | undefined {
  const length = codePoints(reason.trim());
  if (length <= MAX_REASON_LENGTH) return undefined;
  return `The reason is ${length} characters long; at most ${MAX_REASON_LENGTH} are allowed. Shorten it to revoke.`;
}

/** "Reason (optional)", with its limit stated and a too-long reason refused in words. */
export function ReasonField(props: {
  value: string;
  onInput(value: string): void;
  error?: string;
  multiline?: boolean;
  wide?: boolean;
}) {
  const { value, onInput, error, multiline, wide } = props;
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  const common = {
    id,
    value,
    'aria-describedby': error ? `${hintId} ${errorId}` : hintId,
    'aria-invalid': error ? true : undefined,
    onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => onInput(e.currentTarget.value),
  };
  return (
    <div class={wide ? 'field field-wide' : 'field'}>
      <label for={id}>Reason (optional)</label>
      {multiline ? <textarea rows={2} {...common} /> : <input type="text" {...common} />}
      <span id={hintId} class="hint">
        At most {MAX_REASON_LENGTH} characters; the person can read it.
      </span>
      {error && (
        <span id={errorId} class="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/* ---------- one token ---------- */

/** Who revoked, in words, from the viewer's point of view. */
function revokedByText(token: TokenView, mySub: string): string {
  const by = token.revokedBy;
  if (!by) return 'Unknown';
  if (by === mySub) return 'You';
  if (by.startsWith('client:')) return `The app itself (${by})`;
  if (token.userId && by === token.userId) return `The token's owner (${ownerText(token)})`;
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
          <dd>
            <Owner token={token} copy />
          </dd>
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
        <Time iso={token.expiresAt} relative />
      </dd>
      <dt>Last used</dt>
      <dd>{token.lastUsedAt ? <Time iso={token.lastUsedAt} relative /> : 'Not recorded'}</dd>
      {token.status === 'revoked' && (
        <>
          <dt>Revoked at</dt>
          <dd>{token.revokedAt ? <Time iso={token.revokedAt} /> : 'Unknown'}</dd>
          <dt>Revoked by</dt>
          <dd>{revokedByText(token, session.sub)}</dd>
          <dt>Reason</dt>
          <dd class="reason">{token.revokeReason ?? 'No reason given'}</dd>
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
  const owner = showOwner ? ` issued to ${ownerText(token)}` : '';
  const scopes = token.scopes.length ? ` (scopes: ${token.scopes.join(', ')})` : '';
  const what = `This ${tokenOfApp(token)}${owner}${scopes} will stop working immediately`;
  return token.tokenType === 'refresh_token' ? `${what}, and so will the access tokens issued from it.` : `${what}.`;
}

/**
 * Whether a revoke answer is an earlier revocation (revoking again answers the token as it
 * stands, first revocation kept): another tab, another admin or the app itself got there first.
 */
function revokedEarlier(view: TokenView, mySub: string, reason: string | undefined, sentAt: number): boolean {
  if (view.revokedBy !== mySub || view.revokeReason !== reason) return true;
  // A minute's leeway for the clocks of browser and server.
  return view.revokedAt !== undefined && Date.parse(view.revokedAt) < sentAt - 60_000;
}

/** "This token was already revoked on Nov 30, 2026, 9:01 AM UTC." */
export const alreadyRevokedText = (view: TokenView) =>
  `This ${tokenOfApp(view)} was already revoked` +
  (view.revokedAt ? ` (${exactTime.format(new Date(view.revokedAt))}).` : '.');

/**
 * "Revoke" for one token: a confirmation naming what stops working, an optional reason, then
 * POST tokens/{tokenId}/revoke. `token` null means closed. `onRevoked` learns whether this
 * request revoked it or an earlier one had.
 */
export function RevokeTokenDialog(props: {
  token: TokenView | null;
  showOwner?: boolean;
  onCancel(): void;
  onRevoked(view: TokenView, already: boolean): void;
}) {
  const { token, showOwner = false, onCancel, onRevoked } = props;
  const { api, session } = useConsole();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [reasonError, setReasonError] = useState<string>();
  const shown = useRef<TokenView | null>(null);
  if (token) shown.current = token; // keep the text while the dialog closes

  useEffect(() => {
    if (token) {
      setReason('');
      setError(undefined);
      setReasonError(undefined);
    }
  }, [token?.tokenId]);

  const confirm = async () => {
    if (!token) return;
    const problem = reasonProblem(reason);
    setReasonError(problem);
    if (problem) return;
    setBusy(true);
    setError(undefined);
    try {
      const trimmed = reason.trim() || undefined;
      // A tab open for a while may show a token that was revoked since: say so rather than
      // claim this revocation (the API answers a second revoke with the first one, as it stands).
      const now = await api.get<TokenView>(`tokens/${segment(token.tokenId)}`);
      if (now.status === 'revoked') {
        rememberRevokedToken(now);
        onRevoked(now, true);
        return;
      }
      const sentAt = Date.now();
      const view = await api.post<TokenView>(
        `tokens/${segment(token.tokenId)}/revoke`,
        trimmed ? { reason: trimmed } : undefined,
      );
      rememberRevokedToken(view);
      onRevoked(
        { ...view, userEmail: view.userEmail ?? token.userEmail },
        revokedEarlier(view, session.sub, trimmed, sentAt),
      );
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
      <ReasonField value={reason} onInput={setReason} error={reasonError} multiline />
    </ConfirmDialog>
  );
}
