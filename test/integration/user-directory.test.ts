/**
 * The Cognito adapter of the UserDirectory port against cognito-local, in a pool set up as the
 * stack's (email as the username attribute, so every username is the user's sub), and against
 * a stub client for what cognito-local cannot do (throttle, hang).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CognitoUserDirectory,
  emailPrefixFilter,
  type LookupFailure,
  MAX_FILTER_LENGTH,
} from '../../lambdas/store/user-directory';
import { type LocalCognito, startCognito } from '../../local/cognito';

jest.setTimeout(30_000);

let dir: string;
let cognito: LocalCognito;
let userPoolId: string;
const subs = new Map<string, string>();

async function addUser(client: CognitoIdentityProviderClient, email: string): Promise<string> {
  const { User } = await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      UserAttributes: [{ Name: 'email', Value: email }],
      MessageAction: 'SUPPRESS',
    }),
  );
  const sub = User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error('no sub');
  subs.set(email, sub);
  return sub;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'user-directory-'));
  cognito = await startCognito(dir, 0);
  const { UserPool } = await cognito.client.send(
    new CreateUserPoolCommand({ PoolName: 'people', UsernameAttributes: ['email'] }),
  );
  userPoolId = UserPool!.Id!;
  for (const email of ['alice@example.com', 'alan@example.com', 'bob@example.com', 'quo"te\\d@example.com']) {
    await addUser(cognito.client, email);
  }
}, 30_000);

afterAll(async () => {
  cognito?.client.destroy();
  await cognito?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const directoryOf = (client: CognitoIdentityProviderClient, failures: LookupFailure[] = [], now = () => Date.now()) =>
  new CognitoUserDirectory(client, { userPoolId, onLookupFailure: (f) => failures.push(f), clock: now });

describe('findByEmailPrefix', () => {
  it('finds the people whose email starts with the prefix, by sub and email, at most the limit', async () => {
    const directory = directoryOf(cognito.client);
    const found = await directory.findByEmailPrefix('al', 20);
    expect(found.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { userId: subs.get('alan@example.com'), email: 'alan@example.com' },
      { userId: subs.get('alice@example.com'), email: 'alice@example.com' },
    ]);
    expect(await directory.findByEmailPrefix('al', 1)).toHaveLength(1);
    expect(await directory.findByEmailPrefix('bob@example.com', 20)).toEqual([
      { userId: subs.get('bob@example.com'), email: 'bob@example.com' },
    ]);
    expect(await directory.findByEmailPrefix('nobody', 20)).toEqual([]);
  });

  it('keeps the filter within its 256 characters, and still matches the whole of a long prefix', async () => {
    const longest = 'a'.repeat(254);
    expect(emailPrefixFilter(longest)).toHaveLength(MAX_FILTER_LENGTH);
    expect(emailPrefixFilter('"'.repeat(200)).length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    expect(emailPrefixFilter('"'.repeat(200))).toMatch(/^email \^= "(\\")+"$/); // never half an escape
    const directory = directoryOf(cognito.client);
    const local = 'l'.repeat(240);
    await addUser(cognito.client, `${local}x@example.com`);
    await addUser(cognito.client, `${local}y@example.com`);
    const found = await directory.findByEmailPrefix(`${local}y@example.c`, 20);
    expect(found.map((p) => p.email)).toEqual([`${local}y@example.com`]);
  });

  it('escapes " and \\ so a prefix can never end the filter value early', async () => {
    expect(emailPrefixFilter('a"b\\c')).toBe('email ^= "a\\"b\\\\c"');
    const directory = directoryOf(cognito.client);
    // Whatever the server makes of the escaped value, the request is a well-formed filter.
    await expect(directory.findByEmailPrefix('quo"te', 20)).resolves.toEqual(expect.any(Array));
    await expect(directory.findByEmailPrefix('x" or email ^= "', 20)).resolves.toEqual([]);
  });
});

describe('emailsOf', () => {
  it('tells the email of each user by sub, and leaves out users it does not know', async () => {
    const failures: LookupFailure[] = [];
    const directory = directoryOf(cognito.client, failures);
    const alice = subs.get('alice@example.com')!;
    const bob = subs.get('bob@example.com')!;
    const emails = await directory.emailsOf([alice, bob, alice, 'no-such-sub']);
    expect(Object.fromEntries(emails)).toEqual({ [alice]: 'alice@example.com', [bob]: 'bob@example.com' });
    expect(failures).toEqual([]);
  });

  it('keeps what it learned for a while: an email changed or a user deleted shows after the cache time', async () => {
    let now = 1_000_000;
    const directory = directoryOf(cognito.client, [], () => now);
    const sub = await addUser(cognito.client, 'carol@example.com');
    expect((await directory.emailsOf([sub])).get(sub)).toBe('carol@example.com');
    await cognito.client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: sub,
        UserAttributes: [{ Name: 'email', Value: 'carol.new@example.com' }],
      }),
    );
    expect((await directory.emailsOf([sub])).get(sub)).toBe('carol@example.com');
    now += 301_000;
    expect((await directory.emailsOf([sub])).get(sub)).toBe('carol.new@example.com');
    await cognito.client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: sub }));
    now += 301_000;
    expect((await directory.emailsOf([sub])).has(sub)).toBe(false);
  });
});

/** A client whose every AdminGetUser call goes through `answer`, counting calls and concurrency. */
function stubClient(answer: (username: string) => Promise<unknown>) {
  const stats = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const client = {
    send: async (command: { input: { Username: string } }, options?: { abortSignal?: AbortSignal }) => {
      stats.calls++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      // As the SDK does: an aborted request rejects at once.
      const aborted = new Promise<never>((_, reject) =>
        options?.abortSignal?.addEventListener('abort', () => reject(named('AbortError')), { once: true }),
      );
      try {
        return await Promise.race([answer(command.input.Username), aborted]);
      } finally {
        stats.inFlight--;
      }
    },
  } as unknown as CognitoIdentityProviderClient;
  return { client, stats };
}

