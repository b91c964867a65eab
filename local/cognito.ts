import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  type ExplicitAuthFlowsType,
  type UsernameAttributeType,
  type VerifiedAttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { type CfnTemplate, onlyResourceOfType, resourcesOfType } from './cfn-template';
import { LOCAL_CREDENTIALS, LOCAL_NAME, LOCAL_REGION } from './local-aws';
import { freePort, PORT_VARIABLES, portIsFree } from './ports';

export interface LocalCognito {
  endpoint: string;
  client: CognitoIdentityProviderClient;
  stop(): Promise<void>;
}

interface UserPoolIds {
  userPoolId: string;
  userPoolClientId: string;
}

const cognitoLocalBin = require.resolve('cognito-local/lib/bin/start.js');

/**
 * cognito-local keeps its state in `.cognito/` under its working directory, so it runs as a
 * child process with its cwd inside LOCAL_DIR; HOST pins it (and the `iss` it writes) to loopback.
 */
export async function startCognito(dir: string, requestedPort: number): Promise<LocalCognito> {
  const cwd = join(dir, 'cognito');
  mkdirSync(cwd, { recursive: true });
  const port = requestedPort || (await freePort());
  if (requestedPort && !(await portIsFree(requestedPort))) {
    throw new Error(
      `${PORT_VARIABLES.cognito.name} ${requestedPort} is already in use (another local stack?); ` +
        'choose another, or 0 for any',
    );
  }
  const child = spawn(process.execPath, [cognitoLocalBin], {
    cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Until startCognito returns, start.ts holds no cleanup for the child: stop it with us on any exit.
  const stopWithParent = () => child.kill('SIGTERM');
  process.once('exit', stopWithParent);
  child.once('exit', () => process.off('exit', stopWithParent));
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilListening(child, port, () => output);
  const client = new CognitoIdentityProviderClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await stopChild(child);
    },
  };
}

/**
 * Until cognito-local itself says it serves on our port. Another process answering there (say a
 * cognito-local of another LOCAL_DIR) must not pass for it: its pool would be shared by mistake.
 */
async function waitUntilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  const ready = `running on http://127.0.0.1:${port}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences of a coloured log line
  const plain = () => output().replace(/\u001b\[[0-9;]*m/g, '');
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cognito-local exited (${child.exitCode}):\n${output()}`);
    if (plain().includes(ready)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`cognito-local did not start within 20 s:\n${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The user pool, its app client and its groups as the synthesized template declares them: the
 * pool's sign-in attributes, the client's auth flows (no secret), every group by name.
 */
export async function createUserPool(
  client: CognitoIdentityProviderClient,
  template: CfnTemplate,
): Promise<UserPoolIds> {
  const [, pool] = onlyResourceOfType(template, 'AWS::Cognito::UserPool');
  const [, appClient] = onlyResourceOfType(template, 'AWS::Cognito::UserPoolClient');
  const poolProps = (pool.Properties ?? {}) as { UsernameAttributes?: string[]; AutoVerifiedAttributes?: string[] };
  const clientProps = (appClient.Properties ?? {}) as { ExplicitAuthFlows?: ExplicitAuthFlowsType[] };
  const { UserPool } = await client.send(
    new CreateUserPoolCommand({
      PoolName: LOCAL_NAME,
      UsernameAttributes: poolProps.UsernameAttributes as UsernameAttributeType[] | undefined,
      AutoVerifiedAttributes: poolProps.AutoVerifiedAttributes as VerifiedAttributeType[] | undefined,
    }),
  );
  const userPoolId = UserPool?.Id;
  if (!userPoolId) throw new Error('cognito-local created no user pool');
  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: LOCAL_NAME,
      GenerateSecret: false,
      ExplicitAuthFlows: clientProps.ExplicitAuthFlows,
    }),
  );
  const userPoolClientId = UserPoolClient?.ClientId;
  if (!userPoolClientId) throw new Error('cognito-local created no app client');
  for (const [, group] of resourcesOfType(template, 'AWS::Cognito::UserPoolGroup')) {
    const { GroupName, Description } = (group.Properties ?? {}) as { GroupName: string; Description?: string };
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName, Description }));
  }
  return { userPoolId, userPoolClientId };
}

export async function userPoolAnswers(client: CognitoIdentityProviderClient, userPoolId: string): Promise<void> {
  await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
}
