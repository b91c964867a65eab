import { tableInputFromDefinition } from '../../local/create-table';
import { ensureTable, startDynamoDb } from '../../local/dynamodb';

test('a table left by another version of the stack, with other index keys, fails the start saying why', async () => {
  const dynamo = await startDynamoDb(undefined, 0);
  try {
    const current = tableInputFromDefinition('tokens');
    const older = structuredClone(current);
    const byUser = older.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'byUser');
    if (!byUser?.KeySchema?.[1]) throw new Error('no byUser index');
    byUser.KeySchema[1].AttributeName = 'issuedAt';
    older.AttributeDefinitions?.push({ AttributeName: 'issuedAt', AttributeType: 'N' });
    await ensureTable(dynamo.client, 'tokens', older);
    await expect(ensureTable(dynamo.client, 'tokens', current)).rejects.toThrow(/another version.*Delete LOCAL_DIR/s);
    // The same definition twice is fine: the table is kept.
    await ensureTable(dynamo.client, 'tokens', older);
  } finally {
    await dynamo.stop();
  }
});
