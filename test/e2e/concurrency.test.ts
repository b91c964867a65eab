/**
 * Concurrency end to end, against one local stack over HTTP:
 *
 * - 200 concurrent revokes of one token, by its owner and an admin with 200 different reasons:
 *   every answer is 200 and shows the one revocation that won; the table holds exactly that one.
 * - 200 concurrent revokes of 200 different tokens: each revoked once, by its own caller with its
 *   own reason, and nothing else in the table changed.
 * - A refresh token revoked (by the owner, or by value through service/revoke) while 50 children
 *   of it are being minted: afterwards every child that exists is revoked, every child whose mint
 *   answered 201 introspects inactive, and the parent keeps its first revocation.
 *
 * The requests really are in flight together: every call is started before any is awaited, and
 * a request that gets no answer (connection reset, refused) fails the test; the count is never
 * lowered to make the stack cope.
 */
import { randomBytes } from 'node:crypto';
import type { TokenRecord } from '../../lambdas/domain/token';
import {
  type CallResult,
  call,
  createUser,
  getRecord,
  type LocalStack,
  putTokens,
  type StackOutputs,
  scanTable,
  serviceCall,
  startLocalStack,
  type TestUser,
  tokenRecord,
} from '../support/local-stack';

jest.setTimeout(120_000);

const CONCURRENT = 200;
const CHILDREN = 50;
/** Mints of the cascade race start this far apart, so the revocation lands among them. */
const STAGGER_MS = 4;

let stack: LocalStack;
let o: StackOutputs;
let alice: TestUser; // the owner
let bob: TestUser; // another user, whose tokens must never change
let carol: TestUser; // an admin

beforeAll(async () => {
  stack = await startLocalStack({ env: { LOCAL_SEED: '0' } });
  o = stack.outputs;
  [alice, bob, carol] = await Promise.all([
    createUser(o, 'alice'),
    createUser(o, 'bob'),
    createUser(o, 'carol', { admin: true }),
  ]);
  // Bystanders: tokens of every kind that none of the tests below may touch.
  await putTokens(o, [
    ...Array.from({ length: 5 }, () => tokenRecord({ userId: bob.sub, clientId: 'bystander-app' })),
    ...Array.from({ length: 5 }, () => tokenRecord({ userId: alice.sub, clientId: 'bystander-app' })),
    tokenRecord({ clientId: 'machine-app' }),
  ]);
}, 120_000);

afterAll(async () => {
  if (stack) await stack.stop();
}, 30_000);

// ---------------------------------------------------------------------------------------------
// Helpers

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let clientSeq = 0;
const newClient = (name: string) => `${name}-${++clientSeq}-${randomBytes(3).toString('hex')}`;

/** An answer, or why there was none (a reset connection, a refused one): never thrown away. */
type Outcome = { ok: true; res: CallResult } | { ok: false; error: string };

const settle = (promise: Promise<CallResult>): Promise<Outcome> =>
  promise.then(
    (res): Outcome => ({ ok: true, res }),
    (error: unknown): Outcome => ({ ok: false, error: describeError(error) }),
  );

function describeError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return [e.message, e.cause?.code, e.cause?.message].filter(Boolean).join(': ');
}

/** Every request got an answer: otherwise the failure names how many did not, and why. */
function answers(outcomes: Outcome[], what: string): CallResult[] {
  const failed = outcomes.filter((x): x is Extract<Outcome, { ok: false }> => !x.ok);
  if (failed.length > 0) {
    const reasons = [...new Set(failed.map((f) => f.error))].join('; ');
    throw new Error(`${failed.length} of ${outcomes.length} ${what} got no answer: ${reasons}`);
  }
  return outcomes.map((x) => (x as Extract<Outcome, { ok: true }>).res);
}

