import { Logger } from '@nestjs/common';
import {
  clip,
  InvalidTokenResponse,
  OAuthClientError,
  TokenEndpointError,
  TokenEndpointUnavailable,
} from './errors';
import type { JsonWebKey } from 'node:crypto';
import { discoverMetadata } from '../discovery';
import { decodeJwtSegment } from '../jwt';
import { ClientAssertionAlgorithm, ClientAssertionSigner } from './client-assertion';
import { ClientLogger, tokenFingerprint } from './logging';
import { CachedToken, InMemoryTokenCache, TokenCache } from './token-cache';
import { TokenAcquisitionTracing, TokenSource } from './token-acquisition.span';

/** How the client authenticates at the token endpoint (RFC 8414 `token_endpoint_auth_methods_supported` names). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface ClientCredentialsTokenProviderOptions {
  /**
   * Absolute URL of the token endpoint (e.g. `${issuer}/oauth/token`). Without it, `token_endpoint` is
   * read once from the issuer's metadata (RFC 8414, falling back to OpenID Connect discovery).
   */
  tokenEndpoint?: string;
  /** The authorization server's issuer identifier; part of the cache key. */
  issuer: string;
  clientId: string;
  /** For `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string;
  /**
   * Default `client_secret_basic` (RFC 6749 §2.3.1, credentials form-urlencoded before base64), or
   * `client_secret_post`, or `private_key_jwt` (RFC 7523 §2.2: a JWT signed with `privateKey`, its
   * `aud` the issuer identifier, a fresh `jti` and a 60-second `exp` per request).
   */
  authMethod?: ClientAuthMethod;
  /** For `private_key_jwt`: the client's private key, PEM or JWK. Its public half is registered with the server. */
  privateKey?: string | JsonWebKey;
  /** For `private_key_jwt`: `kid` of the key as registered (default: the JWK's `kid`). */
  privateKeyId?: string;
  /** For `private_key_jwt`: signing algorithm (default from the key: ES256 for P-256, RS256 for RSA, EdDSA for Ed25519). */
  privateKeyAlgorithm?: ClientAssertionAlgorithm;
  /** Scopes to request; empty means the client's registered default scopes. */
  scopes: string[];
  /** Target API: sent as RFC 8707 `resource` when an absolute URI, else as `audience`. */
  audience?: string;
  /** Token request timeout, connect to last body byte (default 3000 ms). */
  timeoutMs?: number;
  /** Shared second-level cache (e.g. RedisTokenCache). A process-local cache is always the first level. */
  cache?: TokenCache;
  /** Injected for tests. */
  fetch?: typeof fetch;
  /** Clock (epoch ms). Injected for tests. */
  now?: () => number;
  /** [0, 1) source for back-off jitter. Injected for tests. */
  random?: () => number;
  logger?: ClientLogger;
  /** When another replica holds the shared fetch lock: how often and how long to look for its token (50 / 2000 ms). */
  lockPollMs?: number;
  lockWaitMs?: number;
  /** Every shared-cache operation gives up after this long and the memory path is used (default 1000 ms). */
  cacheTimeoutMs?: number;
  /**
   * Headers to forward from the request being served (e.g. `x-request-id`), read at call time, so a
   * token request can be followed in the auth-server's logs. Also used by ServiceHttpClient.
   */
  propagateHeaders?: () => Record<string, string> | undefined;
}

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

