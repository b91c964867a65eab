import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { type KeyAttribute, TOKEN_TABLE } from '../lambdas/store/table-definition';

/**
 * CreateTable input derived from the same definition the CDK table construct reads, so the local
 * table has exactly the deployed keys and indexes. (TTL has no local equivalent: dynalite has no
 * TTL API, and the API never relies on TTL having run.)
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttribute>();
  const remember = (a: KeyAttribute) => attributes.set(a.name, a);
  remember(TOKEN_TABLE.partitionKey);
  const indexes = Object.entries(TOKEN_TABLE.indexes).map(([IndexName, index]) => {
    remember(index.partitionKey);
    remember(index.sortKey);
    return {
      IndexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    };
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: TOKEN_TABLE.partitionKey.name, KeyType: 'HASH' }],
    AttributeDefinitions: [...attributes.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    GlobalSecondaryIndexes: indexes,
  };
}
