import type { TableChange } from '../../local/aws-endpoint';
import type { FunctionHost, InvokeOutcome } from '../../local/function-host';
import type { StreamConsumer } from '../../local/stack-model';
import { TableStream } from '../../local/table-stream';

const consumer: StreamConsumer = {
  functionId: 'Consumer',
  enabled: true,
  batchSize: 10,
  batchingWindowSeconds: 0,
  maximumRetryAttempts: -1,
  maximumRecordAgeSeconds: -1,
  bisectOnError: false,
  reportBatchItemFailures: true,
  filterPatterns: [],
  streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/tokens/stream/local',
};
const DEAD_LETTERS = 'arn:aws:sqs:us-east-1:000000000000:DeadLetters';
const settings = { region: 'us-east-1', viewType: 'NEW_IMAGE' } as const;

const change = (id: string): TableChange => ({
  eventName: 'INSERT',
  keys: { tokenId: { S: id } },
  newImage: { tokenId: { S: id } },
});

type TestRecord = { dynamodb: { Keys: { tokenId: { S: string } }; SequenceNumber: string } };
const idsOf = (records: TestRecord[]) => records.map((r) => r.dynamodb.Keys.tokenId.S);

/** A function host whose one function answers with `answer`, recording each batch it is given. */
function fakeHost(answer: (records: TestRecord[]) => Promise<InvokeOutcome>) {
  const batches: TestRecord[][] = [];
  const host: Pick<FunctionHost, 'invoke'> = {
    invoke: (_id, event) => {
      const records = (event as { Records: TestRecord[] }).Records;
      batches.push(records);
      return answer(records);
    },
  };
  return { host, batches };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

let errors: jest.SpyInstance;
beforeEach(() => {
  errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => errors.mockRestore());

describe('closing the stream', () => {
  test('ends the pause before the next retry at once, and delivers nothing after', async () => {
    const { host, batches } = fakeHost(async () => ({ kind: 'error', errorType: 'Error', message: 'failed' }));
    const stream = new TableStream([consumer], host, settings);
    stream.push(change('a'));
    await until(() => batches.length === 3); // the next pause is 800 ms
    const started = Date.now();
    await stream.close();
    expect(Date.now() - started).toBeLessThan(500);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(batches).toHaveLength(3);
  });

  test('waits for a delivery in flight', async () => {
    let answer: (outcome: InvokeOutcome) => void = () => undefined;
    const { host, batches } = fakeHost(
      () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    );
    const stream = new TableStream([consumer], host, settings);
    stream.push(change('a'));
    await until(() => batches.length === 1);
    let closed = false;
    const closing = stream.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    answer({ kind: 'crashed', message: 'the local stack is stopping' });
    await closing;
    expect(closed).toBe(true);
  });
});

test('a delivery that throws is logged; it does not end the process with an unhandled rejection', async () => {
  const { host, batches } = fakeHost(async () => {
    throw new Error('no thread for the function');
  });
  const stream = new TableStream([consumer], host, settings);
  stream.push(change('a'));
  await until(() => batches.length === 1);
  await stream.close();
  expect(errors).toHaveBeenCalledWith('local stream: Consumer stopped reading:', expect.any(Error));
});

const failed: InvokeOutcome = { kind: 'error', errorType: 'Error', message: 'failed' };

describe('giving up records, as the event source mapping says', () => {
  test('a batch failing with a function error is split in two, down to the bad record, using no retry', async () => {
    const { host, batches } = fakeHost(async (records) =>
      idsOf(records).includes('bad') ? failed : { kind: 'result', value: { batchItemFailures: [] } },
    );
    const splitting = { ...consumer, batchSize: 4, batchingWindowSeconds: 1, bisectOnError: true };
    const stream = new TableStream(
      [{ ...splitting, maximumRetryAttempts: 0, onFailure: DEAD_LETTERS }],
      host,
      settings,
    );
    for (const id of ['a', 'b', 'bad', 'd']) stream.push(change(id));
    await until(() => batches.length === 5);
    await stream.close();
    expect(batches.map(idsOf)).toEqual([['a', 'b', 'bad', 'd'], ['a', 'b'], ['bad', 'd'], ['bad'], ['d']]);
    const bad = batches[3]?.[0]?.dynamodb.SequenceNumber;
    expect(stream.deadLetters).toEqual([
      {
        destination: DEAD_LETTERS,
        message: expect.objectContaining({
          requestContext: { functionName: 'Consumer', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
          DDBStreamBatchInfo: expect.objectContaining({
            startSequenceNumber: bad,
            endSequenceNumber: bad,
            batchSize: 1,
            streamArn: consumer.streamArn,
          }),
        }),
      },
    ]);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining(`its on-failure destination ${DEAD_LETTERS} gets:`));
  });

  test('records older than the maximum record age are given up, however many retries are left', async () => {
    const { host, batches } = fakeHost(async () => failed);
    const aging = { ...consumer, maximumRecordAgeSeconds: 0.3, onFailure: DEAD_LETTERS };
    const stream = new TableStream([aging], host, settings);
    stream.push(change('a'));
    await until(() => stream.deadLetters.length === 1);
    const delivered = batches.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stream.close();
    expect(batches).toHaveLength(delivered);
    expect(stream.deadLetters[0]?.message.requestContext.condition).toBe('RecordAgeExceeded');
  });

  test('without an on-failure destination, what is given up is logged as lost', async () => {
    const { host } = fakeHost(async () => failed);
    const stream = new TableStream([{ ...consumer, maximumRetryAttempts: 0 }], host, settings);
    stream.push(change('a'));
    await until(() => errors.mock.calls.some(([line]) => String(line).includes('so they are lost')));
    await stream.close();
    expect(stream.deadLetters).toEqual([]);
  });
});

test('a disabled mapping reads nothing', async () => {
  const { host, batches } = fakeHost(async () => ({ kind: 'result', value: null }));
  const stream = new TableStream([{ ...consumer, enabled: false }], host, settings);
  stream.push(change('a'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  await stream.close();
  expect(batches).toEqual([]);
});