/** Full jitter back-off after failures (AWS architecture blog "Exponential Backoff And Jitter"). */
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 30_000;
/** Refresh ahead of expiry by max(30 s, 10 % of the lifetime) — but never more than half of it. */
const MIN_REFRESH_SKEW_MS = 30_000;
/** A token the server cannot refresh may still be served while it has at least this long to live. */
const STALE_MARGIN_MS = 5_000;
/** How long a failed shared cache is left alone before it is tried again. */
const SHARED_CACHE_RETRY_MS = 10_000;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4) for service-to-service calls:
 * - tokens are cached and reused until shortly before they expire (refresh-ahead);
 * - one token request per key at a time, whatever the number of callers (single flight),
 *   optionally across replicas through a shared cache that supports locking;
 * - failures back off with full jitter (250 ms doubling to 30 s), and calls during the back-off
 *   fail fast with the last error, so a wrong secret or a down auth-server is not hammered;
 * - when a refresh fails while the current token is still valid, that token keeps being served;
 * - a broken shared cache never fails a call: the memory path takes over;
 * - secrets and tokens never reach the logs (tokens appear as a short SHA-256 fingerprint).
 */
export class ClientCredentialsTokenProvider {
  /** Counters for metrics. */
  readonly stats: TokenProviderStats = { hits: 0, misses: 0, fetches: 0, failures: 0 };
  /** issuer + client_id + sorted scopes + audience. */
  readonly cacheKey: string;

  private readonly memory: InMemoryTokenCache;
  private readonly shared?: TokenCache;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly logger: ClientLogger;
  private readonly timeoutMs: number;
  private readonly authMethod: ClientAuthMethod;
  private readonly assertions?: ClientAssertionSigner;
  private readonly scopes: string[];
  private readonly label: string;

  private inFlight?: Promise<CachedToken>;
  private tokenEndpoint?: string;
  private consecutiveFailures = 0;
  private backoff?: { until: number; error: OAuthClientError };
  private sharedCacheDown = false;
  /** After a shared-cache failure it is skipped until then, so an outage costs one timeout, not one per step. */
  private sharedRetryAt = 0;
  private lastInvalidated?: string;
  private warnedNoExpiry = false;
  private readonly tracing: TokenAcquisitionTracing;

  constructor(private readonly options: ClientCredentialsTokenProviderOptions) {
    validateOptions(options);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.logger = options.logger ?? new Logger(ClientCredentialsTokenProvider.name);
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.authMethod = options.authMethod ?? 'client_secret_basic';
    this.tokenEndpoint = options.tokenEndpoint;
    if (this.authMethod === 'private_key_jwt') {
      this.assertions = new ClientAssertionSigner({
        clientId: options.clientId,
        audience: options.issuer,
        privateKey: options.privateKey!,
        keyId: options.privateKeyId,
        algorithm: options.privateKeyAlgorithm,
        now: this.now,
      });
    }
    this.scopes = [...new Set(options.scopes)];
    this.memory = new InMemoryTokenCache(this.now);
    this.shared = options.cache;
    this.cacheKey = cacheKeyOf(options.issuer, options.clientId, this.scopes, options.audience);
    this.label = `client "${options.clientId}"${options.audience ? ` for ${options.audience}` : ''}`;
    this.tracing = new TokenAcquisitionTracing({ clientId: options.clientId, audience: options.audience, scopes: this.scopes });
  }

