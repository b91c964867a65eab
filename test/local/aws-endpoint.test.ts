import {
  DynamoDBClient,
  GetItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { startAwsEndpoint } from '../../local/aws-endpoint';
import { ensureTable, type LocalDynamoDb, startDynamoDb } from '../../local/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-aws';

let dynamo: LocalDynamoDb;
let endpoint: Awaited<ReturnType<typeof startAwsEndpoint>>;
let client: DynamoDBClient;
const changes: unknown[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDb(undefined, 0);
  await ensureTable(dynamo.client, 'tokens');
  endpoint = await startAwsEndpoint({
    region: LOCAL_REGION,
    identities: new Map(),
    dynamoDbBackend: dynamo.endpoint,
    cognitoBackend: 'http://127.0.0.1:1',
    secrets: new Map(),
    table: { name: 'tokens', keyAttributes: ['tokenId'] },
    onTableChange: (change) => changes.push(change),
  });
  client = new DynamoDBClient({ endpoint: endpoint.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.close();
  await dynamo?.stop();
});

test('DynamoDB operations the local stack does not model are refused by name, and nothing is written', async () => {
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const put = { Put: { TableName: 'tokens', Item: { tokenId: { S: 'transacted' } } } };
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [put] }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('does not model DynamoDB TransactWriteItems'),
    });
    const get = { Get: { TableName: 'tokens', Key: { tokenId: { S: 'transacted' } } } };
    await expect(client.send(new TransactGetItemsCommand({ TransactItems: [get] }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: 'tokens', Key: { tokenId: { S: 'transacted' } } }),
    );
    expect(Item).toBeUndefined();
    expect(changes).toEqual([]);
  } finally {
    errors.mockRestore();
  }
});
