import { noQuerySchema, tokenIdSchema } from './domain/input';
import { getToken } from './domain/token-service';
import { pathParameter, queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';

export const handler = routeHandler('get-token', async ({ event, caller, now }) => {
  const tokenId = pathParameter(event, 'tokenId', tokenIdSchema);
  queryOf(event, noQuerySchema);
  return { body: await getToken(tokenRepository, caller, tokenId, now) };
});
