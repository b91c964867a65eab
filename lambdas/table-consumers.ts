import type { FunctionDefinition } from './routes';

/**
 * A function the token table's stream triggers, beside the API's routes. The CDK stack builds its
 * function, grants and event source mapping from its definition; the local stack runs what it synthesizes.
 */
export interface TableConsumerDefinition extends FunctionDefinition {
  /**
   * Lambda event filter patterns over the stream record: only records matching one of them
   * invoke the function (and only those are billed).
   */
  readonly filters: readonly object[];
  /** Records per invocation at most. */
  readonly batchSize: number;
  /** How long the stream gathers records before it invokes the function, unless a batch fills first. */
  readonly batchingWindowSeconds: number;
}

/** A refresh token's revocation as the stream records it, whichever writer made it. */
const revokedRefreshToken = { tokenType: { S: ['refresh_token'] }, revokedAt: { N: [{ exists: true }] } };

/**
 * Revoking a refresh token also revokes its access tokens. The route that revokes it runs that
 * cascade at once; if its process dies half-way (a timeout, a crash, a lost connection), the
 * stream still holds the parent's revocation, and this function finishes the cascade.
 *
 * It looks at a revocation only once every route that could still be cascading it has ended
 * (`batchingWindowSeconds` is longer than any route's timeout, and the function waits out a record
 * that reaches it younger than that), so it never races a route's own cascade: the route's answer
 * counts what it revoked, and the repair only does what was left undone. A revocation is repaired
 * about half a minute after it was written; a batch that fails is retried (lib/table-consumer.ts).
 */
export const CASCADE_REPAIR = {
  name: 'repair-cascades',
  summary: "Finish revoking a revoked refresh token's access tokens",
  table: ['Query', 'UpdateItem'],
  secrets: [],
  batchSize: 1000,
  batchingWindowSeconds: 30,
  // The wait for the youngest record (up to the window), then one index read per record.
  timeoutSeconds: 90,
  filters: [
    // A refresh token written as revoked (an import, another writer).
    { eventName: ['INSERT'], dynamodb: { NewImage: revokedRefreshToken } },
    // A refresh token that this write revoked; later writes to a revoked token do not match.
    {
      eventName: ['MODIFY'],
      dynamodb: { NewImage: revokedRefreshToken, OldImage: { revokedAt: { N: [{ exists: false }] } } },
    },
  ],
} as const satisfies TableConsumerDefinition;
