import { availableParallelism } from 'node:os';
import { threadPoolSize } from './thread-pool';

describe('threadPoolSize (the auth-server sizes libuv’s pool so sign-in hashes cannot hold every thread)', () => {
  it('gives every password hash that may run at once a thread, and keeps 4 for the rest (token signatures)', () => {
    expect(threadPoolSize({ LOGIN_HASH_CONCURRENCY: '4' })).toBe(8);
    expect(threadPoolSize({ LOGIN_HASH_CONCURRENCY: '16' })).toBe(20);
  });

  it('unset or invalid, counts the configuration’s default number of hashes', () => {
    const fallback = Math.min(4, availableParallelism()) + 4;
    expect(threadPoolSize({})).toBe(fallback);
    expect(threadPoolSize({ LOGIN_HASH_CONCURRENCY: '' })).toBe(fallback);
    expect(threadPoolSize({ LOGIN_HASH_CONCURRENCY: 'many' })).toBe(fallback);
    expect(threadPoolSize({ LOGIN_HASH_CONCURRENCY: '0' })).toBe(fallback);
  });

  it('keeps an operator’s own UV_THREADPOOL_SIZE', () => {
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: '2', LOGIN_HASH_CONCURRENCY: '4' })).toBeUndefined();
  });
});
