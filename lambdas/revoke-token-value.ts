import { revokeByValue } from './domain/revocation';
import { noQuerySchema, revokeFormSchema } from './http/input';
import { formBodyOf, queryOf } from './http/request';
import { serviceRouteHandler } from './http/route-handler';
import { tokenRepository } from './store';
import { stackSecret } from './store/stack-secrets';

/** RFC 7009; `token_type_hint` is only a hint, and the value alone finds the token. */
export const handler = serviceRouteHandler('revoke-token-value', async ({ event, now, deadline }) => {
  queryOf(event, noQuerySchema);
  const { token, client_id: clientId } = formBodyOf(event, revokeFormSchema);
  await revokeByValue(tokenRepository, token, clientId, await stackSecret('tokenHash'), now, deadline);
  return {};
});
