import { Aws, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ERROR_STATUS } from '../lambdas/http/error-response';
import { GATEWAY_MESSAGES } from '../lambdas/http/gateway-messages';
import { ROUTES } from '../lambdas/routes';
import { PERIOD } from './metrics';

export interface ApiFirewallProps {
  readonly stage: apigw.Stage;
  /** The stage's name as a literal (the stage's own `stageName` is a reference), for matching paths. */
  readonly stageName: string;
  /** Requests one IP may send to the user and admin routes per 5 minutes. */
  readonly rateLimit: number;
  /** Requests one IP may send to the service routes per 5 minutes. */
  readonly serviceRateLimit: number;
  /** The origin that API Gateway's own error answers allow (the console's), for WAF's own answers. */
  readonly corsOrigin: string | undefined;
}

/** Where the service routes live: WAF tells them apart by path alone, so the route table must agree. */
const SERVICE_PATH_PREFIX = '/service/';

function assertServiceRoutesByPath(): void {
  for (const route of ROUTES) {
    if ((route.access === 'service') !== route.path.startsWith(SERVICE_PATH_PREFIX)) {
      throw new Error(`${route.name}: the firewall needs service routes, and only them, under ${SERVICE_PATH_PREFIX}`);
    }
  }
}

/** The rate-based rules' window: WAF counts each IP's requests over the last 5 minutes. */
const WINDOW_SECONDS = 300;

/**
 * A regional WAF web ACL on the API's stage. Rules, in order:
 *
 * 0. AWS's IP reputation list.
 * 1. `ServiceRequiresSignature`: a request to `/service/…` without a SigV4 `Authorization`
 *    header is blocked here, so unsigned floods never reach API Gateway, whose per-method
 *    throttle they would otherwise share with the resource servers' real introspections.
 * 2. `ServiceRateLimitPerIp`: signed-looking requests to `/service/…`, per IP, up to a limit of
 *    their own. Authorization and resource servers introspect once per request they serve, from
 *    few addresses, so their limit is far above people's; a forged-signature flood from one host
 *    still stops there.
 * 3. `RateLimitPerIp`: everything else, per IP, at the limit meant for people and their browsers.
 * 4–5. AWS's common rule set and known bad inputs.
 *
 * A request that passes them all is allowed, and still needs a Cognito token or a valid SigV4
 * signature at API Gateway.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's metric name, shared by its CloudWatch metrics. */
  readonly metricName: string;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    assertServiceRoutesByPath();
    const stackName = Stack.of(this).stackName;
    // WAF's metric names are per account and region: per stack, so two stacks never share one.
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${stackName}-${name}`,
    });
    const aclVisibility = visibility('api');
    this.metricName = aclVisibility.metricName;
    const managed = (
      priority: number,
      name: string,
      ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      // The group's own actions apply (block, except where overridden below).
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides } },
      visibilityConfig: visibility(name),
    });
    // Like the gateway responses, so the console can read WAF's own answers.
    const corsHeaders = props.corsOrigin ? [{ name: 'Access-Control-Allow-Origin', value: props.corsOrigin }] : [];
    const block = (status: number, bodyKey: string): wafv2.CfnWebACL.RuleActionProperty => ({
      block: {
        customResponse: {
          responseCode: status,
          customResponseBodyKey: bodyKey,
          ...(corsHeaders.length > 0 && { responseHeaders: corsHeaders }),
        },
      },
    });
    // The service routes' paths, as sent, with or without the stage in front.
    const servicePath: wafv2.CfnWebACL.StatementProperty = {
      regexMatchStatement: {
        fieldToMatch: { uriPath: {} },
        regexString: `^(/${props.stageName})?${SERVICE_PATH_PREFIX}`,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    const sigv4Signed: wafv2.CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { singleHeader: { Name: 'authorization' } },
        positionalConstraint: 'STARTS_WITH',
        searchString: 'AWS4-HMAC-SHA256 Credential=',
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    const perIp = (limit: number, scopeDown: wafv2.CfnWebACL.StatementProperty): wafv2.CfnWebACL.StatementProperty => ({
      rateBasedStatement: {
        limit,
        evaluationWindowSec: WINDOW_SECONDS,
        aggregateKeyType: 'IP',
        scopeDownStatement: scopeDown,
      },
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Token ledger API: signed service calls only, per-IP rate limits and AWS managed rules',
      defaultAction: { allow: {} },
      visibilityConfig: aclVisibility,
      // A block normally reaches the client as API Gateway's WAF_FILTERED response (403); these
      // rules answer in the API's error shape with a status of their own instead.
      customResponseBodies: {
        tooManyRequests: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: 'too_many_requests', message: GATEWAY_MESSAGES.tooManyRequests }),
        },
        signatureRequired: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: 'forbidden', message: GATEWAY_MESSAGES.signatureRequired }),
        },
      },
      rules: [
        managed(0, 'AWSManagedRulesAmazonIpReputationList'),
        {
          name: 'ServiceRequiresSignature',
          priority: 1,
          action: block(ERROR_STATUS.forbidden, 'signatureRequired'),
          statement: { andStatement: { statements: [servicePath, { notStatement: { statement: sigv4Signed } }] } },
          visibilityConfig: visibility('ServiceRequiresSignature'),
        },
        {
          name: 'ServiceRateLimitPerIp',
          priority: 2,
          action: block(ERROR_STATUS.too_many_requests, 'tooManyRequests'),
          statement: perIp(props.serviceRateLimit, servicePath),
          visibilityConfig: visibility('ServiceRateLimitPerIp'),
        },
        {
          name: 'RateLimitPerIp',
          priority: 3,
          action: block(ERROR_STATUS.too_many_requests, 'tooManyRequests'),
          statement: perIp(props.rateLimit, { notStatement: { statement: servicePath } }),
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        managed(4, 'AWSManagedRulesCommonRuleSet', [
          // Counted, not blocked: SizeRestrictions_BODY blocks bodies over 8 KB, which a service
          // call minting a token with many scopes or claims can reach, and NoUserAgent_HEADER
          // blocks requests without a User-Agent, which server-to-server HTTP clients often send.
          // Both stay visible in the metrics and sampled requests.
          { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
          { name: 'NoUserAgent_HEADER', actionToUse: { count: {} } },
        ]),
        managed(5, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  /** The web ACL's request counts, summed over every rule. */
  metrics(names: string[]): cloudwatch.Metric[] {
    return names.map(
      (metricName) =>
        new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName,
          dimensionsMap: { WebACL: this.metricName, Region: Aws.REGION, Rule: 'ALL' },
          statistic: 'Sum',
          period: PERIOD,
          label: metricName.replace('Requests', '').toLowerCase(),
        }),
    );
  }
}
