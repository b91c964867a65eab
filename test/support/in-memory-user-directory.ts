import type { Person, UserDirectory } from '../../lambdas/domain/people';

/** The user pool as a list, for domain tests; counts the users it was asked about. */
export class InMemoryUserDirectory implements UserDirectory {
  /** Each `emailsOf` call's userIds, in order. */
  readonly asked: string[][] = [];

  constructor(private readonly people: Person[] = []) {}

  async findByEmailPrefix(prefix: string, limit: number): Promise<Person[]> {
    return this.people.filter((p) => p.email.startsWith(prefix)).slice(0, limit);
  }

  async emailsOf(userIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    this.asked.push([...userIds]);
    return new Map(this.people.filter((p) => userIds.includes(p.userId)).map((p) => [p.userId, p.email]));
  }
}
