/**
 * A cascade left half-done by a crash finishes by itself. A refresh token is revoked through its
 * route; the route's function dies in the middle of the cascade (its access tokens' writes hang
 * until the function's timeout ends its environment); nobody retries. The table's stream still
 * holds the parent's revocation, and its consumer (lambdas/repair-cascades.ts) revokes the access
 * tokens once no route can still be cascading it, within a bounded time.
 *
 * The local stack runs as deployed (test/support/runtime.ts): the function's environment, role
 * and timeout, the stream's filters and batching window all come from the synthesized template.
 * Only the route's timeout is shortened, so its crash comes after seconds rather than 10 s.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { cascadeReason } from '../../lambdas/domain/cascade';
import type { TokenRecord } from '../../lambdas/domain/token';
import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import type { CfnTemplate } from '../../local/cfn-template';
import { putRecords, type RunningDynalite, startDynalite } from '../support/dynalite';
import { type FaultProxy, startFaultProxy, tokenIdOf } from '../support/fault-proxy';
import { localTemplate, startTestRuntime, type TestRuntime } from '../support/runtime';
import { tokenRecord } from '../support/token-records';

jest.setTimeout(120_000);

const ROUTE_TIMEOUT_SECONDS = 3;
/** The repair waits out the batching window, then needs a moment for its writes. */
const REPAIR_BOUND_MS = (CASCADE_REPAIR.batchingWindowSeconds + 15) * 1000;

let db: RunningDynalite;
let proxy: FaultProxy;
let rt: TestRuntime;

/** The template with the revoke route's function timing out sooner. */
function withShortTimeout(template: CfnTemplate, functionId: string): CfnTemplate {
  const copy = structuredClone(template) as CfnTemplate;
  const props = copy.Resources[functionId]?.Properties as { Timeout: number };
  props.Timeout = ROUTE_TIMEOUT_SECONDS;
  return copy;
}

beforeAll(async () => {
  db = await startDynalite();
  proxy = await startFaultProxy(db.endpoint);
  const { template } = localTemplate();
  const probe = await startTestRuntime({ dynamoDbBackend: proxy.endpoint, tableName: db.tableName, template });
  const routeId = probe.functionIdOf('revoke-token');
  await probe.close();
  rt = await startTestRuntime({
    dynamoDbBackend: proxy.endpoint,
    tableName: db.tableName,
    template: withShortTimeout(template, routeId),
  });
});

afterAll(async () => {
  await rt?.close();
  await proxy?.stop();
  await db?.stop();
});

async function stored(tokenId: string): Promise<TokenRecord> {
  const out = await db.documentClient.send(new GetCommand({ TableName: db.tableName, Key: { tokenId } }));
  return out.Item as TokenRecord;
}

test('a refresh token revoked by a function that died mid-cascade has its children revoked by the stream', async () => {
  const userId = 'user-who-crashed';
  const parent = tokenRecord({ userId, clientId: 'crash-app', tokenType: 'refresh_token' });
  const children = Array.from({ length: 3 }, () =>
    tokenRecord({ userId, clientId: 'crash-app', parentTokenId: parent.tokenId }),
  );
  await putRecords(db, [parent, ...children]);
  const childIds = new Set(children.map((c) => c.tokenId));

  // The children's writes hang; when the function's timeout ends it, they die with it.
  let crashed: () => void = () => undefined;
  const crash = new Promise<void>((resolve) => {
    crashed = resolve;
  });
  proxy.reset((a) =>
    a.operation === 'UpdateItem' && childIds.has(tokenIdOf(a) ?? '') ? { kind: 'hold', release: crash } : undefined,
  );
  const event = rt.userEvent(userId, { httpMethod: 'POST', pathParameters: { tokenId: parent.tokenId } });
  const outcome = await rt.invoke('revoke-token', event);
  // Its connections close with it; then the writes it had sent give up at the proxy.
  await new Promise((resolve) => setTimeout(resolve, 500));
  crashed();
  expect(outcome.kind).toBe('timeout');
  await proxy.settled({ quietMs: 200 });
  proxy.reset();

  const revokedParent = await stored(parent.tokenId);
  expect(revokedParent.revokedAt).toBeDefined();
  for (const child of children) expect((await stored(child.tokenId)).revokedAt).toBeUndefined();

  // Nobody retries: the stream's consumer finishes the cascade by itself.
  const started = Date.now();
  let pending = children;
  while (pending.length > 0 && Date.now() - started < REPAIR_BOUND_MS) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    pending = (await Promise.all(children.map((c) => stored(c.tokenId)))).filter((c) => c.revokedAt === undefined);
  }
  expect(pending).toEqual([]);
  for (const child of children) {
    expect(await stored(child.tokenId)).toMatchObject({
      revokedBy: revokedParent.revokedBy,
      revokeReason: cascadeReason(parent.tokenId),
    });
  }
  // Not before every route that could still be cascading it has ended.
  expect(Date.now() - started).toBeGreaterThanOrEqual(
    (CASCADE_REPAIR.batchingWindowSeconds - ROUTE_TIMEOUT_SECONDS - 2) * 1000,
  );
});
