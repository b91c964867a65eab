import { revokeSelection } from './domain/revocation';
import { appRevokeBodySchema, externalId, noQuerySchema } from './http/input';
import { jsonBodyOf, pathParameter, queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';

/** "Revoke Access": only ever the caller's own tokens, whatever the path names. */
export const handler = routeHandler('revoke-app', async ({ event, caller, now, deadline }) => {
  const clientId = pathParameter(event, 'clientId', externalId('clientId'));
  queryOf(event, noQuerySchema);
  jsonBodyOf(event, appRevokeBodySchema);
  const revoked = await revokeSelection(
    tokenRepository,
    { userId: caller.sub, clientId },
    caller.sub,
    undefined,
    now,
    deadline,
  );
  return { body: { revoked } };
});
