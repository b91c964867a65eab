import { startAwsEndpoint } from './aws-endpoint';
import type { CfnTemplate } from './cfn-template';
import { cognitoAuthorizer } from './cognito-authorizer';
import { functionEnvironment } from './function-environment';
import { FunctionHost } from './function-host';
import { startGateway } from './gateway';
import { decide } from './iam-policy';
import { iamUserArn, type KeyPair, newKeyPair } from './local-aws';
import { sigv4Verifier } from './sigv4';
import { readStackModel, type SigningIdentity, type StackModel } from './stack-model';
import { type LocalResources, localResolver } from './stand-ins';
import { TableStream } from './table-stream';

interface RuntimeSettings {
  readonly template: CfnTemplate;
  readonly local: LocalResources;
  /** Where the table's DynamoDB calls finally go: dynalite, another endpoint, or a proxy in front of one. */
  readonly dynamoDbBackend: string;
  /** cognito-local's endpoint. */
  readonly cognitoEndpoint: string;
  /** Secret values by logical id of their `AWS::SecretsManager::Secret`. */
  readonly secretValues: ReadonlyMap<string, string>;
  /**
   * Local key pairs that stand for IAM identities holding a managed policy of the stack, by the
   * output that names the policy (`ServicePolicyArn`, ...).
   */
  readonly iamKeys: ReadonlyMap<string, KeyPair>;
  readonly apiPort: number;
  readonly openapi: string;
  /** Start every function's environment before answering (default); false starts each on first use. */
  readonly warm?: boolean;
}

export interface Runtime {
  readonly model: StackModel;
  readonly apiUrl: string;
  /** The local AWS endpoint, DynamoDB included: what the table's other writers should use too. */
  readonly awsEndpoint: string;
  readonly functionHost: FunctionHost;
  close(): Promise<void>;
}

/**
 * The deployed stack's behaviour, run locally from its synthesized template: the API Gateway
 * (local/gateway.ts), each function in its own execution environment with the template's
 * environment, timeout and memory (local/function-host.ts), every AWS call of a function checked
 * against its role (local/aws-endpoint.ts), and the table's stream feeding its consumers
 * (local/table-stream.ts). The backends (dynalite, cognito-local) are the caller's.
 */
export async function startRuntime(settings: RuntimeSettings): Promise<Runtime> {
  const { template, local } = settings;
  const resolver = localResolver(template, local);
  const model = readStackModel(template, resolver);
  const { table } = model;

  // Every identity the local stack checks, by access key, at the gateway and the AWS endpoint alike: each
  // function's role, and each service key with the managed policy its output names.
  const identities = new Map<string, SigningIdentity>();
  const functionKeys = new Map<string, KeyPair>();
  for (const fn of model.functions.values()) {
    const keys = newKeyPair();
    functionKeys.set(fn.logicalId, keys);
    identities.set(keys.accessKeyId, { secretAccessKey: keys.secretAccessKey, principal: fn.role });
  }
  for (const [outputName, keys] of settings.iamKeys) {
    identities.set(keys.accessKeyId, {
      secretAccessKey: keys.secretAccessKey,
      principal: {
        arn: iamUserArn(outputName.replace(/PolicyArn$/, '')),
        statements: model.managedPolicyOf(outputName),
      },
    });
  }

  const functionHost = new FunctionHost(model.functions, (fn) => {
    const keys = functionKeys.get(fn.logicalId);
    if (!keys) throw new Error(`no credentials for ${fn.logicalId}`);
    return functionEnvironment(fn, { region: local.region, endpoint: awsEndpoint.endpoint, ...keys });
  });

  // As Lambda refuses to create an event source mapping whose role cannot read the stream, or cannot send to
  // its on-failure destination.
  for (const consumer of model.streamConsumers) {
    const role = model.functions.get(consumer.functionId)?.role;
    const needs = [
      ...['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].map((action) => ({
        action,
        resource: consumer.streamArn,
        what: "reads the table's stream",
      })),
      ...(consumer.onFailure
        ? [{ action: 'sqs:SendMessage', resource: consumer.onFailure, what: 'gives up records to its destination' }]
        : []),
    ];
    for (const { action, resource, what } of needs) {
      if (!role || decide(role.statements, action, resource) !== 'allowed') {
        throw new Error(`${consumer.functionId} ${what}, but its role may not ${action} on it`);
      }
    }
  }
  const stream = new TableStream(model.streamConsumers, functionHost, {
    region: local.region,
    viewType: table.streamViewType ?? 'KEYS_ONLY',
  });

  const awsEndpoint = await startAwsEndpoint({
    region: local.region,
    identities,
    dynamoDbBackend: settings.dynamoDbBackend,
    cognitoBackend: settings.cognitoEndpoint,
    secrets: new Map(
      [...settings.secretValues].map(([id, value]) => [resolver.text({ Ref: id }), value] as [string, string]),
    ),
    table: {
      name: table.name,
      keyAttributes: table.keySchema.map((key) => String(key.AttributeName)),
    },
    ...(table.streamViewType && { onTableChange: (change) => stream.push(change) }),
  });

  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  // The stream takes no more records first; a drain waiting on its function returns once the function host ends it.
  const close = async () => {
    const streamClosed = stream.close();
    await gateway?.close();
    await functionHost.close();
    await streamClosed;
    await awsEndpoint.close();
  };
  try {
    if (settings.warm !== false) await functionHost.warm();
    gateway = await startGateway({
      port: settings.apiPort,
      model,
      functionHost,
      authorize: cognitoAuthorizer({ issuer: `${settings.cognitoEndpoint}/${local.userPoolId}` }),
      verifySignature: sigv4Verifier(
        { service: 'execute-api', region: local.region },
        (key) => identities.get(key)?.secretAccessKey,
      ),
      identities,
      openapi: settings.openapi,
    });
    return { model, apiUrl: gateway.url, awsEndpoint: awsEndpoint.endpoint, functionHost, close };
  } catch (error) {
    await close();
    throw error;
  }
}
