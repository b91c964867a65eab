/**
 * `npm start`: the whole system on a laptop, run from the stack's synthesized CloudFormation
 * template. Embedded DynamoDB (dynalite) and Cognito (cognito-local) stand in for the AWS services;
 * local/runtime.ts serves the template's API, runs its functions and enforces their IAM policies.
 * Everything binds to 127.0.0.1; state lives in LOCAL_DIR and survives restarts.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ADMIN_GROUP, ENV } from '../lambdas/config';
import { scopeDescriptions } from '../lib/stack-config';
import { createUserPool, startCognito, userPoolAnswers } from './cognito';
import { startConsoleServer } from './console-server';
import { tableInputFromTemplate } from './create-table';
import { dynamoDbAnswers, ensureTable, startDynamoDb } from './dynamodb';
import { StackLifecycle } from './lifecycle';
import { LOCAL_NAME, LOCAL_REGION } from './local-aws';
import { PORT_VARIABLES, portFromEnv } from './ports';
import { startRuntime } from './runtime';
import { seedDemoData } from './seed';
import { type LocalState, localKeyPair, localSecretValues, readState, writeState } from './state';
import { synthesizeStack } from './synth';

const dir = resolve(process.env.LOCAL_DIR || '.local');
const outputsFile = join(dir, 'outputs.json');
const lifecycle = new StackLifecycle(outputsFile);

async function stop(exitCode: number): Promise<never> {
  await lifecycle.stop();
  process.exit(exitCode);
}

/**
 * A port from the environment. `API_PORT=0` alone asks for a stack that takes no fixed port, so
 * the others pick free ports too unless they are set.
 */
const apiPort = portFromEnv(PORT_VARIABLES.api.name, PORT_VARIABLES.api.fallback);
const portOf = ({ name, fallback }: { name: string; fallback: number }) =>
  portFromEnv(name, apiPort === 0 ? 0 : fallback);

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  rmSync(outputsFile, { force: true }); // left by a crash: it must only exist while everything answers

  const dynamo = await startDynamoDb(dir, portOf(PORT_VARIABLES.dynamoDb), process.env.DYNAMODB_ENDPOINT);
  lifecycle.onStop(dynamo.stop);
  const cognito = await startCognito(dir, portOf(PORT_VARIABLES.cognito));
  lifecycle.onStop(cognito.stop);
  // Its config names the API, which starts last; the API's CORS names the console's origin.
  const consoleSite = await startConsoleServer(
    portOf(PORT_VARIABLES.console),
    join(__dirname, '..', 'console', 'dist'),
  );
  lifecycle.onStop(consoleSite.close);

  const saved = readState(dir);
  const adminGroupName = saved?.adminGroupName ?? (process.env[ENV.adminGroupName] || DEFAULT_ADMIN_GROUP);
  const { stackName, template } = synthesizeStack({
    adminGroupName,
    // The console's own origin is always allowed; these are further browser apps.
    ...(process.env[ENV.allowedOrigins] && { allowedOrigins: process.env[ENV.allowedOrigins] }),
    // The local console signs in with a password against cognito-local.
    allowPasswordAuth: 'true',
    consoleDist: consoleSite.root,
  });

  let state: LocalState;
  if (saved) {
    state = saved;
  } else {
    state = { ...(await createUserPool(cognito.client, template)), tableName: LOCAL_NAME, adminGroupName };
  }
  await ensureTable(dynamo.client, state.tableName, tableInputFromTemplate(template, state.tableName));
  if (!saved) {
    if (process.env.LOCAL_SEED !== '0') {
      await seedDemoData(cognito.client, DynamoDBDocumentClient.from(dynamo.client), state);
    }
    writeState(dir, state);
  }

  const serviceKeys = localKeyPair(dir, 'service-credentials');
  const introspectionKeys = localKeyPair(dir, 'introspection-credentials');
  const runtime = await startRuntime({
    template,
    local: {
      region: LOCAL_REGION,
      stackName,
      tableName: state.tableName,
      userPoolId: state.userPoolId,
      userPoolClientId: state.userPoolClientId,
      consoleOrigin: new URL(consoleSite.url).origin,
    },
    dynamoDbBackend: dynamo.endpoint,
    cognitoEndpoint: cognito.endpoint,
    secretValues: localSecretValues(dir, template),
    iamKeys: new Map([
      ['ServicePolicyArn', serviceKeys],
      ['IntrospectionPolicyArn', introspectionKeys],
    ]),
    apiPort,
    openapi: readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'),
  });
  lifecycle.onStop(runtime.close);
  consoleSite.configure({
    apiUrl: runtime.apiUrl,
    region: LOCAL_REGION,
    userPoolId: state.userPoolId,
    userPoolClientId: state.userPoolClientId,
    adminGroupName: state.adminGroupName,
    auth: { kind: 'password', cognitoEndpoint: cognito.endpoint },
    // Optional, as `-c scopeDescriptions=…` deployed: a JSON object of descriptions by scope.
    ...(process.env.SCOPE_DESCRIPTIONS && { scopeDescriptions: scopeDescriptions(process.env.SCOPE_DESCRIPTIONS) }),
  });

  // outputs.json promises a working stack: check every part answers before writing it.
  await dynamoDbAnswers(dynamo.client);
  await userPoolAnswers(cognito.client, state.userPoolId);
  for (const probe of [`${runtime.apiUrl}openapi.json`, `${consoleSite.url}config.json`]) {
    const answer = await fetch(probe);
    if (!answer.ok) throw new Error(`${probe} answered ${answer.status}`);
  }

  const outputs = {
    [stackName]: {
      ApiUrl: runtime.apiUrl,
      UserPoolId: state.userPoolId,
      UserPoolClientId: state.userPoolClientId,
      TableName: state.tableName,
      AdminGroupName: state.adminGroupName,
      Region: LOCAL_REGION,
      ServicePolicyArn: runtime.model.output('ServicePolicyArn'),
      IntrospectionPolicyArn: runtime.model.output('IntrospectionPolicyArn'),
      ConsoleUrl: consoleSite.url,
      CognitoEndpoint: cognito.endpoint,
      // The local AWS endpoint in front of the table, so other writers' changes reach its stream too.
      DynamoDbEndpoint: runtime.awsEndpoint,
      ServiceAccessKeyId: serviceKeys.accessKeyId,
      ServiceSecretAccessKey: serviceKeys.secretAccessKey,
      IntrospectionAccessKeyId: introspectionKeys.accessKeyId,
      IntrospectionSecretAccessKey: introspectionKeys.secretAccessKey,
    },
  };
  if (!lifecycle.publish(`${JSON.stringify(outputs, null, 2)}\n`)) return;
  console.log(`Token API listening on ${runtime.apiUrl}, web console on ${consoleSite.url} (outputs: ${outputsFile})`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
main().catch((error: unknown) => {
  // Parts stopped under a start that was still going fail it: that is the stop's doing, not a failure.
  if (lifecycle.stopping) return;
  console.error('local stack failed to start:', error);
  void stop(1);
});
