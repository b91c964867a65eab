import type { Caller } from './authorization';
import { MAX_PEOPLE_FOUND } from './limits';
import type { TokenView } from './token';
import type { PersonList } from './views';

/** A person of the user pool, as admins find them (docs/api.md#finding-people). */
export interface Person {
  /** Their `sub`: the `userId` of their tokens. */
  userId: string;
  email: string;
}

/** Who an admin is looking for: people whose email starts with `email`. */
export interface PeopleSearch {
  email: string;
  limit?: number;
}

/**
 * The port to the people behind the tokens; `store/user-directory.ts` is its Cognito adapter.
 * Tokens name people only by their `sub`; the directory knows their email.
 */
export interface UserDirectory {
  /** At most `limit` people whose email starts with `prefix`. */
  findByEmailPrefix(prefix: string, limit: number): Promise<Person[]>;
  /**
   * The current email of each of these users that the directory could tell, by userId. Best
   * effort: a user who is gone or has no email is missing, and so is one whose look-up failed
   * (the adapter logs it); it never rejects.
   */
  emailsOf(userIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

export async function findPeople(directory: UserDirectory, query: PeopleSearch): Promise<PersonList> {
  return { items: await directory.findByEmailPrefix(query.email, query.limit ?? MAX_PEOPLE_FOUND) };
}

/**
 * The views as `caller` receives them: for an admin, each token of a user carries that user's
 * `userEmail` when the directory knows it (docs/api.md#the-token-view); everyone else gets the
 * views unchanged, and so does an admin for tokens whose user the directory cannot tell. One
 * question to the directory per page, each user asked for once.
 */
export async function withUserEmails(
  directory: UserDirectory,
  caller: Caller,
  views: TokenView[],
): Promise<TokenView[]> {
  if (!caller.isAdmin) return views;
  const userIds = [...new Set(views.flatMap((view) => (view.userId === undefined ? [] : [view.userId])))];
  if (userIds.length === 0) return views;
  const emails = await directory.emailsOf(userIds);
  return views.map((view) => {
    const userEmail = view.userId === undefined ? undefined : emails.get(view.userId);
    return userEmail === undefined ? view : { ...view, userEmail };
  });
}