/** What the stack logged for its failed requests (error name and message, counted), to say why a 5xx happened. */
function loggedErrors(): string {
  const counts = new Map<string, number>();
  for (const line of stack.log().split('\n')) {
    if (!line.includes('"level":"ERROR"')) continue;
    let key = line.slice(0, 300);
    try {
      const entry = JSON.parse(line) as { message?: string; error?: { name?: string; message?: string } };
      key = `${entry.message}: ${entry.error?.name}: ${entry.error?.message}`;
    } catch {
      /* not JSON: keep the line */
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size === 0 ? 'nothing' : [...counts].map(([k, n]) => `${n}× ${k}`).join('\n');
}

/** Every answer has the expected status; otherwise the failure shows the counts and what the stack logged. */
function expectAllStatus(results: CallResult[], status: number): void {
  const counts = statusCounts(results);
  if (counts[status] !== results.length) {
    throw new Error(
      `expected ${results.length}× ${status}, got ${JSON.stringify(counts)}; the stack logged:\n${loggedErrors()}`,
    );
  }
}

const statusCounts = (results: CallResult[]) =>
  results.reduce<Record<number, number>>((counts, r) => {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }, {});

const userRevoke = (user: TestUser, tokenId: string, reason?: string) =>
  call(o, 'POST', `tokens/${tokenId}/revoke`, {
    token: user.idToken,
    ...(reason !== undefined && { body: { reason } }),
  });

const revokeByValue = (token: string, clientId: string) =>
  serviceCall(o, 'service/revoke', { form: { token, client_id: clientId } });

const introspect = (token: string) => serviceCall(o, 'service/introspect', { form: { token } });

interface Minted {
  tokenId: string;
  token: string;
}

async function mintOk(fields: Record<string, unknown>): Promise<Minted> {
  const res = await serviceCall(o, 'service/tokens', { json: fields });
  if (res.status !== 201) throw new Error(`mint answered ${res.status}: ${res.text}`);
  return res.body as Minted;
}

async function record(tokenId: string): Promise<TokenRecord & Record<string, unknown>> {
  const found = await getRecord(o, tokenId);
  if (!found) throw new Error(`no record ${tokenId}`);
  return found as TokenRecord & Record<string, unknown>;
}

/** The table without some records, to compare what must not have changed. */
async function tableWithout(tokenIds: ReadonlySet<string>): Promise<Record<string, unknown>[]> {
  return (await scanTable(o)).filter((item) => !tokenIds.has(item.tokenId as string));
}

const revocationOf = (item: Record<string, unknown>) => ({
  revokedAt: item.revokedAt,
  revokedBy: item.revokedBy,
  revokeReason: item.revokeReason,
});

// ---------------------------------------------------------------------------------------------

describe(`${CONCURRENT} concurrent revokes of one token`, () => {
  it('all answer 200 with the one revocation that won, which is the one the table holds', async () => {
    const target = tokenRecord({ userId: alice.sub, clientId: newClient('one-token') });
    await putTokens(o, [target]);
    const before = await tableWithout(new Set([target.tokenId]));

    // Even calls by the owner, odd ones by an admin; each with a reason of its own.
    const reasonOf = (i: number) => `concurrent revoke #${i} by ${i % 2 === 0 ? 'owner' : 'admin'}`;
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        settle(userRevoke(i % 2 === 0 ? alice : carol, target.tokenId, reasonOf(i))),
      ),
    );
    const results = answers(outcomes, 'revokes');
    const elapsed = Date.now() - started;
    expectAllStatus(results, 200);

    const stored = await record(target.tokenId);
    expect(stored.revokedAt).toEqual(expect.any(Number));
    const winner = Array.from({ length: CONCURRENT }, (_, i) => i).find((i) => reasonOf(i) === stored.revokeReason);
    expect(winner).toBeDefined();
    // The reason and the revoker come from one and the same call.
    expect(stored.revokedBy).toBe(winner! % 2 === 0 ? alice.sub : carol.sub);
    const shown = {
      status: 'revoked',
      revokedAt: iso(stored.revokedAt!),
      revokedBy: stored.revokedBy,
      revokeReason: stored.revokeReason,
    };
    for (const r of results) expect(r.body).toMatchObject(shown);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);

    // Nothing else changed, and a later revoke still shows the first revocation.
    const { revokedAt: _a, revokedBy: _b, revokeReason: _c, ...rest } = stored;
    expect(rest).toEqual(target);
    expect(await tableWithout(new Set([target.tokenId]))).toEqual(before);
    expect((await userRevoke(carol, target.tokenId, 'much later')).body).toMatchObject(shown);
    expect(await record(target.tokenId)).toEqual(stored);
    console.log(`${CONCURRENT} concurrent revokes of one token: all 200 in ${elapsed} ms; call #${winner} won`);
  });
});

