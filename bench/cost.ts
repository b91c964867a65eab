import { join } from 'node:path';
import { FUNCTION_MEMORY_MB } from '../lib/handler-function';
import { type BenchSection, markdownTable, renderTemplate } from './section';

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
    note:
      "one GetItem (+1 for a child's parent); lastUsedAt at most once a minute (3 units), " +
      '~3 % of calls at 1 call/2 s per token',
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
    method: renderTemplate(join(__dirname, 'cost.md'), {
      ...PRICES,
      memoryMb: FUNCTION_MEMORY_MB,
      durationMs: durationMs.toFixed(1),
      durationSource,
      assumedAwsMs: ASSUMED_AWS_MS,
      lambdaAtAssumedAws: costPerMillion(ASSUMED_AWS_MS)[0]!.lambda.toFixed(2),
    }).method!,
    tables: markdownTable(
      ['route', 'Lambda', 'DynamoDB', 'total, REST API', 'total, HTTP API', 'DynamoDB units per call'],
      rows.map((r) => [r.route, $(r.lambda), $(r.dynamo), $(r.rest), $(r.http), r.note]),
    ),
    results: { prices: PRICES, durationMs, durationSource, routes: rows },
    targets: [],
  };
}
