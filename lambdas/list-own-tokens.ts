import { listTokens } from './domain/token-service';
import { ownListQuerySchema } from './http/input';
import { queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';
import { stackSecret } from './store/stack-secrets';

export const handler = routeHandler('list-own-tokens', async ({ route, event, caller, now }) => {
  const query = queryOf(event, ownListQuerySchema);
  const body = await listTokens(tokenRepository, query, {
    route: route.name,
    caller,
    userId: caller.sub,
    cursorSecret: await stackSecret('cursor'),
    now,
  });
  return { body };
});
