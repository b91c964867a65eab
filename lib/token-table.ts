import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { TableAction } from '../lambdas/routes';
import { type KeyAttribute, TOKEN_TABLE } from '../lambdas/store/table-definition';

export interface TokenTableProps {
  /** RETAIN also turns on deletion protection. */
  readonly removalPolicy: RemovalPolicy;
}

/** The actions that can read an index; every other action only ever targets the base table. */
const INDEX_ACTIONS: ReadonlySet<TableAction> = new Set<TableAction>(['Query', 'Scan']);

/**
 * The token table, derived from the same definition the local stack creates its table from.
 * No table name: CloudFormation generates one, so stacks never collide and a replacement works.
 */
export class TokenTable extends Construct {
  readonly table: dynamodb.Table;
  /** The global secondary indexes, by name. */
  readonly indexNames: readonly string[] = Object.keys(TOKEN_TABLE.indexes);

  constructor(scope: Construct, id: string, props: TokenTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(TOKEN_TABLE.partitionKey),
      timeToLiveAttribute: TOKEN_TABLE.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
      // The retain policy keeps the table when CloudFormation deletes the stack or replaces the
      // table; deletion protection also refuses a DeleteTable from anywhere else (console, CLI,
      // a script with the wrong table name). A throwaway stack (removalPolicy=destroy) must be
      // deletable with it, and a protected table would fail `cdk destroy`, so it is off there.
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      // Old and new images, so a consumer's filter can tell the write that revoked a token from
      // later writes to it (lambdas/table-consumers.ts).
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
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

  /**
   * Exactly the DynamoDB actions a route declares (no DescribeTable, BatchGetItem, ... as
   * grantReadData would add), on the table, and on its indexes only when the route may Query or
   * Scan: GetItem, PutItem and UpdateItem cannot address an index.
   */
  grantRouteAccess(grantee: iam.IGrantable, actions: readonly TableAction[]): void {
    if (actions.length === 0) return;
    const { tableArn } = this.table;
    const readsIndexes = actions.some((action) => INDEX_ACTIONS.has(action));
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...new Set(actions)].map((action) => `dynamodb:${action}`),
      resourceArns: readsIndexes ? [tableArn, `${tableArn}/index/*`] : [tableArn],
    });
    const principal = grantee.grantPrincipal;
    if (readsIndexes && Construct.isConstruct(principal)) {
      const tableId = Stack.of(this).getLogicalId(this.table.node.defaultChild as dynamodb.CfnTable);
      NagSuppressions.addResourceSuppressions(
        principal,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Query and Scan address an index as <table ARN>/index/<name>: the wildcard ' +
              'matches exactly the indexes of this table, each of which a list or cascade ' +
              'route queries. The item actions in the same statement cannot address an index.',
            appliesTo: [`Resource::<${tableId}.Arn>/index/*`],
          },
        ],
        // The statement lands in the role's default policy, a child of the role.
        true,
      );
    }
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}
