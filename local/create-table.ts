import type {
  AttributeDefinition,
  CreateTableCommandInput,
  KeySchemaElement,
  Projection,
} from '@aws-sdk/client-dynamodb';
import { type KeyAttribute, TOKEN_TABLE } from '../lambdas/store/table-definition';
import { type CfnTemplate, onlyResourceOfType } from './cfn-template';
import { checkKeys, propertiesOf } from './understood-properties';

export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';

/** The token table as the template declares it, before any local name is given to it. */
export interface TableDefinition {
  readonly logicalId: string;
  readonly keySchema: readonly KeySchemaElement[];
  readonly attributeDefinitions: readonly AttributeDefinition[];
  readonly globalSecondaryIndexes: readonly {
    readonly IndexName: string;
    readonly KeySchema: KeySchemaElement[];
    readonly Projection: Projection;
  }[];
  /** Absent when the table has no stream. */
  readonly streamViewType?: StreamViewType;
}

/** The table's keys, indexes and stream, as the template declares them. */
export function readTableDefinition(template: CfnTemplate): TableDefinition {
  const [logicalId, table] = onlyResourceOfType(template, 'AWS::DynamoDB::Table');
  const props = propertiesOf(logicalId, table);
  if (props.BillingMode !== 'PAY_PER_REQUEST') {
    throw new Error(`table ${logicalId} is ${String(props.BillingMode)}: the local stack models PAY_PER_REQUEST only`);
  }
  const indexes = (props.GlobalSecondaryIndexes ?? []) as TableDefinition['globalSecondaryIndexes'];
  for (const index of indexes) {
    checkKeys(`index ${index.IndexName} of table ${logicalId}`, index, ['IndexName', 'KeySchema', 'Projection']);
  }
  const stream = checkKeys(`table ${logicalId}'s stream`, props.StreamSpecification, ['StreamViewType']);
  return {
    logicalId,
    keySchema: props.KeySchema as KeySchemaElement[],
    attributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
    globalSecondaryIndexes: indexes,
    ...(stream.StreamViewType !== undefined && { streamViewType: stream.StreamViewType as StreamViewType }),
  };
}

/**
 * CreateTable input for the token table as the synthesized template declares it: its keys, attribute definitions
 * and indexes. What has no local equivalent is not created: TTL, point-in-time recovery, deletion protection; the
 * local stack emulates the stream itself.
 */
export function tableInputFromTemplate(template: CfnTemplate, tableName: string): CreateTableCommandInput {
  const table = readTableDefinition(template);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [...table.keySchema],
    AttributeDefinitions: [...table.attributeDefinitions],
    GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
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
