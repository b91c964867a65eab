import type { TokenRecord } from '../../lambdas/domain/token';
import type { RevokeRequest, StoredToken } from '../../lambdas/domain/token-store';
import { InMemoryTokenStore } from './in-memory-token-store';

/**
 * An in-memory store whose `revoke` succeeds `allowed` times and then throws (a function timing
 * out, a throttled table), to test that interrupted work can be finished by running it again.
 * `allowed` can be raised afterwards to let the store recover.
 */
export class InterruptingStore extends InMemoryTokenStore {
  revokeCalls = 0;

  constructor(
    records: StoredToken[],
    public allowed: number,
  ) {
    super(records);
  }

  override async revoke(request: RevokeRequest): Promise<TokenRecord | undefined> {
    if (this.revokeCalls >= this.allowed) throw new Error('interrupted');
    this.revokeCalls++;
    return super.revoke(request);
  }
}
