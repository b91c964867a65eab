import { randomBytes } from 'node:crypto';

/** The local services check no credentials, but the SDK insists on having some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = process.env.AWS_REGION || 'us-east-1';

/** The name the local stack gives what it creates: the table, the user pool and its app client. */
export const LOCAL_NAME = 'token-ledger-local';

/** The account id in the ARNs of local stand-ins for AWS resources. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The REST API's id: in its execute-api ARNs and in the request context the gateway gives a function. */
export const LOCAL_API_ID = 'local';

/** The version every local function runs, as a function without published versions does on Lambda. */
export const LOCAL_FUNCTION_VERSION = '$LATEST';

/**
 * The ARNs of the local account, in one place, so what a policy names and what the local endpoints check it
 * against are built the same way. A global service (IAM) has no region.
 */
export const localArn = (service: string, region: string, resource: string): string =>
  `arn:aws:${service}:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;

export const tableArn = (region: string, tableName: string) => localArn('dynamodb', region, `table/${tableName}`);

export const userPoolArn = (region: string, userPoolId: string) =>
  localArn('cognito-idp', region, `userpool/${userPoolId}`);

export const iamUserArn = (name: string) => localArn('iam', '', `user/${name}`);

/** What `execute-api:Invoke` is checked against: the API, stage, method and path (no leading `/`). */
export const executeApiArn = (region: string, stage: string, method: string, path: string) =>
  localArn('execute-api', region, `${LOCAL_API_ID}/${stage}/${method}/${path.replace(/^\//, '')}`);

/** Credentials of an identity the local stack checks: a function's role, a service caller. */
export interface KeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A fresh key pair, shaped as AWS's: a 20-character access key id and a 40-character secret. */
export const newKeyPair = (): KeyPair => ({
  accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20),
  secretAccessKey: randomBytes(30).toString('base64'),
});
