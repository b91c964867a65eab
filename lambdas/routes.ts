/**
 * THE route table. The CDK stack builds API Gateway methods, functions and their grants from it;
 * the local gateway serves it; each handler looks up its own entry to enforce `access`. Adding a
 * route is one line here plus `lambdas/<name>.ts`.
 */

/**
 * Who may call: `user` any signed-in user (Cognito ID token), `admin` members of the admin group,
 * `service` an authorization or resource server signing with AWS SigV4 (IAM).
 */
export type Access = 'user' | 'admin' | 'service';

/** DynamoDB actions a route's function may call on the token table; the CDK grants exactly these. */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query' | 'Scan';

/** Stack secrets a route's function reads: the list cursor signing key, the token hash pepper. */
export type StackSecret = 'cursor' | 'tokenHash';

export interface RouteDefinition {
  /** Also the handler module: `lambdas/<name>.ts`, exporting `handler`. */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** API Gateway resource path, relative to the stage. */
  readonly path: string;
  readonly access: Access;
  readonly table: readonly TableAction[];
  readonly secrets: readonly StackSecret[];
  readonly summary: string;
  /**
   * For routes whose work grows with the data (bulk revocation of thousands of tokens): up to
   * API Gateway's 29 s integration limit. Others keep the function construct's short default.
   */
  readonly timeoutSeconds?: number;
}

export const ROUTES = [
  {
    name: 'list-own-tokens',
    method: 'GET',
    path: '/tokens',
    access: 'user',
    table: ['Query'],
    secrets: ['cursor'],
    summary: "List the caller's tokens",
  },
  {
    name: 'list-all-tokens',
    method: 'GET',
    path: '/admin/tokens',
    access: 'admin',
    table: ['Query', 'Scan'],
    secrets: ['cursor'],
    summary: "List every user's tokens",
  },
  {
    name: 'get-token',
    method: 'GET',
    path: '/tokens/{tokenId}',
    access: 'user',
    table: ['GetItem'],
    secrets: [],
    summary: 'Show one token',
  },
  {
    name: 'revoke-token',
    method: 'POST',
    path: '/tokens/{tokenId}/revoke',
    access: 'user',
    table: ['GetItem', 'UpdateItem', 'Query'],
    secrets: [],
    summary: 'Revoke one token (and, for a refresh token, its access tokens)',
  },
  {
    name: 'list-apps',
    method: 'GET',
    path: '/apps',
    access: 'user',
    table: ['Query'],
    secrets: [],
    summary: "List the caller's connected apps",
  },
  {
    name: 'revoke-app',
    method: 'POST',
    path: '/apps/{clientId}/revoke',
    access: 'user',
    table: ['Query', 'UpdateItem'],
    secrets: [],
    summary: "Revoke all the caller's tokens of one app",
    timeoutSeconds: 28,
  },
  {
    name: 'revoke-user-tokens',
    method: 'POST',
    path: '/admin/users/{userId}/revoke',
    access: 'admin',
    table: ['Query', 'UpdateItem'],
    secrets: [],
    summary: "Revoke a user's tokens, or preview it",
    timeoutSeconds: 28,
  },
  {
    name: 'mint-token',
    method: 'POST',
    path: '/service/tokens',
    access: 'service',
    table: ['GetItem', 'PutItem', 'UpdateItem'],
    secrets: ['tokenHash'],
    summary: 'Mint a token (authorization server)',
  },
  {
    name: 'introspect-token',
    method: 'POST',
    path: '/service/introspect',
    access: 'service',
    table: ['GetItem', 'UpdateItem'],
    secrets: ['tokenHash'],
    summary: 'Introspect a token value (RFC 7662)',
  },
  {
    name: 'revoke-token-value',
    method: 'POST',
    path: '/service/revoke',
    access: 'service',
    table: ['GetItem', 'UpdateItem', 'Query'],
    secrets: ['tokenHash'],
    summary: 'Revoke a token value (RFC 7009)',
  },
] as const satisfies readonly RouteDefinition[];

export type RouteName = (typeof ROUTES)[number]['name'];

export function routeNamed(name: RouteName): RouteDefinition {
  const route = ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`no route named ${name}`);
  return route;
}