describe(`${CONCURRENT} concurrent revokes of ${CONCURRENT} different tokens`, () => {
  it('revokes each exactly once, by its own caller with its own reason, and changes nothing else', async () => {
    const clientId = newClient('many-tokens');
    const targets = Array.from({ length: CONCURRENT }, (_, i) =>
      tokenRecord({ userId: alice.sub, clientId, issuedAt: Math.floor(Date.now() / 1000) - 600 + i }),
    );
    // Siblings of the same user and client that nobody revokes.
    const siblings = Array.from({ length: 10 }, () => tokenRecord({ userId: alice.sub, clientId }));
    await putTokens(o, [...targets, ...siblings]);
    const ids = new Set(targets.map((t) => t.tokenId));
    const before = await tableWithout(ids);

    const callerOf = (i: number) => (i % 2 === 0 ? alice : carol);
    const reasonOf = (t: TokenRecord) => `revoking ${t.tokenId}`;
    const started = Date.now();
    const outcomes = await Promise.all(targets.map((t, i) => settle(userRevoke(callerOf(i), t.tokenId, reasonOf(t)))));
    const results = answers(outcomes, 'revokes');
    const elapsed = Date.now() - started;
    expectAllStatus(results, 200);

    const after = new Map((await scanTable(o)).map((item) => [item.tokenId as string, item]));
    for (const [i, t] of targets.entries()) {
      const stored = after.get(t.tokenId)!;
      expect({ ...stored, revokedAt: undefined, revokedBy: undefined, revokeReason: undefined }).toEqual({
        ...t,
        revokedAt: undefined,
        revokedBy: undefined,
        revokeReason: undefined,
      });
      expect(revocationOf(stored)).toEqual({
        revokedAt: expect.any(Number),
        revokedBy: callerOf(i).sub,
        revokeReason: reasonOf(t),
      });
      expect(results[i]!.body).toMatchObject({
        tokenId: t.tokenId,
        status: 'revoked',
        revokedAt: iso(stored.revokedAt as number),
        revokedBy: callerOf(i).sub,
        revokeReason: reasonOf(t),
      });
    }
    expect(await tableWithout(ids)).toEqual(before);
    console.log(`${CONCURRENT} concurrent revokes of ${CONCURRENT} tokens: all 200 in ${elapsed} ms`);
  });
});

