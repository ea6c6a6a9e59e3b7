import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { ClientLogger } from './logging';
import { CachedToken, isCachedToken, TokenCache, TokenCacheLock } from './token-cache';

export interface RedisTokenCacheOptions {
  /** `redis://…` / `rediss://…`; ignored when `client` is given. */
  url?: string;
  /** An existing connection; the cache then does not close it. */
  client?: Redis;
  /** Key prefix; default `oauth:cc:`. */
  prefix?: string;
  /** Each command fails after this long, connected or not (default 500 ms): Redis must never stall token calls. */
  commandTimeoutMs?: number;
  logger?: ClientLogger;
  /** Extra ioredis options for a connection made from `url`. */
  redisOptions?: RedisOptions;
}

/**
 * ioredis is an optional peer dependency: loaded when a Redis cache is made from a URL, so services
 * that keep tokens in memory need not install it.
 */
function loadIoredis(): typeof Redis {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('ioredis') as typeof import('ioredis')).Redis;
  } catch (error) {
    throw new Error('RedisTokenCache needs the ioredis package (npm install ioredis)', { cause: error });
  }
}

/** Deletes the lock only if we still own it (it may have expired and been taken by another process). */
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Tokens shared by all replicas of a service: one token per client/scope/audience across the fleet
 * instead of one per process, and a lock (`SET NX PX`) so a cold fleet fetches once.
 * Values are JSON with a PX TTL equal to the token's remaining validity. Access tokens are
 * credentials: use a Redis that only this service's replicas can read (ACL user, TLS).
 */
export class RedisTokenCache implements TokenCache {
  readonly client: Redis;
  private readonly prefix: string;
  private readonly owned: boolean;
  private readonly logger?: ClientLogger;
  private reportedError = false;

  constructor(options: RedisTokenCacheOptions | string) {
    const opts = typeof options === 'string' ? { url: options } : options;
    this.prefix = opts.prefix ?? 'oauth:cc:';
    this.logger = opts.logger;
    if (opts.client) {
      this.client = opts.client;
      this.owned = false;
    } else {
      if (!opts.url) throw new TypeError('RedisTokenCache needs a url or a client');
      this.client = new (loadIoredis())(opts.url, {
        commandTimeout: opts.commandTimeoutMs ?? 500,
        // Queued commands give up after one reconnect attempt instead of twenty.
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        // On close, a socket still connecting is destroyed after this long (ioredis default 2 s).
        disconnectTimeout: 200,
        retryStrategy: (times) => Math.min(times * 200, 5_000),
        ...opts.redisOptions,
      });
      this.owned = true;
    }
    // Without a listener ioredis prints every connection error; the provider reports failures itself.
    this.client.on('error', (error: Error) => {
      if (this.reportedError) return;
      this.reportedError = true;
      this.logger?.debug?.(`redis token cache: ${error.message}`);
    });
    this.client.on('ready', () => {
      this.reportedError = false;
    });
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const raw = await this.client.get(this.prefix + key);
    if (raw === null) return undefined;
    try {
      const value: unknown = JSON.parse(raw);
      return isCachedToken(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedToken, ttlMs: number): Promise<void> {
    const ttl = Math.floor(ttlMs);
    if (!(ttl > 0)) return;
    await this.client.set(this.prefix + key, JSON.stringify(value), 'PX', ttl);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  async tryLock(key: string, ttlMs: number): Promise<TokenCacheLock> {
    const lockKey = `${this.prefix}lock:${key}`;
    const owner = randomUUID();
    const result = await this.client.set(lockKey, owner, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
    if (result !== 'OK') return { acquired: false };
    return {
      acquired: true,
      release: async () => {
        await this.client.eval(RELEASE_LOCK, 1, lockKey, owner);
      },
    };
  }

  /** Closes the connection if this cache opened it; resolves once the socket is closed (at most ~1 s). */
  async close(): Promise<void> {
    if (!this.owned || this.client.status === 'end') return;
    if (this.client.status !== 'ready') {
      // Not connected (Redis down, reconnecting): nothing to say goodbye to; stop reconnecting.
      this.client.disconnect();
      return;
    }
    // quit() resolves on Redis's OK, before the socket closes: wait for 'end' as well.
    const ended = new Promise<boolean>((resolve) => this.client.once('end', () => resolve(true)));
    const within = async (ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      });
      const closed = await Promise.race([ended, gaveUp]);
      clearTimeout(timer);
      return closed;
    };
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
    if (await within(1_000)) return;
    this.client.disconnect(); // destroys the socket after disconnectTimeout at the latest
    await within(1_000);
  }
}
