import { mintToken } from './domain/minting';
import { mintBodySchema, noQuerySchema } from './http/input';
import { jsonBodyOf, queryOf } from './http/request';
import { serviceRouteHandler } from './http/route-handler';
import { tokenRepository } from './store';
import { stackSecret } from './store/stack-secrets';

export const handler = serviceRouteHandler('mint-token', async ({ event, now }) => {
  queryOf(event, noQuerySchema);
  const body = jsonBodyOf(event, mintBodySchema);
  return { status: 201, body: await mintToken(tokenRepository, body, await stackSecret('tokenHash'), now) };
});
