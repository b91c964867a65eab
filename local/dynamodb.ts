import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TOKEN_TABLE } from '../lambdas/store/table-definition';
import { tableInputFromDefinition } from './create-table';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-aws';
import { listenOnLoopback } from './loopback';

export interface LocalDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/**
 * The embedded DynamoDB (dynalite; state on disk under `dir`, in memory without one), or an
 * existing endpoint if given.
 */
export async function startDynamoDb(
  dir: string | undefined,
  port: number,
  existingEndpoint?: string,
): Promise<LocalDynamoDb> {
  let endpoint = existingEndpoint;
  let stop = async () => {};
  if (!endpoint) {
    const path = dir === undefined ? undefined : join(dir, 'dynamodb');
    const listener = await listenOnLoopback(
      dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }),
      port,
    );
    endpoint = listener.origin;
    stop = listener.close;
  }
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await stop();
    },
  };
}

/** A table's primary key and its indexes' keys, as one comparable line. */
function keysOf(
  keySchema: readonly KeySchemaElement[] | undefined,
  indexes: readonly { IndexName?: string; KeySchema?: KeySchemaElement[] }[] | undefined,
): string {
  const keys = (schema: readonly KeySchemaElement[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const byName = [...(indexes ?? [])].sort((a, b) => String(a.IndexName).localeCompare(String(b.IndexName)));
  return [keys(keySchema), ...byName.map((i) => `${i.IndexName}(${keys(i.KeySchema)})`)].join(' ');
}

/**
 * Creates the token table unless it exists (from its definition unless given the template's
 * input); waits until it and its indexes are ACTIVE.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  input: CreateTableCommandInput = tableInputFromDefinition(tableName),
): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const found = keysOf(Table?.KeySchema, Table?.GlobalSecondaryIndexes);
    const wanted = keysOf(input.KeySchema, input.GlobalSecondaryIndexes);
    if (found !== wanted) {
      throw new Error(
        `the table ${tableName} has keys ${found}, but this version of the stack defines ${wanted}: ` +
          'it was made by another version. Delete LOCAL_DIR (or the table) to start over.',
      );
    }
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand({ ...input, TableName: tableName }));
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    if (attempt >= 600) throw new Error(`table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TOKEN_TABLE.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite has no TTL API; the API never relies on TTL having run, so this is only a nicety.
    if ((error as Error).name !== 'UnknownOperationException') throw error;
  }
}

export async function dynamoDbAnswers(client: DynamoDBClient): Promise<void> {
  await client.send(new ListTablesCommand({ Limit: 1 }));
}
