import type { CfnResource } from './cfn-template';

const MODELLED = 'modelled';
const REFERENCE = 'a reference the local stack follows';
const LOGS = 'logs: locally they go to the terminal';
const NOTE = 'a note for people';

/**
 * The properties the local stack understands, for each resource type it reads: each is modelled, or has no local
 * effect for the reason given. Any other property fails the start, naming it: the local stack cannot judge it,
 * and ignoring it could let through locally what AWS refuses.
 */
const UNDERSTOOD: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'AWS::Lambda::Function': {
    Handler: MODELLED,
    Environment: MODELLED,
    MemorySize: MODELLED,
    Timeout: MODELLED,
    Role: MODELLED,
    Code: 'the local stack runs the source the metadata names',
    Runtime: 'the local Node.js runs every function',
    Architectures: "the local machine's",
    LoggingConfig: LOGS,
    TracingConfig: 'X-Ray: locally no traces are recorded',
    Description: NOTE,
  },
  'AWS::IAM::Role': {
    Policies: MODELLED,
    ManagedPolicyArns: MODELLED,
    AssumeRolePolicyDocument: 'who may assume it: locally only its function does',
    Description: NOTE,
  },
  'AWS::IAM::Policy': { PolicyDocument: MODELLED, Roles: MODELLED, PolicyName: NOTE },
  'AWS::IAM::ManagedPolicy': { PolicyDocument: MODELLED, Roles: MODELLED, Path: 'part of its name', Description: NOTE },
  'AWS::ApiGateway::RestApi': { Name: NOTE, Description: NOTE },
  'AWS::ApiGateway::Resource': { ParentId: MODELLED, PathPart: MODELLED, RestApiId: REFERENCE },
  'AWS::ApiGateway::Method': {
    HttpMethod: MODELLED,
    ResourceId: MODELLED,
    AuthorizationType: MODELLED,
    AuthorizerId: MODELLED,
    Integration: MODELLED,
    ApiKeyRequired: 'modelled: only false, as the local gateway checks no API keys',
    MethodResponses: 'what the integration may answer, which CloudFormation checks on deployment',
    RestApiId: REFERENCE,
  },
  'AWS::ApiGateway::Authorizer': {
    Type: MODELLED,
    IdentitySource: MODELLED,
    ProviderARNs: MODELLED,
    Name: NOTE,
    RestApiId: REFERENCE,
  },
  'AWS::ApiGateway::GatewayResponse': {
    ResponseType: MODELLED,
    StatusCode: MODELLED,
    ResponseParameters: MODELLED,
    ResponseTemplates: MODELLED,
    RestApiId: REFERENCE,
  },
  'AWS::ApiGateway::Stage': {
    StageName: MODELLED,
    MethodSettings: 'throttling, metrics and logs, which the local gateway does not emulate (see the README)',
    AccessLogSetting: LOGS,
    TracingEnabled: 'X-Ray: locally no traces are recorded',
    DeploymentId: REFERENCE,
    RestApiId: REFERENCE,
  },
  'AWS::Lambda::EventSourceMapping': {
    FunctionName: MODELLED,
    EventSourceArn: MODELLED,
    Enabled: MODELLED,
    StartingPosition: 'modelled: only LATEST, as the local stream starts empty at every start',
    BatchSize: MODELLED,
    MaximumBatchingWindowInSeconds: MODELLED,
    MaximumRetryAttempts: MODELLED,
    MaximumRecordAgeInSeconds: MODELLED,
    BisectBatchOnFunctionError: MODELLED,
    FunctionResponseTypes: MODELLED,
    FilterCriteria: MODELLED,
    DestinationConfig: MODELLED,
  },
  'AWS::Lambda::Permission': {
    FunctionName: MODELLED,
    Action: MODELLED,
    Principal: MODELLED,
    SourceArn: MODELLED,
    SourceAccount: MODELLED,
  },
  'AWS::DynamoDB::Table': {
    KeySchema: MODELLED,
    AttributeDefinitions: MODELLED,
    GlobalSecondaryIndexes: MODELLED,
    StreamSpecification: MODELLED,
    BillingMode: 'modelled: only PAY_PER_REQUEST, as the local table has no capacity to throttle',
    TimeToLiveSpecification: 'dynalite deletes nothing by TTL (see the README); the API never relies on it',
    PointInTimeRecoverySpecification: 'backups: the local table keeps no history',
    DeletionProtectionEnabled: 'the local stack never deletes its table',
  },
};

/** A resource's properties, once every one of them is understood (UNDERSTOOD); otherwise the start fails. */
export function propertiesOf(id: string, resource: CfnResource): Record<string, unknown> {
  const understood = UNDERSTOOD[resource.Type];
  if (!understood) throw new Error(`the local stack does not read ${resource.Type} resources (${id})`);
  const properties = resource.Properties ?? {};
  const unknown = Object.keys(properties).filter((name) => !Object.hasOwn(understood, name));
  if (unknown.length > 0) {
    throw new Error(
      `${resource.Type} ${id} sets ${unknown.join(', ')}, which the local stack does not model; ` +
        'it refuses to run a template it cannot judge',
    );
  }
  return properties;
}

/** The keys of a nested value, when only some are understood: `Integration`, `DestinationConfig`, ... */
export function checkKeys(where: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  const record = (value ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new Error(`${where} sets ${unknown.join(', ')}, which the local stack does not model`);
  }
  return record;
}
