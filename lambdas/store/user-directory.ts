import {
  AdminGetUserCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mapLimited } from '../domain/concurrency';
import type { Person, UserDirectory } from '../domain/people';
import { isThrottling } from './throttling';

/** Look-ups that gave nothing although the user may exist: for the log, never for the client. */
export interface LookupFailure {
  /** How many users of the request are left without an email. */
  users: number;
  /** The error's name (`TooManyRequestsException`, …), or why none was sent. */
  reason: string;
}

export interface CognitoDirectorySettings {
  readonly userPoolId: string;
  /** How many users' emails are kept at most; the least recently looked up go first. */
  readonly cacheSize?: number;
  /** Look-ups in flight at once, per request. */
  readonly concurrency?: number;
  /** How long one request's look-ups may take, all together, before the rest are left out. */
  readonly budgetMs?: number;
  readonly onLookupFailure?: (failure: LookupFailure) => void;
  readonly clock?: () => number;
}

/** How long a user's email (or their absence) is kept in a function instance. */
const CACHE_MS = 5 * 60 * 1000;
/** After Cognito throttles a look-up, none is sent for this long. */
const COOL_DOWN_MS = 1000;

/** ListUsers' `Filter` is at most this long. */
export const MAX_FILTER_LENGTH = 256;

/**
 * Cognito's filter syntax: the value between double quotes, with `"` and `\` escaped by a
 * backslash (ListUsers' `Filter` parameter). A prefix too long for the filter is cut to the
 * longest that fits (never inside an escape or a character); `findByEmailPrefix` then keeps only
 * the people whose email starts with the whole prefix.
 */
export function emailPrefixFilter(prefix: string): string {
  const start = 'email ^= "';
  let value = '';
  for (const character of prefix) {
    const escaped = character === '"' || character === '\\' ? `\\${character}` : character;
    if (start.length + value.length + escaped.length + 1 > MAX_FILTER_LENGTH) break;
    value += escaped;
  }
  return `${start}${value}"`;
}

const attribute = (attributes: AttributeType[] | undefined, name: string) =>
  attributes?.find((a) => a.Name === name)?.Value;

/**
 * The user pool as the `UserDirectory` port. Finding people is one `ListUsers` call (Cognito's
 * UserList quota); emails of token owners come from `AdminGetUser` with the `sub` as username
 * (the UserRead quota, four times UserList's and adjustable), cached per function instance, so an
 * admin paging through one person's tokens asks Cognito about them once every few minutes. The
 * README's "Cognito request quotas" says why and what happens past them.
 */
export class CognitoUserDirectory implements UserDirectory {
  private readonly cache = new Map<string, { email: string | undefined; until: number }>();
  private quietUntil = 0;
  private readonly cacheSize: number;
  private readonly concurrency: number;
  private readonly budgetMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly settings: CognitoDirectorySettings,
  ) {
    this.cacheSize = settings.cacheSize ?? 1000;
    this.concurrency = settings.concurrency ?? 5;
    this.budgetMs = settings.budgetMs ?? 2000;
    this.clock = settings.clock ?? Date.now;
  }

  async findByEmailPrefix(prefix: string, limit: number): Promise<Person[]> {
    const { Users = [] } = await this.cognito.send(
      new ListUsersCommand({
        UserPoolId: this.settings.userPoolId,
        Filter: emailPrefixFilter(prefix),
        Limit: limit,
        AttributesToGet: ['sub', 'email'],
      }),
    );
    const people: Person[] = [];
    const lowerPrefix = prefix.toLowerCase();
    for (const user of Users) {
      const userId = attribute(user.Attributes, 'sub') ?? user.Username;
      const email = attribute(user.Attributes, 'email');
      if (userId && email?.toLowerCase().startsWith(lowerPrefix)) people.push({ userId, email });
    }
    // Some servers (cognito-local among them) do not apply Limit.
    return people.slice(0, limit);
  }

  async emailsOf(userIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const emails = new Map<string, string>();
    const missing: string[] = [];
    const now = this.clock();
    for (const userId of new Set(userIds)) {
      const cached = this.cache.get(userId);
      if (cached && cached.until > now) {
        if (cached.email !== undefined) emails.set(userId, cached.email);
      } else {
        missing.push(userId);
      }
    }
    if (missing.length === 0) return emails;
    const budget = AbortSignal.timeout(this.budgetMs);
    const failures = new Map<string, number>();
    await mapLimited(missing, this.concurrency, async (userId) => {
      const found = await this.lookUp(userId, budget);
      if (typeof found === 'string') emails.set(userId, found);
      else if (found) failures.set(found.failed, (failures.get(found.failed) ?? 0) + 1);
    });
    for (const [reason, users] of failures) this.settings.onLookupFailure?.({ reason, users });
    return emails;
  }

  /**
   * One user's email; undefined when they are gone or have none; `failed` when the look-up
   * failed or was not sent (throttled a moment ago, or the request's budget is spent).
   */
  private async lookUp(userId: string, budget: AbortSignal): Promise<string | { failed: string } | undefined> {
    if (this.clock() < this.quietUntil) return { failed: 'skipped after throttling' };
    if (budget.aborted) return { failed: 'skipped: out of time' };
    try {
      const user = await this.cognito.send(
        new AdminGetUserCommand({ UserPoolId: this.settings.userPoolId, Username: userId }),
        { abortSignal: budget },
      );
      const email = attribute(user.UserAttributes, 'email');
      this.remember(userId, email);
      return email;
    } catch (error) {
      if (error instanceof Error && error.name === 'UserNotFoundException') {
        this.remember(userId, undefined);
        return undefined;
      }
      if (isThrottling(error)) this.quietUntil = this.clock() + COOL_DOWN_MS;
      return { failed: error instanceof Error ? error.name : 'unknown error' };
    }
  }

  private remember(userId: string, email: string | undefined): void {
    this.cache.delete(userId);
    this.cache.set(userId, { email, until: this.clock() + CACHE_MS });
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}
