import { Logger } from '@nestjs/common';
import { ClientCredentialsTokenProviderOptions, validateClientCredentialsOptions } from './client-credentials.options';
import { clip } from './errors';
import { FailureBackoff } from './failure-backoff';
import { ClientLogger, tokenFingerprint } from './logging';
import { SharedTokenCache } from './shared-token-cache';
import { TokenAcquisitionTracing, TokenSource } from './token-acquisition.span';
import { CachedToken, cacheKeyOf, InMemoryTokenCache, refreshAt, TokenCache } from './token-cache';
import { clientCredentialsGrant, TokenEndpointClient } from './token-endpoint-client';

export interface TokenProviderStats {
  /** getToken() answered from the process-local cache. */
  hits: number;
  /** getToken() calls that found no fresh local token (joined a fetch, read the shared cache, or were refused during back-off). */
  misses: number;
  /** Requests sent to the token endpoint. */
  fetches: number;
  /** Token requests that failed. */
  failures: number;
}

/** A token the server cannot refresh may still be served while it has at least this long to live. */
const STALE_MARGIN_MS = 5_000;

/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4) for service-to-service calls:
 * - tokens are cached and reused until shortly before they expire (refresh-ahead);
 * - one token request per key at a time, whatever the number of callers (single flight),
 *   optionally across replicas through a shared cache that supports locking;
 * - failures back off with full jitter (250 ms doubling to 30 s), and calls during the back-off
 *   fail fast with the last error, so a wrong secret or a down auth-server is not hammered;
 * - when a refresh fails while the current token is still valid, that token keeps being served;
 * - a broken shared cache never fails a call: the memory path takes over (shared-token-cache.ts);
 * - secrets and tokens never reach the logs (tokens appear as a short SHA-256 fingerprint).
 * The token request itself is TokenEndpointClient's.
 */
export class ClientCredentialsTokenProvider {
  /** Counters for metrics. */
  readonly stats: TokenProviderStats = { hits: 0, misses: 0, fetches: 0, failures: 0 };
  /** issuer + client_id + sorted scopes + audience. */
  readonly cacheKey: string;

  private readonly client: TokenEndpointClient;
  private readonly grant: Record<string, string>;
  private readonly memory: InMemoryTokenCache;
  private readonly shared?: SharedTokenCache;
  private readonly backoff: FailureBackoff;
  private readonly now: () => number;
  private readonly logger: ClientLogger;
  private readonly label: string;
  private readonly tracing: TokenAcquisitionTracing;

  private inFlight?: Promise<CachedToken>;
  private warnedNoExpiry = false;

  constructor(options: ClientCredentialsTokenProviderOptions) {
    validateClientCredentialsOptions(options);
    this.now = options.now ?? Date.now;
    this.backoff = new FailureBackoff(this.now, options.random ?? Math.random);
    this.logger = options.logger ?? new Logger(ClientCredentialsTokenProvider.name);
    this.client = new TokenEndpointClient({ ...options, now: this.now });
    const scopes = [...new Set(options.scopes)];
    this.grant = clientCredentialsGrant(scopes, options.audience);
    this.memory = new InMemoryTokenCache(this.now);
    this.cacheKey = cacheKeyOf(options.issuer, options.clientId, scopes, options.audience);
    this.label = `client "${options.clientId}"${options.audience ? ` for ${options.audience}` : ''}`;
    if (options.cache) {
      const { label, logger, now } = this;
      const lockTtlMs = Math.max(5_000, (options.timeoutMs ?? 3_000) + 2_000);
      this.shared = new SharedTokenCache(options.cache, { label, logger, now, lockTtlMs, timeoutMs: options.cacheTimeoutMs, lockPollMs: options.lockPollMs, lockWaitMs: options.lockWaitMs });
    }
    this.tracing = new TokenAcquisitionTracing({ clientId: options.clientId, audience: options.audience, scopes });
  }

  /** The second-level cache, if any (for wiring checks and diagnostics). */
  get sharedCache(): TokenCache | undefined {
    return this.shared?.cache;
  }

  /** Whether getToken() would answer from the process-local cache right now (for the flow trace). */
  hasFreshToken(): boolean {
    const cached = this.memory.peek(this.cacheKey);
    return cached !== undefined && this.now() < refreshAt(cached);
  }

