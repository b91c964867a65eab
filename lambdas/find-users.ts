import { findPeople } from './domain/people';
import { userSearchQuerySchema } from './http/input';
import { queryOf } from './http/request';
import { routeHandler } from './http/route-handler';
import { userDirectory } from './store/user-pool';

export const handler = routeHandler('find-users', async ({ event }) => ({
  body: await findPeople(userDirectory, queryOf(event, userSearchQuerySchema)),
}));
