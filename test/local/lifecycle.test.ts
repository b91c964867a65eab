import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackLifecycle } from '../../local/lifecycle';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a start that finishes its probes while the stack stops publishes no outputs.json', async () => {
  const outputs = join(dir, 'outputs.json');
  const lifecycle = new StackLifecycle(outputs);
  let published: boolean | undefined;
  lifecycle.onStop(async () => {
    published = lifecycle.publish('{}'); // the start, resuming while the parts stop
  });
  await lifecycle.stop();
  expect(published).toBe(false);
  expect(existsSync(outputs)).toBe(false);
});

test('a stop removes outputs.json, stops the last started part first; a second stop waits for it', async () => {
  const outputs = join(dir, 'outputs.json');
  const lifecycle = new StackLifecycle(outputs);
  expect(lifecycle.publish('{}')).toBe(true);
  const stopped: string[] = [];
  for (const part of ['table', 'user pool', 'api']) {
    lifecycle.onStop(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stopped.push(part);
    });
  }
  const first = lifecycle.stop();
  await lifecycle.stop();
  expect(stopped).toEqual(['api', 'user pool', 'table']);
  await first;
  expect(existsSync(outputs)).toBe(false);
});
