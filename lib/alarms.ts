import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PERIOD } from './metrics';
import { pascalCase } from './names';
import type { TokenTable } from './token-table';

export interface AlarmsProps {
  readonly stage: apigw.Stage;
  /** Every function, by route or consumer name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The functions the table's stream feeds, by name: their iterator age is watched too. */
  readonly streamConsumers: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter queues: a message in one means work given up after every retry. */
  readonly deadLetters: Readonly<Record<string, sqs.IQueue>>;
  readonly tokens: TokenTable;
  /** Topic that every alarm notifies on ALARM and on OK; undefined: alarms without actions. */
  readonly alarmTopicArn: string | undefined;
}

/** The API's 5xx alarm fires above this share of requests, in percent... */
export const API_5XX_PERCENT = 1;
/**
 * ...in a 5-minute window with at least this many requests: a failure among a handful of requests
 * is no rate (a failing function also raises its own Errors alarm). Above it, one 5xx alarms.
 */
const API_5XX_MIN_REQUESTS = 20;
/** A stream consumer this far behind (its oldest unprocessed record's age) is stuck or throttled. */
const STREAM_LAG_ALARM = Duration.minutes(1);

/**
 * Alarms on the signals that mean users get errors or work is left undone: the API's 5xx rate,
 * function errors and throttles, table throttles, a stream consumer falling behind, and work
 * given up to a dead-letter queue. No fixed names (CloudFormation generates them, so stacks never
 * collide); each description says what fired and where to look. Missing data is "not breaching":
 * a quiet API publishes no function or throttle metrics at all.
 */
export class Alarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly apiRequests: cloudwatch.Metric;
  readonly api5xx: cloudwatch.Metric;
  readonly api5xxRate: cloudwatch.MathExpression;
  readonly tableThrottles: cloudwatch.Metric[] = [];
  private readonly action: cloudwatch.IAlarmAction | undefined;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { stage } = props;
    if (props.alarmTopicArn) {
      // Imported, not created: who is told (email, chat, paging) is the operator's business.
      this.action = new cwActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
    }

    // --- API -----------------------------------------------------------------------------------
    this.apiRequests = stage.metricCount({ statistic: 'Sum', period: PERIOD, label: 'requests' });
    this.api5xx = stage.metricServerError({ statistic: 'Sum', period: PERIOD, label: '5XX' });
    // API Gateway publishes 0 for 5XXError in every period with requests, so the rate is defined
    // whenever there was traffic; below the minimum count it is reported as 0.
    this.api5xxRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * errors / requests, 0)`,
      usingMetrics: { errors: this.api5xx, requests: this.apiRequests },
      period: PERIOD,
      label: '5XX rate (%)',
    });
    this.alarm('Api5xxRate', this.api5xxRate, {
      threshold: API_5XX_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description:
        `More than ${API_5XX_PERCENT}% of API requests answered 5xx over 5 minutes (with at least ` +
        `${API_5XX_MIN_REQUESTS} requests). See the Errors alarms of the functions and the API access logs ` +
        '(status 5xx).',
    });

    // --- Functions -----------------------------------------------------------------------------
    for (const [name, fn] of Object.entries(props.functions)) {
      const id = pascalCase(name);
      this.alarm(`${id}Errors`, fn.metricErrors({ statistic: 'Sum', period: PERIOD }), {
        threshold: 1,
        description:
          `The function ${name} failed (an unhandled error or a timeout) at least once in 5 minutes. ` +
          'See its log group.',
      });
      this.alarm(`${id}Throttles`, fn.metricThrottles({ statistic: 'Sum', period: PERIOD }), {
        threshold: 1,
        description:
          `Lambda throttled the function ${name} at least once in 5 minutes: the account's or its ` +
          'concurrency limit.',
      });
    }
    for (const [name, fn] of Object.entries(props.streamConsumers)) {
      const iteratorAge = fn.metric('IteratorAge', { statistic: 'Maximum', period: PERIOD });
      this.alarm(`${pascalCase(name)}IteratorAge`, iteratorAge, {
        threshold: STREAM_LAG_ALARM.toMilliseconds(),
        description:
          `The function ${name} is more than ${STREAM_LAG_ALARM.toHumanString()} behind the token table's stream: ` +
          'its batches keep failing or it is throttled. See its Errors alarm and log group.',
      });
    }
    for (const [name, queue] of Object.entries(props.deadLetters)) {
      const visible = queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD });
      this.alarm(`${pascalCase(name)}DeadLetters`, visible, {
        threshold: 1,
        description:
          `The function ${name} gave up on a batch of stream records after every retry; its dead-letter ` +
          'queue names the batch (shard and sequence numbers), not the records. For a cascade: find the tokenId ' +
          'of each "cascade failed" line in its log group, revoke that refresh token again (any revoke finishes ' +
          'its cascade), then purge the queue.',
      });
    }

    // --- Table ---------------------------------------------------------------------------------
    // On demand tables throttle too: beyond the table's or a partition's limits, or when a GSI
    // cannot keep up with writes (which then throttles the table's writes).
    const { table } = props.tokens;
    for (const indexName of [undefined, ...props.tokens.indexNames]) {
      for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents'] as const) {
        const metric = new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: { TableName: table.tableName, ...(indexName && { GlobalSecondaryIndexName: indexName }) },
          statistic: 'Sum',
          period: PERIOD,
        });
        const reads = metricName === 'ReadThrottleEvents';
        this.tableThrottles.push(metric.with({ label: `${indexName ?? 'table'} ${reads ? 'reads' : 'writes'}` }));
        const what = indexName ? `index ${indexName} of the token table` : 'the token table';
        this.alarm(`Table${indexName ? pascalCase(indexName) : ''}${metricName}`, metric, {
          threshold: 1,
          description: `DynamoDB throttled ${reads ? 'reads of' : 'writes to'} ${what} at least once in 5 minutes.`,
        });
      }
    }
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
    if (this.action) {
      alarm.addAlarmAction(this.action);
      // So whoever was told also learns that it is over.
      alarm.addOkAction(this.action);
    }
    this.alarms.push(alarm);
  }
}
