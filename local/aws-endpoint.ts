import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { decide, denialMessage } from './iam-policy';
import { LOCAL_CREDENTIALS, tableArn, userPoolArn } from './local-aws';
import { listenOnLoopback } from './loopback';
import { readBody } from './read-body';
import { signatureClaim, sigv4Verifier } from './sigv4';
import type { SigningIdentity } from './stack-model';

interface AwsEndpointSettings {
  readonly region: string;
  /** The identities whose calls are checked, by access key: the functions' roles and the service keys. */
  readonly identities: ReadonlyMap<string, SigningIdentity>;
  readonly dynamoDbBackend: string;
  readonly cognitoBackend: string;
  /** Secret values by ARN. */
  readonly secrets: ReadonlyMap<string, string>;
  readonly table: { readonly name: string; readonly keyAttributes: readonly string[] };
  readonly onTableChange?: (change: TableChange) => void;
}

type Image = Record<string, AttributeValue>;

export interface TableChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: Image;
  readonly oldImage?: Image;
  readonly newImage?: Image;
}

interface Service {
  /** The service name in the signature's credential scope and in IAM actions. */
  readonly name: 'dynamodb' | 'secretsmanager' | 'cognito-idp';
  readonly targetPrefix: string;
  readonly contentType: string;
}

const SERVICES: readonly Service[] = [
  { name: 'dynamodb', targetPrefix: 'DynamoDB_20120810.', contentType: 'application/x-amz-json-1.0' },
  { name: 'secretsmanager', targetPrefix: 'secretsmanager.', contentType: 'application/x-amz-json-1.1' },
  {
    name: 'cognito-idp',
    targetPrefix: 'AWSCognitoIdentityProviderService.',
    contentType: 'application/x-amz-json-1.1',
  },
];

/** DynamoDB's own error types are namespaced; the other services use the bare name. */
const errorType = (service: Service, name: string) =>
  service.name === 'dynamodb' ? `com.amazonaws.dynamodb.v20120810#${name}` : name;

const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Body = Record<string, unknown>;

/**
 * The DynamoDB operations the endpoint models: it knows the table (or index) each acts on, for IAM, and every
 * item each writes, for the table's stream. Another (TransactWriteItems, ExecuteStatement, ...) would be checked
 * against no real resource and its writes would never reach the stream, so it is refused by name.
 */
const DYNAMODB_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'ListTables',
  'DescribeTable',
  'CreateTable',
  'UpdateTable',
  'DeleteTable',
  'DescribeTimeToLive',
  'UpdateTimeToLive',
]);

/** The resources one DynamoDB operation acts on, each with the IAM action it needs there. */
function dynamoDbAccess(operation: string, body: Body, arnOf: (table: string) => string): [string, string][] {
  const table = (name: unknown, index?: unknown) =>
    `${arnOf(String(name))}${typeof index === 'string' ? `/index/${index}` : ''}`;
  switch (operation) {
    case 'ListTables':
      return [['dynamodb:ListTables', '*']];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems ?? {}) as object).map((name) => [`dynamodb:${operation}`, table(name)]);
    default:
      return [[`dynamodb:${operation}`, table(body.TableName, body.IndexName)]];
  }
}

/**
 * The local stand-in for the AWS service endpoints the functions call: DynamoDB (in front of
 * dynalite), Secrets Manager (answered here) and Cognito (in front of cognito-local). It plays IAM:
 * a call signed with the key of an identity the local stack knows (a function's role, a published
 * service key) must carry a valid signature, and its action on its resource (table, index, secret,
 * user pool) must be allowed by that identity's policies, exactly as the synthesized template
 * writes them; otherwise it is refused with AWS's AccessDeniedException.
 *
 * A call signed with any other key stands for the developer's own administrator credentials
 * (seeding, tests, an admin's CLI): it is let through unchecked, as an administrator's would be.
 *
 * Every write that reaches the token table is also handed to `onTableChange` with the item's old
 * and new images, as DynamoDB Streams records it (local/table-stream.ts).
 */
