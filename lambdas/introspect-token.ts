import { introspect } from './domain/introspection';
import { introspectFormSchema, noQuerySchema } from './http/input';
import { formBodyOf, queryOf } from './http/request';
import { serviceRouteHandler } from './http/route-handler';
import { tokenRepository } from './store';
import { stackSecret } from './store/stack-secrets';

/** RFC 7662; `token_type_hint` is accepted and, as the RFC allows, not needed for the lookup. */
export const handler = serviceRouteHandler('introspect-token', async ({ event, now }) => {
  queryOf(event, noQuerySchema);
  const { token } = formBodyOf(event, introspectFormSchema);
  return { body: await introspect(tokenRepository, token, await stackSecret('tokenHash'), now) };
});
