import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type Alarms, API_5XX_PERCENT } from './alarms';
import type { ApiFirewall } from './api-firewall';
import { PERIOD } from './metrics';
import type { TokenTable } from './token-table';

export interface DashboardProps {
  readonly stage: apigw.Stage;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly tokens: TokenTable;
  readonly alarms: Alarms;
  readonly firewall: ApiFirewall | undefined;
}

/** One CloudWatch dashboard of the API, the functions, the table, the firewall and the alarms. */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { stage, alarms, firewall } = props;
    const { table } = props.tokens;
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 6, height: 6, ...extra });
    const functions = Object.entries(props.functions);
    const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.Metric) =>
      functions.map(([name, fn]) => metric(fn).with({ label: name, period: PERIOD }));
    const stackName = Stack.of(this).stackName;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboards are named per account, not per region: the region keeps the same stack name in
      // two regions apart, and the name lets operators find it (alarm names CloudFormation
      // generates already start with the stack name).
      dashboardName: `${stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown:
              `## Token ledger: ${stackName}\n` +
              `API, functions, token table${firewall ? ' and WAF' : ''}; 5-minute sums unless labelled.`,
            width: 24,
            height: 1,
          }),
        ],
        [
          graph('API requests', [alarms.apiRequests]),
          graph('API latency (ms)', [
            stage.metricLatency({ statistic: 'p50', period: PERIOD, label: 'p50' }),
            stage.metricLatency({ statistic: 'p95', period: PERIOD, label: 'p95' }),
            stage.metricLatency({ statistic: 'p99', period: PERIOD, label: 'p99' }),
            stage.metricIntegrationLatency({ statistic: 'p95', period: PERIOD, label: 'integration p95' }),
          ]),
          graph('API errors', [
            stage.metricClientError({ statistic: 'Sum', period: PERIOD, label: '4XX' }),
            alarms.api5xx,
          ]),
          graph('API 5XX rate (%)', [alarms.api5xxRate], {
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
          graph('Table and index throttle events', alarms.tableThrottles),
          ...(firewall
            ? [graph('WAF requests', firewall.metrics(['AllowedRequests', 'BlockedRequests', 'CountedRequests']))]
            : []),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: alarms.alarms, width: 6, height: 6 }),
        ],
      ],
    });
  }
}
