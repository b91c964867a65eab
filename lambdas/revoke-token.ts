import { revokeToken } from './domain/token-service';
import { noQuerySchema, revokeBodySchema, tokenIdSchema } from './http/input';
import { jsonBodyOf, pathParameter, queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';

export const handler = routeHandler('revoke-token', async ({ event, caller, now, deadline }) => {
  const tokenId = pathParameter(event, 'tokenId', tokenIdSchema);
  queryOf(event, noQuerySchema);
  const { reason } = jsonBodyOf(event, revokeBodySchema);
  return { body: await revokeToken(tokenRepository, caller, tokenId, reason, now, deadline) };
});