const named = (name: string) => Object.assign(new Error(name), { name });
const found = (username: string) => ({ UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }] });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('emailsOf with a stub Cognito', () => {
  it('asks once per distinct user, at most 5 at a time, and answers later pages from its cache', async () => {
    const { client, stats } = stubClient(async (u) => {
      await tick();
      return found(u);
    });
    const directory = directoryOf(client);
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
    expect((await directory.emailsOf([...users, ...users])).size).toBe(40);
    expect(stats.calls).toBe(40);
    expect(stats.maxInFlight).toBe(5);
    expect((await directory.emailsOf(users)).size).toBe(40);
    expect(stats.calls).toBe(40);
  });

  it('keeps at most its cache size of users, dropping the oldest', async () => {
    const { client, stats } = stubClient(async (u) => found(u));
    const directory = new CognitoUserDirectory(client, { userPoolId: 'p', cacheSize: 2 });
    await directory.emailsOf(['a', 'b', 'c']);
    await directory.emailsOf(['b', 'c']);
    expect(stats.calls).toBe(3);
    await directory.emailsOf(['a']);
    expect(stats.calls).toBe(4);
  });

  it('when throttled: leaves those emails out, logs it, pauses look-ups briefly, and never rejects', async () => {
    let throttled = true;
    const { client, stats } = stubClient(async (u) => {
      if (throttled) throw named('TooManyRequestsException');
      return found(u);
    });
    let now = 0;
    const failures: LookupFailure[] = [];
    const directory = directoryOf(client, failures, () => now);
    const emails = await directory.emailsOf(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(emails.size).toBe(0);
    // The first wave was sent; what was left is skipped for the pause instead of adding to the storm.
    expect(stats.calls).toBe(5);
    expect(failures).toEqual([
      { reason: 'TooManyRequestsException', users: 5 },
      { reason: 'skipped after throttling', users: 2 },
    ]);
    throttled = false;
    expect((await directory.emailsOf(['a'])).size).toBe(0); // still pausing
    now += 1001;
    expect(Object.fromEntries(await directory.emailsOf(['a']))).toEqual({ a: 'a@example.com' });
  });

  it('does not remember a failed look-up, so the next request tries again', async () => {
    let fail = true;
    const { client, stats } = stubClient(async (u) => {
      if (fail) throw named('InternalErrorException');
      return found(u);
    });
    const failures: LookupFailure[] = [];
    const directory = directoryOf(client, failures);
    expect((await directory.emailsOf(['a'])).size).toBe(0);
    expect(failures).toEqual([{ reason: 'InternalErrorException', users: 1 }]);
    fail = false;
    expect((await directory.emailsOf(['a'])).get('a')).toBe('a@example.com');
    expect(stats.calls).toBe(2);
  });

  it('gives up on what is still outstanding when the request budget is spent', async () => {
    const { client } = stubClient(
      (u) => new Promise((resolve) => setTimeout(() => resolve(found(u)), u === 'slow' ? 500 : 1)),
    );
    const failures: LookupFailure[] = [];
    const directory = new CognitoUserDirectory(client, {
      userPoolId: 'p',
      budgetMs: 50,
      concurrency: 1,
      onLookupFailure: (f) => failures.push(f),
    });
    const started = Date.now();
    const emails = await directory.emailsOf(['fast', 'slow', 'later']);
    expect(Object.fromEntries(emails)).toEqual({ fast: 'fast@example.com' });
    expect(failures).toEqual([
      { reason: 'AbortError', users: 1 },
      { reason: 'skipped: out of time', users: 1 },
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
