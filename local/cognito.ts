import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-aws';
import { freePort } from './ports';

export interface LocalCognito {
  endpoint: string;
  client: CognitoIdentityProviderClient;
  stop(): Promise<void>;
}

export interface UserPoolIds {
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
  await waitUntilListening(child, endpoint, () => output);
  const client = new CognitoIdentityProviderClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return { endpoint, client, stop: () => stopChild(child) };
}

async function waitUntilListening(child: ChildProcess, endpoint: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cognito-local exited (${child.exitCode}):\n${output()}`);
    try {
      await fetch(`${endpoint}/health`);
      return; // any HTTP answer means it is serving
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
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

/** Pool, app client (password sign-in, no secret) and admin group, as the CDK stack makes them. */
export async function createUserPool(client: CognitoIdentityProviderClient, adminGroup: string): Promise<UserPoolIds> {
  const { UserPool } = await client.send(
    new CreateUserPoolCommand({
      PoolName: 'token-ledger-local',
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
    }),
  );
  const userPoolId = UserPool?.Id;
  if (!userPoolId) throw new Error('cognito-local created no user pool');
  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'token-ledger-local',
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: adminGroup }));
  const userPoolClientId = UserPoolClient?.ClientId;
  if (!userPoolClientId) throw new Error('cognito-local created no app client');
  return { userPoolId, userPoolClientId };
}

export async function userPoolAnswers(client: CognitoIdentityProviderClient, userPoolId: string): Promise<void> {
  await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
}
