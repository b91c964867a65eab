import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, startDynamoDb } from '../../local/dynamodb';

export interface RunningDynalite {
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  /** A token table created from the shared definition, empty. */
  tableName: string;
  stop(): Promise<void>;
}

/** As the functions build it (lambdas/store/dynamo-client.ts). */
export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The local stack's own table creation, so tests exercise exactly the table it serves. */
export const createTokenTable = ensureTable;

export const uniqueTableName = (prefix = 'tokens'): string => `${prefix}-${randomUUID()}`;

/** An in-memory dynalite on 127.0.0.1 (any free port) with an empty token table. */
export async function startDynalite(): Promise<RunningDynalite> {
  const dynamo = await startDynamoDb(undefined, 0);
  const tableName = uniqueTableName();
  try {
    await ensureTable(dynamo.client, tableName);
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  return {
    endpoint: dynamo.endpoint,
    client: dynamo.client,
    documentClient: documentClientFor(dynamo.client),
    tableName,
    stop: dynamo.stop,
  };
}
