/**
 * The local stack as a neighbour on a shared laptop: with `API_PORT=0` it takes no fixed port at
 * all, a malformed request to its console does not take it down, and a port already taken by
 * another stack's cognito-local makes it fail loudly rather than share that stack's user pool.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { type LocalStack, spawnLocalStack, startLocalStack } from '../support/local-stack';

jest.setTimeout(90_000);

/** Occupies a loopback port, as another program of the laptop would; undefined if it is taken already. */
async function occupy(port: number): Promise<Server | undefined> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
    return server;
  } catch {
    return undefined;
  }
}

let stack: LocalStack;
const occupied: Server[] = [];

beforeAll(async () => {
  // The default ports of DynamoDB, cognito-local and the console, held by someone else.
  for (const port of [8000, 9229, 3001]) {
    const server = await occupy(port);
    if (server) occupied.push(server);
  }
  // API_PORT=0 alone: the others are left unset.
  stack = await startLocalStack({
    env: { API_PORT: '0', COGNITO_PORT: undefined, DYNAMODB_PORT: undefined, CONSOLE_PORT: undefined },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  for (const server of occupied) server.close();
});

test('API_PORT=0 alone takes no fixed port: it starts while 8000, 9229 and 3001 are taken', () => {
  for (const url of [stack.outputs.ApiUrl, stack.outputs.CognitoEndpoint, stack.outputs.ConsoleUrl]) {
    expect(['8000', '9229', '3001', '3000']).not.toContain(new URL(url).port);
  }
});

test('a malformed path on the console port is refused, and the stack keeps serving', async () => {
  for (const path of ['%ZZ', '%', '..%2F..%2Fpackage.json', '%2e%2e/%2e%2e/package.json']) {
    const res = await fetch(new URL(path, stack.outputs.ConsoleUrl));
    expect([400, 404]).toContain(res.status);
    expect(await res.text()).not.toContain('"dependencies"');
  }
  expect((await fetch(stack.outputs.ConsoleUrl)).status).toBe(200);
  expect((await fetch(new URL('config.json', stack.outputs.ConsoleUrl))).status).toBe(200);
  expect((await fetch(new URL('openapi.json', stack.outputs.ApiUrl))).status).toBe(200);
});

test("a COGNITO_PORT used by another stack's cognito-local fails loudly instead of sharing its pool", async () => {
  const port = new URL(stack.outputs.CognitoEndpoint).port;
  const second = spawnLocalStack({ env: { COGNITO_PORT: port } });
  await expect(second.waitForOutputs(60_000)).rejects.toThrow(/exited/);
  expect(second.log()).toContain(`COGNITO_PORT ${port} is already in use`);
});
