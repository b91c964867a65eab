/**
 * "Manage Tokens" (admins): every token (GET admin/tokens) with filters and paging, a token's
 * details with Revoke, and bulk revocation of a user's tokens after a dry run
 * (POST admin/users/{userId}/revoke). People are found by email (GET admin/users) and named by
 * email wherever a user appears, with their user ID beside it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_PAGE_SIZE } from '../../lambdas/domain/limits';
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
import { type ChosenUser, NO_PERSON, type PersonInput, PersonPicker, personInputFor, resolvePerson } from './people';
import {
  alreadyRevokedText,
  ConfirmDialog,
  ErrorAlert,
  focusSoon,
  Loading,
  Owner,
  plural,
  ReasonField,
  RevokeTokenDialog,
  reasonProblem,
  Scopes,
  StatusBadge,
  Time,
  TokenDetails,
  tokenOfApp,
  tokenTypeLabel,
  useResource,
  userText,
} from './ui';

interface Filters {
  user?: ChosenUser;
  clientId: string;
  tokenType: '' | TokenType;
  status: '' | TokenStatus;
}

interface Draft extends Omit<Filters, 'user'> {
  user: PersonInput;
}

const NO_FILTERS: Filters = { clientId: '', tokenType: '', status: '' };
const NO_DRAFT: Draft = { user: NO_PERSON, clientId: '', tokenType: '', status: '' };

export function AdminPage() {
  const { api, announce } = useConsole();
  const [draft, setDraft] = useState<Draft>(NO_DRAFT);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [userError, setUserError] = useState<string>();
  const [applying, setApplying] = useState(false);
  /** cursors[i] opens page i + 1; the last one is the page shown. */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [selected, setSelected] = useState<TokenView | null>(null);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const [bulkUser, setBulkUser] = useState<PersonInput>(NO_PERSON);
  /** Pages fetched ahead, by cursor: "Next" is offered only when the next page has tokens. */
  const ahead = useRef(new Map<string, TokenPage>());

  const cursor = cursors[cursors.length - 1] ?? null;
  const query = {
    userId: filters.user?.userId,
    clientId: filters.clientId,
    tokenType: filters.tokenType,
    status: filters.status,
    limit: DEFAULT_PAGE_SIZE,
  };
  const page = useResource(
    async (signal) => {
      const fetchPage = (at: string | null) => api.get<TokenPage>('admin/tokens', { ...query, cursor: at }, signal);
      const known = cursor ? ahead.current.get(cursor) : undefined;
      ahead.current.clear();
      const shown = known ?? (await fetchPage(cursor));
      // A cursor promises more, but the rest may all have expired or been revoked away meanwhile.
      let hasNext = false;
      if (shown.nextCursor) {
        const next = await fetchPage(shown.nextCursor);
        hasNext = next.items.length > 0;
        if (hasNext) ahead.current.set(shown.nextCursor, next);
      }
      return { ...shown, items: withRecentRevocations(shown.items), hasNext };
    },
    [api, filters, cursor],
  );

  /** Shows the list these filters give, with the form (and the bulk form's user) showing them too. */
  const showFilters = (next: Filters) => {
    const nextDraft = { ...next, user: next.user ? personInputFor(next.user.userId, next.user.email) : NO_PERSON };
    setDraft(nextDraft);
    setFilters(next);
    setCursors([null]);
    setSelected(null);
    setUserError(undefined);
    // The bulk form follows the user filter, also when it is cleared.
    setBulkUser(nextDraft.user);
  };

  const apply = async (next: Draft) => {
    if (applying) return;
    const trimmed = { ...next, clientId: next.clientId.trim() };
    if (!trimmed.user.text.trim()) {
      showFilters({ ...trimmed, user: undefined });
      return;
    }
    setApplying(true);
    try {
      const user = await resolvePerson(api, trimmed.user);
      showFilters({ ...trimmed, user });
    } catch (err) {
      setUserError(errorMessage(err));
      focusSoon(() => document.getElementById('filter-user'));
    } finally {
      setApplying(false);
    }
  };

  const select = (token: TokenView) => {
    setSelected(token);
    focusSoon(() => document.getElementById('token-details-heading'));
  };

  const revoked = (view: TokenView, already: boolean) => {
    setRevoking(null);
    setSelected(view);
    announce(already ? alreadyRevokedText(view) : `Revoked the ${tokenOfApp(view)}.`);
    page.reload();
    focusSoon(() => document.getElementById('token-details-heading'));
  };

  const items = page.data?.items ?? [];
  const pageNumber = cursors.length;
  const hasNext = page.data?.hasNext === true;

  return (
    <>
      <h1 tabIndex={-1}>Manage Tokens</h1>
      <p class="lead">
        Every user's tokens, and tokens with no user. Find a person by email, open a token to see or revoke it, or
        revoke all of a person's tokens at once.
      </p>

      <h2 id="filter-heading">Filter tokens</h2>
      <form
        class="card filters"
        aria-labelledby="filter-heading"
        aria-busy={applying}
        onSubmit={(event) => {
          event.preventDefault();
          void apply(draft);
        }}
      >
        <PersonPicker
          id="filter-user"
          label="User"
          value={draft.user}
          error={userError}
          onChange={(user) => {
            setUserError(undefined);
            setDraft({ ...draft, user });
          }}
        />
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
          <button type="submit" class="button button-primary" aria-disabled={applying}>
            Apply
          </button>
          <button type="button" class="button" onClick={() => showFilters(NO_FILTERS)}>
            Clear filters
          </button>
        </div>
      </form>

      <section class="token-table" aria-busy={page.loading}>
        {filters.user && (
          <p class="showing">
            Showing the tokens of <strong>{filters.user.email ?? `user ${filters.user.userId}`}</strong>
            {filters.user.email && <code class="muted"> {filters.user.userId}</code>}
          </p>
        )}
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
                      <Owner token={token} />
                    </td>
                    <td data-label="Scopes">
                      <Scopes scopes={token.scopes} />
                    </td>
                    <td data-label="Issued">
                      <Time iso={token.issuedAt} />
                    </td>
                    <td data-label="Expires">
                      <Time iso={token.expiresAt} />
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={token.status} />
                    </td>
                    <td class="row-actions">
                      <button
                        type="button"
                        class="button button-small"
                        data-token-id={token.tokenId}
                        aria-controls="token-details"
                        aria-expanded={selected?.tokenId === token.tokenId}
                        aria-label={`Details of the ${tokenOfApp(token)}`}
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
        {!(pageNumber === 1 && page.data && !hasNext) && (
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
              aria-disabled={!hasNext || page.loading}
              onClick={() =>
                hasNext && page.data?.nextCursor && !page.loading && setCursors([...cursors, page.data.nextCursor])
              }
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
              {selected.userId && (
                <button
                  type="button"
                  class="button"
                  onClick={() =>
                    selected.userId &&
                    void apply({ ...NO_DRAFT, user: personInputFor(selected.userId, selected.userEmail) })
                  }
                >
                  Show this user's tokens
                </button>
              )}
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

      <BulkRevoke user={bulkUser} onUserChange={setBulkUser} onDone={page.reload} />
    </>
  );
}

type Preview = BulkRevokePreview & { user: ChosenUser; clientId: string };

function BulkRevoke({
  user,
  onUserChange,
  onDone,
}: {
  user: PersonInput;
  onUserChange(user: PersonInput): void;
  onDone(): void;
}) {
  const { api } = useConsole();
  const [clientId, setClientId] = useState('');
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string>();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [result, setResult] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [userError, setUserError] = useState<string>();
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [confirmError, setConfirmError] = useState<string>();

  // A preview stands for exactly the person and client it was made for.
  useEffect(() => setPreview(null), [user.text, clientId]);

  const target = (p: Preview) => `${userText(p.user)}${p.clientId ? ` for client ${p.clientId}` : ''}`;

  const runPreview = async () => {
    if (busy) return;
    const client = clientId.trim();
    setResult(undefined);
    setError(undefined);
    setUserError(undefined);
    if (!user.text.trim()) {
      setUserError('Enter the email of the person whose tokens to revoke, or their user ID.');
      document.getElementById('bulk-user')?.focus();
      return;
    }
    setBusy(true);
    try {
      let chosen: ChosenUser;
      try {
        chosen = await resolvePerson(api, user);
      } catch (err) {
        setPreview(null);
        setUserError(errorMessage(err));
        document.getElementById('bulk-user')?.focus();
        return;
      }
      const answer = await api.post<BulkRevokePreview>(`admin/users/${segment(chosen.userId)}/revoke`, {
        dryRun: true,
        ...(client ? { clientId: client } : {}),
      });
      // Remember whom the typed email named, keeping the text: a new text would void this preview.
      if (chosen.email !== undefined && chosen.email === user.text.trim() && !user.person) {
        onUserChange({ text: user.text, person: { userId: chosen.userId, email: chosen.email } });
      }
      setPreview({ ...answer, user: chosen, clientId: client });
    } catch (err) {
      setPreview(null);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const openConfirmation = () => {
    const problem = reasonProblem(reason);
    setReasonError(problem);
    if (problem) {
      focusSoon(() => document.querySelector<HTMLElement>('.bulk [aria-invalid="true"]'));
      return;
    }
    setConfirmError(undefined);
    setConfirming(true);
  };

  const revoke = async () => {
    if (!preview) return;
    setBusy(true);
    setConfirmError(undefined);
    try {
      const trimmed = reason.trim();
      const { revoked } = await api.post<RevokedCount>(`admin/users/${segment(preview.user.userId)}/revoke`, {
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
        Revoke every active token of one person, optionally only one app's. Preview first: nothing changes until you
        confirm.
      </p>
      <form
        class="bulk-form"
        aria-labelledby="bulk-heading"
        aria-busy={busy && !confirming}
        onSubmit={(event) => {
          event.preventDefault();
          void runPreview();
        }}
      >
        <PersonPicker
          id="bulk-user"
          label="User"
          required
          value={user}
          error={userError}
          onChange={(next) => {
            setUserError(undefined);
            onUserChange(next);
          }}
        />
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
        <ReasonField
          value={reason}
          wide
          error={reasonError}
          onInput={(value) => {
            setReason(value);
            setReasonError(undefined);
          }}
        />
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
            {n > 0 && <p class="preview-of">Tokens of {target(preview)}</p>}
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
        <button type="button" class="button button-danger" onClick={openConfirmation}>
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
