/**
 * The local stack's runtime (local/runtime.ts) in the test process, on a synthesized template:
 * each function in its own environment with its template settings, every AWS call checked
 * against its role. For tests that need the deployed behaviour without Cognito sign-ins: they
 * invoke functions directly with events like API Gateway's (the gateway is what checks a JWT's
 * signature; the functions read the token it verified). Given a cognito-local user pool, its
 * gateway also serves that pool's signed-in users over HTTP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { SOURCE_METADATA_KEY } from '../../lib/handler-function';
import { type CfnTemplate, resourcesOfType } from '../../local/cfn-template';
import { tableInputFromTemplate } from '../../local/create-table';
import { ensureTable } from '../../local/dynamodb';
import type { InvokeOutcome } from '../../local/function-host';
import { type KeyPair, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-aws';
import { type Runtime, startRuntime } from '../../local/runtime';
import { readStackModel } from '../../local/stack-model';
import { localResolver } from '../../local/stand-ins';
import { synthesizeStack } from '../../local/synth';
import { fakeConsoleDist } from '../infra/synth';
import { idTokenEvent } from './api-event';

let synthesized: { stackName: string; template: CfnTemplate } | undefined;

/** The stack's template as the local stack synthesizes it (once per test file). */
export function localTemplate(): { stackName: string; template: CfnTemplate } {
  synthesized ??= synthesizeStack({ consoleDist: fakeConsoleDist(), allowPasswordAuth: 'true' });
  return synthesized;
}

/** The local values the stack-model tests resolve a template against. */
const LOCAL_STAND_INS = {
  region: 'us-east-1',
  stackName: 'TokenLedger',
  tableName: 'tokens-local',
  userPoolId: 'local_pool',
  userPoolClientId: 'local-client',
  consoleOrigin: 'http://127.0.0.1:3001',
};

/** A template (the stack's own by default) read as the local stack reads it, with fixed local values. */
export const readLocalModel = (template: CfnTemplate = localTemplate().template) =>
  readStackModel(template, localResolver(template, LOCAL_STAND_INS));

export interface TestRuntime {
  readonly runtime: Runtime;
  readonly tableName: string;
  /** The app client whose ID tokens the functions accept. */
  readonly clientId: string;
  readonly issuer: string;
  /** The logical id of the function that runs `lambdas/<name>.ts`. */
  functionIdOf(name: string): string;
  /** Invokes a function as Lambda would, with no gateway in front. */
  invoke(name: string, event: unknown): Promise<InvokeOutcome>;
  /** An API Gateway event for a signed-in user (an admin with `admin: true`). */
  userEvent(sub: string, fields?: Partial<APIGatewayProxyEvent>, options?: { admin?: boolean }): APIGatewayProxyEvent;
  close(): Promise<void>;
}

export interface TestRuntimeOptions {
  /** Where the functions' DynamoDB calls end up (dynalite, or a proxy in front of it). */
  readonly dynamoDbBackend: string;
  /** Another template (one with a grant taken away, say); default: the stack's own. */
  readonly template?: CfnTemplate;
  /** An existing table to serve; default: a new one, created from the template on the backend. */
  readonly tableName?: string;
  /**
   * Key pairs for service callers of the gateway (`runtime.apiUrl`), by the output naming their
   * policy (`ServicePolicyArn`, ...); default: none.
   */
  readonly iamKeys?: ReadonlyMap<string, KeyPair>;
  /**
   * A user pool of cognito-local whose ID tokens the gateway's authorizer checks (and whose app
   * client the functions accept); default: none, so only direct invocations and service calls
   * get through.
   */
  readonly cognito?: { readonly endpoint: string; readonly userPoolId: string; readonly clientId: string };
}

export async function startTestRuntime(options: TestRuntimeOptions): Promise<TestRuntime> {
  const { stackName, template: own } = localTemplate();
  const template = options.template ?? own;
  const tableName = options.tableName ?? `tokens-${randomUUID()}`;
  if (!options.tableName) {
    const client = new DynamoDBClient({
      endpoint: options.dynamoDbBackend,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await ensureTable(client, tableName, tableInputFromTemplate(template, tableName));
    } finally {
      client.destroy();
    }
  }
  // Nothing listens on port 1: without a pool, a function that calls Cognito finds nobody there.
  const cognitoEndpoint = options.cognito?.endpoint ?? 'http://127.0.0.1:1';
  const userPoolId = options.cognito?.userPoolId ?? 'local_testpool';
  const clientId = options.cognito?.clientId ?? `client${randomBytes(6).toString('hex')}`;
  const issuer = `${cognitoEndpoint}/${userPoolId}`;
  const secretValues = new Map(
    resourcesOfType(template, 'AWS::SecretsManager::Secret').map(([id]) => [id, randomBytes(32).toString('hex')]),
  );
  const runtime = await startRuntime({
    template,
    local: {
      region: LOCAL_REGION,
      stackName,
      tableName,
      userPoolId,
      userPoolClientId: clientId,
      consoleOrigin: 'http://127.0.0.1:1',
    },
    dynamoDbBackend: options.dynamoDbBackend,
    cognitoEndpoint,
    secretValues,
    iamKeys: options.iamKeys ?? new Map(),
    apiPort: 0,
    openapi: '{}',
    warm: false,
  });
  const functionIdOf = (name: string) => {
    const source = `lambdas/${name}.ts`;
    const found = Object.entries(template.Resources).find(([, r]) => r.Metadata?.[SOURCE_METADATA_KEY] === source);
    if (!found) throw new Error(`no function runs ${source}`);
    return found[0];
  };
  return {
    runtime,
    tableName,
    clientId,
    issuer,
    functionIdOf,
    invoke: (name, event) => runtime.functionHost.invoke(functionIdOf(name), event),
    userEvent: (sub, fields = {}, { admin = false } = {}) =>
      idTokenEvent(
        {
          sub,
          iss: issuer,
          aud: clientId,
          token_use: 'id',
          ...(admin && { 'cognito:groups': ['token-admins'] }),
        },
        fields,
      ),
    close: () => runtime.close(),
  };
}

/** The proxy result of an invocation that answered; fails the test on a function error or timeout. */
export function answerOf(outcome: InvokeOutcome): APIGatewayProxyResult {
  if (outcome.kind !== 'result') throw new Error(`the function did not answer: ${outcome.kind} ${outcome.message}`);
  return outcome.value as APIGatewayProxyResult;
}
