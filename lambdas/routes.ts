/**
 * THE route table. The CDK stack builds API Gateway methods, functions, their grants and the
 * service callers' policies from it; the local stack runs what the CDK stack synthesizes from it;
 * each handler looks up its own entry to enforce `access`. Adding a route is one entry here plus
 * `lambdas/<name>.ts`.
 */

import type { Access } from './domain/authorization';

/**
 * The two kinds of service caller, each with its own managed policy: the authorization server
 * mints, introspects and revokes; resource servers only introspect.
 */
export type ServiceCaller = 'authorization-server' | 'resource-server';

/** DynamoDB actions a function may call on the token table; the CDK grants exactly these. */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query' | 'Scan';

/** Cognito actions a function may call on this stack's user pool; the CDK grants exactly these. */
export type UserPoolAction = 'ListUsers' | 'AdminGetUser';

/** Stack secrets a function reads: the list cursor signing key, the token hash pepper. */
export type StackSecret = 'cursor' | 'tokenHash';

/** A function's timeout unless its definition says otherwise: ample for one page or one token. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** One Lambda function and exactly what it may do; `lambdas/<name>.ts` exports its `handler`. */
export interface FunctionDefinition {
  readonly name: string;
  readonly summary: string;
  readonly table: readonly TableAction[];
  readonly secrets: readonly StackSecret[];
  /** Cognito actions on the user pool, whose id the function then gets in `USER_POOL_ID`; none if absent. */
  readonly userPool?: readonly UserPoolAction[];
  /**
   * For work that grows with the data (bulk revocation of thousands of tokens): up to API
   * Gateway's 29 s integration limit for a route. Others get DEFAULT_TIMEOUT_SECONDS.
   */
  readonly timeoutSeconds?: number;
}

export interface RouteDefinition extends FunctionDefinition {
  readonly method: 'GET' | 'POST';
  /** API Gateway resource path, relative to the stage. */
  readonly path: string;
  readonly access: Access;
  /** For a service route: the callers whose policy allows it. */
  readonly callers?: readonly ServiceCaller[];
  /** An OAuth endpoint (RFC 7662, RFC 7009): its error answers also carry `error_description`. */
  readonly oauth?: boolean;
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
    userPool: ['AdminGetUser'],
    summary: "List every user's tokens",
  },
  {
    name: 'get-token',
    method: 'GET',
    path: '/tokens/{tokenId}',
    access: 'user',
    table: ['GetItem'],
    secrets: [],
    userPool: ['AdminGetUser'],
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
    table: ['Query', 'UpdateItem', 'GetItem'],
    secrets: [],
    summary: "Revoke all the caller's tokens of one app",
    timeoutSeconds: 28,
  },
  {
    name: 'revoke-user-tokens',
    method: 'POST',
    path: '/admin/users/{userId}/revoke',
    access: 'admin',
    table: ['Query', 'UpdateItem', 'GetItem'],
    secrets: [],
    summary: "Revoke a user's tokens, or preview it",
    timeoutSeconds: 28,
  },
  {
    name: 'find-users',
    method: 'GET',
    path: '/admin/users',
    access: 'admin',
    table: [],
    secrets: [],
    userPool: ['ListUsers'],
    summary: 'Find people by the start of their email',
  },
  {
    name: 'mint-token',
    method: 'POST',
    path: '/service/tokens',
    access: 'service',
    callers: ['authorization-server'],
    table: ['GetItem', 'PutItem', 'UpdateItem'],
    secrets: ['tokenHash'],
    summary: 'Mint a token (authorization server)',
  },
  {
    name: 'introspect-token',
    method: 'POST',
    path: '/service/introspect',
    access: 'service',
    callers: ['authorization-server', 'resource-server'],
    oauth: true,
    table: ['GetItem', 'UpdateItem'],
    secrets: ['tokenHash'],
    summary: 'Introspect a token value (RFC 7662)',
  },
  {
    name: 'revoke-token-value',
    method: 'POST',
    path: '/service/revoke',
    access: 'service',
    callers: ['authorization-server'],
    oauth: true,
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
