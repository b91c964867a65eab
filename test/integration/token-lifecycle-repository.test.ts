import { GetCommand, QueryCommand, type QueryCommandOutput, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { TokenRecord } from '../../lambdas/domain/token';
import type { StoredToken } from '../../lambdas/domain/token-store';
import type { TokenRepository } from '../../lambdas/store/token-repository';
import { putRecords, type RunningDynalite, withDynaliteRepository } from '../support/dynalite';
import { InMemoryTokenStore } from '../support/in-memory-token-store';
import { DAY, HOUR, NOW, newTokenId, tokenRecord } from '../support/token-records';

jest.setTimeout(60_000);

let db: RunningDynalite;
let repo: TokenRepository;

withDynaliteRepository((started) => ({ db, repo } = started));

const putAll = (records: TokenRecord[]) => putRecords(db, records);

const read = async (tokenId: string) =>
  (await db.documentClient.send(new GetCommand({ TableName: db.tableName, Key: { tokenId }, ConsistentRead: true })))
    .Item;

const ids = (records: TokenRecord[]) => records.map((r) => r.tokenId).sort();

/** Runs `run` with every command the document client sends recorded, with its output. */
async function recording<T>(
  run: () => Promise<T>,
): Promise<{ result: T; calls: { command: unknown; output: unknown }[] }> {
  const calls: { command: unknown; output: unknown }[] = [];
  const original = db.documentClient.send.bind(db.documentClient);
  const spy = jest.spyOn(db.documentClient, 'send').mockImplementation((async (command: never) => {
    const output = await original(command);
    calls.push({ command, output });
    return output;
  }) as never);
  try {
    return { result: await run(), calls };
  } finally {
    spy.mockRestore();
  }
}

describe('create', () => {
  it('writes the record, secretHash included, and get returns it whole', async () => {
    const record: StoredToken = {
      ...tokenRecord({ userId: 'alice', parentTokenId: 'tok_parent01' }),
      secretHash: 'h'.repeat(43),
    };
    await repo.create(record);
    expect(await read(record.tokenId)).toStrictEqual(record);
    expect(await repo.get(record.tokenId)).toStrictEqual(record);
  });

  it('fails with ConditionalCheckFailedException when the tokenId is taken, and does not overwrite', async () => {
    const first: StoredToken = { ...tokenRecord({ userId: 'alice' }), secretHash: 'first' };
    await repo.create(first);
    const second: StoredToken = {
      ...tokenRecord({ tokenId: first.tokenId, userId: 'mallory', clientId: 'evil' }),
      secretHash: 'second',
    };
    await expect(repo.create(second)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await repo.get(first.tokenId)).toStrictEqual(first);
  });

  it('refuses a taken tokenId even when that record is expired or revoked', async () => {
    const expired = tokenRecord({ expiresAt: NOW - DAY });
    const revoked = tokenRecord({ revokedAt: NOW - 1, revokedBy: 'x' });
    await putAll([expired, revoked]);
    for (const old of [expired, revoked]) {
      await expect(repo.create({ ...tokenRecord({ tokenId: old.tokenId }), secretHash: 's' })).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
      });
      expect(await read(old.tokenId)).toStrictEqual(old);
    }
  });
});

describe('touch', () => {
  it('sets lastUsedAt when absent', async () => {
    const record = tokenRecord();
    await putAll([record]);
    await repo.touch(record.tokenId, NOW, 60);
    expect(await read(record.tokenId)).toStrictEqual({ ...record, lastUsedAt: NOW });
  });

  it('writes at most once per interval: unchanged within it, updated at its end', async () => {
    const record = tokenRecord();
    await putAll([record]);
    await repo.touch(record.tokenId, NOW, 60);
    await expect(repo.touch(record.tokenId, NOW + 1, 60)).resolves.toBeUndefined();
    expect((await read(record.tokenId))!.lastUsedAt).toBe(NOW);
    await repo.touch(record.tokenId, NOW + 59, 60);
    expect((await read(record.tokenId))!.lastUsedAt).toBe(NOW);
    await repo.touch(record.tokenId, NOW + 60, 60);
    expect((await read(record.tokenId))!.lastUsedAt).toBe(NOW + 60);
    await repo.touch(record.tokenId, NOW + 200, 60);
    expect((await read(record.tokenId))!.lastUsedAt).toBe(NOW + 200);
  });

  it('never moves lastUsedAt backwards', async () => {
    const record = tokenRecord({ lastUsedAt: NOW });
    await putAll([record]);
    await repo.touch(record.tokenId, NOW - 600, 60);
    expect((await read(record.tokenId))!.lastUsedAt).toBe(NOW);
  });

  it('lets one of many concurrent touches win, and the others change nothing', async () => {
    const record = tokenRecord();
    await putAll([record]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => repo.touch(record.tokenId, NOW + (i % 3), 60)));
    const { lastUsedAt } = (await read(record.tokenId))!;
    expect([NOW, NOW + 1, NOW + 2]).toContain(lastUsedAt);
  });

  it('creates nothing for a missing item', async () => {
    const tokenId = newTokenId();
    await expect(repo.touch(tokenId, NOW, 60)).resolves.toBeUndefined();
    expect(await read(tokenId)).toBeUndefined();
  });

  it('leaves every other attribute alone', async () => {
    const record: StoredToken = {
      ...tokenRecord({ revokedAt: NOW - 5, revokedBy: 'alice', revokeReason: 'r', lastUsedAt: NOW - 3600 }),
      secretHash: 'h',
    };
    await putAll([record]);
    await repo.touch(record.tokenId, NOW, 60);
    expect(await read(record.tokenId)).toStrictEqual({ ...record, lastUsedAt: NOW });
  });
});

