import { type CfnResource, type CfnTemplate, logicalIdIn, logicalIdsWithin, resourcesOfType } from './cfn-template';
import { type PolicyStatement, readStatements } from './iam-policy';
import { executeApiArn } from './local-aws';
import type { LocalResolver } from './stand-ins';

/** Where CDK's function construct records which source file a function runs (lib/handler-function.ts). */
export const SOURCE_METADATA_KEY = 'token-ledger:source';

/** An IAM identity: what its policies allow, as the local stack enforces it. */
export interface Principal {
  readonly arn: string;
  readonly statements: readonly PolicyStatement[];
}

/** An identity the local stack knows by its access key: the secret it signs with, and who it is. */
export interface SigningIdentity {
  readonly secretAccessKey: string;
  readonly principal: Principal;
}

export interface FunctionModel {
  readonly logicalId: string;
  /** Its ARN as the local stack names it: what Lambda gives a handler as `invokedFunctionArn`. */
  readonly arn: string;
  /** The handler module, relative to the project root (`lambdas/<name>.ts`). */
  readonly source: string;
  /** The module's export that Lambda calls. */
  readonly exportName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The function's execution role. */
  readonly role: Principal;
}

export type Authorization = 'COGNITO_USER_POOLS' | 'AWS_IAM' | 'NONE';

export interface ApiRoute {
  readonly method: string;
  /** Relative to the stage, as API Gateway's resource path: `/tokens/{tokenId}`. */
  readonly path: string;
  readonly authorization: Authorization;
  /** The function of a Lambda proxy integration. */
  readonly functionId: string;
}

/** A gateway response: what API Gateway itself answers for one kind of failure. */
export interface GatewayAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface CorsSettings {
  /** `*`, or exact origins. */
  readonly origins: readonly string[];
  readonly allowHeaders: string;
  readonly allowMethods: string;
}

/** A Lambda function triggered by the table's stream (an event source mapping). */
export interface StreamConsumer {
  readonly functionId: string;
  readonly batchSize: number;
  /** How long records gather before a batch that is not full is delivered. */
  readonly batchingWindowSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly reportBatchItemFailures: boolean;
  /** Lambda event filter patterns, any of which lets a record through; none lets all through. */
  readonly filterPatterns: readonly unknown[];
  readonly streamArn: string;
}

export interface StackModel {
  readonly functions: ReadonlyMap<string, FunctionModel>;
  readonly routes: readonly ApiRoute[];
  readonly gatewayResponses: ReadonlyMap<string, GatewayAnswer>;
  readonly cors: CorsSettings | undefined;
  readonly stage: string;
  readonly streamConsumers: readonly StreamConsumer[];
  /** An output's value, resolved locally. */
  output(name: string): string;
  /** The statements of the managed policy an output names (`ServicePolicyArn`, ...). */
  managedPolicyOf(outputName: string): readonly PolicyStatement[];
  /** What `execute-api:Invoke` is checked against for a request. */
  executeApiArn(method: string, requestPath: string): string;
}

const props = (resource: CfnResource) => resource.Properties ?? {};

/** A literal gateway header value is written in single quotes. */
const unquote = (value: string) => value.replace(/^'(.*)'$/s, '$1');

function resourcePath(template: CfnTemplate, resourceId: unknown): string {
  const id = logicalIdIn(resourceId);
  const resource = id === undefined ? undefined : template.Resources[id];
  if (resource?.Type !== 'AWS::ApiGateway::Resource') return ''; // the API's root
  const { ParentId, PathPart } = props(resource);
  return `${resourcePath(template, ParentId)}/${String(PathPart)}`;
}

function rolePrincipal(template: CfnTemplate, resolver: LocalResolver, roleId: string): Principal {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const { Policies = [], ManagedPolicyArns = [] } = props(role) as {
    Policies?: unknown[];
    ManagedPolicyArns?: unknown[];
  };
  const attached = resourcesOfType(template, 'AWS::IAM::Policy').filter(([, policy]) =>
    ((props(policy).Roles ?? []) as unknown[]).some((r) => logicalIdIn(r) === roleId),
  );
  const managed = (ManagedPolicyArns as unknown[]).map((arn) => {
    const policyId = logicalIdIn(arn);
    const policy = policyId === undefined ? undefined : template.Resources[policyId];
    if (!policy)
      throw new Error(`role ${roleId} has a managed policy the local stack cannot read: ${JSON.stringify(arn)}`);
    return props(policy).PolicyDocument;
  });
  const documents = [
    ...(Policies as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument),
    ...attached.map(([, policy]) => props(policy).PolicyDocument),
    ...managed,
  ];
  return {
    arn: resolver.text({ 'Fn::GetAtt': [roleId, 'Arn'] }),
    statements: documents.flatMap((document) => readStatements(resolver.value(document))),
  };
}

function functionModel(template: CfnTemplate, resolver: LocalResolver, id: string, fn: CfnResource): FunctionModel {
  const { Environment, Timeout = 3, MemorySize = 128, Role, Handler } = props(fn) as Record<string, unknown>;
  const source = fn.Metadata?.[SOURCE_METADATA_KEY];
  if (typeof source !== 'string')
    throw new Error(`function ${id} does not say which source it runs (${SOURCE_METADATA_KEY})`);
  const roleId = logicalIdIn(Role);
  if (!roleId) throw new Error(`function ${id} has no role of the template`);
  const variables = (Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return {
    logicalId: id,
    arn: resolver.text({ 'Fn::GetAtt': [id, 'Arn'] }),
    source,
    exportName: String(Handler).split('.').pop() ?? 'handler',
    environment: Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolver.text(value)])),
    timeoutSeconds: Number(Timeout),
    memoryMb: Number(MemorySize),
    role: rolePrincipal(template, resolver, roleId),
  };
}

