/**
 * THE route table. The CDK stack builds API Gateway methods and functions from it; the local
 * gateway serves it; each handler looks up its own entry to enforce `access`. Adding a route
 * is one line here plus `lambdas/<name>.ts`.
 */
export type Access = 'user' | 'admin';

/** What the route's function may do to the token table; the CDK grants exactly this. */
export type TableAccess = 'read' | 'read-update';

export interface RouteDefinition {
  /** Also the handler module: `lambdas/<name>.ts`, exporting `handler`. */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** API Gateway resource path, relative to the stage. */
  readonly path: string;
  readonly access: Access;
  readonly table: TableAccess;
  /** Signs and verifies list cursors, so needs the cursor secret. */
  readonly cursors: boolean;
  readonly summary: string;
}

export const ROUTES = [
  { name: 'list-own-tokens', method: 'GET', path: '/tokens', access: 'user', table: 'read', cursors: true, summary: "List the caller's tokens" },
  { name: 'list-all-tokens', method: 'GET', path: '/admin/tokens', access: 'admin', table: 'read', cursors: true, summary: "List every user's tokens" },
  { name: 'get-token', method: 'GET', path: '/tokens/{tokenId}', access: 'user', table: 'read', cursors: false, summary: 'Show one token' },
  { name: 'revoke-token', method: 'POST', path: '/tokens/{tokenId}/revoke', access: 'user', table: 'read-update', cursors: false, summary: 'Revoke one token' },
] as const satisfies readonly RouteDefinition[];

export type RouteName = (typeof ROUTES)[number]['name'];

export function routeNamed(name: RouteName): RouteDefinition {
  const route = ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`no route named ${name}`);
  return route;
}
