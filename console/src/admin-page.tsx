/**
 * "Manage Tokens" (admins): every token (GET admin/tokens) with filters and paging, a token's
 * details with Revoke, and bulk revocation of a user's tokens after a dry run
 * (POST admin/users/{userId}/revoke).
 */
import { useEffect, useState } from 'preact/hooks';
import {
  type BulkRevokePreview,
  errorMessage,
  type RevokedCount,
  segment,
  type TokenPage,
  type TokenStatus,
  type TokenType,
  type TokenView,
  withRecentRevocations,
} from './api';
import { useConsole } from './context';
import {
  ConfirmDialog,
  ErrorAlert,
  focusSoon,
  Loading,
  plural,
  RevokeTokenDialog,
  StatusBadge,
  Time,
  TokenDetails,
  tokenTypeLabel,
  useResource,
} from './ui';

const PAGE_SIZE = 20;

interface Filters {
  userId: string;
  clientId: string;
  tokenType: '' | TokenType;
  status: '' | TokenStatus;
}

const NO_FILTERS: Filters = { userId: '', clientId: '', tokenType: '', status: '' };

export function AdminPage() {
  const { api, announce } = useConsole();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  /** cursors[i] opens page i + 1; the last one is the page shown. */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [selected, setSelected] = useState<TokenView | null>(null);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const [bulkUserId, setBulkUserId] = useState('');

  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useResource(
    (signal) =>
      api
        .get<TokenPage>('admin/tokens', { ...filters, limit: PAGE_SIZE, cursor }, signal)
        .then((p) => ({ ...p, items: withRecentRevocations(p.items) })),
    [api, filters, cursor],
  );

  const apply = (next: Filters) => {
    const trimmed = { ...next, userId: next.userId.trim(), clientId: next.clientId.trim() };
    setDraft(trimmed);
    setFilters(trimmed);
    setCursors([null]);
    setSelected(null);
    if (trimmed.userId) setBulkUserId(trimmed.userId);
  };

  const select = (token: TokenView) => {
    setSelected(token);
    focusSoon(() => document.getElementById('token-details-heading'));
  };

  const revoked = (view: TokenView) => {
    setRevoking(null);
    setSelected(view);
    announce(`Revoked the ${tokenTypeLabel(view.tokenType).toLowerCase()} of ${view.clientName}.`);
    page.reload();
    focusSoon(() => document.getElementById('token-details-heading'));
  };

  const items = page.data?.items ?? [];
  const pageNumber = cursors.length;

  return (
    <>
      <h1 tabIndex={-1}>Manage Tokens</h1>
      <p class="lead">
        Every user's tokens, and tokens with no user. Filter, open a token to see or revoke it, or revoke all of a
        user's tokens at once.
      </p>

      <h2 id="filter-heading">Filter tokens</h2>
      <form
        class="card filters"
        aria-labelledby="filter-heading"
        onSubmit={(event) => {
          event.preventDefault();
          apply(draft);
        }}
      >
        <div class="field">
          <label for="filter-user">User ID</label>
          <input
            id="filter-user"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={draft.userId}
            onInput={(e) => setDraft({ ...draft, userId: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="filter-client">Client ID</label>
          <input
            id="filter-client"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={draft.clientId}
            onInput={(e) => setDraft({ ...draft, clientId: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="filter-type">Token type</label>
          <select
            id="filter-type"
            value={draft.tokenType}
            onChange={(e) => setDraft({ ...draft, tokenType: e.currentTarget.value as Filters['tokenType'] })}
          >
            <option value="">Any type</option>
            <option value="access_token">Access token</option>
            <option value="refresh_token">Refresh token</option>
          </select>
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value as Filters['status'] })}
          >
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="revoked">Revoked</option>
          </select>
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary">
            Apply
          </button>
          <button type="button" class="button" onClick={() => apply(NO_FILTERS)}>
            Clear filters
          </button>
        </div>
      </form>

      <section class="token-table" aria-busy={page.loading}>
        {page.error ? (
          <ErrorAlert message={page.error} onRetry={page.reload} />
        ) : !page.data ? (
          <Loading>Loading tokens…</Loading>
        ) : items.length === 0 ? (
          <p class="empty">{pageNumber === 1 ? 'No tokens match these filters.' : 'No more tokens.'}</p>
        ) : (
          /* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable so keyboard
             users can scroll it */
          <section class="table-wrap" aria-label="Tokens table (scrolls sideways)" tabIndex={0}>
            <table>
              <caption>
                Tokens <span class="muted">(page {pageNumber})</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">Type</th>
                  <th scope="col">User</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Issued</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((token) => (
                  <tr key={token.tokenId} class={selected?.tokenId === token.tokenId ? 'selected' : undefined}>
                    <td data-label="App">
                      {token.clientName}
                      <br />
                      <code class="muted">{token.clientId}</code>
                    </td>
                    <td data-label="Type">{tokenTypeLabel(token.tokenType)}</td>
                    <td data-label="User">
                      {token.userId ? (
                        <code class="id" title={token.userId}>
                          {token.userId}
                        </code>
                      ) : (
                        <span class="muted">No user</span>
                      )}
                    </td>
                    <td data-label="Scopes">{token.scopes.join(' ')}</td>
                    <td data-label="Issued">
                      <Time iso={token.issuedAt} />
                    </td>
                    <td data-label="Expires">
                      <Time iso={token.expiresAt} />
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={token.status} />
                    </td>
                    <td>
                      <button
                        type="button"
                        class="button button-small"
                        data-token-id={token.tokenId}
                        aria-controls="token-details"
                        aria-expanded={selected?.tokenId === token.tokenId}
                        onClick={() => select(token)}
                      >
                        Details
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        {page.loading && page.data && <Loading>Loading tokens…</Loading>}
        {!(pageNumber === 1 && page.data && !page.data.nextCursor) && (
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="button"
              aria-disabled={pageNumber === 1 || page.loading}
              onClick={() => pageNumber > 1 && !page.loading && setCursors(cursors.slice(0, -1))}
            >
              Previous
            </button>
            <span>Page {pageNumber}</span>
            <button
              type="button"
              class="button"
              aria-disabled={!page.data?.nextCursor || page.loading}
              onClick={() => page.data?.nextCursor && !page.loading && setCursors([...cursors, page.data.nextCursor])}
            >
              Next
            </button>
          </nav>
        )}
      </section>

      <section id="token-details" class="card" aria-labelledby="token-details-heading" hidden={!selected}>
        <h2 id="token-details-heading" tabIndex={-1}>
          Token details
        </h2>
        {selected && (
          <>
            <TokenDetails token={selected} showOwner />
            <div class="actions">
              {selected.status === 'active' && (
                <button type="button" class="button button-danger" onClick={() => setRevoking(selected)}>
                  Revoke
                </button>
              )}
              selected.userId && (
              <button
                type="button"
                class="button"
                onClick={() => selected.userId && apply({ ...NO_FILTERS, userId: selected.userId })}
              >
                Show this user's tokens
              </button>
              )
              <button
                type="button"
                class="button"
                onClick={() => {
                  const id = selected.tokenId;
                  setSelected(null);
                  focusSoon(() => document.querySelector<HTMLElement>(`[data-token-id="${id}"]`));
                }}
              >
                Close details
              </button>
            </div>
          </>
        )}
      </section>
      <RevokeTokenDialog token={revoking} showOwner onCancel={() => setRevoking(null)} onRevoked={revoked} />

      <BulkRevoke userId={bulkUserId} onUserIdChange={setBulkUserId} onDone={page.reload} />
    </>
  );
}

function BulkRevoke({
  userId,
  onUserIdChange,
  onDone,
}: {
  userId: string;
  onUserIdChange(id: string): void;
  onDone(): void;
}) {
  const { api } = useConsole();
  const [clientId, setClientId] = useState('');
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<(BulkRevokePreview & { userId: string; clientId: string }) | null>(null);
  const [result, setResult] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [confirmError, setConfirmError] = useState<string>();

  // A preview stands for exactly the user and client it was made for.
  useEffect(() => setPreview(null), [userId, clientId]);

  const target = (p: { userId: string; clientId: string }) =>
    `user ${p.userId}${p.clientId ? ` for client ${p.clientId}` : ''}`;

  const runPreview = async () => {
    if (busy) return;
    const user = userId.trim();
    const client = clientId.trim();
    setResult(undefined);
    setError(undefined);
    if (!user) {
      setError('Enter the user ID whose tokens to revoke.');
      document.getElementById('bulk-user')?.focus();
      return;
    }
    setBusy(true);
    try {
      const answer = await api.post<BulkRevokePreview>(`admin/users/${segment(user)}/revoke`, {
        dryRun: true,
        ...(client ? { clientId: client } : {}),
      });
      setPreview({ ...answer, userId: user, clientId: client });
    } catch (err) {
      setPreview(null);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    if (!preview) return;
    setBusy(true);
    setConfirmError(undefined);
    try {
      const trimmed = reason.trim();
      const { revoked } = await api.post<RevokedCount>(`admin/users/${segment(preview.userId)}/revoke`, {
        ...(preview.clientId ? { clientId: preview.clientId } : {}),
        ...(trimmed ? { reason: trimmed } : {}),
      });
      setConfirming(false);
      setPreview(null);
      setResult(`Revoked ${plural(revoked, 'token')} of ${target(preview)}.`);
      onDone();
      focusSoon(() => document.getElementById('bulk-heading'));
    } catch (err) {
      setConfirmError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const n = preview?.wouldRevoke ?? 0;
  const revokeLabel = `Revoke ${plural(n, 'token')}`;
  return (
    <section class="card bulk" aria-labelledby="bulk-heading">
      <h2 id="bulk-heading" tabIndex={-1}>
        Bulk revoke user
      </h2>
      <p class="muted">
        Revoke every active token of one user, optionally only one app's. Preview first: nothing changes until you
        confirm.
      </p>
      <form
        aria-labelledby="bulk-heading"
        aria-busy={busy && !confirming}
        onSubmit={(event) => {
          event.preventDefault();
          void runPreview();
        }}
      >
        <div class="field">
          <label for="bulk-user">User ID</label>
          <input
            id="bulk-user"
            type="text"
            autocomplete="off"
            spellcheck={false}
            aria-required="true"
            value={userId}
            onInput={(e) => onUserIdChange(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="bulk-client">Client ID (optional)</label>
          <input
            id="bulk-client"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={clientId}
            onInput={(e) => setClientId(e.currentTarget.value)}
          />
        </div>
        <div class="field field-wide">
          <label for="bulk-reason">Reason (optional)</label>
          <input
            id="bulk-reason"
            type="text"
            maxLength={500}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary" aria-disabled={busy}>
            Preview
          </button>
        </div>
      </form>
      {error && <ErrorAlert message={error} />}
      <div class="bulk-result" role="status">
        {busy && !confirming && <Loading>Counting tokens…</Loading>}
        {preview && (
          <div>
            <p class="count">
              {n === 0
                ? `No tokens would be revoked: ${target(preview)} has no active tokens.`
                : `${plural(n, 'token')} would be revoked`}
            </p>
            {n > 0 && (
              <ul class="by-client" aria-label="By client">
                {Object.entries(preview.byClient).map(([client, count]) => (
                  <li key={client}>
                    <code>{client}</code>: {plural(count, 'token')}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {result && <p class="count">{result}</p>}
      </div>
      {preview && n > 0 && (
        <button
          type="button"
          class="button button-danger"
          onClick={() => {
            setConfirmError(undefined);
            setConfirming(true);
          }}
        >
          {revokeLabel}
        </button>
      )}
      <ConfirmDialog
        open={confirming}
        title={`${revokeLabel}?`}
        message={
          preview && (
            <p>
              Every active token of {target(preview)} will stop working immediately: {plural(n, 'token')} as previewed
              (access tokens issued from a revoked refresh token included). Tokens issued since the preview are revoked
              too.
            </p>
          )
        }
        confirmLabel={revokeLabel}
        busy={busy}
        error={confirmError}
        onConfirm={revoke}
        onCancel={() => setConfirming(false)}
      />
    </section>
  );
}
