import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { FailureStore, InMemoryFailureStore, RedisFailureStore } from './failure-store';

const REDIS_URL = process.env.REDIS_URL;

/** Behaviour every store shares: fixed windows per key, counted from the first failure. */
function storeContract(name: string, make: () => FailureStore) {
  describe(name, () => {
    let store: FailureStore;
    beforeEach(() => {
      store = make();
    });
    afterEach(() => store.close());

    it('counts failures per key, and 0 for keys never seen', async () => {
      const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
      await store.increment([a, b], 60_000);
      await store.increment([a], 60_000);
      const [countA, countB, countNone] = await store.read([a, b, `none-${randomUUID()}`]);
      expect(countA!.count).toBe(2);
      expect(countB!.count).toBe(1);
      expect(countNone).toEqual({ count: 0, resetInMs: 0 });
      expect(countA!.resetInMs).toBeGreaterThan(0);
      expect(countA!.resetInMs).toBeLessThanOrEqual(60_000);
    });

    it('increment answers the counts after it, in one call', async () => {
      const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
      expect((await store.increment([a], 60_000)).map((c) => c.count)).toEqual([1]);
      const [countA, countB] = await store.increment([a, b], 60_000);
      expect([countA!.count, countB!.count]).toEqual([2, 1]);
      expect(countA!.resetInMs).toBeGreaterThan(0);
      expect(countA!.resetInMs).toBeLessThanOrEqual(60_000);
    });

    it('a later failure does not extend the window (fixed window from the first failure)', async () => {
      const key = `k-${randomUUID()}`;
      await store.increment([key], 60_000);
      await store.increment([key], 600_000);
      const [count] = await store.read([key]);
      expect(count!.resetInMs).toBeLessThanOrEqual(60_000);
    });

    it('forgets a key once its window has passed', async () => {
      const key = `k-${randomUUID()}`;
      await store.increment([key], 20);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await store.read([key])).toEqual([{ count: 0, resetInMs: 0 }]);
    });
  });
}

storeContract('InMemoryFailureStore', () => new InMemoryFailureStore());

describe('InMemoryFailureStore bounds', () => {
  it('keeps at most maxKeys windows under a flood of distinct keys', async () => {
    const store = new InMemoryFailureStore(100);
    for (let i = 0; i < 1_000; i++) await store.increment([`flood-${i}`], 60_000);
    const counts = await store.read(Array.from({ length: 1_000 }, (_, i) => `flood-${i}`));
    expect(counts.filter((count) => count.count > 0).length).toBeLessThanOrEqual(100);
    // The newest keys are kept.
    expect(counts[999]!.count).toBe(1);
  });
});

describe('RedisFailureStore when Redis is down (no Redis needed)', () => {
  it('falls back to this process memory: failures are still counted and read', async () => {
    const store = new RedisFailureStore(new Redis('redis://127.0.0.1:1', { commandTimeout: 100, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null }));
    const key = `k-${randomUUID()}`;
    await store.increment([key], 60_000);
    await store.increment([key], 60_000);
    expect((await store.read([key]))[0]!.count).toBe(2);
    await store.close();
  });
});

const describeRedis = REDIS_URL ? describe : describe.skip;
describeRedis(REDIS_URL ? `RedisFailureStore against ${REDIS_URL}` : 'RedisFailureStore against a real Redis — SKIPPED: REDIS_URL is not set', () => {
  storeContract('RedisFailureStore', () => RedisFailureStore.connect(REDIS_URL!, 2_000));

  it('two replicas share counters: failures on one are seen by the other', async () => {
    const [one, two] = [RedisFailureStore.connect(REDIS_URL!, 2_000), RedisFailureStore.connect(REDIS_URL!, 2_000)];
    const key = `shared-${randomUUID()}`;
    await one.increment([key], 60_000);
    await two.increment([key], 60_000);
    expect((await one.read([key]))[0]!.count).toBe(2);
    expect((await two.read([key]))[0]!.count).toBe(2);
    await one.close();
    await two.close();
    // Really in Redis (not the per-process fallback), with the window as its TTL.
    const raw = new Redis(REDIS_URL!);
    expect(await raw.get(`oauth:auth-failures:${key}`)).toBe('2');
    expect(await raw.pttl(`oauth:auth-failures:${key}`)).toBeGreaterThan(0);
    raw.disconnect();
  });
});
