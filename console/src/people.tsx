/**
 * Finding a person by the start of their email (GET admin/users): a combobox with a list of
 * suggestions as the admin types, following the WAI-ARIA combobox pattern (an editable input
 * with a listbox popup): Down and Up move through the suggestions, Enter chooses one, Escape
 * closes them, and a live region says how many were found, or that nobody matches.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { MAX_PEOPLE_FOUND } from '../../lambdas/domain/limits';
import { type Api, errorMessage, type Person, type PersonList } from './api';
import { useConsole } from './context';
import { plural } from './ui';

/** Suggestions wait until typing pauses this long, so a name costs one search, not one per key. */
const SEARCH_DELAY_MS = 250;
const SUGGESTIONS = 8;

/** What the admin typed into a person field, and the person chosen for it, if any. */
export interface PersonInput {
  text: string;
  person?: Person;
}

export const NO_PERSON: PersonInput = { text: '' };

/** A person field filled in for a known user (from a token): their email, or their user ID. */
export const personInputFor = (userId: string, email?: string): PersonInput =>
  email ? { text: email, person: { userId, email } } : { text: userId };

/** Whom a person field means: someone with an email, or a bare user ID. */
export interface ChosenUser {
  userId: string;
  email?: string;
}

/**
 * Whom the field means. A chosen person is theirs; otherwise the text must be someone's whole
 * email (one search), or, matching no email at all and holding no `@`, a user ID pasted in.
 * Text that matches nobody, or several people, is refused with a sentence: it never stands for
 * nobody silently.
 */
export async function resolvePerson(api: Api, input: PersonInput): Promise<ChosenUser> {
  const text = input.text.trim();
  if (input.person && input.person.email === text) return input.person;
  const { items } = await api.get<PersonList>('admin/users', { email: text, limit: MAX_PEOPLE_FOUND });
  const exact = items.find((p) => p.email.toLowerCase() === text.toLowerCase());
  if (exact) return exact;
  if (items.length > 0) {
    throw new Error(
      `${plural(items.length, 'person', 'people')} ${items.length === 1 ? 'has an email' : 'have emails'} starting ` +
        `with “${text}”. Choose one from the suggestions.`,
    );
  }
  if (text.includes('@')) throw new Error(`No one in the user pool has the email “${text}”.`);
  return { userId: text };
}

/**
 * The person combobox. `value` is what is typed; `onChange` also learns the person when one is
 * chosen from the suggestions.
 */
export function PersonPicker(props: {
  id: string;
  label: string;
  value: PersonInput;
  onChange(value: PersonInput): void;
  required?: boolean;
  /** A problem with the value, shown under the field. */
  error?: string;
}) {
  const { id, label, value, onChange, required, error } = props;
  const { api } = useConsole();
  const [found, setFound] = useState<{ query: string; people: Person[] } | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searchError, setSearchError] = useState<string>();
  const listId = useId();
  const hintId = useId();
  const noteId = useId();
  const errorId = useId();
  const optionId = (i: number) => `${listId}-option-${i}`;
  const chosen = useRef<string | undefined>(undefined);

  const query = value.text.trim();
  useEffect(() => {
    setSearchError(undefined);
    // Nothing to suggest for an empty field, or for the person just chosen.
    if (!query || (value.person && value.person.email === query) || chosen.current === query) {
      setFound(null);
      setOpen(false);
      return undefined;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.get<PersonList>('admin/users', { email: query, limit: SUGGESTIONS }, controller.signal).then(
        ({ items }) => {
          setFound({ query, people: items });
          setActive(-1);
          setOpen(items.length > 0);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setSearchError(errorMessage(err));
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, query, value.person]);

  const people = found?.query === query ? found.people : [];
  const pick = (person: Person) => {
    chosen.current = person.email;
    setOpen(false);
    setActive(-1);
    onChange({ text: person.email, person });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const n = people.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (n === 0) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const from = open ? active : -1;
      setOpen(true);
      setActive(from === -1 ? (step === 1 ? 0 : n - 1) : (from + step + n) % n);
    } else if (event.key === 'Enter' && open && active >= 0 && people[active]) {
      event.preventDefault(); // choose, rather than submit the form
      pick(people[active]);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      setActive(-1);
    }
  };

  const note =
    searchError ??
    (found && found.query === query && found.people.length === 0
      ? `No one's email starts with “${query}”.`
      : undefined);
  const status = open
    ? `${plural(people.length, 'person', 'people')} found; use the up and down arrow keys to choose.`
    : (note ?? '');
  const describedBy = [hintId, note ? noteId : '', error ? errorId : ''].filter(Boolean).join(' ');

  return (
    <div class="field combobox">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        aria-required={required ? 'true' : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy}
        autocomplete="off"
        spellcheck={false}
        value={value.text}
        onInput={(e) => {
          chosen.current = undefined;
          onChange({ text: e.currentTarget.value });
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      <div id={listId} role="listbox" aria-label={`People whose email starts with ${query}`} hidden={!open}>
        {people.map((person, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are the combobox's (aria-activedescendant)
          <div
            key={person.userId}
            id={optionId(i)}
            role="option"
            tabIndex={-1}
            aria-selected={i === active}
            class={i === active ? 'active' : undefined}
            // Keep focus in the field: a click chooses like Enter does.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(person)}
          >
            <span class="option-email">{person.email}</span> <code class="muted">{person.userId}</code>
          </div>
        ))}
      </div>
      <span id={hintId} class="hint">
        Type the start of an email and choose from the suggestions, or paste a user ID.
      </span>
      {note && (
        <span id={noteId} class="field-note">
          {note}
        </span>
      )}
      {error && (
        <span id={errorId} class="field-error" role="alert">
          {error}
        </span>
      )}
      <span class="visually-hidden" role="status">
        {status}
      </span>
    </div>
  );
}
