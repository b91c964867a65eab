import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { cursorExpired, type PageKey } from '../domain/cursor';
import type { TokenRecord } from '../domain/token';
import type { ListRequest, RecordPage, RevokeRequest, StoredToken, TokenStore } from '../domain/token-store';
import { type IndexName, TOKEN_TABLE } from './table-definition';

/**
 * After a read round we know what share of items survive the filter; the next round asks for
 * enough to fill the page at that rate, so sparse results take few round trips, and unfiltered
 * lists read exactly one page (no over-read that would be thrown away).
 */
const MAX_ITEMS_PER_READ = 1000;
const MIN_HIT_RATE = 0.05;
/** Once a page has something to show, stop refilling it after this many reads. */
const MAX_READS_PER_PAGE = 5;

interface Expression {
  parts: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

const newExpression = (): Expression => ({ parts: [], names: {}, values: {} });

function addEquals(e: Expression, attribute: string, value: unknown): void {
  e.parts.push(`#${attribute} = :${attribute}`);
  e.names[`#${attribute}`] = attribute;
  e.values[`:${attribute}`] = value;
}

/** The index a list reads and the attributes that make up a position in it. */
function planFor(request: ListRequest): { index?: IndexName; key: Expression; filter: Expression } {
  const key = newExpression();
  const filter = newExpression();
  let index: IndexName | undefined;
  if (request.userId !== undefined) {
    index = 'byUser';
    addEquals(key, TOKEN_TABLE.indexes.byUser.partitionKey.name, request.userId);
    if (request.clientId !== undefined) addEquals(filter, 'clientId', request.clientId);
  } else if (request.clientId !== undefined) {
    index = 'byClient';
    addEquals(key, TOKEN_TABLE.indexes.byClient.partitionKey.name, request.clientId);
  }
  // Expired records are skipped by the key condition where the index is sorted by expiry (see
  // table-definition.ts), and otherwise (the Scan) read and filtered out, one read each.
  const expiry = index && sortsByExpiry(index) ? key : filter;
  expiry.parts.push('#expiresAt > :now');
  expiry.names['#expiresAt'] = 'expiresAt';
  expiry.values[':now'] = request.now;
  if (request.tokenType !== undefined) addEquals(filter, 'tokenType', request.tokenType);
  if (request.status !== undefined) {
    filter.names['#revokedAt'] = 'revokedAt';
    filter.parts.push(
      request.status === 'revoked' ? 'attribute_exists(#revokedAt)' : 'attribute_not_exists(#revokedAt)',
    );
  }
  return { index, key, filter };
}

const sortsByExpiry = (index: IndexName): boolean => TOKEN_TABLE.indexes[index].sortKey.name === 'expiresAt';

/** The attributes of a position in the given index (or the table): the table's key and the index's. */
function positionNames(index: IndexName | undefined): string[] {
  const names = [TOKEN_TABLE.partitionKey.name as string];
  if (index) names.push(TOKEN_TABLE.indexes[index].partitionKey.name, TOKEN_TABLE.indexes[index].sortKey.name);
  return names;
}

/** The ExclusiveStartKey that resumes right after `item` in the given index (or the table). */
function positionAfter(item: TokenRecord, index: IndexName | undefined): PageKey {
  const record = item as unknown as Record<string, string | number>;
  return Object.fromEntries(positionNames(index).map((n) => [n, record[n]]));
}

/**
 * Whether a page key is a position in this index: one made before an index's keys changed is
 * not, and DynamoDB would refuse it with a ValidationException (a 500) instead of a 400.
 */
function isPositionIn(key: PageKey, index: IndexName | undefined): boolean {
  const names = positionNames(index);
  return Object.keys(key).length === names.length && names.every((n) => key[n] !== undefined);
}

export class TokenRepository implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tokenId: string): Promise<StoredToken | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { tokenId }, ConsistentRead: true }),
    );
    return out.Item as StoredToken | undefined;
  }

  async create(record: StoredToken): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(tokenId)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The tokenId is random: an item holding our secret's hash is our own attempt, written
      // before its answer was lost and the SDK retried. Anything else is a real collision.
      const existing = await this.get(record.tokenId);
      if (existing?.secretHash === undefined || existing.secretHash !== record.secretHash) throw error;
    }
  }

  async list(request: ListRequest): Promise<RecordPage> {
    const { index, key, filter } = planFor(request);
    if (request.startKey && !isPositionIn(request.startKey, index)) throw cursorExpired();
    // Read backwards, latest expiry first: past a position that has expired since, everything has
    // expired too. DynamoDB refuses such a start key (it falls outside the key condition), so the
    // list ends here instead.
    const resumeAt = request.startKey?.expiresAt;
    if (index && sortsByExpiry(index) && typeof resumeAt === 'number' && resumeAt <= request.now) {
      return { items: [], itemsRead: 0 };
    }
    const items: TokenRecord[] = [];
    let startKey: PageKey | undefined = request.startKey;
    let itemsRead = 0;
    for (let reads = 1; ; reads++) {
      const remaining = request.limit - items.length;
      const hitRate = itemsRead === 0 ? 1 : Math.max(items.length / itemsRead, MIN_HIT_RATE);
      const input: QueryCommandInput = {
        TableName: this.tableName,
        IndexName: index,
        FilterExpression: filter.parts.length > 0 ? filter.parts.join(' AND ') : undefined,
        ExpressionAttributeNames: { ...key.names, ...filter.names },
        ExpressionAttributeValues: { ...key.values, ...filter.values },
        ExclusiveStartKey: startKey,
        Limit: Math.min(MAX_ITEMS_PER_READ, Math.ceil(remaining / hitRate)),
      };
      const out = index
        ? await this.client.send(
            new QueryCommand({ ...input, KeyConditionExpression: key.parts.join(' AND '), ScanIndexForward: false }),
          )
        : await this.client.send(new ScanCommand(input));
      itemsRead += out.ScannedCount ?? 0;
      const found = (out.Items ?? []) as TokenRecord[];
      if (found.length > remaining) {
        // Read past the page: resume right after the last item shown, not where the read stopped.
        const shown = found.slice(0, remaining);
        items.push(...shown);
        return { items, nextKey: positionAfter(shown[shown.length - 1] as TokenRecord, index), itemsRead };
      }
      items.push(...found);
      startKey = out.LastEvaluatedKey as PageKey | undefined;
      // A page that has a next cursor is never empty, so an empty page keeps reading.
      if (!startKey || items.length === request.limit || (items.length > 0 && reads >= MAX_READS_PER_PAGE)) {
        return { items, nextKey: startKey, itemsRead };
      }
    }
  }

  async revoke(request: RevokeRequest): Promise<TokenRecord | undefined> {
    const set = ['revokedAt = :now', 'revokedBy = :by'];
    const values: Record<string, unknown> = { ':now': request.now, ':by': request.revokedBy };
    if (request.reason !== undefined) {
      set.push('revokeReason = :reason');
      values[':reason'] = request.reason;
    }
    const condition = ['attribute_exists(tokenId)', 'attribute_not_exists(revokedAt)', 'expiresAt > :now'];
    if (request.owner !== undefined) {
      condition.push('userId = :owner');
      values[':owner'] = request.owner;
    }
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { tokenId: request.tokenId },
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: condition.join(' AND '),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as TokenRecord;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async touch(tokenId: string, now: number, minInterval: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { tokenId },
          UpdateExpression: 'SET lastUsedAt = :now',
          // At most one write per interval, however many instances introspect at once.
          ConditionExpression:
            'attribute_exists(tokenId) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt <= :stale)',
          ExpressionAttributeValues: { ':now': now, ':stale': now - minInterval },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async children(parentTokenId: string, now: number): Promise<TokenRecord[]> {
    const found: TokenRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byParent' satisfies IndexName,
          // The index's sort key is expiresAt, so expired children cost no reads.
          KeyConditionExpression: '#parent = :parent AND #expiresAt > :now',
          ExpressionAttributeNames: {
            '#parent': TOKEN_TABLE.indexes.byParent.partitionKey.name,
            '#expiresAt': TOKEN_TABLE.indexes.byParent.sortKey.name,
          },
          ExpressionAttributeValues: { ':parent': parentTokenId, ':now': now },
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...((out.Items ?? []) as TokenRecord[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}

// By name: instanceof breaks when the SDK is bundled more than once.
const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';
