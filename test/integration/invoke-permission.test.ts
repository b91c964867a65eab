/**
 * Every route's function is invoked only as its resource policy allows, and the local stack enforces it as AWS
 * does. Taking a route's `AWS::Lambda::Permission` out of the synthesized template, the stack still starts (as
 * it still deploys), but the local gateway answers that route the 500 API Gateway answers for "Invalid
 * permissions on Lambda function" (API_CONFIGURATION_ERROR, which the template leaves to DEFAULT_5XX) without
 * running its function, while the other routes answer as before.
 */
import { SOURCE_METADATA_KEY } from '../../lib/handler-function';
import type { CfnTemplate } from '../../local/cfn-template';
import { type KeyPair, LOCAL_REGION, newKeyPair } from '../../local/local-aws';
import { type RunningDynalite, startDynalite } from '../support/dynalite';
import { expectErrorAnswer, type StackOutputs, serviceCall } from '../support/local-stack';
import { localTemplate, startTestRuntime, type TestRuntime } from '../support/runtime';

jest.setTimeout(60_000);

let db: RunningDynalite;
const keys = new Map<string, KeyPair>([['ServicePolicyArn', newKeyPair()]]);

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

/** The template without the permissions that let API Gateway invoke one function. */
function withoutPermissionsOf(template: CfnTemplate, functionId: string): CfnTemplate {
  const copy = structuredClone(template) as CfnTemplate;
  let removed = 0;
  for (const [id, resource] of Object.entries(copy.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Permission') continue;
    const { FunctionName } = resource.Properties as { FunctionName: { 'Fn::GetAtt'?: [string, string] } };
    if (FunctionName['Fn::GetAtt']?.[0] !== functionId) continue;
    delete copy.Resources[id];
    removed++;
  }
  if (removed === 0) throw new Error(`the template has no permission for ${functionId}`);
  return copy;
}

/** What a service caller holding the service policy needs of the outputs: the API and its key pair. */
const outputsOf = (rt: TestRuntime) => {
  const pair = keys.get('ServicePolicyArn') as KeyPair;
  return {
    ApiUrl: rt.runtime.apiUrl,
    Region: LOCAL_REGION,
    ServiceAccessKeyId: pair.accessKeyId,
    ServiceSecretAccessKey: pair.secretAccessKey,
  } as StackOutputs;
};

async function withRuntime(template: CfnTemplate, run: (rt: TestRuntime, o: StackOutputs) => Promise<void>) {
  const rt = await startTestRuntime({ dynamoDbBackend: db.endpoint, tableName: db.tableName, template, iamKeys: keys });
  try {
    await run(rt, outputsOf(rt));
  } finally {
    await rt.close();
  }
}

const mint = (o: StackOutputs) =>
  serviceCall(o, 'service/tokens', {
    json: {
      userId: 'someone',
      clientId: 'permission-app',
      clientName: 'Permission App',
      tokenType: 'access_token',
      scope: 'read',
      expiresIn: 600,
    },
  });

test('with the permissions the stack deploys, the service routes answer', async () => {
  await withRuntime(localTemplate().template, async (_, o) => {
    const minted = await mint(o);
    expect(minted.status).toBe(201);
    const introspected = await serviceCall(o, 'service/introspect', { form: { token: minted.body.token as string } });
    expect([introspected.status, introspected.body.active]).toEqual([200, true]);
  });
});

test("taking a route's permission out of the template makes that route a 500, and leaves the others be", async () => {
  const { template: own } = localTemplate();
  const introspection = Object.entries(own.Resources).find(
    ([, r]) => r.Metadata?.[SOURCE_METADATA_KEY] === 'lambdas/introspect-token.ts',
  )?.[0] as string;
  const template = withoutPermissionsOf(own, introspection);

  await withRuntime(template, async (rt, o) => {
    const invoke = jest.spyOn(rt.runtime.functionHost, 'invoke');
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    try {
      const minted = await mint(o);
      expect(minted.status).toBe(201);
      const introspected = await serviceCall(o, 'service/introspect', { form: { token: minted.body.token as string } });
      expectErrorAnswer(introspected, 500, o);
      const revoked = await serviceCall(o, 'service/revoke', {
        form: { token: minted.body.token as string, client_id: 'permission-app' },
      });
      expect(revoked.status).toBe(200);
    } finally {
      spy.mockRestore();
    }
    expect(invoke.mock.calls.map(([functionId]) => functionId)).not.toContain(introspection);
    expect(errors).toEqual([
      expect.stringContaining(`API_CONFIGURATION_ERROR, as deployed: no AWS::Lambda::Permission in the template`),
    ]);
    expect(errors[0]).toContain(`lambda:InvokeFunction ${introspection} from arn:aws:execute-api:`);
    expect(errors[0]).toContain('/POST/service/introspect');
  });
});
