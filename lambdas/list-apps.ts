import { connectedApps } from './domain/connected-apps';
import { noQuerySchema } from './http/input';
import { queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { tokenRepository } from './store';

export const handler = routeHandler('list-apps', async ({ event, caller, now }) => {
  queryOf(event, noQuerySchema);
  return { body: await connectedApps(tokenRepository, caller.sub, now) };
});
