import { previewBulkRevocation, revokeSelection } from './domain/revocation';
import { bulkRevokeBodySchema, externalId, noQuerySchema } from './http/input';
import { jsonBodyOf, pathParameter, queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';

export const handler = routeHandler('revoke-user-tokens', async ({ event, caller, now, deadline }) => {
  const userId = pathParameter(event, 'userId', externalId('userId'));
  queryOf(event, noQuerySchema);
  const { clientId, reason, dryRun } = jsonBodyOf(event, bulkRevokeBodySchema);
  const selection = { userId, clientId };
  if (dryRun) return { body: await previewBulkRevocation(tokenRepository, selection, now, deadline) };
  return { body: { revoked: await revokeSelection(tokenRepository, selection, caller.sub, reason, now, deadline) } };
});
