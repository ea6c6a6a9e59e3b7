import { SlowDown } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authServerConfig } from '../../config/auth-server.config';
import { FailureStore, InMemoryFailureStore, RedisFailureStore } from './failure-store';

/**
 * Throttles failed client authentication (brute force on client secrets) at the OAuth endpoints.
 *
 * Failures are counted per source address, and per client id from that address. Once either count
 * reaches its limit within the window, that address gets 429 `slow_down` with Retry-After (for that
 * client id, or for everything) before any credential is checked, until the window ends.
 *
 * The client-id count is scoped to the address on purpose: a global per-client lockout would let
 * anyone lock a real service out by sending wrong secrets under its id. A legitimate client on its
 * own address is never slowed by someone else's failures; successful requests cost two counter reads.
 */
@Injectable()
export class ClientAuthThrottle implements OnModuleDestroy {
  private readonly store: FailureStore;
  private readonly windowMs: number;

  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {
    const { redisUrl, windowSeconds } = config.clientAuthThrottle;
    this.store = redisUrl ? RedisFailureStore.connect(redisUrl) : new InMemoryFailureStore();
    this.windowMs = windowSeconds * 1000;
  }

  /** Throws 429 slow_down when this address, or this client id from this address, failed too often. */
  async assertAllowed(clientId: string | undefined, address: string): Promise<void> {
    const { clientLimit, addressLimit } = this.config.clientAuthThrottle;
    const [byAddress, byClient] = await this.store.read(this.keys(clientId, address));
    const blocked = [byAddress && byAddress.count >= addressLimit ? byAddress : undefined, byClient && byClient.count >= clientLimit ? byClient : undefined]
      .filter((count) => count !== undefined)
      .sort((a, b) => b.resetInMs - a.resetInMs)[0];
    if (blocked) {
      throw new SlowDown('too many failed client authentications; retry after the time in Retry-After', blocked.resetInMs / 1000);
    }
  }

  async recordFailure(clientId: string | undefined, address: string): Promise<void> {
    await this.store.increment(this.keys(clientId, address), this.windowMs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }

  private keys(clientId: string | undefined, address: string): string[] {
    const addressKey = `addr:${address}`;
    // Client ids are capped (the registry refuses longer ones too) so keys stay small.
    return clientId === undefined ? [addressKey] : [addressKey, `client:${clientId.slice(0, 256)}|${addressKey}`];
  }
}
