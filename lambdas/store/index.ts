import { ENV, requiredEnv } from '../config';
import { documentClient } from './dynamo-client';
import { TokenRepository } from './token-repository';

/** The repository every handler of this function instance shares. */
export const tokenRepository = new TokenRepository(documentClient, requiredEnv(ENV.tableName));
