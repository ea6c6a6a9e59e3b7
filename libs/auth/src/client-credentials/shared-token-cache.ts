import { clip } from './errors';
import type { ClientLogger } from './logging';
import { CachedToken, refreshAt, TokenCache } from './token-cache';

/** How long a failed shared cache is left alone before it is tried again. */
const RETRY_AFTER_FAILURE_MS = 10_000;

export interface SharedTokenCacheOptions {
  /** Names the client in log lines (`client "order-service" for api://user-service`). */
  label: string;
  logger: ClientLogger;
  now: () => number;
  /** Every operation gives up after this long (default 1000 ms). */
  timeoutMs?: number;
  /** How long the fleet's fetch lock lives if its holder never releases it. */
  lockTtlMs: number;
  /** When another replica holds the lock: how often and how long to look for its token (50 / 2000 ms). */
  lockPollMs?: number;
  lockWaitMs?: number;
}

/**
 * A shared token cache (e.g. RedisTokenCache) made safe to put in front of every token request:
 * - it never fails a call: an error or a slow answer (`timeoutMs`) reads as "nothing cached", and
 *   after a failure the cache is skipped for 10 s, so an outage costs one timeout, not one per step;
 * - one warning per outage, and one line when it is reachable again;
 * - it hands out only fresh tokens, never the one evicted last;
 * - with a cache that can lock, a cold fleet fetches once (`obtain`).
 */
export class SharedTokenCache {
  private down = false;
  private retryAt = 0;
  private lastEvicted?: string;

  constructor(
    readonly cache: TokenCache,
    private readonly options: SharedTokenCacheOptions,
  ) {}

  /** A token another replica stored, still fresh, or undefined. */
  async read(key: string): Promise<CachedToken | undefined> {
    const token = await this.call('get', (cache) => cache.get(key));
    if (!token || token.accessToken === this.lastEvicted || this.options.now() >= refreshAt(token)) return undefined;
    return token;
  }

  async store(key: string, token: CachedToken, ttlMs: number): Promise<void> {
    if (ttlMs > 0) await this.call('set', (cache) => cache.set(key, token, ttlMs));
  }

  /** Removes `token`, but only if it is still the stored one: a token another replica already replaced stays. */
  async evict(key: string, token: string): Promise<void> {
    this.lastEvicted = token;
    await this.call('delete', async (cache) => {
      if ((await cache.get(key))?.accessToken === token) await cache.delete(key);
    });
  }

  /**
   * The stored token, or `fetch()`'s. With a cache that locks, one replica fetches at a time: the
   * holder of the lock fetches (and stores before it unlocks), the others poll for its token, then
   * fetch themselves if none came. `fromShared` says the token came from the cache.
   */
  async obtain(key: string, fetch: () => Promise<CachedToken>): Promise<{ token: CachedToken; fromShared: boolean }> {
    const stored = await this.read(key);
    if (stored) return { token: stored, fromShared: true };
    const attempt = this.cache.tryLock ? await this.call('lock', (cache) => cache.tryLock!(key, this.options.lockTtlMs)) : undefined;
    if (attempt?.acquired) {
      try {
        // The previous holder stores its token before it unlocks: a replica that missed the cache
        // just before that store and took the lock just after it would otherwise POST again.
        const storedMeanwhile = await this.read(key);
        return storedMeanwhile ? { token: storedMeanwhile, fromShared: true } : { token: await fetch(), fromShared: false };
      } finally {
        await this.call('unlock', () => attempt.release());
      }
    }
    if (attempt) {
      const polled = await this.waitFor(key);
      if (polled) return { token: polled, fromShared: true };
      this.options.logger.debug?.(`${this.options.label}: no token from the replica holding the lock; fetching`);
    }
    return { token: await fetch(), fromShared: false };
  }

  private async waitFor(key: string): Promise<CachedToken | undefined> {
    const pollMs = this.options.lockPollMs ?? 50;
    const rounds = Math.max(1, Math.ceil((this.options.lockWaitMs ?? 2_000) / pollMs));
    for (let round = 0; round < rounds; round++) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const token = await this.read(key);
      if (token) return token;
      if (this.down) return undefined;
    }
    return undefined;
  }

  /** Runs one operation; any error or a slow answer means "no shared cache" for this call. */
  private async call<T>(operation: string, run: (cache: TokenCache) => Promise<T>): Promise<T | undefined> {
    const { label, logger, now } = this.options;
    if (this.down && now() < this.retryAt) return undefined;
    const limit = this.options.timeoutMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(this.cache),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
        }),
      ]);
      if (this.down) {
        this.down = false;
        logger.log?.(`${label}: shared token cache is reachable again`);
      }
      return result;
    } catch (error) {
      this.retryAt = now() + RETRY_AFTER_FAILURE_MS;
      if (!this.down) {
        this.down = true;
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn(`${label}: shared token cache ${operation} failed (${clip(reason)}); using the in-memory cache`);
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
