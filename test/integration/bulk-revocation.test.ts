import { previewBulkRevocation, revokeSelection } from '../../lambdas/domain/revocation';
import type { TokenRecord } from '../../lambdas/domain/token';
import { allTokens } from '../../lambdas/domain/token-service';
import type { TokenStore } from '../../lambdas/domain/token-store';
import type { TokenRepository } from '../../lambdas/store/token-repository';
import { putRecords, type RunningDynalite, withDynaliteRepository } from '../support/dynalite';
import { DAY, NOW, tokenRecord } from '../support/token-records';

/**
 * Bulk revocation of a user with thousands of tokens must not time out the function.
 * 5,000 active tokens of one user across 10 clients; 20 % are refresh tokens, each with two
 * access-token children that are themselves in the set. Measured through the real repository
 * against dynalite (a single-process emulator, so slower per call than DynamoDB).
 */
jest.setTimeout(120_000);

const USER = 'bulk-user';
const CLIENTS = 10;
const PER_CLIENT = 500;
const TOTAL = CLIENTS * PER_CLIENT;

let db: RunningDynalite;
let repo: TokenRepository;

withDynaliteRepository((started) => ({ db, repo } = started));

function dataset(): TokenRecord[] {
  const records: TokenRecord[] = [];
  let second = 0;
  // Each token expires in its own second: dynalite keeps one entry per index key and the first six
  // hex digits of an MD5 of tokenId, so among 5,000 tokens of one user expiring in the same second
  // two collide about every other run and one of them vanishes from byUser (DynamoDB keeps both).
  const t = (overrides: Partial<TokenRecord>) =>
    tokenRecord({ userId: USER, issuedAt: NOW - ++second, expiresAt: NOW + DAY - second, ...overrides });
  for (let c = 0; c < CLIENTS; c++) {
    const clientId = `bulk-client-${c}`;
    // Per client: 100 refresh tokens (20 %), each with 2 children, and 200 other access tokens.
    for (let r = 0; r < PER_CLIENT / 5; r++) {
      const parent = t({ clientId, tokenType: 'refresh_token' });
      records.push(
        parent,
        t({ clientId, parentTokenId: parent.tokenId }),
        t({ clientId, parentTokenId: parent.tokenId }),
      );
    }
    while (records.length < (c + 1) * PER_CLIENT) records.push(t({ clientId }));
  }
  return records;
}

const putAll = (records: TokenRecord[]) => putRecords(db, records);

interface MethodStats {
  calls: number;
  firstStart: number;
  lastEnd: number;
}

/** The repository with each method's call count and active span recorded, to see where bulk time goes. */
function instrumented(store: TokenRepository): { store: TokenStore; report(): string } {
  const stats = new Map<string, MethodStats>();
  const origin = performance.now();
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const s = stats.get(String(name)) ?? { calls: 0, firstStart: performance.now(), lastEnd: 0 };
        stats.set(String(name), s);
        s.calls++;
        try {
          return await value.apply(target, args);
        } finally {
          s.lastEnd = performance.now();
        }
      };
    },
  }) as TokenStore;
  const report = () =>
    [...stats]
      .map(
        ([name, s]) =>
          `${name}: ${s.calls} calls, ${Math.round(s.firstStart - origin)}–${Math.round(s.lastEnd - origin)} ms`,
      )
      .join('; ');
  return { store: wrapped, report };
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: Math.round(performance.now() - start) };
}

it(`revokes ${TOTAL} tokens of one user, previewed first, and a second run revokes 0`, async () => {
  const records = dataset();
  expect(records).toHaveLength(TOTAL);
  expect(records.filter((r) => r.tokenType === 'refresh_token')).toHaveLength(TOTAL / 5);
  expect(records.filter((r) => r.parentTokenId !== undefined)).toHaveLength((TOTAL / 5) * 2);
  const seeding = await timed(() => putAll(records));
  console.log(`seeded ${TOTAL} tokens: ${seeding.ms} ms`);

  const previewStore = instrumented(repo);
  const preview = await timed(() => previewBulkRevocation(previewStore.store, { userId: USER }, NOW));
  console.log(
    `bulk revocation preview of ${TOTAL} tokens: ${preview.ms} ms (${preview.result.wouldRevoke} would be revoked)\n` +
      `  ${previewStore.report()}`,
  );
  expect(preview.result.wouldRevoke).toBe(TOTAL);
  expect(preview.result.byClient).toStrictEqual(
    Object.fromEntries(Array.from({ length: CLIENTS }, (_, c) => [`bulk-client-${c}`, PER_CLIENT])),
  );

  const bulkStore = instrumented(repo);
  const bulk = await timed(() => revokeSelection(bulkStore.store, { userId: USER }, 'admin-1', 'offboarding', NOW));
  console.log(`bulk revocation of ${TOTAL} tokens: ${bulk.ms} ms (${bulk.result} revoked)\n  ${bulkStore.report()}`);
  expect(bulk.result).toBe(TOTAL);

  const again = await timed(() => revokeSelection(repo, { userId: USER }, 'admin-2', 'again', NOW + 1));
  console.log(`second bulk revocation: ${again.ms} ms (${again.result} revoked)`);
  expect(again.result).toBe(0);

  const revoked = await allTokens(repo, { userId: USER, status: 'revoked', now: NOW + 1 });
  expect(revoked).toHaveLength(TOTAL);
  expect(
    revoked.every((r) => r.revokedBy === 'admin-1' && r.revokeReason === 'offboarding' && r.revokedAt === NOW),
  ).toBe(true);
  expect(await allTokens(repo, { userId: USER, status: 'active', now: NOW + 1 })).toHaveLength(0);
  expect((await previewBulkRevocation(repo, { userId: USER }, NOW + 1)).wouldRevoke).toBe(0);
});
