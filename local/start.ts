/**
 * `npm start`: the whole system on a laptop. Embedded DynamoDB (dynalite), embedded Cognito
 * (cognito-local) and a local API Gateway serving the same handler modules the CDK stack deploys.
 * Everything binds to 127.0.0.1; state lives in LOCAL_DIR and survives restarts.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ADMIN_GROUP, ENV } from '../lambdas/config';
import { createUserPool, startCognito, userPoolAnswers } from './cognito';
import { cognitoAuthorizer } from './cognito-authorizer';
import { startConsoleServer } from './console-server';
import { dynamoDbAnswers, ensureTable, startDynamoDb } from './dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-aws';
import { portFromEnv } from './ports';
import { seedDemoData } from './seed';
import { sigv4Verifier } from './sigv4-verifier';
import { type LocalState, localKey, readState, serviceCredentials, writeFileAtomically, writeState } from './state';

const STACK_NAME = 'TokenLedger';
const LOCAL_TABLE_NAME = 'token-ledger-local';

const dir = resolve(process.env.LOCAL_DIR || '.local');
const outputsFile = join(dir, 'outputs.json');
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function stop(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    rmSync(outputsFile, { force: true });
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  process.exit(exitCode);
}

/** Handlers read their settings from the environment, as in Lambda; set it before loading them. */
function configureHandlers(state: LocalState, dynamoDbEndpoint: string): void {
  Object.assign(process.env, {
    [ENV.tableName]: state.tableName,
    [ENV.adminGroupName]: state.adminGroupName,
    [ENV.allowedOrigins]: process.env[ENV.allowedOrigins] || '*',
    [ENV.cursorSecret]: localKey(dir, 'cursor-secret'),
    [ENV.tokenHashSecret]: localKey(dir, 'token-hash-secret'),
    [ENV.dynamoDbEndpoint]: dynamoDbEndpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
}

/** Any free port when the API takes one too, so stacks started with API_PORT=0 never collide. */
const consolePort = () => portFromEnv('CONSOLE_PORT', portFromEnv('API_PORT', 3000) === 0 ? 0 : 3001);

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  rmSync(outputsFile, { force: true }); // left by a crash: it must only exist while everything answers

  const dynamo = await startDynamoDb(dir, portFromEnv('DYNAMODB_PORT', 8000), process.env.DYNAMODB_ENDPOINT);
  cleanups.push(dynamo.stop);
  const cognito = await startCognito(dir, portFromEnv('COGNITO_PORT', 9229));
  cleanups.push(cognito.stop);

  let state = readState(dir);
  const fresh = state === undefined;
  if (!state) {
    const adminGroupName = process.env[ENV.adminGroupName] || DEFAULT_ADMIN_GROUP;
    state = { ...(await createUserPool(cognito.client, adminGroupName)), tableName: LOCAL_TABLE_NAME, adminGroupName };
  }
  await ensureTable(dynamo.client, state.tableName);
  if (fresh) {
    if (process.env.LOCAL_SEED !== '0') {
      await seedDemoData(cognito.client, DynamoDBDocumentClient.from(dynamo.client), state);
    }
    writeState(dir, state);
  }

  configureHandlers(state, dynamo.endpoint);
  const service = serviceCredentials(dir);
  const { startGateway } = await import('./gateway');
  const gateway = await startGateway({
    port: portFromEnv('API_PORT', 3000),
    authorize: cognitoAuthorizer({
      issuer: `${cognito.endpoint}/${state.userPoolId}`,
      userPoolClientId: state.userPoolClientId,
    }),
    verifySignature: sigv4Verifier(service, LOCAL_REGION),
    allowedOrigins: (process.env[ENV.allowedOrigins] ?? '').split(','),
    openapi: readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'),
  });
  cleanups.push(gateway.close);
  const consoleSite = await startConsoleServer(consolePort(), join(__dirname, '..', 'console', 'dist'), {
    apiUrl: gateway.url,
    region: LOCAL_REGION,
    userPoolId: state.userPoolId,
    userPoolClientId: state.userPoolClientId,
    adminGroupName: state.adminGroupName,
    auth: { kind: 'password', cognitoEndpoint: cognito.endpoint },
  });
  cleanups.push(consoleSite.close);

  // outputs.json promises a working stack: check every part answers before writing it.
  await dynamoDbAnswers(dynamo.client);
  await userPoolAnswers(cognito.client, state.userPoolId);
  for (const probe of [`${gateway.url}openapi.json`, `${consoleSite.url}config.json`]) {
    const answer = await fetch(probe);
    if (!answer.ok) throw new Error(`${probe} answered ${answer.status}`);
  }

  const outputs = {
    [STACK_NAME]: {
      ApiUrl: gateway.url,
      UserPoolId: state.userPoolId,
      UserPoolClientId: state.userPoolClientId,
      TableName: state.tableName,
      AdminGroupName: state.adminGroupName,
      Region: LOCAL_REGION,
      CognitoEndpoint: cognito.endpoint,
      DynamoDbEndpoint: dynamo.endpoint,
      ServiceAccessKeyId: service.accessKeyId,
      ServiceSecretAccessKey: service.secretAccessKey,
      ConsoleUrl: consoleSite.url,
    },
  };
  writeFileAtomically(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
  console.log(`Token API listening on ${gateway.url}, web console on ${consoleSite.url} (outputs: ${outputsFile})`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
main().catch((error: unknown) => {
  console.error('local stack failed to start:', error);
  void stop(1);
});
