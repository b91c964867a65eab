import { SOURCE_METADATA_KEY } from '../lib/handler-function';
import {
  type CfnResource,
  type CfnTemplate,
  logicalIdIn,
  logicalIdsWithin,
  onlyResourceOfType,
  resourcesOfType,
} from './cfn-template';
import { readTableDefinition, type TableDefinition } from './create-table';
import { type FunctionPermission, type PolicyStatement, readStatements } from './iam-policy';
import { executeApiArn } from './local-aws';
import type { LocalResolver } from './stand-ins';
import { checkKeys, propertiesOf } from './understood-properties';

/** An IAM identity: what its policies allow, as the local stack enforces it. */
interface Principal {
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

type Authorization = 'COGNITO_USER_POOLS' | 'AWS_IAM' | 'NONE';

/** A gateway response: what API Gateway itself answers for one kind of failure. */
export interface GatewayAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What a MOCK integration answers: its one integration response, as the template writes it. */
export interface MockAnswer extends GatewayAnswer {
  /**
   * Further allowed origins: a request from one of them gets it as `Access-Control-Allow-Origin` instead of the
   * header's own value, as the mapping template that CDK writes for several origins does.
   */
  readonly echoedOrigins: readonly string[];
  /** With passthrough NEVER, the content types it maps: a request of another gets API Gateway's 415. */
  readonly contentTypes?: readonly string[];
}

type Integration =
  | { readonly kind: 'function'; readonly functionId: string }
  | { readonly kind: 'mock'; readonly answer: MockAnswer };

/** One method of the REST API: a resource path and an HTTP method (or `ANY`), and what answers it. */
export interface ApiRoute {
  /** The API resource's id, as the request context names it. */
  readonly resourceId: string;
  readonly method: string;
  /** Relative to the stage, as API Gateway's resource path: `/tokens/{tokenId}`, `/{proxy+}`. */
  readonly path: string;
  readonly authorization: Authorization;
  readonly integration: Integration;
}

interface TableModel extends TableDefinition {
  readonly name: string;
  readonly arn: string;
  readonly streamArn: string;
}

/** A Lambda function triggered by the table's stream (an event source mapping). */
export interface StreamConsumer {
  readonly functionId: string;
  /** A disabled mapping reads nothing. */
  readonly enabled: boolean;
  readonly batchSize: number;
  /** How long records gather before a batch that is not full is delivered. */
  readonly batchingWindowSeconds: number;
  /** -1: until the record's age runs out. */
  readonly maximumRetryAttempts: number;
  /** Records older than this are given up, as after the last retry; -1: no limit. */
  readonly maximumRecordAgeSeconds: number;
  /** A batch that fails with a function error is split in two, and each half retried. */
  readonly bisectOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** Lambda event filter patterns, any of which lets a record through; none lets all through. */
  readonly filterPatterns: readonly unknown[];
  readonly streamArn: string;
  /** The ARN of the on-failure destination, which receives what the mapping gives up on. */
  readonly onFailure?: string;
}

export interface StackModel {
  readonly functions: ReadonlyMap<string, FunctionModel>;
  readonly routes: readonly ApiRoute[];
  readonly gatewayResponses: ReadonlyMap<string, GatewayAnswer>;
  readonly stage: string;
  readonly table: TableModel;
  readonly streamConsumers: readonly StreamConsumer[];
  /** What the functions' resource policies allow: the gateway may invoke a function only as one of these lets it. */
  readonly permissions: readonly FunctionPermission[];
  /** An output's value, resolved locally. */
  output(name: string): string;
  /** The statements of the managed policy an output names (`ServicePolicyArn`, ...). */
  managedPolicyOf(outputName: string): readonly PolicyStatement[];
  /** What `execute-api:Invoke` is checked against for a request. */
  executeApiArn(method: string, requestPath: string): string;
}

/** The resource a reference points at, which must be of the given type. */
function referenced(template: CfnTemplate, reference: unknown, type: string, where: string): [string, CfnResource] {
  const id = logicalIdIn(reference);
  const resource = id === undefined ? undefined : template.Resources[id];
  if (id === undefined || resource?.Type !== type) {
    throw new Error(`${where} names a ${type} the local stack cannot read: ${JSON.stringify(reference)}`);
  }
  return [id, resource];
}

/** A literal gateway header value is written in single quotes. */
const unquote = (value: string) => value.replace(/^'(.*)'$/s, '$1');

/** The statements of a managed policy of the template, from a reference to it. */
function managedPolicy(
  template: CfnTemplate,
  resolver: LocalResolver,
  reference: unknown,
  where: string,
): PolicyStatement[] {
  const [id, policy] = referenced(template, reference, 'AWS::IAM::ManagedPolicy', where);
  return readStatements(resolver.value(propertiesOf(id, policy).PolicyDocument));
}

function rolePrincipal(template: CfnTemplate, resolver: LocalResolver, roleId: string): Principal {
  const [, role] = referenced(template, { Ref: roleId }, 'AWS::IAM::Role', `a function's role ${roleId}`);
  const { Policies = [], ManagedPolicyArns = [] } = propertiesOf(roleId, role) as {
    Policies?: unknown[];
    ManagedPolicyArns?: unknown[];
  };
  // Policies that name the role attach to it, inline and managed alike.
  const attached = [
    ...resourcesOfType(template, 'AWS::IAM::Policy'),
    ...resourcesOfType(template, 'AWS::IAM::ManagedPolicy'),
  ].filter(([, policy]) => ((policy.Properties?.Roles ?? []) as unknown[]).some((r) => logicalIdIn(r) === roleId));
  const documents = [
    ...Policies.map((policy) => checkKeys(`role ${roleId}'s policy`, policy, ['PolicyName', 'PolicyDocument'])),
    ...attached.map(([id, policy]) => propertiesOf(id, policy)),
  ].map((policy) => policy.PolicyDocument);
  return {
    arn: resolver.text({ 'Fn::GetAtt': [roleId, 'Arn'] }),
    statements: [
      ...documents.flatMap((document) => readStatements(resolver.value(document))),
      ...ManagedPolicyArns.flatMap((arn) => managedPolicy(template, resolver, arn, `role ${roleId}`)),
    ],
  };
}

function functionModel(template: CfnTemplate, resolver: LocalResolver, id: string, fn: CfnResource): FunctionModel {
  const { Environment, Timeout = 3, MemorySize = 128, Role, Handler } = propertiesOf(id, fn);
  const source = fn.Metadata?.[SOURCE_METADATA_KEY];
  if (typeof source !== 'string')
    throw new Error(`function ${id} does not say which source it runs (${SOURCE_METADATA_KEY})`);
  const [roleId] = referenced(template, Role, 'AWS::IAM::Role', `function ${id}`);
  const exportName = typeof Handler === 'string' ? /^[^.]+\.(.+)$/.exec(Handler)?.[1] : undefined;
  if (!exportName) throw new Error(`function ${id} has no handler of the form <module>.<export>`);
  const { Variables = {} } = checkKeys(`function ${id}'s environment`, Environment, ['Variables']);
  return {
    logicalId: id,
    arn: resolver.text({ 'Fn::GetAtt': [id, 'Arn'] }),
    source,
    exportName,
    environment: Object.fromEntries(
      Object.entries(Variables as Record<string, unknown>).map(([name, value]) => [name, resolver.text(value)]),
    ),
    timeoutSeconds: Number(Timeout),
    memoryMb: Number(MemorySize),
    role: rolePrincipal(template, resolver, roleId),
  };
}

/** `/tokens/{tokenId}`: a resource's path, from the API's root. */
function resourcePath(template: CfnTemplate, resourceId: unknown): string {
  const id = logicalIdIn(resourceId);
  const resource = id === undefined ? undefined : template.Resources[id];
  if (id === undefined || resource?.Type !== 'AWS::ApiGateway::Resource') return ''; // the API's root
  const { ParentId, PathPart } = propertiesOf(id, resource);
  return `${resourcePath(template, ParentId)}/${String(PathPart)}`;
}

const ORIGIN_ECHO = new RegExp(
  [
    String.raw`^#set\(\$origin = \$input\.params\(\)\.header\.get\("Origin"\)\)\n`,
    String.raw`#if\(\$origin == ""\)\n`,
    String.raw`  #set\(\$origin = \$input\.params\(\)\.header\.get\("origin"\)\)\n`,
    String.raw`#end\n`,
    String.raw`#if\((?<condition>[^\n]+)\)\n`,
    String.raw`  #set\(\$context\.responseOverride\.header\.Access-Control-Allow-Origin = \$origin\)\n`,
    String.raw`#end\n?`,
  ].join(''),
);

/**
 * A MOCK's answer. Its mapping template may only be static text, preceded by the block that CDK writes to answer
 * further allowed origins with their own; any other VTL is refused, as the local gateway cannot run it.
 */
function mockAnswer(resolver: LocalResolver, where: string, integration: Record<string, unknown>): MockAnswer {
  const { IntegrationResponses, RequestTemplates = {}, PassthroughBehavior } = integration;
  const responses = IntegrationResponses as unknown[] | undefined;
  if (responses?.length !== 1) throw new Error(`${where} is a MOCK with other than one integration response`);
  const response = checkKeys(`${where}'s integration response`, responses[0], [
    'StatusCode',
    'ResponseParameters',
    'ResponseTemplates',
  ]);
  const requestTemplates = RequestTemplates as Record<string, string>;
  for (const [contentType, template] of Object.entries(requestTemplates)) {
    if (!/^\{\s*"?statusCode"?\s*:\s*\d+\s*\}$/.test(template)) {
      throw new Error(`${where}'s request template for ${contentType} does more than pick a status code`);
    }
  }
  // Without NEVER (the default, WHEN_NO_MATCH), a request of a content type the mock does not map reaches it as
  // it is, which the local gateway does not model: it answers such a request as any other (see the README).
  if (PassthroughBehavior !== undefined && PassthroughBehavior !== 'NEVER') {
    throw new Error(
      `${where} passes requests through ${String(PassthroughBehavior)}, which the local stack does not model`,
    );
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries((response.ResponseParameters ?? {}) as Record<string, unknown>)) {
    const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
    if (!name) throw new Error(`${where} maps ${key}, which the local stack does not model`);
    headers[name] = unquote(resolver.text(value));
  }
  const templates = checkKeys(`${where}'s response templates`, response.ResponseTemplates, ['application/json']);
  const template = resolver.text(templates['application/json'] ?? '');
  const echo = ORIGIN_ECHO.exec(template);
  const body = echo ? template.slice(echo[0].length) : template;
  if (/[$#]/.test(body)) throw new Error(`${where}'s response template is VTL the local gateway cannot run`);
  const echoedOrigins = (echo?.groups?.condition ?? '').split(' || ').filter(Boolean);
  const origins = echoedOrigins.map((test) => /^\$origin == "([^"]+)"$/.exec(test)?.[1]);
  if (origins.some((origin) => origin === undefined)) {
    throw new Error(`${where}'s response template tests origins in a way the local gateway cannot run`);
  }
  return {
    statusCode: Number(response.StatusCode),
    headers,
    body,
    echoedOrigins: origins as string[],
    ...(PassthroughBehavior === 'NEVER' && { contentTypes: Object.keys(requestTemplates) }),
  };
}

/** The Cognito authorizer a method names: it must check the Authorization header against the template's pool. */
function checkAuthorizer(template: CfnTemplate, resolver: LocalResolver, reference: unknown, where: string) {
  const [id, authorizer] = referenced(template, reference, 'AWS::ApiGateway::Authorizer', where);
  const { Type, IdentitySource, ProviderARNs } = propertiesOf(id, authorizer);
  const [poolId] = onlyResourceOfType(template, 'AWS::Cognito::UserPool');
  const poolArn = resolver.text({ 'Fn::GetAtt': [poolId, 'Arn'] });
  const providers = ((ProviderARNs ?? []) as unknown[]).map((arn) => resolver.text(arn));
  if (
    Type !== 'COGNITO_USER_POOLS' ||
    IdentitySource !== 'method.request.header.Authorization' ||
    providers.length !== 1 ||
    providers[0] !== poolArn
  ) {
    throw new Error(
      `authorizer ${id} is not what the local gateway runs: a Cognito authorizer of the template's user pool ` +
        'reading the Authorization header',
    );
  }
}

function apiRoute(
  template: CfnTemplate,
  resolver: LocalResolver,
  id: string,
  method: CfnResource,
  functions: ReadonlyMap<string, FunctionModel>,
): ApiRoute {
  const where = `method ${id}`;
  const props = propertiesOf(id, method);
  const { HttpMethod, ResourceId, AuthorizationType = 'NONE', AuthorizerId, ApiKeyRequired = false } = props;
  if (ApiKeyRequired !== false) throw new Error(`${where} requires an API key, which the local gateway does not check`);
  const path = resourcePath(template, ResourceId) || '/';
  const resourceId = resolver.text(ResourceId);
  const integration = (props.Integration ?? {}) as Record<string, unknown>;
  if (integration.Type === 'AWS_PROXY') {
    checkKeys(`${where}'s integration`, integration, ['Type', 'Uri', 'IntegrationHttpMethod']);
    if (integration.IntegrationHttpMethod !== 'POST')
      throw new Error(`${where} invokes its function other than by POST`);
    const functionId = logicalIdsWithin(integration.Uri).find((ref) => functions.has(ref));
    if (!functionId) throw new Error(`${where} integrates a function the local stack cannot run`);
    if (AuthorizationType === 'COGNITO_USER_POOLS') checkAuthorizer(template, resolver, AuthorizerId, where);
    else if (AuthorizationType !== 'AWS_IAM' || AuthorizerId !== undefined) {
      throw new Error(
        `${where} is authorized by ${String(AuthorizationType)}: ` +
          'the local gateway serves Lambda methods with COGNITO_USER_POOLS or AWS_IAM only',
      );
    }
    return {
      resourceId,
      method: String(HttpMethod),
      path,
      authorization: AuthorizationType as Authorization,
      integration: { kind: 'function', functionId },
    };
  }
  if (integration.Type === 'MOCK') {
    checkKeys(`${where}'s integration`, integration, [
      'Type',
      'IntegrationResponses',
      'RequestTemplates',
      'PassthroughBehavior',
    ]);
    if (AuthorizationType !== 'NONE' || AuthorizerId !== undefined) {
      throw new Error(
        `${where} is a MOCK authorized by ${String(AuthorizationType)}: ` +
          'the local gateway serves MOCKs without authorization only',
      );
    }
    return {
      resourceId,
      method: String(HttpMethod),
      path,
      authorization: 'NONE',
      integration: { kind: 'mock', answer: mockAnswer(resolver, where, integration) },
    };
  }
  throw new Error(`${where} has a ${String(integration.Type)} integration, which the local gateway does not serve`);
}

function gatewayAnswer(resolver: LocalResolver, id: string, resource: CfnResource): GatewayAnswer {
  const { StatusCode, ResponseParameters = {}, ResponseTemplates = {} } = propertiesOf(id, resource);
  if (StatusCode === undefined) throw new Error(`gateway response ${id} has no status code`);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(ResponseParameters as Record<string, unknown>)) {
    const name = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
    if (!name) throw new Error(`gateway response ${id} maps ${key}, which the local stack does not model`);
    headers[name] = unquote(resolver.text(value));
  }
  const templates = checkKeys(`gateway response ${id}'s templates`, ResponseTemplates, ['application/json']);
  const body = resolver.text(templates['application/json'] ?? '');
  if (/[$#]/.test(body)) throw new Error(`gateway response ${id}'s template is VTL the local gateway cannot run`);
  if (body) headers['Content-Type'] = 'application/json';
  return { statusCode: Number(StatusCode), headers, body };
}

function streamConsumer(
  resolver: LocalResolver,
  id: string,
  mapping: CfnResource,
  context: { functions: ReadonlyMap<string, FunctionModel>; table: TableModel },
): StreamConsumer {
  const where = `event source mapping ${id}`;
  const props = propertiesOf(id, mapping);
  const functionId = logicalIdIn(props.FunctionName);
  if (!functionId || !context.functions.has(functionId)) throw new Error(`${where} names no local function`);
  const streamArn = resolver.text(props.EventSourceArn);
  if (!context.table.streamViewType || streamArn !== context.table.streamArn) {
    throw new Error(
      `${where} reads ${streamArn}, not the table's stream, which is the only one the local stack emulates`,
    );
  }
  if (props.StartingPosition !== 'LATEST') {
    throw new Error(`${where} starts at ${String(props.StartingPosition)}: the local stream starts empty, as LATEST`);
  }
  const responseTypes = (props.FunctionResponseTypes ?? []) as string[];
  if (responseTypes.some((type) => type !== 'ReportBatchItemFailures')) {
    throw new Error(`${where} has response types ${responseTypes.join(', ')}, which the local stack does not model`);
  }
  const filters = checkKeys(`${where}'s filter criteria`, props.FilterCriteria, ['Filters']);
  const destinations = checkKeys(`${where}'s destinations`, props.DestinationConfig, ['OnFailure']);
  const onFailure = checkKeys(`${where}'s on-failure destination`, destinations.OnFailure, ['Destination']);
  return {
    functionId,
    enabled: props.Enabled !== false,
    batchSize: Number(props.BatchSize ?? 100),
    batchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
    maximumRetryAttempts: Number(props.MaximumRetryAttempts ?? -1),
    maximumRecordAgeSeconds: Number(props.MaximumRecordAgeInSeconds ?? -1),
    bisectOnError: props.BisectBatchOnFunctionError === true,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    filterPatterns: ((filters.Filters ?? []) as { Pattern: string }[]).map((filter) =>
      JSON.parse(checkKeys(`${where}'s filter`, filter, ['Pattern']).Pattern as string),
    ),
    streamArn,
    ...(onFailure.Destination !== undefined && { onFailure: resolver.text(onFailure.Destination) }),
  };
}

/**
 * A permission on one of the local functions; one on another function (or a version or alias of one, which
 * API Gateway's unqualified invocation never uses) lets nothing the local stack runs be invoked.
 */
function functionPermission(
  resolver: LocalResolver,
  id: string,
  resource: CfnResource,
  functions: ReadonlyMap<string, FunctionModel>,
): FunctionPermission | undefined {
  const { FunctionName, Action, Principal, SourceArn, SourceAccount } = propertiesOf(id, resource);
  // Lambda takes a function's name, its ARN, or its ARN from the account on.
  const name = resolver.text(FunctionName);
  const named = (fn: FunctionModel) => {
    const parts = fn.arn.split(':');
    return [fn.arn, parts.slice(4).join(':'), parts.slice(6).join(':')].includes(name);
  };
  const fn = [...functions.values()].find(named);
  if (!fn) return undefined;
  return {
    logicalId: id,
    functionId: fn.logicalId,
    action: resolver.text(Action),
    principal: resolver.text(Principal),
    ...(SourceArn !== undefined && { sourceArn: resolver.text(SourceArn) }),
    ...(SourceAccount !== undefined && { sourceAccount: resolver.text(SourceAccount) }),
  };
}

/**
 * The parts of a synthesized template that the local stack runs and enforces, resolved to local values. A
 * property of these resources that it does not model fails it, rather than being ignored.
 */
export function readStackModel(template: CfnTemplate, resolver: LocalResolver): StackModel {
  const definition = readTableDefinition(template);
  const table: TableModel = {
    ...definition,
    name: resolver.text({ Ref: definition.logicalId }),
    arn: resolver.text({ 'Fn::GetAtt': [definition.logicalId, 'Arn'] }),
    streamArn: resolver.text({ 'Fn::GetAtt': [definition.logicalId, 'StreamArn'] }),
  };

  const functions = new Map<string, FunctionModel>(
    resourcesOfType(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Metadata?.[SOURCE_METADATA_KEY] !== undefined)
      .map(([id, fn]) => [id, functionModel(template, resolver, id, fn)]),
  );

  const [apiId, api] = onlyResourceOfType(template, 'AWS::ApiGateway::RestApi');
  propertiesOf(apiId, api);
  const [stageId, stageResource] = onlyResourceOfType(template, 'AWS::ApiGateway::Stage');
  const stage = String(propertiesOf(stageId, stageResource).StageName);
  const routes = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([id, method]) =>
    apiRoute(template, resolver, id, method, functions),
  );

  const gatewayResponses = new Map(
    resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').map(([id, response]) => [
      String(propertiesOf(id, response).ResponseType),
      gatewayAnswer(resolver, id, response),
    ]),
  );
  // The local gateway answers every refusal of its own with one of these, as API Gateway falls back to them.
  for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
    if (!gatewayResponses.has(type)) throw new Error(`the template has no ${type} gateway response`);
  }

  const streamConsumers = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([id, mapping]) =>
    streamConsumer(resolver, id, mapping, { functions, table }),
  );

  const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').flatMap(([id, permission]) => {
    const read = functionPermission(resolver, id, permission, functions);
    return read ? [read] : [];
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
    stage,
    table,
    streamConsumers,
    permissions,
    output,
    managedPolicyOf: (outputName) =>
      managedPolicy(template, resolver, outputs[outputName]?.Value, `output ${outputName}`),
    executeApiArn: (method, requestPath) => executeApiArn(region, stage, method, requestPath),
  };
}
