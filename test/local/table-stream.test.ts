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

const change = (id: string): TableChange => ({
  eventName: 'INSERT',
  keys: { tokenId: { S: id } },
  newImage: { tokenId: { S: id } },
});

/** A function host whose one function answers with `answer`, recording each batch it is given. */
function fakeHost(answer: (records: unknown[]) => Promise<InvokeOutcome>) {
  const batches: unknown[][] = [];
  const host: Pick<FunctionHost, 'invoke'> = {
    invoke: (_id, event) => {
      const records = (event as { Records: unknown[] }).Records;
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
    const stream = new TableStream([consumer], host, { region: 'us-east-1', viewType: 'NEW_IMAGE' });
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
    const stream = new TableStream([consumer], host, { region: 'us-east-1', viewType: 'NEW_IMAGE' });
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
  const stream = new TableStream([consumer], host, { region: 'us-east-1', viewType: 'NEW_IMAGE' });
  stream.push(change('a'));
  await until(() => batches.length === 1);
  await stream.close();
  expect(errors).toHaveBeenCalledWith('local stream: Consumer stopped reading:', expect.any(Error));
});
