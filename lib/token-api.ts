import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ROUTES, type RouteDefinition, type RouteName, type ServiceCaller } from '../lambdas/routes';
import { ApiFirewall } from './api-firewall';
import { addGatewayErrorResponses } from './gateway-responses';
import type { TokenLedgerConfig } from './stack-config';
import { answerUnknownRoutesWith404 } from './unknown-routes';

/** The API's one stage: the first segment of every URL path. */
const STAGE_NAME = 'prod';

export interface TokenApiProps {
  readonly userPool: IUserPool;
  readonly handlerFor: (route: RouteName) => IFunction;
  readonly allowedOrigins: readonly string[];
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly waf: TokenLedgerConfig['waf'];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The REST API: one method per route-table entry. `user` and `admin` routes sit behind the
 * Cognito authorizer (the functions check the admin group); `service` routes need a SigV4
 * signature of an IAM identity that one of `servicePolicies` (or another IAM policy) allows to invoke them.
 */
export class TokenApi extends Construct {
  readonly api: apigw.RestApi;
  /** The WAF web ACL in front of the stage; undefined with `waf=false`. */
  readonly firewall: ApiFirewall | undefined;
  /** Per kind of service caller, `execute-api:Invoke` on exactly the service routes it may call. */
  readonly servicePolicies: Readonly<Record<ServiceCaller, iam.ManagedPolicy>>;

