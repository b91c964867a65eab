import { Worker } from 'node:worker_threads';
import { FunctionHost } from '../../local/function-host';
import type { FunctionModel } from '../../local/stack-model';

const functionRunning = (exportName: string): FunctionModel => ({
  logicalId: exportName,
  arn: `arn:aws:lambda:us-east-1:000000000000:function:${exportName}`,
  source: 'test/local/fixtures/handlers.ts',
  exportName,
  environment: {},
  timeoutSeconds: 10,
  memoryMb: 128,
  role: { arn: 'arn:aws:iam::000000000000:role/test', statements: [] },
});

let host: FunctionHost;
let errors: jest.SpyInstance;

beforeEach(() => {
  const functions = ['throwsOrWaits', 'answersWithMoreThanJson'].map(functionRunning);
  host = new FunctionHost(new Map(functions.map((fn) => [fn.logicalId, fn])), () => ({}));
  errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(async () => {
  await host.close();
  errors.mockRestore();
});

test('a handler that throws before returning a promise fails its own invocation, not others in flight', async () => {
  const waiting = host.invoke('throwsOrWaits', { waitMs: 500 });
  const thrown = await host.invoke('throwsOrWaits', { throwNow: true });
  expect(thrown).toEqual({ kind: 'error', errorType: 'TypeError', message: 'thrown before any promise' });
  expect(await waiting).toEqual({ kind: 'result', value: { waited: 500 } });
});

test('an answer travels as JSON, as Lambda serialises it: what JSON cannot carry is left out', async () => {
  expect(await host.invoke('answersWithMoreThanJson', {})).toEqual({
    kind: 'result',
    value: { at: '1970-01-01T00:00:00.000Z', kept: 'yes' },
  });
});

test("closing resolves only once every environment's thread has ended", async () => {
  const terminate = Worker.prototype.terminate;
  const ended: boolean[] = [];
  const spy = jest.spyOn(Worker.prototype, 'terminate').mockImplementation(function (this: Worker) {
    const index = ended.push(false) - 1;
    return terminate.call(this).then(async (code) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ended[index] = true;
      return code;
    });
  });
  try {
    await host.warm();
    await host.close();
    expect(ended).toEqual([true, true]);
  } finally {
    spy.mockRestore();
  }
});
