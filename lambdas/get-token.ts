import { withUserEmails } from './domain/people';
import { getToken } from './domain/token-service';
import { noQuerySchema, tokenIdSchema } from './http/input';
import { pathParameter, queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';
import { userDirectory } from './store/user-pool';

export const handler = routeHandler('get-token', async ({ event, caller, now }) => {
  const tokenId = pathParameter(event, 'tokenId', tokenIdSchema);
  queryOf(event, noQuerySchema);
  const [view] = await withUserEmails(userDirectory, caller, [await getToken(tokenRepository, caller, tokenId, now)]);
  return { body: view };
});
