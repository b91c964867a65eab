import { setTimeout as sleep } from 'node:timers/promises';
import type { TableChange } from './aws-endpoint';
import type { StreamViewType } from './create-table';
import { checkPattern, passesFilters } from './event-filter';
import type { FunctionHost } from './function-host';
import type { StreamConsumer } from './stack-model';

/** What Lambda sends a mapping's on-failure destination for records it gave up on: where they are, not the records. */
interface DeadLetter {
  /** The destination's ARN. */
  readonly destination: string;
  readonly message: {
    readonly requestContext: {
      readonly functionName: string;
      readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
      readonly approximateInvokeCount: number;
    };
    readonly version: '1.0';
    readonly timestamp: string;
    readonly DDBStreamBatchInfo: {
      readonly startSequenceNumber: string;
      readonly endSequenceNumber: string;
      readonly approximateArrivalOfFirstRecord: string;
      readonly approximateArrivalOfLastRecord: string;
      readonly batchSize: number;
      readonly streamArn: string;
    };
  };
}

interface StreamRecord {
  readonly eventID: string;
  readonly eventName: TableChange['eventName'];
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: Record<string, unknown> & { readonly SequenceNumber: string };
  readonly eventSourceARN: string;
}

type DeadLetterCondition = DeadLetter['message']['requestContext']['condition'];

interface Queue {
  readonly consumer: StreamConsumer;
  readonly records: StreamRecord[];
  /** When each queued record arrived, in the same order. */
  readonly arrivals: number[];
  running?: Promise<void>;
}

type Delivery = { kind: 'delivered' } | { kind: 'function-error' } | { kind: 'partial'; failedFrom: number };

/**
 * The token table's DynamoDB stream and the event source mappings that read it, locally: every
 * change the local AWS endpoint sees becomes a stream record, and each enabled consumer function
 * gets the records that pass its filters, in order, in batches of its batch size. A batch that fails
 * (an error, a timeout, or items reported in `batchItemFailures`) is retried from the first failed
 * record, with a growing pause, up to the mapping's maximum retry attempts; with bisecting on, one
 * that fails with a function error is first split in two, down to single records, and each half
 * retried (a split does not count as a retry, as Lambda's does not). Records past the mapping's
 * maximum age, or past their retries, are given up: the mapping's on-failure destination gets their
 * stream positions, as Lambda sends them, which the local stack logs and keeps in `deadLetters`.
 */
export class TableStream {
  private sequence = 0;
  private readonly queues: Queue[];
  private stopped = false;
  /** Ends the pauses of every drain at once when the stream closes. */
  private readonly stopping = new AbortController();
  /** What the on-failure destinations would have received. */
  readonly deadLetters: DeadLetter[] = [];

