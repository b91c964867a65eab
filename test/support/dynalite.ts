import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimited } from '../../lambdas/domain/concurrency';
import type { TokenRecord } from '../../lambdas/domain/token';
import { TokenRepository } from '../../lambdas/store/token-repository';
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

/**
 * Writes records as other writers do (plain items, BatchWrite), retrying unprocessed items, with
 * a few batches in flight.
 */
export async function putRecords(db: RunningDynalite, records: TokenRecord[], tableName = db.tableName): Promise<void> {
  const batches: TokenRecord[][] = [];
  for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25));
  await mapLimited(batches, 8, async (batch) => {
    let requests: Record<string, unknown>[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchWrite kept leaving items unprocessed');
      const out = await db.documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
      );
      requests = out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
    }
  });
}

/**
 * Starts an in-memory dynalite with a token table for the test file (beforeAll), hands `use` the
 * running server and a repository over it, and stops it afterwards (afterAll).
 */
export function withDynaliteRepository(use: (started: { db: RunningDynalite; repo: TokenRepository }) => void): void {
  let db: RunningDynalite | undefined;
  beforeAll(async () => {
    db = await startDynalite();
    use({ db, repo: new TokenRepository(db.documentClient, db.tableName) });
  });
  afterAll(async () => {
    await db?.stop();
  });
}