describe('children', () => {
  it('answers the non-expired children of that parent only, revoked ones included', async () => {
    const parent = tokenRecord({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const other = tokenRecord({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const live = [
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + 1 }),
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + HOUR, userId: 'bob' }),
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + DAY }),
    ];
    const revoked = tokenRecord({
      parentTokenId: parent.tokenId,
      revokedAt: NOW - 10,
      revokedBy: 'alice',
      revokeReason: 'r',
    });
    const expired = [
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW }),
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW - 1 }),
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW - DAY }),
    ];
    const others = [tokenRecord({ parentTokenId: other.tokenId }), tokenRecord({})];
    await putAll([parent, other, ...live, revoked, ...expired, ...others]);

    const found = await repo.children(parent.tokenId, NOW);
    expect(ids(found)).toStrictEqual(ids([...live, revoked]));
    expect(found.find((c) => c.tokenId === revoked.tokenId)).toStrictEqual(revoked);
    for (const c of found) expect(c.expiresAt).toBeGreaterThan(NOW);
    expect(await repo.children(newTokenId(), NOW)).toStrictEqual([]);
    // Later, the soonest-expiring ones have expired too.
    expect(ids(await repo.children(parent.tokenId, NOW + 1))).toStrictEqual(ids([live[1]!, live[2]!, revoked]));
  });

  it('queries the byParent index and excludes expired children in the key condition, not a filter', async () => {
    const parent = tokenRecord({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const live = Array.from({ length: 5 }, (_, i) =>
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + 1 + i }),
    );
    const expired = Array.from({ length: 40 }, (_, i) =>
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW - i }),
    );
    await putAll([parent, ...live, ...expired]);

    const { result, calls } = await recording(() => repo.children(parent.tokenId, NOW));
    expect(ids(result)).toStrictEqual(ids(live));
    expect(calls.some((c) => c.command instanceof ScanCommand)).toBe(false);
    const queries = calls.filter((c) => c.command instanceof QueryCommand);
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      const input = (q.command as QueryCommand).input;
      expect(input.IndexName).toBe('byParent');
      expect(input.KeyConditionExpression).toContain('expiresAt');
      expect(input.FilterExpression).toBeUndefined();
    }
    // Expired children were not even read: what was scanned is what was returned.
    const scanned = queries.reduce((n, q) => n + ((q.output as QueryCommandOutput).ScannedCount ?? 0), 0);
    expect(scanned).toBe(live.length);
  });

  it('returns all 300 children of one parent', async () => {
    const parent = tokenRecord({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const children = Array.from({ length: 300 }, (_, i) =>
      tokenRecord({
        parentTokenId: parent.tokenId,
        expiresAt: NOW + 1 + (i % 50),
        scope: `scope-${i} ${'x'.repeat(200)}`,
      }),
    );
    await putAll([parent, ...children]);
    const found = await repo.children(parent.tokenId, NOW);
    expect(found).toHaveLength(300);
    expect(ids(found)).toStrictEqual(ids(children));
  });
});

describe('the in-memory store used by the unit tests', () => {
  it('answers create, touch, children, revoke and get exactly as the repository does', async () => {
    const parent = tokenRecord({ tokenType: 'refresh_token', expiresAt: NOW + DAY });
    const seed: StoredToken[] = [
      parent,
      { ...tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + 10 }), secretHash: 'a' },
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + 20, revokedAt: NOW - 1, revokedBy: 'x' }),
      tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW }),
      tokenRecord({ lastUsedAt: NOW - 59 }),
      tokenRecord({ lastUsedAt: NOW - 60 }),
    ];
    await putAll(seed);
    const memory = new InMemoryTokenStore(seed);
    const fresh: StoredToken = {
      ...tokenRecord({ parentTokenId: parent.tokenId, expiresAt: NOW + 30 }),
      secretHash: 'f',
    };
    const outcome = async (run: () => Promise<unknown>) => {
      try {
        return { value: await run() };
      } catch (e) {
        return { error: (e as Error).name };
      }
    };
    const script = (store: TokenRepository | InMemoryTokenStore) => [
      () => store.create(fresh),
      () => store.create({ ...fresh, clientId: 'other' }),
      () => store.touch(seed[4]!.tokenId, NOW, 60),
      () => store.touch(seed[5]!.tokenId, NOW, 60),
      () => store.touch(newTokenId(), NOW, 60),
      () => store.revoke({ tokenId: seed[1]!.tokenId, revokedBy: 'y', reason: 'r', now: NOW }),
      () => store.revoke({ tokenId: seed[2]!.tokenId, revokedBy: 'y', now: NOW }),
      () => store.revoke({ tokenId: seed[3]!.tokenId, revokedBy: 'y', now: NOW }),
      async () => (await store.children(parent.tokenId, NOW)).map((c) => c.tokenId).sort(),
      async () => (await store.children(parent.tokenId, NOW + 15)).map((c) => c.tokenId).sort(),
      ...seed.map((r) => () => store.get(r.tokenId)),
      () => store.get(fresh.tokenId),
    ];
    const fromRepo = [];
    for (const step of script(repo)) fromRepo.push(await outcome(step));
    const fromMemory = [];
    for (const step of script(memory)) fromMemory.push(await outcome(step));
    expect(fromMemory).toStrictEqual(fromRepo);
  });
});