  /** The second-level cache, if any (for wiring checks and diagnostics). */
  get sharedCache(): TokenCache | undefined {
    return this.shared;
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
      if (this.backoff && now < this.backoff.until) {
        const stale = this.usableStale(now);
        onSource(stale ? 'stale' : 'refused');
        return stale ? Promise.resolve(stale.accessToken) : Promise.reject(this.backoff.error);
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
    this.lastInvalidated = token;
    if (!this.shared) return;
    await this.sharedCall('delete', async (cache) => {
      if ((await cache.get(this.cacheKey))?.accessToken === token) await cache.delete(this.cacheKey);
    });
  }

  private async obtain(): Promise<CachedToken> {
    const fromShared = await this.readShared();
    if (fromShared) return fromShared;

    let lock: { release(): Promise<void> } | undefined;
    if (this.shared?.tryLock) {
      const lockTtl = Math.max(5_000, this.timeoutMs + 2_000);
      const attempt = await this.sharedCall('lock', (cache) => cache.tryLock!(this.cacheKey, lockTtl));
      if (attempt?.acquired) {
        // The previous holder stores its token before it unlocks: a replica that missed the cache
        // just before that store and took the lock just after it would otherwise POST again.
        const storedMeanwhile = await this.readShared();
        if (storedMeanwhile) {
          await this.sharedCall('unlock', () => attempt.release());
          return storedMeanwhile;
        }
        lock = attempt;
      } else if (attempt && !attempt.acquired) {
        const polled = await this.waitForShared();
        if (polled) return polled;
        this.logger.debug?.(`${this.label}: no token from the replica holding the lock; fetching`);
      }
    }

    try {
      const token = await this.fetchToken();
      this.consecutiveFailures = 0;
      this.backoff = undefined;
      const ttl = token.expiresAt - this.now();
      this.memory.put(this.cacheKey, token, ttl);
      if (this.shared && ttl > 0) await this.sharedCall('set', (cache) => cache.set(this.cacheKey, token, ttl));
      return token;
    } catch (error) {
      const failure = this.recordFailure(error);
      const stale = this.usableStale(this.now());
      if (stale) {
        this.logger.warn(
          `${this.label}: refresh failed, serving the current token (${tokenFingerprint(stale.accessToken)}) until it nears expiry`,
        );
        return stale;
      }
      throw failure;
    } finally {
      if (lock) await this.sharedCall('unlock', () => lock.release());
    }
  }

  /** A fresh token another replica stored, copied to the local cache. */
  private async readShared(): Promise<CachedToken | undefined> {
    if (!this.shared) return undefined;
    const token = await this.sharedCall('get', (cache) => cache.get(this.cacheKey));
    if (!token || token.accessToken === this.lastInvalidated || this.now() >= refreshAt(token)) return undefined;
    this.memory.put(this.cacheKey, token, token.expiresAt - this.now());
    this.consecutiveFailures = 0;
    this.backoff = undefined;
    return token;
  }

  private async waitForShared(): Promise<CachedToken | undefined> {
    const pollMs = this.options.lockPollMs ?? 50;
    const rounds = Math.max(1, Math.ceil((this.options.lockWaitMs ?? 2_000) / pollMs));
    for (let round = 0; round < rounds; round++) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const token = await this.readShared();
      if (token) return token;
      if (this.sharedCacheDown) return undefined;
    }
    return undefined;
  }