describe(`a cascade racing ${CHILDREN} mints of children`, () => {
  type Revoker = 'owner (tokens/{id}/revoke)' | 'authorization server (service/revoke)';

  /**
   * Starts CHILDREN mints of children of a fresh refresh token, one every STAGGER_MS, and revokes
   * the refresh token `revokeAtMs` after the first, so that mints land before, during and after
   * the revocation and its cascade (the counts each round logs show where they landed).
   */
  async function race(revoker: Revoker, revokeAtMs: number) {
    const clientId = newClient('race');
    const refresh = await mintOk({
      userId: alice.sub,
      clientId,
      clientName: 'Race',
      tokenType: 'refresh_token',
      scope: 'read offline',
      expiresIn: 86_400,
    });
    const childFields = {
      userId: alice.sub,
      clientId,
      clientName: 'Race',
      tokenType: 'access_token',
      scope: 'read',
      expiresIn: 600,
      parentTokenId: refresh.tokenId,
    };
    const untouched = await tableWithout(new Set());

    const mints = Array.from({ length: CHILDREN }, (_, i) =>
      sleep(i * STAGGER_MS).then(() => settle(serviceCall(o, 'service/tokens', { json: childFields }))),
    );
    await sleep(revokeAtMs);
    const revocation = await settle(
      revoker === 'owner (tokens/{id}/revoke)'
        ? userRevoke(alice, refresh.tokenId, 'race')
        : revokeByValue(refresh.token, clientId),
    );
    const [revoked] = answers([revocation], 'revocations of the parent');
    const minted = answers(await Promise.all(mints), 'mints');

    expectAllStatus([revoked!], 200);
    // A mint either made a child (201) or found the parent revoked (400), never anything else.
    const counts = statusCounts(minted);
    if (Object.keys(counts).some((s) => s !== '201' && s !== '400')) {
      throw new Error(`mints answered ${JSON.stringify(counts)}; the stack logged:\n${loggedErrors()}`);
    }
    for (const m of minted.filter((r) => r.status === 400))
      expect(m.body).toEqual({ error: 'invalid_request', message: expect.stringMatching(/parentTokenId/) });

    const parent = await record(refresh.tokenId);
    const revokedBy = revoker === 'owner (tokens/{id}/revoke)' ? alice.sub : `client:${clientId}`;
    expect(revocationOf(parent)).toEqual({
      revokedAt: expect.any(Number),
      revokedBy,
      revokeReason: revoker === 'owner (tokens/{id}/revoke)' ? 'race' : undefined,
    });
    if (revoker === 'owner (tokens/{id}/revoke)') {
      expect(revoked!.body).toMatchObject({
        status: 'revoked',
        revokedAt: iso(parent.revokedAt!),
        revokedBy,
        revokeReason: 'race',
      });
    }

    // Every child that exists, whether its mint answered 201 or 400, is revoked as the parent was.
    const children = (await scanTable(o)).filter((item) => item.parentTokenId === refresh.tokenId);
    for (const child of children) {
      expect({ tokenId: child.tokenId, ...revocationOf(child) }).toEqual({
        tokenId: child.tokenId,
        revokedAt: expect.any(Number),
        revokedBy,
        revokeReason: expect.stringContaining(refresh.tokenId),
      });
    }
    const created = minted.filter((r) => r.status === 201).map((r) => r.body as Minted);
    expect(children.map((c) => c.tokenId)).toEqual(expect.arrayContaining(created.map((c) => c.tokenId)));
    for (const child of created) {
      const res = await introspect(child.token);
      expect({ tokenId: child.tokenId, status: res.status, text: res.text }).toEqual({
        tokenId: child.tokenId,
        status: 200,
        text: '{"active":false}',
      });
    }

    // The parent keeps its first revocation through a later revoke by the other route, and
    // nothing outside this family changed.
    const later =
      revoker === 'owner (tokens/{id}/revoke)'
        ? await revokeByValue(refresh.token, clientId)
        : await userRevoke(carol, refresh.tokenId, 'later');
    expect(later.status).toBe(200);
    expect(await record(refresh.tokenId)).toEqual(parent);
    const family = new Set([refresh.tokenId, ...children.map((c) => c.tokenId as string)]);
    expect(await tableWithout(family)).toEqual(untouched.filter((item) => !family.has(item.tokenId as string)));
    return {
      created: created.length,
      refused: counts[400] ?? 0,
      orphansRevokedByMint: children.length - created.length,
    };
  }

  const revokers: Revoker[] = ['owner (tokens/{id}/revoke)', 'authorization server (service/revoke)'];
  describe.each(revokers)('revoked by the %s', (revoker) => {
    it.each([0, 60, 150])('leaves no child active (revoked %i ms into the mints)', async (revokeAtMs) => {
      const outcome = await race(revoker, revokeAtMs);
      console.log(
        `cascade race, ${revoker}, revoked ${revokeAtMs} ms into ${CHILDREN} mints: ${JSON.stringify(outcome)}`,
      );
    });
  });
});
