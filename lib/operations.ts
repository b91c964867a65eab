import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ERROR_STATUS } from '../lambdas/domain/errors';
import { GATEWAY_RESPONSES } from './gateway-responses';
import { STAGE_NAME } from './token-api';
import type { TokenTable } from './token-table';

export interface OperationsProps {
  readonly api: apigw.RestApi;
  /** Every route's function, by route name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly tokens: TokenTable;
  /** Topic that every alarm notifies on ALARM and on OK; undefined: alarms without actions. */
  readonly alarmTopicArn: string | undefined;
  readonly waf: { readonly enabled: boolean; readonly rateLimit: number };
  /** The origin that API Gateway's own error answers allow (the console's), for WAF's 429. */
  readonly corsOrigin: string | undefined;
}

/** Every alarm looks at 5-minute sums, one period at a time. */
const PERIOD = Duration.minutes(5);
/** The API's 5xx alarm fires above this share of requests, in percent... */
export const API_5XX_PERCENT = 1;
/**
 * ...in a 5-minute window with at least this many requests: a failure among a handful of requests
 * is no rate (a failing function also raises its own Errors alarm). Above it, one 5xx alarms.
 */
export const API_5XX_MIN_REQUESTS = 20;
/** The rate-based rule's window: WAF counts each IP's requests over the last 5 minutes. */
const WAF_WINDOW_SECONDS = 300;

/**
 * What operators need to run the ledger: alarms on the signals that mean users get errors (the
 * API's 5xx rate, function errors and throttles, table throttles), a dashboard of the same, and a
 * WAF web ACL in front of the API.
 *
 * The alarms have no fixed names (CloudFormation generates them, so stacks never collide); each
 * description says what fired and where to look. Missing data is "not breaching": a quiet API
 * publishes no function or throttle metrics at all.
 */
