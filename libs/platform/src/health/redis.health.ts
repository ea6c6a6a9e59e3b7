import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';

const PING_TIMEOUT_MS = 1_000;

/**
 * Pings the Redis at REDIS_URL on its own small connection, opened at the first probe and never
 * queueing commands while disconnected, so a probe answers within a second either way.
 */
@Injectable()
export class RedisHealthIndicator implements OnApplicationShutdown {
  private client?: Redis;

  constructor(
    private readonly config: ConfigService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.get<string>('REDIS_URL'));
  }

  async pingCheck(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const url = this.config.get<string>('REDIS_URL');
    if (!url) return indicator.up({ configured: false });
    // Loaded at the first probe with REDIS_URL set: an app without Redis never loads ioredis.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.client ??= new RedisClient(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: PING_TIMEOUT_MS,
      // No background reconnecting: the next probe connects again.
      retryStrategy: () => null,
    });
    try {
      if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      });
      await Promise.race([this.client.ping(), timeout]).finally(() => clearTimeout(timer));
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  // After the HTTP server drained (Nest runs shutdown hooks after closing it): in-flight calls may still need the cache.
  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}
