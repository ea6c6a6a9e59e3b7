import { randomUUID } from 'node:crypto';
import { captureLogger, LocalHttpServer, startTokenEndpoint, testClock } from '../../test/support/local-http-servers';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { ClientCredentialsTokenProviderOptions } from './client-credentials.options';
import { RedisTokenCache } from './redis-token-cache';
import { CachedToken, InMemoryTokenCache, TokenCache } from './token-cache';

const REDIS_URL = process.env.REDIS_URL;

function providerFor(endpoint: LocalHttpServer, overrides: Partial<ClientCredentialsTokenProviderOptions>) {
  return new ClientCredentialsTokenProvider({
    tokenEndpoint: `${endpoint.url}/oauth/token`,
    issuer: 'https://issuer.test',
    clientId: 'order-service',
    clientSecret: 'secret',
    scopes: ['users:read'],
    audience: 'api://user-service',
    logger: captureLogger().logger,
    ...overrides,
  });
}

describe('RedisTokenCache when Redis is down (no Redis needed)', () => {
  let endpoint: LocalHttpServer;
  let cache: RedisTokenCache;

  beforeEach(async () => {
    endpoint = await startTokenEndpoint();
    cache = new RedisTokenCache({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
  });
  afterEach(async () => {
    await cache.close();
    await endpoint.close();
  });

  it('getToken() still succeeds through the memory path, warns once, and keeps caching in memory', async () => {
    const logs = captureLogger();
    const tokens = providerFor(endpoint, { cache, logger: logs.logger });
    await expect(tokens.getToken()).resolves.toBe('tok-1');
    await expect(tokens.getToken()).resolves.toBe('tok-1');
    await tokens.invalidate('tok-1');
    await expect(tokens.getToken()).resolves.toBe('tok-2');
    expect(endpoint.count).toBe(2);
    expect(tokens.stats).toMatchObject({ hits: 1, fetches: 2, failures: 0 });
    const warnings = logs.lines.filter((line) => line.startsWith('warn:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/shared token cache .* failed .*using the in-memory cache/);
  });

  it('after a shared-cache failure, leaves it alone for 10 s, then uses it again', async () => {
    const clock = testClock();
    const logs = captureLogger();
    const backing = new InMemoryTokenCache(clock.now);
    let down = true;
    let calls = 0;
    const flaky: TokenCache = {
      get: async (key) => (calls++, down ? Promise.reject(new Error('ECONNREFUSED')) : backing.get(key)),
      set: async (key, value, ttl) => (calls++, down ? Promise.reject(new Error('ECONNREFUSED')) : backing.set(key, value, ttl)),
      delete: async (key) => (calls++, down ? Promise.reject(new Error('ECONNREFUSED')) : backing.delete(key)),
    };
    const tokens = providerFor(endpoint, { cache: flaky, now: clock.now, logger: logs.logger });
    await expect(tokens.getToken()).resolves.toBe('tok-1');
    expect(calls).toBe(1); // the failed get; set was skipped
    await tokens.invalidate('tok-1');
    await expect(tokens.getToken()).resolves.toBe('tok-2');
    expect(calls).toBe(1);

    down = false;
    clock.advance(10_000);
    await tokens.invalidate('tok-2');
    await expect(tokens.getToken()).resolves.toBe('tok-3');
    await expect(backing.get(tokens.cacheKey)).resolves.toMatchObject({ accessToken: 'tok-3' });
    expect(logs.lines.filter((line) => line.startsWith('warn:'))).toHaveLength(1);
    expect(logs.lines.some((line) => line.includes('reachable again'))).toBe(true);
  });

  it('a cache that never answers is given up on after cacheTimeoutMs', async () => {
    const never = new Promise<never>(() => undefined);
    const stuck = { get: () => never, set: () => never, delete: () => never, tryLock: () => never };
    const tokens = providerFor(endpoint, { cache: stuck, cacheTimeoutMs: 50, logger: captureLogger().logger });
    await expect(tokens.getToken()).resolves.toBe('tok-1');
  });
});

const describeRedis = REDIS_URL ? describe : describe.skip;

describeRedis(
  REDIS_URL ? `RedisTokenCache against ${REDIS_URL}` : 'RedisTokenCache against a real Redis — SKIPPED: REDIS_URL is not set',
  () => {
    let cache: RedisTokenCache;
    let endpoint: LocalHttpServer;
    const written: string[] = [];
    const uniqueIssuer = () => `https://issuer-${randomUUID()}.test`;

    // Generous limits: a loaded CI machine must not turn a slow command into a (correct) memory fallback.
    const generous = { commandTimeoutMs: 10_000 };
    const shared = (overrides: Partial<ClientCredentialsTokenProviderOptions>) =>
      providerFor(endpoint, { cache, cacheTimeoutMs: 10_000, ...overrides });

    beforeAll(() => {
      cache = new RedisTokenCache({ url: REDIS_URL!, ...generous });
    });
    beforeEach(async () => {
      endpoint = await startTokenEndpoint();
    });
    afterEach(() => endpoint.close());
    afterAll(async () => {
      if (written.length) await cache.client.del(...written);
      await cache.close();
    });

    it('stores JSON under oauth:cc: with a PX TTL, and deletes', async () => {
      const key = `spec-${randomUUID()}`;
      written.push(`oauth:cc:${key}`);
      const value: CachedToken = { accessToken: 'a.b.c', tokenType: 'Bearer', obtainedAt: 1, expiresAt: 2, scope: 'users:read' };
      await cache.set(key, value, 60_000);
      expect(JSON.parse((await cache.client.get(`oauth:cc:${key}`))!)).toEqual(value);
      const pttl = await cache.client.pttl(`oauth:cc:${key}`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
      await expect(cache.get(key)).resolves.toEqual(value);
      await cache.delete(key);
      await expect(cache.get(key)).resolves.toBeUndefined();
    });

    it('ignores values that are not cached tokens', async () => {
      const key = `spec-${randomUUID()}`;
      written.push(`oauth:cc:${key}`);
      await cache.client.set(`oauth:cc:${key}`, '{"accessToken":42}', 'PX', 60_000);
      await expect(cache.get(key)).resolves.toBeUndefined();
      await cache.client.set(`oauth:cc:${key}`, 'not json', 'PX', 60_000);
      await expect(cache.get(key)).resolves.toBeUndefined();
    });

    it('the lock is exclusive and only its owner releases it', async () => {
      const key = `spec-${randomUUID()}`;
      written.push(`oauth:cc:lock:${key}`);
      const first = await cache.tryLock(key, 5_000);
      expect(first.acquired).toBe(true);
      await expect(cache.tryLock(key, 5_000)).resolves.toEqual({ acquired: false });
      if (first.acquired) await first.release();
      const second = await cache.tryLock(key, 5_000);
      expect(second.acquired).toBe(true);
      // A stale release (from the first owner) must not free the second owner's lock.
      if (first.acquired) await first.release();
      await expect(cache.tryLock(key, 5_000)).resolves.toEqual({ acquired: false });
      if (second.acquired) await second.release();
    });

    it('two providers sharing one RedisTokenCache make one POST between them', async () => {
      const issuer = uniqueIssuer();
      const a = shared({ issuer });
      const b = shared({ issuer });
      written.push(`oauth:cc:${a.cacheKey}`, `oauth:cc:lock:${a.cacheKey}`);
      await expect(a.getToken()).resolves.toBe('tok-1');
      await expect(b.getToken()).resolves.toBe('tok-1');
      expect(endpoint.count).toBe(1);
      expect(b.stats.fetches).toBe(0);
    });

    it('cold start across replicas: the lock holder fetches, the other waits for its token (one POST)', async () => {
      const issuer = uniqueIssuer();
      const a = shared({ issuer });
      const b = shared({ issuer, lockWaitMs: 20_000 });
      written.push(`oauth:cc:${a.cacheKey}`, `oauth:cc:lock:${a.cacheKey}`);
      const release = endpoint.hold();
      const first = a.getToken();
      await endpoint.received(1); // a holds the lock and its request is at the endpoint
      const second = b.getToken(); // b polls behind a's lock, or locks after a and finds a's token
      release();
      await expect(Promise.all([first, second])).resolves.toEqual(['tok-1', 'tok-1']);
      expect(endpoint.count).toBe(1);
    });

    it('a replica whose cache read missed just before the holder stored, and that locks just after, still makes no POST', async () => {
      const issuer = uniqueIssuer();
      const a = shared({ issuer });
      written.push(`oauth:cc:${a.cacheKey}`, `oauth:cc:lock:${a.cacheKey}`);
      await expect(a.getToken()).resolves.toBe('tok-1'); // stored, then unlocked
      let reads = 0;
      const lateReader: TokenCache = {
        // The first read stands for one that reached Redis before a's store landed.
        get: (key) => (reads++ === 0 ? Promise.resolve(undefined) : cache.get(key)),
        set: (key, value, ttl) => cache.set(key, value, ttl),
        delete: (key) => cache.delete(key),
        tryLock: (key, ttl) => cache.tryLock(key, ttl),
      };
      const b = providerFor(endpoint, { issuer, cache: lateReader, cacheTimeoutMs: 10_000 });
      await expect(b.getToken()).resolves.toBe('tok-1');
      expect(endpoint.count).toBe(1);
      expect(reads).toBe(2);
    });

    it('close() ends a connection it opened, and leaves a borrowed one open', async () => {
      const own = new RedisTokenCache({ url: REDIS_URL!, ...generous });
      await own.client.ping();
      const borrowed = new RedisTokenCache({ client: own.client });
      await borrowed.close();
      expect(own.client.status).toBe('ready');
      await own.close();
      expect(own.client.status).toBe('end');
    });

    it('invalidate() on one replica removes the shared token, so the next replica does not pick it up', async () => {
      const issuer = uniqueIssuer();
      const a = shared({ issuer });
      written.push(`oauth:cc:${a.cacheKey}`, `oauth:cc:lock:${a.cacheKey}`);
      await a.getToken();
      await a.invalidate('not-the-cached-one');
      await expect(cache.get(a.cacheKey)).resolves.toMatchObject({ accessToken: 'tok-1' });
      await a.invalidate('tok-1');
      await expect(cache.get(a.cacheKey)).resolves.toBeUndefined();
      const c = shared({ issuer });
      await expect(c.getToken()).resolves.toBe('tok-2');
    });
  },
);
