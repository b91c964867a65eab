import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { TableConsumerDefinition } from '../lambdas/table-consumers';
import type { TokenTable } from './token-table';

export interface TableConsumerProps {
  readonly function: lambda.IFunction;
  readonly definition: TableConsumerDefinition;
  readonly tokens: TokenTable;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * How long a failing batch is retried before its records are given up to the dead-letter queue:
 * at most this many attempts, within this age of the record. Long enough to ride out a DynamoDB
 * throttling storm or a bad deploy that is rolled back, short enough that an operator hears of a
 * stuck cascade the same hour.
 */
export const STREAM_RETRY_ATTEMPTS = 10;
export const STREAM_MAX_RECORD_AGE = Duration.hours(1);

/**
 * A function fed by the token table's stream: only the records its filters let through, in
 * batches, reporting which records of a batch failed so only those are retried (after splitting
 * a failing batch in two); a batch that still fails is named in a dead-letter queue that an alarm
 * watches (lib/alarms.ts).
 */
export class TableConsumer extends Construct {
  readonly function: lambda.IFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: TableConsumerProps) {
    super(scope, id);
    this.function = props.function;
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(this.deadLetters, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the on-failure destination of the stream consumer: each message names a batch ' +
          '(shard and sequence numbers, never a token value) that failed every retry, for an operator after its alarm.',
      },
    ]);

    props.function.addEventSource(
      new DynamoEventSource(props.tokens.table, {
        // Revocations from now on; the table's older ones had their cascades run by their routes.
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: props.definition.batchSize,
        maxBatchingWindow: Duration.seconds(props.definition.batchingWindowSeconds),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.deadLetters),
        filters: props.definition.filters.map((pattern) =>
          lambda.FilterCriteria.filter(pattern as Record<string, unknown>),
        ),
      }),
    );
    NagSuppressions.addResourceSuppressions(
      props.function,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Reading a DynamoDB stream takes dynamodb:ListStreams, which supports no resource-level ' +
            'permission, so IAM only accepts "*" for it; every other stream action names this table\'s stream.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