export async function startAwsEndpoint(settings: AwsEndpointSettings) {
  const { region } = settings;
  const arnOfTable = (name: string) => tableArn(region, name);
  const verifiers = new Map(
    SERVICES.map((service) => [
      service.name,
      sigv4Verifier({ service: service.name, region }, (key) => settings.identities.get(key)?.secretAccessKey),
    ]),
  );
  const backend = new DynamoDBClient({ endpoint: settings.dynamoDbBackend, region, credentials: LOCAL_CREDENTIALS });
  const keyLocks = new Map<string, Promise<unknown>>();

  const answer = (response: ServerResponse, service: Service, status: number, body: object): void => {
    response.writeHead(status, { 'Content-Type': service.contentType }).end(JSON.stringify(body));
  };
  const refuse = (response: ServerResponse, service: Service, status: number, name: string, message: string) =>
    answer(response, service, status, { __type: errorType(service, name), message, Message: message });

  /**
   * Passes a call on to the service behind. If the caller goes away first (its function's
   * environment ended), the call is abandoned too: it never reaches the service.
   */
  function forward(
    request: IncomingMessage,
    body: Buffer,
    target: string,
    callerGone: AbortSignal,
  ): Promise<{ status: number; headers: object; body: Buffer }> {
    const url = new URL(request.url ?? '/', target);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        url,
        { method: request.method, headers: { ...request.headers, host: url.host }, signal: callerGone },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  const readImage = async (keys: Image) =>
    (await backend.send(new GetItemCommand({ TableName: settings.table.name, Key: keys, ConsistentRead: true }))).Item;

  /** Writes to one item are serialized, so the images around each write are that write's own. */
  async function withKeyLock<T>(keys: Image, work: () => Promise<T>): Promise<T> {
    const id = JSON.stringify(keys);
    const previous = keyLocks.get(id) ?? Promise.resolve();
    const mine = previous.then(work, work);
    const settled = mine.catch(() => undefined);
    keyLocks.set(id, settled);
    try {
      return await mine;
    } finally {
      if (keyLocks.get(id) === settled) keyLocks.delete(id);
    }
  }

  /** The keys of the token table's items that a write operation touches. */
  function writtenKeys(operation: string, body: Body): Image[] {
    const keyOf = (item: Image) =>
      Object.fromEntries(settings.table.keyAttributes.map((name) => [name, item[name]])) as Image;
    if (operation === 'BatchWriteItem') {
      const requests = ((body.RequestItems ?? {}) as Record<string, Body[]>)[settings.table.name] ?? [];
      return requests.map((r) =>
        keyOf(((r.PutRequest as Body | undefined)?.Item ?? (r.DeleteRequest as Body | undefined)?.Key) as Image),
      );
    }
    if (body.TableName !== settings.table.name) return [];
    if (operation === 'PutItem') return [keyOf(body.Item as Image)];
    if (operation === 'UpdateItem' || operation === 'DeleteItem') return [keyOf(body.Key as Image)];
    return [];
  }

  /** A write, between reads of the images of the items it touches, as one step for each of those items. */
  async function forwardWrite(request: IncomingMessage, body: Buffer, itemKeys: Image[], callerGone: AbortSignal) {
    const write = async () => {
      const before = await Promise.all(itemKeys.map(readImage));
      try {
        return await forward(request, body, settings.dynamoDbBackend, callerGone);
      } finally {
        // Also when the answer was lost: the write may have landed, and the stream records what did.
        const after = await Promise.all(itemKeys.map(readImage));
        for (const [i, key] of itemKeys.entries()) emitChange(key, before[i], after[i]);
      }
    };
    // Each item's lock once, taken in one order, so two batch writes never wait for each other's.
    const unique = new Map(itemKeys.map((key) => [JSON.stringify(key), key]));
    const ordered = [...unique].sort(([a], [b]) => a.localeCompare(b)).map(([, key]) => key);
    return ordered.reduceRight<() => ReturnType<typeof write>>((inner, key) => () => withKeyLock(key, inner), write)();
  }

  function emitChange(keys: Image, oldImage: Image | undefined, newImage: Image | undefined) {
    if (!settings.onTableChange || JSON.stringify(oldImage) === JSON.stringify(newImage)) return;
    const eventName = !oldImage ? 'INSERT' : !newImage ? 'REMOVE' : 'MODIFY';
    settings.onTableChange({ eventName, keys, ...(oldImage && { oldImage }), ...(newImage && { newImage }) });
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const service = SERVICES.find((s) => target.startsWith(s.targetPrefix));
    const fallback = SERVICES[0] as Service;
    if (request.method !== 'POST' || !service) {
      return refuse(response, service ?? fallback, 400, 'UnknownOperationException', 'Unknown operation.');
    }
    const operation = target.slice(service.targetPrefix.length);
    if (service.name === 'dynamodb' && !DYNAMODB_OPERATIONS.has(operation)) {
      const message =
        `The local stack does not model DynamoDB ${operation}: it cannot check its resources against IAM ` +
        "nor record its writes in the table's stream.";
      console.error(`local AWS: ${message}`);
      return refuse(response, service, 400, 'UnknownOperationException', message);
    }
    const bytes = await readBody(request, MAX_BODY_BYTES);
    if (!bytes) return refuse(response, service, 413, 'RequestEntityTooLarge', 'The request is too large.');
    let body: Body;
    try {
      body = JSON.parse(bytes.toString('utf8') || '{}') as Body;
    } catch {
      return refuse(response, service, 400, 'SerializationException', 'The request body is not JSON.');
    }

    const claim = signatureClaim(request.headers.authorization);
    const caller = claim && settings.identities.get(claim.accessKeyId);
    if (caller) {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const signedBy = await verifiers.get(service.name)?.(request, url, bytes);
      if (!signedBy) {
        return refuse(response, service, 400, 'InvalidSignatureException', 'The request signature is not valid.');
      }
      for (const [action, resource] of accessOf(service, operation, body)) {
        const decision = decide(caller.principal.statements, action, resource);
        if (decision !== 'allowed') {
          const message = denialMessage(caller.principal.arn, action, resource, decision);
          console.error(`local AWS: ${message}`);
          return refuse(response, service, 400, 'AccessDeniedException', message);
        }
      }
    }

    if (service.name === 'secretsmanager') return serveSecret(response, service, operation, body);
    const backendUrl = service.name === 'dynamodb' ? settings.dynamoDbBackend : settings.cognitoBackend;
    // The items a write changes, each read before and after it under a lock of its own, for the stream alone.
    const itemKeys = service.name === 'dynamodb' && settings.onTableChange ? writtenKeys(operation, body) : [];
    const callerGone = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) callerGone.abort();
    });
    const result =
      itemKeys.length > 0
        ? await forwardWrite(request, bytes, itemKeys, callerGone.signal)
        : await forward(request, bytes, backendUrl, callerGone.signal);
    response.writeHead(result.status, result.headers as Record<string, string>).end(result.body);
    return;
  }

  function accessOf(service: Service, operation: string, body: Body): [string, string][] {
    if (service.name === 'dynamodb') return dynamoDbAccess(operation, body, arnOfTable);
    if (service.name === 'secretsmanager') return [[`secretsmanager:${operation}`, secretArn(body.SecretId)]];
    return [[`cognito-idp:${operation}`, userPoolArn(region, String(body.UserPoolId))]];
  }

  /** A secret's ARN from its ARN or its name, as Secrets Manager accepts either. */
  function secretArn(secretId: unknown): string {
    const id = String(secretId);
    return [...settings.secrets.keys()].find((arn) => arn === id || arn.endsWith(`:secret:${id}`)) ?? id;
  }

  function serveSecret(response: ServerResponse, service: Service, operation: string, body: Body) {
    const arn = secretArn(body.SecretId);
    const value = settings.secrets.get(arn);
    if (value === undefined) {
      return refuse(
        response,
        service,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    }
    const name = arn.split(':secret:')[1] ?? arn;
    if (operation === 'GetSecretValue')
      return answer(response, service, 200, { ARN: arn, Name: name, SecretString: value });
    if (operation === 'DescribeSecret') return answer(response, service, 200, { ARN: arn, Name: name });
    return refuse(response, service, 400, 'UnknownOperationException', `The local stack does not serve ${operation}.`);
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      const { name, code } = error as NodeJS.ErrnoException;
      // A caller that went away abandoned its call.
      if (name === 'AbortError') return;
      // The service behind dropped the connection: so does this endpoint, as the SDK would see it.
      if (code === 'ECONNRESET' || code === 'ECONNREFUSED' || (error as Error).message === 'socket hang up') {
        response.destroy();
        return;
      }
      console.error('local AWS endpoint failed:', error);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const listener = await listenOnLoopback(server, 0);
  return {
    endpoint: listener.origin,
    close: async () => {
      backend.destroy();
      await listener.close();
    },
  };
}
