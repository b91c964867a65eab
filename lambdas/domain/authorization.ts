import { forbidden } from './errors';
import type { TokenRecord } from './token';

/**
 * Who may call a route: `user` any signed-in user (a Cognito ID token), `admin` a member of the
 * admin group, `service` a server signing with AWS SigV4 whose IAM policy allows the route.
 */
export type Access = 'user' | 'admin' | 'service';

/** The signed-in user making a request, as the authorizer vouched for them. */
export interface Caller {
  sub: string;
  isAdmin: boolean;
}

/**
 * Role check for a route; runs before any input is looked at: 403 before 400
 * (docs/api.md#input-rules-and-order-of-checks).
 */
export function assertMayCall(access: Access, caller: Caller): void {
  if (access === 'admin' && !caller.isAdmin) throw forbidden('This route is for administrators only.');
}

/** Owners see their own tokens; admins see everyone's, including tokens with no user. */
export function maySeeToken(caller: Caller, record: Pick<TokenRecord, 'userId'>): boolean {
  return caller.isAdmin || (record.userId !== undefined && record.userId === caller.sub);
}

/**
 * The owner a write must be conditioned on, so the ownership check and the write are one
 * atomic DynamoDB operation: undefined for admins, who may write any token.
 */
export function requiredOwner(caller: Caller): string | undefined {
  return caller.isAdmin ? undefined : caller.sub;
}