  constructor(scope: Construct, id: string, props: TokenApiProps) {
    super(scope, id);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      // API Gateway publishes a REST API's metrics by name, not id: a name of its own per stack
      // keeps the alarms and dashboard (alarms.ts, dashboard.ts) from counting another stack's requests.
      restApiName: Stack.of(this).stackName,
      description: 'Token ledger: list, inspect and revoke OAuth tokens',
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        metricsEnabled: true,
      },
      // Access logs need the account-level API Gateway CloudWatch role. That setting is shared by
      // every API in the account and region, so the role is retained when this stack goes:
      // deleting it would silently stop every other API's logging.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      // No origins means no CORS at all (same-origin and non-browser clients only); the stack
      // always passes at least the console's. Origins may be tokens (the console's domain).
      // Preflights are answered by API Gateway itself, without the authorizer.
      ...(props.allowedOrigins.length > 0 && {
        defaultCorsPreflightOptions: {
          allowOrigins: [...props.allowedOrigins],
          allowHeaders: ['Authorization', 'Content-Type'],
          allowMethods: ['GET', 'POST', 'OPTIONS'],
        },
      }),
    });
    // The stack exports `ApiUrl` (docs/api.md#stack-outputs); RestApi's own `Endpoint` output would
    // be an extra, differently named copy of it in every outputs file.
    this.api.node.tryRemoveChild('Endpoint');

    const authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
    });

    for (const route of ROUTES) {
      const method = this.api.root.resourceForPath(route.path).addMethod(
        route.method,
        // No test-invoke permission: the console's test button is not a caller we need to allow.
        new apigw.LambdaIntegration(props.handlerFor(route.name), { proxy: true, allowTestInvoke: false }),
        route.access === 'service'
          ? { authorizationType: apigw.AuthorizationType.IAM }
          : { authorizer, authorizationType: apigw.AuthorizationType.COGNITO },
      );
      if (route.access === 'service') {
        NagSuppressions.addResourceSuppressions(method, [
          {
            id: 'AwsSolutions-COG4',
            reason:
              'A service route is called by the authorization and resource servers, ' +
              'which are IAM principals, not users: it requires a SigV4 signature ' +
              '(AWS_IAM) allowed by the service policy instead of a Cognito token.',
          },
        ]);
      }
    }

    // After the routes: it adds a 404 method to every resource they created.
    answerUnknownRoutesWith404(this.api, props.allowedOrigins);
    // Answers API Gateway or WAF give themselves carry one static CORS header: the console's origin,
    // listed first (see addGatewayErrorResponses).
    const [staticCorsOrigin] = props.allowedOrigins;
    addGatewayErrorResponses(this.api, staticCorsOrigin);

    // Last, so the `{proxy+}` resources of the 404s are included.
    for (const preflight of this.api.methods.filter((method) => method.httpMethod === 'OPTIONS')) {
      NagSuppressions.addResourceSuppressions(preflight, [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'A CORS preflight: browsers send OPTIONS without credentials, ' +
            'so it cannot require any. It is a MOCK that runs no code.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason: 'A CORS preflight: browsers send OPTIONS without credentials, so it cannot require a Cognito token.',
        },
      ]);
    }
    NagSuppressions.addResourceSuppressions(this.api, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Every function validates its whole request (path, query, body) against the input rules of the API and ' +
          'refuses it with the error body and in the order of checks the API documents; no method declares API ' +
          'Gateway models or required parameters, so a request validator would check nothing, and one with models ' +
          'would answer with other messages and in another order.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.api.deploymentStage, [
      {
        id: 'AwsSolutions-APIG6',
        reason:
          "The stage writes JSON access logs of every request to a log group with the stack's retention. Execution " +
          'logs would go to a log group API Gateway creates outside the stack (kept forever, left behind by the ' +
          'stack), and at INFO level or with data tracing they record request headers and bodies, which carry tokens.',
      },
    ]);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      NagSuppressions.addResourceSuppressions(cloudWatchRole, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            "The account's API Gateway logging role, which API Gateway assumes to write every " +
            "API's logs in the account and region: AmazonAPIGatewayPushToCloudWatchLogs is " +
            'the policy AWS documents for it, and API Gateway creates the log groups itself.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
        },
      ]);
    }

    const stage = this.api.deploymentStage;
    this.firewall = props.waf.enabled
      ? new ApiFirewall(this, 'Firewall', {
          stage,
          stageName: STAGE_NAME,
          rateLimit: props.waf.rateLimit,
          serviceRateLimit: props.waf.serviceRateLimit,
          corsOrigin: staticCorsOrigin,
        })
      : undefined;
    if (!this.firewall) {
      NagSuppressions.addResourceSuppressions(stage, [
        {
          id: 'AwsSolutions-APIG3',
          reason:
            'The web ACL was turned off with context waf=false: a deliberate choice for this deployment ' +
            '(a test stack, or a web ACL that Firewall Manager or another stack associates). The default deploys one.',
        },
      ]);
    }

    // No policy names: CloudFormation generates them, so several stacks can live in one account.
    const policyFor = (id: string, caller: ServiceCaller, description: string) => {
      const routes = ROUTES.filter((route) => (route as RouteDefinition).callers?.includes(caller));
      return new iam.ManagedPolicy(this, id, {
        description,
        statements: [
          new iam.PolicyStatement({
            actions: ['execute-api:Invoke'],
            resources: routes.map((route) =>
              this.api.arnForExecuteApi(route.method, invokePath(route), stage.stageName),
            ),
          }),
        ],
      });
    };
    this.servicePolicies = {
      'authorization-server': policyFor(
        'ServicePolicy',
        'authorization-server',
        "For the authorization server: mint, introspect and revoke tokens on the token API's service routes",
      ),
      'resource-server': policyFor(
        'IntrospectionPolicy',
        'resource-server',
        'For resource servers: introspect tokens on the token API, and nothing else',
      ),
    };
  }

  get url(): string {
    return this.api.url;
  }

  /**
   * `https://<api id>.execute-api.<region>.<suffix>`: what a browser calls, without the stage.
   * Unlike `url` it depends on the RestApi resource alone, so the console's distribution can
   * name it while the API's methods name the distribution.
   */
  get origin(): string {
    const stack = Stack.of(this);
    return `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }
}

/** An execute-api ARN names the requested path, so a path parameter matches any one value. */
function invokePath(route: RouteDefinition): string {
  return route.path.replace(/\{[^}]+\}/g, '*');
}
