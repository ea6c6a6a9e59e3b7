import { Logger } from '@nestjs/common';
import type { ChainableCommander, Redis } from 'ioredis';

/** Failures counted for a key in the current window, and when that window ends. */
export interface FailureCount {
  count: number;
  resetInMs: number;
}

/** Fixed-window counters of failed client authentications. */
export interface FailureStore {
  /**
   * Counts one more failure for each key (a key's window starts at its first failure) and returns
   * the counts after it, so a failure costs one round trip.
   */
  increment(keys: string[], windowMs: number): Promise<FailureCount[]>;
  /** Current counts (0 for keys with no failures in their window). */
  read(keys: string[]): Promise<FailureCount[]>;
  close(): Promise<void>;
}

/** One process's counters: the default, enough for a single replica. */
export class InMemoryFailureStore implements FailureStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  /** Bounds memory under a flood of distinct keys (spoofed client ids); the oldest windows go first. */
  constructor(private readonly maxKeys = 100_000) {}

  async increment(keys: string[], windowMs: number): Promise<FailureCount[]> {
    const now = Date.now();
    return keys.map((key) => {
      let window = this.windows.get(key);
      if (window && window.resetAt > now) {
        window.count += 1;
      } else {
        if (this.windows.size >= this.maxKeys) this.evict(now);
        window = { count: 1, resetAt: now + windowMs };
        this.windows.set(key, window);
      }
      return { count: window.count, resetInMs: window.resetAt - now };
    });
  }

  async read(keys: string[]): Promise<FailureCount[]> {
    const now = Date.now();
    return keys.map((key) => {
      const window = this.windows.get(key);
      return window && window.resetAt > now ? { count: window.count, resetInMs: window.resetAt - now } : { count: 0, resetInMs: 0 };
    });
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt <= now) this.windows.delete(key);
    }
    // Still full: drop the oldest insertions (Map keeps insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}

/**
 * Counters shared by every replica through Redis (`INCR` + `PEXPIRE NX`), so an attacker gains nothing
 * by spreading attempts over replicas. If Redis is unreachable each replica falls back to its own
 * memory counters: throttling stays on, and token requests never wait on Redis.
 */
export class RedisFailureStore implements FailureStore {
  private readonly logger = new Logger(RedisFailureStore.name);
  private readonly fallback = new InMemoryFailureStore();
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'oauth:auth-failures:',
  ) {}

  static connect(url: string, commandTimeoutMs = 250): RedisFailureStore {
    // Loaded here, not at the top: without REDIS_URL the app never loads ioredis (45 modules, ~2 MB RSS).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Redis } = require('ioredis') as typeof import('ioredis');
    return new RedisFailureStore(
      // Commands queue while (re)connecting, but none waits longer than commandTimeoutMs.
      new Redis(url, { commandTimeout: commandTimeoutMs, maxRetriesPerRequest: 1 }),
    );
  }

  async increment(keys: string[], windowMs: number): Promise<FailureCount[]> {
    try {
      const pipeline = this.redis.multi();
      for (const key of keys) {
        pipeline.incr(this.prefix + key);
        pipeline.pexpire(this.prefix + key, windowMs, 'NX');
        pipeline.pttl(this.prefix + key);
      }
      return await countsOf(pipeline, keys.length, 3);
    } catch (error) {
      this.degraded(error);
      return this.fallback.increment(keys, windowMs);
    }
  }

  async read(keys: string[]): Promise<FailureCount[]> {
    try {
      const pipeline = this.redis.pipeline();
      for (const key of keys) {
        pipeline.get(this.prefix + key);
        pipeline.pttl(this.prefix + key);
      }
      return await countsOf(pipeline, keys.length, 2);
    } catch (error) {
      this.degraded(error);
      return this.fallback.read(keys);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.fallback.close();
  }

  private degraded(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(`Redis unavailable for failed-authentication counters, using this replica's memory: ${(error as Error)?.message ?? error}`);
  }
}

/**
 * Runs a pipeline of `commandsPerKey` commands per key, the first answering the count and the last the
 * key's remaining TTL, and reads them as counts; any command's error fails the whole read.
 */
async function countsOf(pipeline: ChainableCommander, keyCount: number, commandsPerKey: number): Promise<FailureCount[]> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return Array.from({ length: keyCount }, (_, index) => ({
    count: Number(results[index * commandsPerKey]?.[1] ?? 0) || 0,
    resetInMs: Math.max(0, Number(results[(index + 1) * commandsPerKey - 1]?.[1] ?? 0)),
  }));
}
