import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { deadlineOf } from './deadline';
import { cascadeRevocation } from './domain/cascade';
import { nowInSeconds, type TokenRecord } from './domain/token';
import { tokenRepository } from './store';
import { CASCADE_REPAIR } from './table-consumers';
import { instrumented } from './telemetry/instrumented';
import { logger, metricsFor } from './telemetry/observability';

const metrics = metricsFor(CASCADE_REPAIR.name);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The stream's records of refresh tokens' revocations (lambdas/table-consumers.ts filters the
 * rest out): finish each one's cascade, once no route can still be running it. Each child is
 * revoked by its own conditional write, so a cascade its route already finished costs one index
 * read and no write. A record that fails is reported, and Lambda retries from it.
 */
export const handler = instrumented<DynamoDBStreamEvent, DynamoDBBatchResponse>(metrics).handler(
  async (event, context) => {
    const deadline = deadlineOf(context);
    // A full batch can arrive before the batching window has passed for its youngest record.
    const youngest = Math.max(...event.Records.map((r) => r.dynamodb?.ApproximateCreationDateTime ?? 0));
    const wait = youngest + CASCADE_REPAIR.batchingWindowSeconds - Date.now() / 1000;
    if (wait > 0) await sleep(Math.min(wait, CASCADE_REPAIR.batchingWindowSeconds) * 1000);
    const now = nowInSeconds();
    const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
      const image = record.dynamodb?.NewImage;
      if (!image) continue;
      const parent = unmarshall(image as Record<string, never>) as TokenRecord;
      try {
        const revoked = await cascadeRevocation(tokenRepository, parent, now, deadline);
        if (revoked > 0) {
          // The route that revoked the parent did not finish its cascade: worth an operator's eye.
          logger.warn('finished an interrupted cascade', { tokenId: parent.tokenId, revoked });
          metrics.addMetric('CascadedTokensRepaired', MetricUnit.Count, revoked);
        }
      } catch (error) {
        logger.error('cascade failed; the stream will retry it', { tokenId: parent.tokenId, error: error as Error });
        batchItemFailures.push({ itemIdentifier: sequenceNumber });
      }
    }
    return { batchItemFailures };
  },
);
