import { setTimeout as sleep } from 'node:timers/promises';
import type { TableChange } from './aws-endpoint';
import type { StreamViewType } from './create-table';
import { checkPattern, passesFilters } from './event-filter';
import type { FunctionHost } from './function-host';
import type { StreamConsumer } from './stack-model';

interface StreamRecord {
  readonly eventID: string;
  readonly eventName: TableChange['eventName'];
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: Record<string, unknown> & { readonly SequenceNumber: string };
  readonly eventSourceARN: string;
}

/**
 * The token table's DynamoDB stream and the event source mappings that read it, locally: every
 * change the local AWS endpoint sees becomes a stream record, and each consumer function gets
 * the records that pass its filters, in order, in batches of its batch size. A batch that fails
 * (an error, a timeout, or items reported in `batchItemFailures`) is retried from the first failed
 * record, with a growing pause, up to the mapping's maximum retry attempts; then the records are
 * given up, as Lambda hands them to the mapping's on-failure destination.
 */
export class TableStream {
  private sequence = 0;
  private readonly queues: {
    consumer: StreamConsumer;
    records: StreamRecord[];
    /** When each queued record arrived, in the same order. */
    arrivals: number[];
    running?: Promise<void>;
  }[];
  private stopped = false;
  /** Ends the pauses of every drain at once when the stream closes. */
  private readonly stopping = new AbortController();

  constructor(
    consumers: readonly StreamConsumer[],
    private readonly functions: Pick<FunctionHost, 'invoke'>,
    private readonly settings: { readonly region: string; readonly viewType: StreamViewType },
  ) {
    for (const consumer of consumers) for (const pattern of consumer.filterPatterns) checkPattern(pattern);
    this.queues = consumers.map((consumer) => ({ consumer, records: [], arrivals: [] }));
  }

  push(change: TableChange): void {
    if (this.stopped) return;
    const { viewType } = this.settings;
    this.sequence += 1;
    const sequenceNumber = String(this.sequence).padStart(21, '0');
    const dynamodb = {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: change.keys,
      ...(viewType.includes('NEW') && change.newImage && { NewImage: change.newImage }),
      ...(viewType.includes('OLD') && change.oldImage && { OldImage: change.oldImage }),
      SequenceNumber: sequenceNumber,
      SizeBytes: JSON.stringify(change).length,
      StreamViewType: viewType,
    };
    for (const queue of this.queues) {
      const record: StreamRecord = {
        eventID: sequenceNumber,
        eventName: change.eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: this.settings.region,
        dynamodb,
        eventSourceARN: queue.consumer.streamArn,
      };
      if (!passesFilters(queue.consumer.filterPatterns, record)) continue;
      queue.records.push(record);
      queue.arrivals.push(Date.now());
      // A drain that throws (its function's environment cannot start) must not end the whole local stack.
      queue.running ??= this.drain(queue)
        .catch((error: unknown) => console.error(`local stream: ${queue.consumer.functionId} stopped reading:`, error))
        .finally(() => {
          queue.running = undefined;
        });
    }
  }

  private async drain(queue: (typeof this.queues)[number]): Promise<void> {
    const { consumer } = queue;
    let attempts = 0;
    const done = (count: number) => {
      queue.records.splice(0, count);
      queue.arrivals.splice(0, count);
    };
    while (queue.records.length > 0 && !this.stopped) {
      // A batch that is not full waits out the batching window of its oldest record.
      const windowEnds = (queue.arrivals[0] ?? 0) + consumer.batchingWindowSeconds * 1000;
      if (queue.records.length < consumer.batchSize && Date.now() < windowEnds) {
        await this.pause(Math.min(windowEnds - Date.now(), 100));
        continue;
      }
      const batch = queue.records.slice(0, consumer.batchSize);
      const failedFrom = await this.deliver(consumer, batch);
      if (this.stopped) return;
      if (failedFrom === undefined) {
        done(batch.length);
        attempts = 0;
        continue;
      }
      done(failedFrom); // what succeeded before the first failure is done
      attempts += 1;
      if (consumer.maximumRetryAttempts >= 0 && attempts > consumer.maximumRetryAttempts) {
        const given = batch.length - failedFrom;
        done(given);
        console.error(
          `local stream: ${consumer.functionId} gave up on ${given} record(s) after ${attempts} attempts ` +
            '(deployed, they go to the on-failure destination)',
        );
        attempts = 0;
        continue;
      }
      await this.pause(Math.min(100 * 2 ** attempts, 5000));
    }
  }

  /** Undefined when the whole batch succeeded; otherwise the index of the first record to retry. */
  private async deliver(consumer: StreamConsumer, batch: StreamRecord[]): Promise<number | undefined> {
    const outcome = await this.functions.invoke(consumer.functionId, { Records: batch });
    if (outcome.kind !== 'result') {
      if (this.stopped) return 0;
      console.error(`local stream: ${consumer.functionId} failed a batch (${outcome.kind}): ${outcome.message}`);
      return 0;
    }
    const failures = (outcome.value as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)
      ?.batchItemFailures;
    if (!consumer.reportBatchItemFailures || !failures || failures.length === 0) return undefined;
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const index = batch.findIndex((record) => failed.has(record.dynamodb.SequenceNumber));
    return Math.max(index, 0); // an unknown identifier fails the whole batch, as Lambda does
  }

  /** Resolves once every record pushed so far has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.queues.some((q) => q.running)) await Promise.all(this.queues.map((q) => q.running));
  }

  /** A pause that ends early when the stream closes. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  /**
   * Takes no more records and ends every pause; resolves once every drain has returned, which a drain waiting
   * for its function does only when that invocation ends (closing the function host ends it).
   */
  async close(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await Promise.all(this.queues.map((queue) => queue.running));
  }
}