function gatewayAnswer(resolver: LocalResolver, resource: CfnResource): GatewayAnswer {
  const { StatusCode, ResponseParameters = {}, ResponseTemplates = {} } = props(resource) as Record<string, never>;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(ResponseParameters as Record<string, unknown>)) {
    const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
    if (name) headers[name] = unquote(resolver.text(value));
  }
  const body = (ResponseTemplates as Record<string, string>)['application/json'] ?? '';
  if (body) headers['Content-Type'] = 'application/json';
  return { statusCode: Number(StatusCode), headers, body };
}

/** CORS as the preflight mocks answer it: their static headers, and the origins their VTL lets through. */
function corsSettings(template: CfnTemplate, resolver: LocalResolver): CorsSettings | undefined {
  const preflight = resourcesOfType(template, 'AWS::ApiGateway::Method').find(
    ([, method]) => props(method).HttpMethod === 'OPTIONS',
  );
  if (!preflight) return undefined;
  const integration = props(preflight[1]).Integration as {
    IntegrationResponses: { ResponseParameters: Record<string, unknown>; ResponseTemplates?: Record<string, string> }[];
  };
  const [response] = integration.IntegrationResponses;
  if (!response) return undefined;
  const header = (name: string) => {
    const value = response.ResponseParameters[`method.response.header.${name}`];
    return value === undefined ? '' : unquote(resolver.text(value));
  };
  const template_ = resolver.text(response.ResponseTemplates?.['application/json'] ?? '');
  const others = [...template_.matchAll(/\$origin == "([^"]+)"/g)].map((m) => m[1] as string);
  return {
    origins: [header('Access-Control-Allow-Origin'), ...others].filter(Boolean),
    allowHeaders: header('Access-Control-Allow-Headers'),
    allowMethods: header('Access-Control-Allow-Methods'),
  };
}

/** The parts of a synthesized template that the local stack runs and enforces, resolved to local values. */
export function readStackModel(template: CfnTemplate, resolver: LocalResolver): StackModel {
  const functions = new Map<string, FunctionModel>(
    resourcesOfType(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Metadata?.[SOURCE_METADATA_KEY] !== undefined)
      .map(([id, fn]) => [id, functionModel(template, resolver, id, fn)]),
  );

  const routes: ApiRoute[] = [];
  for (const [id, method] of resourcesOfType(template, 'AWS::ApiGateway::Method')) {
    const {
      HttpMethod,
      ResourceId,
      AuthorizationType = 'NONE',
      Integration,
    } = props(method) as Record<string, unknown>;
    const integration = Integration as { Type?: string; Uri?: unknown } | undefined;
    if (integration?.Type !== 'AWS_PROXY') continue;
    const functionId = logicalIdsWithin(integration.Uri).find((ref) => functions.has(ref));
    if (!functionId) throw new Error(`method ${id} integrates a function the local stack cannot run`);
    routes.push({
      method: String(HttpMethod),
      path: resourcePath(template, ResourceId) || '/',
      authorization: AuthorizationType as Authorization,
      functionId,
    });
  }

  const gatewayResponses = new Map(
    resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').map(([, response]) => [
      String(props(response).ResponseType),
      gatewayAnswer(resolver, response),
    ]),
  );

  const [stageEntry] = resourcesOfType(template, 'AWS::ApiGateway::Stage');
  const stage = stageEntry ? String(props(stageEntry[1]).StageName) : 'prod';

  const streamConsumers = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').flatMap(([id, mapping]) => {
    const p = props(mapping) as Record<string, unknown>;
    const functionId = logicalIdIn(p.FunctionName);
    if (!functionId || !functions.has(functionId))
      throw new Error(`event source mapping ${id} names no local function`);
    const filters = ((p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? []).map((f) =>
      JSON.parse(f.Pattern),
    );
    return [
      {
        functionId,
        batchSize: Number(p.BatchSize ?? 100),
        batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
        maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
        reportBatchItemFailures: ((p.FunctionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
        filterPatterns: filters,
        streamArn: resolver.text(p.EventSourceArn),
      },
    ];
  });

  const outputs = template.Outputs ?? {};
  const output = (name: string): string => {
    const found = outputs[name];
    if (!found) throw new Error(`the template has no output ${name}`);
    return resolver.text(found.Value);
  };
  const region = resolver.text({ Ref: 'AWS::Region' });

  return {
    functions,
    routes,
    gatewayResponses,
    cors: corsSettings(template, resolver),
    stage,
    streamConsumers,
    output,
    managedPolicyOf(outputName) {
      const policyId = logicalIdIn(outputs[outputName]?.Value);
      const policy = policyId === undefined ? undefined : template.Resources[policyId];
      if (policy?.Type !== 'AWS::IAM::ManagedPolicy') throw new Error(`output ${outputName} names no managed policy`);
      return readStatements(resolver.value(props(policy).PolicyDocument));
    },
    executeApiArn: (method, requestPath) => executeApiArn(region, stage, method, requestPath),
  };
}