  /** A valid access token: cached, or fetched (once, however many callers are waiting). */
  getToken(): Promise<string> {
    return this.tracing.trace((onSource) => this.acquireToken(onSource));
  }

  private acquireToken(onSource: (source: TokenSource) => void): Promise<string> {
    const now = this.now();
    const cached = this.memory.peek(this.cacheKey);
    if (cached && now < refreshAt(cached)) {
      this.stats.hits++;
      onSource('cache');
      return Promise.resolve(cached.accessToken);
    }
    this.stats.misses++;
    onSource(this.inFlight ? 'join' : 'fetch');
    if (!this.inFlight) {
      const refusal = this.backoff.refusal(now);
      if (refusal) {
        const stale = this.usableStale(now);
        onSource(stale ? 'stale' : 'refused');
        return stale ? Promise.resolve(stale.accessToken) : Promise.reject(refusal);
      }
      // Set synchronously, before any await: every later caller joins this promise.
      const flight: Promise<CachedToken> = this.obtain().finally(() => {
        if (this.inFlight === flight) this.inFlight = undefined;
      });
      this.inFlight = flight;
    }
    return this.inFlight.then((token) => token.accessToken);
  }

  /**
   * Forgets `token` (e.g. a resource server answered 401 invalid_token), locally and in the shared
   * cache, but only if it is still the cached one: a token someone already replaced stays replaced.
   */
  async invalidate(token: string): Promise<void> {
    if (this.memory.peek(this.cacheKey)?.accessToken === token) {
      this.memory.remove(this.cacheKey);
      this.logger.debug?.(`${this.label}: token ${tokenFingerprint(token)} evicted`);
    }
    await this.shared?.evict(this.cacheKey, token);
  }

  /** A token another replica stored, else a token request (by one replica at a time when the shared cache locks). */
  private async obtain(): Promise<CachedToken> {
    if (!this.shared) return this.refresh();
    const { token, fromShared } = await this.shared.obtain(this.cacheKey, () => this.refresh());
    if (fromShared) this.keep(token);
    return token;
  }

  private async refresh(): Promise<CachedToken> {
    try {
      this.stats.fetches++;
      const token = await this.client.requestToken(this.grant);
      this.logObtained(token);
      this.keep(token);
      await this.shared?.store(this.cacheKey, token, token.expiresAt - this.now());
      return token;
    } catch (error) {
      const { failure, delayMs } = this.backoff.record(error);
      this.stats.failures++;
      this.logger.warn(
        `${this.label}: token request failed (${failure.message}); ` +
          `failure ${this.backoff.consecutiveFailures} in a row, next attempt in ${(delayMs / 1000).toFixed(2)} s at the earliest`,
      );
      const stale = this.usableStale(this.now());
      if (!stale) throw failure;
      this.logger.warn(`${this.label}: refresh failed, serving the current token (${tokenFingerprint(stale.accessToken)}) until it nears expiry`);
      return stale;
    }
  }

  /** A good token: cached locally, and the back-off is over. */
  private keep(token: CachedToken): void {
    this.memory.put(this.cacheKey, token, token.expiresAt - this.now());
    this.backoff.reset();
  }

  private logObtained(token: CachedToken): void {
    const lifetimeMs = token.expiresAt - token.obtainedAt;
    if (lifetimeMs <= 0 && !this.warnedNoExpiry) {
      this.warnedNoExpiry = true;
      this.logger.warn(`${this.label}: token response has no expires_in and no readable exp; tokens will not be reused`);
    }
    this.logger.debug?.(
      `${this.label}: obtained token ${tokenFingerprint(token.accessToken)}` +
        `${token.scope !== undefined ? ` (scope "${clip(token.scope, 100)}")` : ''}, ` +
        `valid ${Math.round(lifetimeMs / 1000)} s, reused for ${Math.round((refreshAt(token) - token.obtainedAt) / 1000)} s`,
    );
  }

  /** The cached token if it is still valid for a while: served when a refresh is impossible. */
  private usableStale(now: number): CachedToken | undefined {
    const cached = this.memory.peek(this.cacheKey);
    return cached && now < cached.expiresAt - STALE_MARGIN_MS ? cached : undefined;
  }
}