  /** Runs a shared-cache operation; any error or a slow answer means "no shared cache" for this call. */
  private async sharedCall<T>(operation: string, run: (cache: TokenCache) => Promise<T>): Promise<T | undefined> {
    const cache = this.shared!;
    if (this.sharedCacheDown && this.now() < this.sharedRetryAt) return undefined;
    const limit = this.options.cacheTimeoutMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        run(cache),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
        }),
      ]);
      if (this.sharedCacheDown) {
        this.sharedCacheDown = false;
        this.logger.log?.(`${this.label}: shared token cache is reachable again`);
      }
      return result;
    } catch (error) {
      this.sharedRetryAt = this.now() + SHARED_CACHE_RETRY_MS;
      if (!this.sharedCacheDown) {
        this.sharedCacheDown = true;
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(`${this.label}: shared token cache ${operation} failed (${clip(reason)}); using the in-memory cache`);
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetchToken(): Promise<CachedToken> {
    const obtainedAt = this.now();
    this.stats.fetches++;
    const { clientId, clientSecret, audience } = this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.scopes.length) form.set('scope', this.scopes.join(' '));
    if (audience !== undefined) form.set(isAbsoluteUri(audience) ? 'resource' : 'audience', audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      accept: 'application/json',
    };
    if (this.assertions) {
      form.set('client_id', clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', this.assertions.sign());
    } else if (this.authMethod === 'client_secret_basic') {
      headers.authorization = `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret!)}`).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret!);
    }

    let status: number;
    let responseHeaders: Headers;
    let text: string;
    const tokenEndpoint = await this.resolveTokenEndpoint();
    try {
      const response = await this.fetchFn(tokenEndpoint, {
        method: 'POST',
        headers: { ...this.options.propagateHeaders?.(), ...headers },
        body: form.toString(),
        // A redirect must never carry client credentials elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error | undefined)?.name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : describeNetworkError(error);
      throw new TokenEndpointUnavailable(timedOut ? 'timeout' : 'connection', `token endpoint unavailable: ${reason}`, {
        cause: error,
      });
    }

    if (status < 200 || status > 299) {
      const body = parseJsonObject(text);
      throw new TokenEndpointError({
        status,
        error: typeof body?.error === 'string' ? body.error : undefined,
        errorDescription: typeof body?.error_description === 'string' ? body.error_description : undefined,
        errorUri: typeof body?.error_uri === 'string' ? body.error_uri : undefined,
        retryAfterMs: parseRetryAfter(responseHeaders.get('retry-after'), this.now()),
      });
    }
    return this.parseTokenResponse(status, text, obtainedAt);
  }

  /** The configured token endpoint, or the issuer's `token_endpoint`, discovered once (a failure is retried next time). */
  private async resolveTokenEndpoint(): Promise<string> {
    if (this.tokenEndpoint) return this.tokenEndpoint;
    try {
      const { metadata } = await discoverMetadata(this.options.issuer, this.options.issuer, { timeoutMs: this.timeoutMs, fetch: this.fetchFn });
      const endpoint = metadata.token_endpoint;
      if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) throw new Error('metadata has no http(s) token_endpoint');
      return (this.tokenEndpoint = endpoint);
    } catch (error) {
      throw new TokenEndpointUnavailable('connection', `token endpoint discovery failed: ${describeNetworkError(error)}`, { cause: error });
    }
  }

  private parseTokenResponse(status: number, text: string, obtainedAt: number): CachedToken {
    const body = parseJsonObject(text);
    if (!body) throw new InvalidTokenResponse(status, 'body is not a JSON object');
    const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, scope } = body;
    if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidTokenResponse(status, 'no access_token');
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
      throw new InvalidTokenResponse(status, `token_type must be Bearer, got ${clip(String(tokenType), 40)}`);
    }
    let lifetimeMs: number;
    if (expiresIn !== undefined) {
      const seconds = typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
        throw new InvalidTokenResponse(status, 'expires_in must be a positive number');
      }
      lifetimeMs = seconds * 1000;
    } else {
      // expires_in is only RECOMMENDED: fall back to a JWT's exp (read, not verified: a cache hint only).
      const exp = jwtExp(accessToken);
      lifetimeMs = exp === undefined ? 0 : exp * 1000 - obtainedAt;
      if (lifetimeMs <= 0 && !this.warnedNoExpiry) {
        this.warnedNoExpiry = true;
        this.logger.warn(`${this.label}: token response has no expires_in and no readable exp; tokens will not be reused`);
      }
    }
    const token: CachedToken = {
      accessToken,
      tokenType: 'Bearer',
      obtainedAt,
      expiresAt: obtainedAt + Math.max(0, lifetimeMs),
      ...(typeof scope === 'string' ? { scope } : {}),
    };
    this.logger.debug?.(
      `${this.label}: obtained token ${tokenFingerprint(accessToken)}` +
        `${token.scope !== undefined ? ` (scope "${clip(token.scope, 100)}")` : ''}, ` +
        `valid ${Math.round(lifetimeMs / 1000)} s, reused for ${Math.round((refreshAt(token) - obtainedAt) / 1000)} s`,
    );
    return token;
  }

  private recordFailure(error: unknown): OAuthClientError {
    const failure =
      error instanceof OAuthClientError
        ? error
        : new TokenEndpointUnavailable('connection', `token request failed: ${describeNetworkError(error)}`, { cause: error });
    this.stats.failures++;
    this.consecutiveFailures++;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (this.consecutiveFailures - 1));
    let delay = this.random() * ceiling;
    const retryAfter = failure instanceof TokenEndpointError ? failure.retryAfterMs : undefined;
    if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, BACKOFF_CAP_MS));
    this.backoff = { until: this.now() + delay, error: failure };
    this.logger.warn(
      `${this.label}: token request failed (${failure.message}); ` +
        `failure ${this.consecutiveFailures} in a row, next attempt in ${(delay / 1000).toFixed(2)} s at the earliest`,
    );
    return failure;
  }

  /** The cached token if it is still valid for a while: served when a refresh is impossible. */
  private usableStale(now: number): CachedToken | undefined {
    const cached = this.memory.peek(this.cacheKey);
    return cached && now < cached.expiresAt - STALE_MARGIN_MS ? cached : undefined;
  }
}

