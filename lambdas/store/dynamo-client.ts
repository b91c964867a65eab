import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../config';

/**
 * Built once per function instance, outside the handler, so warm invocations reuse its
 * connections. The endpoint override exists for the local stack only.
 */
export const dynamoDbClient = new DynamoDBClient({
  ...(process.env[ENV.dynamoDbEndpoint] && { endpoint: process.env[ENV.dynamoDbEndpoint] }),
});

export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});
