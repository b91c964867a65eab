import type { CfnTemplate } from './cfn-template';
import { resolve, type StandIn } from './intrinsics';
import { LOCAL_ACCOUNT_ID, LOCAL_API_ID, localArn, tableArn as localTableArn, userPoolArn } from './local-aws';

/** What the local stack has in place of the deployed resources. */
export interface LocalResources {
  readonly region: string;
  readonly stackName: string;
  readonly tableName: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The local web console's origin, e.g. `http://127.0.0.1:3001`: the CloudFront distribution's stand-in. */
  readonly consoleOrigin: string;
}

/**
 * The distribution's domain name stands in as a marker: the template builds the console's origin
 * as `https://` + domain, and locally the console is served over http on loopback.
 */
const CONSOLE_HOST = '\u0000console-host\u0000';

/**
 * Resolves template values to what they are locally. Every resource type the functions,
 * policies and outputs refer to has a stand-in; a reference to any other fails loudly.
 */
export function localResolver(template: CfnTemplate, local: LocalResources) {
  const arn = (service: string, resource: string, region = local.region) => localArn(service, region, resource);
  const tableArn = localTableArn(local.region, local.tableName);
  const consoleHost = new URL(local.consoleOrigin).host;

  const byType: Record<string, (id: string, props: Record<string, unknown>) => StandIn> = {
    // The template's one table (readStackModel refuses a template with more).
    'AWS::DynamoDB::Table': () => ({
      ref: local.tableName,
      attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/local` },
    }),
    'AWS::SecretsManager::Secret': (id) => ({ ref: arn('secretsmanager', `secret:${id}-local`) }),
    'AWS::Cognito::UserPool': () => ({
      ref: local.userPoolId,
      attributes: {
        Arn: userPoolArn(local.region, local.userPoolId),
        ProviderName: `cognito-idp.${local.region}.amazonaws.com/${local.userPoolId}`,
      },
    }),
    'AWS::Cognito::UserPoolClient': () => ({ ref: local.userPoolClientId }),
    'AWS::Cognito::UserPoolGroup': (id, props) => ({ ref: String(props.GroupName ?? id) }),
    'AWS::ApiGateway::RestApi': (id) => ({ ref: LOCAL_API_ID, attributes: { RootResourceId: `${id}/root` } }),
    'AWS::ApiGateway::Resource': (id) => ({ ref: id }),
    'AWS::ApiGateway::Stage': (id, props) => ({ ref: String(props.StageName ?? id) }),
    'AWS::ApiGateway::Authorizer': (id) => ({ ref: id }),
    'AWS::IAM::Role': (id) => ({ ref: id, attributes: { Arn: arn('iam', `role/${id}`, '') } }),
    'AWS::IAM::ManagedPolicy': (id) => ({ ref: arn('iam', `policy/${id}`, '') }),
    'AWS::Lambda::Function': (id) => ({ ref: id, attributes: { Arn: arn('lambda', `function:${id}`) } }),
    'AWS::Logs::LogGroup': (id) => ({ ref: id, attributes: { Arn: arn('logs', `log-group:${id}:*`) } }),
    'AWS::SQS::Queue': (id) => ({
      ref: `https://sqs.${local.region}.amazonaws.com/${LOCAL_ACCOUNT_ID}/${id}`,
      attributes: { Arn: arn('sqs', id), QueueName: id },
    }),
    'AWS::CloudFront::Distribution': (id) => ({ ref: id, attributes: { DomainName: CONSOLE_HOST } }),
  };
  const standIns = new Map<string, StandIn>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const make = byType[resource.Type];
    if (make) standIns.set(id, make(id, resource.Properties ?? {}));
  }

  const context = {
    pseudo: {
      'AWS::Region': local.region,
      'AWS::AccountId': LOCAL_ACCOUNT_ID,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': local.stackName,
      'AWS::StackId': arn('cloudformation', `stack/${local.stackName}/00000000-0000-0000-0000-000000000000`),
    },
    standIn: (id: string) => standIns.get(id),
  };
  const localize = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replaceAll(`https://${CONSOLE_HOST}`, local.consoleOrigin).replaceAll(CONSOLE_HOST, consoleHost);
    }
    if (Array.isArray(value)) return value.map(localize);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, localize(item)]));
    }
    return value;
  };
  return {
    /** A template value with its intrinsic functions resolved to local values. */
    value: (templateValue: unknown): unknown => localize(resolve(context, templateValue)),
    /** The same, for a value that must be text. */
    text(templateValue: unknown): string {
      const resolved = this.value(templateValue);
      if (typeof resolved !== 'string') throw new Error(`expected text, got ${JSON.stringify(resolved)}`);
      return resolved;
    },
  };
}

export type LocalResolver = ReturnType<typeof localResolver>;
