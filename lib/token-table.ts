import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableAccess } from '../lambdas/routes';
import { type KeyAttribute, TOKEN_TABLE } from '../lambdas/store/table-definition';

export interface TokenTableProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Exactly what each route-table access level needs (no DescribeTable, BatchGetItem, ... as
 * grantReadData would add). Lists query the indexes; updates only ever target the base table.
 */
const GRANTS: Record<TableAccess, { actions: string[]; indexes: boolean }> = {
  read: { actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], indexes: true },
  'read-update': { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], indexes: false },
};

/**
 * The token table, derived from the same definition the local stack creates its table from.
 * No table name: CloudFormation generates one, so stacks never collide and a replacement works.
 */
export class TokenTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TokenTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(TOKEN_TABLE.partitionKey),
      timeToLiveAttribute: TOKEN_TABLE.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
    for (const [indexName, index] of Object.entries(TOKEN_TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        // Every list answer renders full views; see table-definition.ts.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  grantRouteAccess(grantee: iam.IGrantable, access: TableAccess): void {
    const { actions, indexes } = GRANTS[access];
    const { tableArn } = this.table;
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: indexes ? [tableArn, `${tableArn}/index/*`] : [tableArn] });
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}