  constructor(
    consumers: readonly StreamConsumer[],
    private readonly functions: Pick<FunctionHost, 'invoke'>,
    private readonly settings: { readonly region: string; readonly viewType: StreamViewType },
  ) {
    for (const consumer of consumers) for (const pattern of consumer.filterPatterns) checkPattern(pattern);
    // A disabled mapping reads nothing, as Lambda's.
    this.queues = consumers.filter((c) => c.enabled).map((consumer) => ({ consumer, records: [], arrivals: [] }));
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

  private async drain(queue: Queue): Promise<void> {
    const { consumer } = queue;
    // The sizes of the batches owed before a new one is formed, from the oldest record on: the batch being
    // retried, or the halves of a split one.
    const owed: number[] = [];
    // Invocations of the batch at the head of `owed`.
    let attempts = 0;
    const dropOldest = (count: number) => {
      queue.records.splice(0, count);
      queue.arrivals.splice(0, count);
      for (let left = count; left > 0 && owed.length > 0; ) {
        const first = owed[0] ?? 0;
        if (first <= left) owed.shift();
        else owed[0] = first - left;
        left -= Math.min(first, left);
      }
    };
    const giveUp = (count: number, condition: DeadLetterCondition) => {
      this.giveUp(queue, count, condition, attempts);
      dropOldest(count);
      attempts = 0;
    };

    while (queue.records.length > 0 && !this.stopped) {
      if (consumer.maximumRecordAgeSeconds >= 0) {
        const oldestKept = Date.now() - consumer.maximumRecordAgeSeconds * 1000;
        const young = queue.arrivals.findIndex((arrival) => arrival >= oldestKept);
        const expired = young === -1 ? queue.records.length : young;
        if (expired > 0) {
          giveUp(expired, 'RecordAgeExceeded');
          continue;
        }
      }
      let size = owed[0];
      if (size === undefined) {
        // A batch that is not full waits out the batching window of its oldest record.
        const windowEnds = (queue.arrivals[0] ?? 0) + consumer.batchingWindowSeconds * 1000;
        if (queue.records.length < consumer.batchSize && Date.now() < windowEnds) {
          await this.pause(Math.min(windowEnds - Date.now(), 100));
          continue;
        }
        size = Math.min(queue.records.length, consumer.batchSize);
        owed.push(size);
      }
      const delivery = await this.deliver(consumer, queue.records.slice(0, size));
      if (this.stopped) return;
      attempts += 1;
      if (delivery.kind === 'delivered') {
        dropOldest(size);
        attempts = 0;
        continue;
      }
      if (delivery.kind === 'function-error' && consumer.bisectOnError && size > 1) {
        owed.splice(0, 1, Math.ceil(size / 2), Math.floor(size / 2));
        attempts = 0;
        continue;
      }
      // What succeeded before the first failure is done; the rest is the batch retried.
      const failedFrom = delivery.kind === 'partial' ? delivery.failedFrom : 0;
      dropOldest(failedFrom);
      if (consumer.maximumRetryAttempts >= 0 && attempts > consumer.maximumRetryAttempts) {
        giveUp(size - failedFrom, 'RetryAttemptsExhausted');
        continue;
      }
      await this.pause(Math.min(100 * 2 ** attempts, 5000));
    }
  }

  /** Whether the function took the whole batch, failed it with an error, or reported the records it failed. */
  private async deliver(consumer: StreamConsumer, batch: StreamRecord[]): Promise<Delivery> {
    const outcome = await this.functions.invoke(consumer.functionId, { Records: batch });
    if (outcome.kind !== 'result') {
      if (!this.stopped) {
        console.error(`local stream: ${consumer.functionId} failed a batch (${outcome.kind}): ${outcome.message}`);
      }
      return { kind: 'function-error' };
    }
    const failures = (outcome.value as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)
      ?.batchItemFailures;
    if (!consumer.reportBatchItemFailures || !failures || failures.length === 0) return { kind: 'delivered' };
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const index = batch.findIndex((record) => failed.has(record.dynamodb.SequenceNumber));
    // An unknown identifier fails the whole batch, as Lambda does.
    return { kind: 'partial', failedFrom: Math.max(index, 0) };
  }

  /** Gives up the oldest records of a queue, to its mapping's on-failure destination if it has one. */
  private giveUp(queue: Queue, count: number, condition: DeadLetterCondition, attempts: number): void {
    const { consumer } = queue;
    const records = queue.records.slice(0, count);
    const arrival = (index: number) => new Date(queue.arrivals[index] ?? 0).toISOString();
    const message: DeadLetter['message'] = {
      requestContext: { functionName: consumer.functionId, condition, approximateInvokeCount: attempts },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        startSequenceNumber: records[0]?.dynamodb.SequenceNumber ?? '',
        endSequenceNumber: records.at(-1)?.dynamodb.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: arrival(0),
        approximateArrivalOfLastRecord: arrival(count - 1),
        batchSize: count,
        streamArn: consumer.streamArn,
      },
    };
    const what = `local stream: ${consumer.functionId} gave up on ${count} record(s) (${condition})`;
    if (consumer.onFailure) {
      this.deadLetters.push({ destination: consumer.onFailure, message });
      console.error(`${what}; its on-failure destination ${consumer.onFailure} gets: ${JSON.stringify(message)}`);
    } else {
      console.error(`${what}; the mapping has no on-failure destination, so they are lost`);
    }
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