/** When to stop reusing a token: exp − max(30 s, 10 % of the lifetime), at most half the lifetime early. */
export function refreshAt(token: Pick<CachedToken, 'obtainedAt' | 'expiresAt'>): number {
  const lifetime = token.expiresAt - token.obtainedAt;
  const skew = Math.min(Math.max(MIN_REFRESH_SKEW_MS, lifetime * 0.1), lifetime / 2);
  return token.expiresAt - skew;
}

/** issuer + client_id + sorted scopes + audience, `|`-separated (`%` and `|` escaped inside parts). */
export function cacheKeyOf(issuer: string, clientId: string, scopes: readonly string[], audience?: string): string {
  const escape = (part: string) => part.replace(/%/g, '%25').replace(/\|/g, '%7C');
  const sorted = [...new Set(scopes)].sort().join(' ');
  return [issuer, clientId, sorted, audience ?? ''].map(escape).join('|');
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function validateOptions(options: ClientCredentialsTokenProviderOptions): void {
  if (!options.issuer) throw new TypeError('issuer is required');
  // Without a token endpoint, the issuer is where it is discovered: it must be a URL then.
  const [name, value] = options.tokenEndpoint === undefined ? ['issuer', options.issuer] : ['tokenEndpoint', options.tokenEndpoint];
  let endpoint: URL;
  try {
    endpoint = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL, got "${value}"`);
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new TypeError(`${name} must be an http(s) URL`);
  }
  if (!options.clientId) throw new TypeError('clientId is required');
  if (options.authMethod && !['client_secret_basic', 'client_secret_post', 'private_key_jwt'].includes(options.authMethod)) {
    throw new TypeError(`unsupported authMethod "${options.authMethod}"`);
  }
  if (options.authMethod === 'private_key_jwt') {
    if (!options.privateKey) throw new TypeError('privateKey is required for private_key_jwt');
  } else if (!options.clientSecret) {
    throw new TypeError('clientSecret is required');
  }
  if (!Array.isArray(options.scopes)) throw new TypeError('scopes must be an array');
  const bad = options.scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (bad !== undefined) throw new TypeError(`invalid scope "${bad}" (RFC 6749 §3.3: no spaces, quotes or backslashes)`);
  if (options.audience === '') throw new TypeError('audience must not be empty');
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new TypeError('timeoutMs must be positive');
}

function isAbsoluteUri(value: string): boolean {
  if (value.includes('#')) return false;
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3), in ms from now. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function jwtExp(token: string): number | undefined {
  if (token.split('.').length !== 3) return undefined;
  const exp = decodeJwtSegment(token, 1)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
}

/** "connect ECONNREFUSED 127.0.0.1:1" rather than undici's bare "fetch failed". */
export function describeNetworkError(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const cause = e?.cause?.message ?? e?.cause?.code;
  return clip(cause ? `${e?.message ?? 'error'} (${cause})` : (e?.message ?? String(error)));
}
