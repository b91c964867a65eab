import { FUNCTION_MEMORY_MB } from '../lib/handler-function';
import { type BenchSection, markdownTable } from './section';

/**
 * Dollars per million requests per route, on paper: public list prices (us-east-1, on-demand,
 * first pricing tier, as published by AWS; check the pricing pages before relying on them),
 * the function memory the stack sets, and a per-request duration that the caller passes in
 * (the throughput benchmark's measured handler time, or a stated assumption).
 */
export const PRICES = {
  restApiPerMillion: 3.5,
  httpApiPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  /** Arm64 (Graviton), per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand, per million read / write request units. */
  dynamoReadPerMillionUnits: 0.125,
  dynamoWritePerMillionUnits: 0.625,
} as const;

const MEMORY_GB = FUNCTION_MEMORY_MB / 1024;
/** A handler time for AWS, where each DynamoDB call is a network round trip (an assumption, stated as one). */
const ASSUMED_AWS_MS = 25;

/**
 * Request units per call, from the item sizes (a token record is well under 1 KB) and the
 * indexes: a write to an item updates every index that holds it (ALL projections), and each
 * index update is one more write unit. A list page reads about 20 items of ~0.4 KB through an
 * index (eventually consistent: one read unit per 8 KB).
 */
interface RouteUnits {
  route: string;
  reads: number;
  writes: number;
  note: string;
}

export const ROUTE_UNITS: RouteUnits[] = [
  {
    route: 'GET tokens',
    reads: 1,
    writes: 0,
    note: 'one page of 20 from byUser, ~8 KB eventually consistent; its key condition skips expired records',
  },
  {
    route: 'GET admin/tokens',
    reads: 1.5,
    writes: 0,
    note: 'a page of 20; a scan or byClient query; filters read more',
  },
  { route: 'GET tokens/{tokenId}', reads: 1, writes: 0, note: 'one strongly consistent GetItem' },
  {
    route: 'POST tokens/{tokenId}/revoke',
    reads: 0.5,
    writes: 3,
    note: 'UpdateItem on the table + byUser + byClient; a refresh token adds a byParent query and its children',
  },
  {
    route: 'GET apps',
    reads: 2,
    writes: 0,
    note: "all of the caller's active tokens through byUser (about 40 tokens)",
  },
  {
    route: 'POST service/tokens',
    reads: 0,
    writes: 3,
    note: 'PutItem on the table + byUser + byClient (+ byParent and two parent reads for a child)',
  },
  {
    route: 'POST service/introspect',
    reads: 1,
    writes: 0.1,
    note: "one GetItem (+1 for a child's parent); lastUsedAt at most once a minute (3 units), ~3 % of calls at 1 call/2 s per token",
  },
  { route: 'POST service/revoke', reads: 1, writes: 3, note: 'GetItem by value, then as the revoke route' },
];

export function costPerMillion(durationMs: number) {
  const lambda =
    PRICES.lambdaRequestsPerMillion + 1_000_000 * (durationMs / 1000) * MEMORY_GB * PRICES.lambdaArmPerGbSecond;
  return ROUTE_UNITS.map((r) => {
    const dynamo = r.reads * PRICES.dynamoReadPerMillionUnits + r.writes * PRICES.dynamoWritePerMillionUnits;
    return {
      route: r.route,
      lambda,
      dynamo,
      rest: PRICES.restApiPerMillion + lambda + dynamo,
      http: PRICES.httpApiPerMillion + lambda + dynamo,
      note: r.note,
    };
  });
}

export function costSection(durationMs: number, durationSource: string): BenchSection {
  const rows = costPerMillion(durationMs);
  const $ = (x: number) => `$${x.toFixed(2)}`;
  return {
    key: 'costOnPaper',
    title: 'Cost on AWS, on paper',
    method: [
      `Dollars per million requests per route from public list prices (us-east-1, on-demand, first tier): REST API $${PRICES.restApiPerMillion}/M, HTTP API $${PRICES.httpApiPerMillion}/M, Lambda $${PRICES.lambdaRequestsPerMillion}/M requests + $${PRICES.lambdaArmPerGbSecond}/GB-s on arm64, DynamoDB on-demand $${PRICES.dynamoReadPerMillionUnits}/M read units and $${PRICES.dynamoWritePerMillionUnits}/M write units.`,
      `Lambda at ${FUNCTION_MEMORY_MB} MB for ${durationMs.toFixed(1)} ms per request (${durationSource}); cold starts, CloudWatch Logs ingestion, X-Ray traces and Secrets Manager reads (once per function instance) are left out. dynalite answers from memory on the same machine; at ${ASSUMED_AWS_MS} ms per request, nearer what a DynamoDB round trip or two takes on AWS, Lambda would be $${costPerMillion(ASSUMED_AWS_MS)[0]!.lambda.toFixed(2)} per million, still small beside API Gateway.`,
      'Request units per call are estimated from item sizes and the indexes each write updates (see `bench/cost.ts`). The API Gateway request charge dominates every route, so an HTTP API would cut the total by more than half. It can do the same checks (a JWT authorizer for the Cognito ID tokens, IAM authorization for the service routes), but its authorizer refusals and unknown routes answer with its own bodies (this API answers every non-2xx with `{error, message}`, which REST gateway responses give), it cannot be tracked by X-Ray or protected by AWS WAF directly, and it has no per-method throttling. The REST API is kept for those; the HTTP API column is what moving would save.',
    ].join('\n\n'),
    tables: markdownTable(
      ['route', 'Lambda', 'DynamoDB', 'total, REST API', 'total, HTTP API', 'DynamoDB units per call'],
      rows.map((r) => [r.route, $(r.lambda), $(r.dynamo), $(r.rest), $(r.http), r.note]),
    ),
    results: { prices: PRICES, durationMs, durationSource, routes: rows },
    targets: [],
  };
}
