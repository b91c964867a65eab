import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { type KeyAttribute, TOKEN_TABLE } from '../lambdas/store/table-definition';
import { type CfnTemplate, onlyResourceOfType } from './cfn-template';

/**
 * CreateTable input for the token table as the synthesized template declares it: its keys,
 * attribute definitions and indexes (not what has no local equivalent: TTL, streams, point-in-time
 * recovery, deletion protection; the local stack emulates the stream itself).
 */
export function tableInputFromTemplate(template: CfnTemplate, tableName: string): CreateTableCommandInput {
  const [, table] = onlyResourceOfType(template, 'AWS::DynamoDB::Table');
  const {
    KeySchema,
    AttributeDefinitions,
    GlobalSecondaryIndexes = [],
  } = (table.Properties ?? {}) as Pick<
    CreateTableCommandInput,
    'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'
  >;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema,
    AttributeDefinitions,
    GlobalSecondaryIndexes: GlobalSecondaryIndexes.map(({ IndexName, KeySchema: keys, Projection }) => ({
      IndexName,
      KeySchema: keys,
      Projection,
    })),
  };
}

/**
 * The same table from its definition directly, for tests of the repository that need no stack
 * (test/integration); a test checks that both ways give the same table.
 */
export function tableInputFromDefinition(tableName: string): CreateTableCommandInput {
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
