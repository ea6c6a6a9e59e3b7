import { availableParallelism } from 'node:os';

/** The largest LOGIN_HASH_CONCURRENCY the configuration accepts (auth-server.config.ts reads the variable). */
export const MAX_LOGIN_HASH_CONCURRENCY = 64;

/** LOGIN_HASH_CONCURRENCY's default: the cores, at most 4. */
export function defaultLoginHashConcurrency(): number {
  return Math.min(4, availableParallelism());
}

/**
 * The auth-server's libuv thread pool: every password hash that may run at once
 * (LOGIN_HASH_CONCURRENCY), plus libuv's own default of 4 for everything else: client assertions'
 * signature checks, and the token endpoint's signatures when TOKEN_SIGNING_THREAD=false
 * (compact-jws.ts). With libuv's 4 alone, 4 sign-in hashes (the default on a 4-core machine, ~150 ms
 * each) would hold every thread, and a flood of wrong passwords would make those wait behind them.
 * An operator's own UV_THREADPOOL_SIZE is kept.
 */
export function threadPoolSize(env: NodeJS.ProcessEnv): number | undefined {
  if (env.UV_THREADPOOL_SIZE) return undefined;
  const configured = Number(env.LOGIN_HASH_CONCURRENCY);
  // An invalid value is refused at boot by the configuration; here it only must not size the pool.
  const hashes = env.LOGIN_HASH_CONCURRENCY && Number.isInteger(configured) && configured >= 1 && configured <= MAX_LOGIN_HASH_CONCURRENCY ? configured : defaultLoginHashConcurrency();
  return hashes + 4;
}

/** Sets UV_THREADPOOL_SIZE for this process; libuv reads it when the pool first starts, so main.ts imports this first. */
export function sizeThreadPool(env: NodeJS.ProcessEnv = process.env): void {
  const size = threadPoolSize(env);
  if (size !== undefined) env.UV_THREADPOOL_SIZE = String(size);
}
