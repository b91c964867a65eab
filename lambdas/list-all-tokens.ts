import { withUserEmails } from './domain/people';
import { listTokens } from './domain/token-service';
import { adminListQuerySchema } from './http/input';
import { queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';
import { stackSecret } from './store/stack-secrets';
import { userDirectory } from './store/user-pool';

export const handler = routeHandler('list-all-tokens', async ({ route, event, caller, now }) => {
  const query = queryOf(event, adminListQuerySchema);
  const page = await listTokens(tokenRepository, query, {
    route: route.name,
    caller,
    userId: query.userId,
    cursorSecret: await stackSecret('cursor'),
    now,
  });
  return { body: { ...page, items: await withUserEmails(userDirectory, caller, page.items) } };
});
