/**
 * The local stack keeps its state in LOCAL_DIR across a stop (SIGTERM to its process group)
 * and a start: the same user pool and users, the token table, and the cursor key, so an old
 * cursor still works; the service key pair and the token hash key, so a value minted before the
 * restart still introspects. Demo data is seeded only into an empty LOCAL_DIR. And SIGTERM, to the
 * group or to the main process alone, stops everything the stack started.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenRecord } from '../../lambdas/domain/token';
import {
  call,
  createUser,
  groupMembers,
  type LocalStack,
  putTokens,
  serviceCall,
  signIn,
  spawnLocalStack,
  startLocalStack,
  type TestUser,
  tokenRecord,
} from '../support/local-stack';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'token-ledger-e2e-restart-'));
let first: LocalStack | undefined;
let second: LocalStack | undefined;

afterAll(async () => {
  await first?.stop().catch(() => undefined);
  await second?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('state survives a restart on the same LOCAL_DIR', async () => {
  // --- first run
  first = await startLocalStack({ dir });
  const o1 = first.outputs;
  const user: TestUser = await createUser(o1, 'persist');
  const admin: TestUser = await createUser(o1, 'boss', { admin: true });
  const t = Math.floor(Date.now() / 1000);
  const records: TokenRecord[] = Array.from({ length: 6 }, (_, i) =>
    tokenRecord({ userId: user.sub, issuedAt: t - 100 - i * 10, expiresAt: t + 86_400 }),
  );
  await putTokens(o1, records);
  const target = records[4]!;
  const revoked = await call(o1, 'POST', `tokens/${target.tokenId}/revoke`, {
    token: user.idToken,
    body: { reason: 'before restart' },
  });
  expect(revoked.status).toBe(200);
  expect(revoked.body.status).toBe('revoked');
  const page1 = await call(o1, 'GET', 'tokens?limit=2', { token: user.idToken });
  expect(page1.status).toBe(200);
  const cursor = page1.body.nextCursor as string;
  expect(typeof cursor).toBe('string');
  const page2 = await call(o1, 'GET', `tokens?limit=2&cursor=${encodeURIComponent(cursor)}`, { token: user.idToken });
  expect(page2.status).toBe(200);
  expect(page2.body.items).toHaveLength(2);
  const minted = await serviceCall(o1, 'service/tokens', {
    json: {
      userId: user.sub,
      clientId: 'persist-app',
      clientName: 'Persist',
      tokenType: 'access_token',
      scope: 'read',
      expiresIn: 3600,
    },
  });
  expect(minted.status).toBe(201);
  const value = minted.body.token as string;

  // --- stop: SIGTERM to the group; exits 0, removes outputs.json, leaves no process behind
  expect(existsSync(join(dir, 'outputs.json'))).toBe(true);
  const stopped = await first.stop();
  expect(stopped).toEqual({ code: 0, signal: null });
  expect(existsSync(join(dir, 'outputs.json'))).toBe(false);

  // --- second run on the same folder, seeding allowed: the folder is not empty, so no demo data
  second = await startLocalStack({ dir, env: { LOCAL_SEED: undefined } });
  const o2 = second.outputs;
  expect({ pool: o2.UserPoolId, client: o2.UserPoolClientId, table: o2.TableName, group: o2.AdminGroupName }).toEqual({
    pool: o1.UserPoolId,
    client: o1.UserPoolClientId,
    table: o1.TableName,
    group: o1.AdminGroupName,
  });
  expect({ key: o2.ServiceAccessKeyId, secret: o2.ServiceSecretAccessKey }).toEqual({
    key: o1.ServiceAccessKeyId,
    secret: o1.ServiceSecretAccessKey,
  });

  // A value minted before the restart is still recognised (same hash key), signed with the same key pair.
  const introspected = await serviceCall(o2, 'service/introspect', { form: { token: value } });
  expect(introspected.body).toMatchObject({ active: true, jti: minted.body.tokenId, sub: user.sub });

  // The users can still sign in, with the same sub.
  const again = await signIn(o2, user.username, user.password);
  expect(again.sub).toBe(user.sub);
  const adminAgain = await signIn(o2, admin.username, admin.password);

  // The revoked token is still revoked, exactly as it was.
  const shown = await call(o2, 'GET', `tokens/${target.tokenId}`, { token: again.idToken });
  expect(shown.status).toBe(200);
  expect(shown.body).toEqual(revoked.body);

  // The old cursor still works and gives the same page.
  const resumed = await call(o2, 'GET', `tokens?limit=2&cursor=${encodeURIComponent(cursor)}`, {
    token: again.idToken,
  });
  expect(resumed.status).toBe(200);
  expect(resumed.body.items).toEqual(page2.body.items);

  // Nothing was seeded into the non-empty folder: the table holds exactly our tokens.
  const all = await call(o2, 'GET', 'admin/tokens?limit=100', { token: adminAgain.idToken });
  expect(all.status).toBe(200);
  expect(all.body.nextCursor).toBeNull();
  expect((all.body.items as { tokenId: string }[]).map((v) => v.tokenId).sort()).toEqual(
    [...records.map((r) => r.tokenId), minted.body.tokenId as string].sort(),
  );

  await second.stop();
  expect(existsSync(join(dir, 'outputs.json'))).toBe(false);
}, 120_000);

describe('SIGTERM to the main process alone (kill <pid>, not the group)', () => {
  test('after start: stops everything it started, removes outputs.json, exits 0', async () => {
    const stack = await startLocalStack();
    expect(groupMembers(stack.pid).some((p) => p.args.includes('cognito-local'))).toBe(true);
    // stop() fails if any process of the group is still running 10 s later.
    expect(await stack.stop({ target: 'process' })).toEqual({ code: 0, signal: null });
  });

  test('during startup, while cognito-local is starting: stops it too', async () => {
    const stack = spawnLocalStack();
    try {
      const deadline = Date.now() + 20_000;
      while (!groupMembers(stack.pid).some((p) => p.args.includes('cognito-local'))) {
        if (Date.now() > deadline || stack.exited()) throw new Error(`cognito-local never started:\n${stack.log()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(existsSync(stack.outputsFile)).toBe(false); // still starting
    } catch (error) {
      await stack.stop().catch(() => undefined);
      throw error;
    }
    expect(await stack.stop({ target: 'process' })).toEqual({ code: 0, signal: null });
  });
});
