import { InvalidClient, OAuthError, SlowDown } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authServerConfig } from '../../config/auth-server.config';
import { FailureCount, FailureStore, InMemoryFailureStore, RedisFailureStore } from './failure-store';

/** Longest backoff a single failure asks for; the window end caps it too. */
const MAX_BACKOFF_SECONDS = 300;

/** What the throttle has seen since start (read by /metrics at scrape time). */
export interface ClientAuthFailureStats {
  /** Failed authentications answered 401 invalid_client, by whether the client id is registered. */
  rejected: { registered: number; unknown: number };
  /** Failed authentications past a limit, answered 429 slow_down. */
  slowed: { registered: number; unknown: number };
}

/**
 * Counts failed client authentication at the OAuth endpoints and slows the failures down, never
 * the successes.
 *
 * Why it never refuses a request before its credentials are checked: any such refusal can be
 * triggered by someone else. Counted per address, it lets one stranger (or one noisy neighbour
 * behind the same ingress, NAT or mesh) lock every client at that address out; counted per client
 * id, it lets anyone lock a real service out by sending wrong secrets under its name. Nothing is
 * gained in exchange: client secrets are generated 256-bit values, so online guessing is hopeless
 * at any rate, and a private_key_jwt assertion cannot be guessed either. So correct credentials are
 * always checked and always accepted, whatever failures anyone made, and this class only deals with
 * *failed* attempts:
 *
 * - failures are counted per registered client id (guessing at one client, from anywhere) and per
 *   source address (floods, whatever the ids);
 * - a failure past either limit within the window is answered 429 `slow_down` with a Retry-After
 *   that doubles with every further failure (capped at the window end), which a well-behaved client
 *   with a wrong secret honours, so a misconfigured replica stops hammering the endpoint;
 * - crossing a limit, and each doubling past it, is a structured security log event, and every
 *   failure is counted in `oauth_client_auth_failures_total`, so guessing is visible.
 *
 * Unknown client ids are counted per address only: counting them per id would let a flood of
 * made-up ids fill the store (or Redis) with keys the attacker chooses.
 *
 * The success path does nothing here: no counter read, no allocation.
 */
@Injectable()
export class ClientAuthThrottle implements OnModuleDestroy {
  private readonly logger = new Logger('Security');
  private readonly store: FailureStore;
  private readonly windowMs: number;
  readonly stats: ClientAuthFailureStats = { rejected: { registered: 0, unknown: 0 }, slowed: { registered: 0, unknown: 0 } };

  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {
    const { redisUrl, windowSeconds } = config.clientAuthThrottle;
    this.store = redisUrl ? RedisFailureStore.connect(redisUrl) : new InMemoryFailureStore();
    this.windowMs = windowSeconds * 1000;
  }

  /**
   * Counts a failed authentication and returns the error to answer it with: the original
   * invalid_client below the limits, 429 slow_down past one of them.
   */
  async failed(error: InvalidClient, clientId: string | undefined, registered: boolean, address: string): Promise<OAuthError> {
    const { clientLimit, addressLimit } = this.config.clientAuthThrottle;
    const keys = [`addr:${address}`];
    // Registry ids are at most 256 characters, so a registered id keeps the key small.
    if (registered && clientId !== undefined) keys.push(`client:${clientId}`);
    const [byAddress, byClient] = await this.store.increment(keys, this.windowMs);
    const kind = registered ? 'registered' : 'unknown';
    const overAddress = excess(byAddress, addressLimit);
    const overClient = excess(byClient, clientLimit);
    if (overAddress === 0 && overClient === 0) {
      this.stats.rejected[kind] += 1;
      return error;
    }
    this.stats.slowed[kind] += 1;
    const retryAfterSeconds = Math.max(backoff(byAddress!, overAddress), byClient ? backoff(byClient, overClient) : 0);
    if (isLogPoint(overClient)) this.logThrottled('client', clientId, address, byClient!, clientLimit, retryAfterSeconds);
    if (isLogPoint(overAddress)) this.logThrottled('address', registered ? clientId : undefined, address, byAddress!, addressLimit, retryAfterSeconds);
    return new SlowDown('too many failed client authentications; retry after the time in Retry-After', retryAfterSeconds);
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }

  private logThrottled(limit: 'client' | 'address', clientId: string | undefined, address: string, count: FailureCount, max: number, retryAfterSeconds: number): void {
    this.logger.warn({
      event: 'client_auth_throttled',
      limit,
      // Only registered ids: an unknown one is text the caller chose.
      clientId: clientId ?? null,
      address,
      failures: count.count,
      limitPerWindow: max,
      windowSeconds: this.windowMs / 1000,
      retryAfterSeconds: Math.ceil(retryAfterSeconds),
      msg: `failed client authentications past the ${limit} limit: answering 429 slow_down`,
    });
  }
}

/** How many failures past the limit this one is (0: within it). */
function excess(count: FailureCount | undefined, limit: number): number {
  return count ? Math.max(0, count.count - limit) : 0;
}

/** 1 s for the first failure past the limit, doubling after, never past the window end. */
function backoff(count: FailureCount, over: number): number {
  if (over === 0) return 0;
  const doubling = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(over - 1, 16));
  return Math.max(1, Math.min(doubling, count.resetInMs / 1000));
}

/** Log when a limit is first crossed and at each doubling past it: bounded lines under a flood. */
function isLogPoint(over: number): boolean {
  return over > 0 && (over & (over - 1)) === 0;
}