export class Operations extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** undefined with `waf=false`. */
  readonly webAcl: wafv2.CfnWebACL | undefined;
  private readonly alarmAction: cloudwatch.IAlarmAction | undefined;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stage = props.api.deploymentStage;
    const { table } = props.tokens;
    if (props.alarmTopicArn) {
      // Imported, not created: who is told (email, chat, paging) is the operator's business.
      this.alarmAction = new cwActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
    }

    // --- API -----------------------------------------------------------------------------------
    const apiRequests = stage.metricCount({ statistic: 'Sum', period: PERIOD, label: 'requests' });
    const api4xx = stage.metricClientError({ statistic: 'Sum', period: PERIOD, label: '4XX' });
    const api5xx = stage.metricServerError({ statistic: 'Sum', period: PERIOD, label: '5XX' });
    // API Gateway publishes 0 for 5XXError in every period with requests, so the rate is defined
    // whenever there was traffic; below the minimum count it is reported as 0.
    const api5xxRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * errors / requests, 0)`,
      usingMetrics: { errors: api5xx, requests: apiRequests },
      period: PERIOD,
      label: '5XX rate (%)',
    });
    this.alarm('Api5xxRate', api5xxRate, {
      threshold: API_5XX_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description:
        `More than ${API_5XX_PERCENT}% of API requests answered 5xx over 5 minutes ` +
        `(with at least ${API_5XX_MIN_REQUESTS} requests). ` +
        'See the Errors alarms of the functions and the API access logs (status 5xx).',
    });

    // --- Functions -----------------------------------------------------------------------------
    const functions = Object.entries(props.functions);
    for (const [route, fn] of functions) {
      const id = pascalCase(route);
      this.alarm(`${id}Errors`, fn.metricErrors({ statistic: 'Sum', period: PERIOD }), {
        threshold: 1,
        description:
          `The function of route ${route} failed (an unhandled error or a timeout) at least once in 5 minutes. ` +
          'See its log group.',
      });
      this.alarm(`${id}Throttles`, fn.metricThrottles({ statistic: 'Sum', period: PERIOD }), {
        threshold: 1,
        description:
          `Lambda throttled the function of route ${route} at least once in 5 minutes: ` +
          "the account's or its concurrency limit.",
      });
    }

    // --- Table ---------------------------------------------------------------------------------
    // On demand tables throttle too: beyond the table's or a partition's limits, or when a GSI
    // cannot keep up with writes (which then throttles the table's writes).
    const throttleMetric = (metricName: 'ReadThrottleEvents' | 'WriteThrottleEvents', indexName?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: table.tableName, ...(indexName && { GlobalSecondaryIndexName: indexName }) },
        statistic: 'Sum',
        period: PERIOD,
      });
    const throttleMetrics: cloudwatch.Metric[] = [];
    for (const indexName of [undefined, ...props.tokens.indexNames]) {
      for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents'] as const) {
        const metric = throttleMetric(metricName, indexName);
        throttleMetrics.push(
          metric.with({ label: `${indexName ?? 'table'} ${metricName === 'ReadThrottleEvents' ? 'reads' : 'writes'}` }),
        );
        const what = indexName ? `index ${indexName} of the token table` : 'the token table';
        this.alarm(`Table${indexName ? pascalCase(indexName) : ''}${metricName}`, metric, {
          threshold: 1,
          description:
            `DynamoDB throttled ${metricName === 'ReadThrottleEvents' ? 'reads of' : 'writes to'} ${what} ` +
            'at least once in 5 minutes.',
        });
      }
    }

    // --- WAF -----------------------------------------------------------------------------------
    this.webAcl = props.waf.enabled ? this.firewall(props, stage) : undefined;
    if (!this.webAcl) {
      NagSuppressions.addResourceSuppressions(stage, [
        {
          id: 'AwsSolutions-APIG3',
          reason:
            'The web ACL was turned off with context waf=false: a deliberate choice for this deployment (a test ' +
            'stack, or a web ACL that Firewall Manager or another stack associates). The default deploys one.',
        },
      ]);
    }

    // --- Dashboard -----------------------------------------------------------------------------
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 6, height: 6, ...extra });
    const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.Metric) =>
      functions.map(([route, fn]) => metric(fn).with({ label: route, period: PERIOD }));

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboards are named per account, not per region: the region keeps the same stack name in
      // two regions apart, and the name lets operators find it (alarm names CloudFormation
      // generates already start with the stack name).
      dashboardName: `${Stack.of(this).stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown:
              `## Token ledger: ${Stack.of(this).stackName}\n` +
              `API, functions, token table${this.webAcl ? ' and WAF' : ''}; 5-minute sums unless labelled.`,
            width: 24,
            height: 1,
          }),
        ],
        [
          graph('API requests', [apiRequests]),
          graph('API latency (ms)', [
            stage.metricLatency({ statistic: 'p50', period: PERIOD, label: 'p50' }),
            stage.metricLatency({ statistic: 'p95', period: PERIOD, label: 'p95' }),
            stage.metricLatency({ statistic: 'p99', period: PERIOD, label: 'p99' }),
            stage.metricIntegrationLatency({ statistic: 'p95', period: PERIOD, label: 'integration p95' }),
          ]),
          graph('API errors', [api4xx, api5xx]),
          graph('API 5XX rate (%)', [api5xxRate], {
            leftAnnotations: [{ value: API_5XX_PERCENT, label: 'alarm', color: cloudwatch.Color.RED }],
          }),
        ],
        [
          graph(
            'Function invocations',
            perFunction((fn) => fn.metricInvocations({ statistic: 'Sum' })),
          ),
          graph(
            'Function errors',
            perFunction((fn) => fn.metricErrors({ statistic: 'Sum' })),
          ),
          graph(
            'Function duration p95 (ms)',
            perFunction((fn) => fn.metricDuration({ statistic: 'p95' })),
          ),
          graph(
            'Function throttles',
            perFunction((fn) => fn.metricThrottles({ statistic: 'Sum' })),
          ),
        ],
        [
          graph('Table consumed capacity units', [
            table.metricConsumedReadCapacityUnits({ statistic: 'Sum', period: PERIOD, label: 'read' }),
            table.metricConsumedWriteCapacityUnits({ statistic: 'Sum', period: PERIOD, label: 'write' }),
          ]),
          graph('Table and index throttle events', throttleMetrics),
          ...(this.webAcl
            ? [graph('WAF requests', this.wafMetrics(['AllowedRequests', 'BlockedRequests', 'CountedRequests']))]
            : []),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 6, height: 6 }),
        ],
      ],
    });
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    props: { threshold: number; description: string; comparisonOperator?: cloudwatch.ComparisonOperator },
  ): void {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      metric,
      threshold: props.threshold,
      comparisonOperator: props.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: props.description,
    });
    if (this.alarmAction) {
      alarm.addAlarmAction(this.alarmAction);
      // So whoever was told also learns that it is over.
      alarm.addOkAction(this.alarmAction);
    }
    this.alarms.push(alarm);
  }

  /** WAF's metric names: per stack, so two stacks' web ACLs never share a metric. */
  private wafMetricName(name: string): string {
    return `${Stack.of(this).stackName}-${name}`;
  }

  private wafMetrics(names: string[]): cloudwatch.Metric[] {
    return names.map(
      (metricName) =>
        new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName,
          dimensionsMap: { WebACL: this.wafMetricName('api'), Region: Aws.REGION, Rule: 'ALL' },
          statistic: 'Sum',
          period: PERIOD,
          label: metricName.replace('Requests', '').toLowerCase(),
        }),
    );
  }

  /**
   * A regional web ACL on the API's stage. Rules in order: AWS's IP reputation list, the per-IP
   * rate limit, AWS's common rule set and known bad inputs. A request that passes them all is
   * allowed (and still needs a Cognito token or a SigV4 signature).
   */
  private firewall(props: OperationsProps, stage: apigw.Stage): wafv2.CfnWebACL {
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: this.wafMetricName(name),
    });
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
    const throttled = GATEWAY_RESPONSES.find((r) => r.error === 'too_many_requests');
    if (!throttled) throw new Error('no gateway response for too_many_requests');

    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Token ledger API: AWS managed rules and a per-IP rate limit',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('api'),
      // A WAF block normally reaches the client as API Gateway's WAF_FILTERED response (403
      // forbidden, in the API's error shape); the rate limit answers the API's own 429 instead.
      customResponseBodies: {
        tooManyRequests: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ error: throttled.error, message: throttled.message }),
        },
      },
      rules: [
        managed(0, 'AWSManagedRulesAmazonIpReputationList'),
        {
          name: 'RateLimitPerIp',
          priority: 1,
          action: {
            block: {
              customResponse: {
                responseCode: ERROR_STATUS.too_many_requests,
                customResponseBodyKey: 'tooManyRequests',
                // Like the gateway responses, so the console can read the answer.
                ...(props.corsOrigin && {
                  responseHeaders: [{ name: 'Access-Control-Allow-Origin', value: props.corsOrigin }],
                }),
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: props.waf.rateLimit,
              evaluationWindowSec: WAF_WINDOW_SECONDS,
              aggregateKeyType: 'IP',
              // Not the service routes: the authorization and resource servers call them from a
              // few addresses, one introspection per request they serve, far above any per-IP
              // limit meant for people. They are signed (AWS_IAM) and limited by the stage's
              // throttling; an unsigned request there is refused by API Gateway without running
              // any code. The path is matched as sent, with or without the stage in front.
              scopeDownStatement: {
                notStatement: {
                  statement: {
                    regexMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      regexString: `^(/${STAGE_NAME})?/service/`,
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                },
              },
            },
          },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        managed(2, 'AWSManagedRulesCommonRuleSet', [
          // Counted, not blocked: SizeRestrictions_BODY blocks bodies over 8 KB, which a service
          // call minting a token with many scopes or claims can reach, and NoUserAgent_HEADER
          // blocks requests without a User-Agent, which server-to-server HTTP clients often send.
          // Both stay visible in the metrics and sampled requests.
          { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
          { name: 'NoUserAgent_HEADER', actionToUse: { count: {} } },
        ]),
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });

    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: stage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    return webAcl;
  }
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}
