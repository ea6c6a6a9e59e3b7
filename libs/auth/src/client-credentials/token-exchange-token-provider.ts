import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { decodeJwtSegment } from '../jwt';
import { validateClientCredentialsOptions, type TokenExchangeTokenProviderOptions } from './client-credentials.options';
import { clip, TokenEndpointError } from './errors';
import { FailureBackoff } from './failure-backoff';
import { ClientLogger, tokenFingerprint } from './logging';
import { CachedToken, refreshAt } from './token-cache';
import { resourceParameter, TokenEndpointClient } from './token-endpoint-client';
import type { AccessTokenSource } from './service-http-client';

/** RFC 8693 §2.1 / §3 identifiers. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** What to exchange a subject token for; each part defaults to the provider's own. */
export interface TokenExchangeTarget {
  /** The API the new token is for (RFC 8707 `resource` when an absolute URI, else `audience`). */
  audience?: string;
  scopes?: string[];
}

export interface TokenExchangeStats {
  /** getToken() answered from the cache. */
  hits: number;
  /** getToken() calls that found no fresh token (joined a request, sent one, or were refused during back-off). */
  misses: number;
  /** Token-exchange requests sent. */
  fetches: number;
  /** Token-exchange requests that failed. */
  failures: number;
  /** Exchanged tokens dropped to keep the cache within `maxCachedTokens`. */
  evictions: number;
}

interface Entry {
  token: CachedToken;
  /** The earlier of the exchanged token's refresh-ahead point and the subject token's expiry. */
  reuseUntil: number;
}

/** RFC 6749 §5.2 errors that say something about this one subject token, not about the client or the server. */
const SUBJECT_ERRORS = new Set(['invalid_grant']);

/**
 * OAuth 2.0 Token Exchange (RFC 8693) in delegation mode: "on behalf of this request's user". The
 * user's access token (the subject token) is exchanged at the token endpoint, this client
 * authenticating as the actor, for a token for another API whose `sub` is still the user and whose
 * `act` names this client. The downstream API then sees whom the call is for, and this service can
 * reach only what that user could (no confused deputy).
 *
 * The same machinery as ClientCredentialsTokenProvider (TokenEndpointClient, FailureBackoff), per user:
 * - tokens are cached per (subject token, audience, scopes), until the earlier of the exchanged
 *   token's refresh-ahead point and the subject token's own expiry (a user's token never outlives
 *   what it was exchanged from), in process memory only: a token that speaks for a user is not
 *   written to a shared store;
 * - the cache is bounded (`maxCachedTokens`, least recently used dropped first): many users;
 * - one request per key at a time (single flight);
 * - failures of the client or the server (network, 5xx, invalid_client, invalid_target, …) open
 *   the back-off for everyone; `invalid_grant`, which is about one subject token (expired, revoked,
 *   not meant for this service), fails that call only;
 * - tokens never reach the logs (a SHA-256 fingerprint stands in), and the cache keys hold a hash
 *   of the subject token, not the token.
 */
export class TokenExchangeTokenProvider {
  readonly stats: TokenExchangeStats = { hits: 0, misses: 0, fetches: 0, failures: 0, evictions: 0 };

  private readonly client: TokenEndpointClient;
  private readonly audience?: string;
  private readonly scopes: string[];
  private readonly backoff: FailureBackoff;
  private readonly now: () => number;
  private readonly logger: ClientLogger;
  private readonly maxEntries: number;
  /** Insertion order is recency order: a hit moves its entry to the end, the first one is dropped first. */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(options: TokenExchangeTokenProviderOptions) {
    validateClientCredentialsOptions(options);
    if (options.maxCachedTokens !== undefined && !(Number.isInteger(options.maxCachedTokens) && options.maxCachedTokens > 0)) {
      throw new TypeError('maxCachedTokens must be a positive integer');
    }
    this.now = options.now ?? Date.now;
    this.backoff = new FailureBackoff(this.now, options.random ?? Math.random);
    this.logger = options.logger ?? new Logger(TokenExchangeTokenProvider.name);
    this.client = new TokenEndpointClient({ ...options, now: this.now });
    this.audience = options.audience;
    this.scopes = [...new Set(options.scopes)];
    this.maxEntries = options.maxCachedTokens ?? 1_000;
  }

  /** Exchanged tokens cached right now. */
  get size(): number {
    return this.entries.size;
  }

  /** A token for `target` on behalf of the subject token's user: cached, or exchanged (once, however many callers wait). */
  getToken(subjectToken: string, target: TokenExchangeTarget = {}): Promise<string> {
    if (!subjectToken) return Promise.reject(new TypeError('a subject token is required'));
    const key = this.keyOf(subjectToken, target);
    const now = this.now();
    const cached = this.fresh(key, now);
    if (cached) {
      this.stats.hits++;
      return Promise.resolve(cached.token.accessToken);
    }
    this.stats.misses++;
    let flight = this.inFlight.get(key);
    if (!flight) {
      const refusal = this.backoff.refusal(now);
      if (refusal) return Promise.reject(refusal);
      // Registered synchronously, before any await: every later caller for this key joins it.
      const started: Promise<CachedToken> = this.exchange(key, subjectToken, target).finally(() => {
        if (this.inFlight.get(key) === started) this.inFlight.delete(key);
      });
      this.inFlight.set(key, (flight = started));
    }
    return flight.then((token) => token.accessToken);
  }

  /** Whether getToken() would answer from the cache right now (for the flow trace). */
  hasFreshToken(subjectToken: string, target: TokenExchangeTarget = {}): boolean {
    const entry = this.entries.get(this.keyOf(subjectToken, target));
    return entry !== undefined && this.now() < entry.reuseUntil;
  }

  /** Forgets `token` (a downstream answered 401 invalid_token) if it is still the one cached for this subject and target. */
  async invalidate(subjectToken: string, token: string, target: TokenExchangeTarget = {}): Promise<void> {
    const key = this.keyOf(subjectToken, target);
    if (this.entries.get(key)?.token.accessToken === token) {
      this.entries.delete(key);
      this.logger.debug?.(`token exchange: token ${tokenFingerprint(token)} evicted`);
    }
  }

  /** This subject token's tokens as ServiceHttpClient's token source (its retry once on 401 included). */
  sourceFor(subjectToken: string, target: TokenExchangeTarget = {}): AccessTokenSource {
    return {
      getToken: () => this.getToken(subjectToken, target),
      invalidate: (token) => this.invalidate(subjectToken, token, target),
      hasFreshToken: () => this.hasFreshToken(subjectToken, target),
    };
  }

  private async exchange(key: string, subjectToken: string, target: TokenExchangeTarget): Promise<CachedToken> {
    const audience = target.audience ?? this.audience;
    const scopes = target.scopes ? [...new Set(target.scopes)] : this.scopes;
    const parameters: Record<string, string> = {
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      ...(audience !== undefined ? resourceParameter(audience) : {}),
      ...(scopes.length ? { scope: scopes.join(' ') } : {}),
    };
    const label = `token exchange for ${audience ?? 'the default audience'} (subject ${tokenFingerprint(subjectToken)})`;
    let token: CachedToken;
    try {
      this.stats.fetches++;
      token = await this.client.requestToken(parameters);
    } catch (error) {
      this.stats.failures++;
      if (error instanceof TokenEndpointError && error.error && SUBJECT_ERRORS.has(error.error)) {
        // About this user's token only: other users' exchanges go on.
        this.logger.debug?.(`${label}: refused (${error.message})`);
        throw error;
      }
      const { failure, delayMs } = this.backoff.record(error);
      this.logger.warn(
        `${label}: request failed (${failure.message}); failure ${this.backoff.consecutiveFailures} in a row, ` +
          `next attempt in ${(delayMs / 1000).toFixed(2)} s at the earliest`,
      );
      throw failure;
    }
    this.backoff.reset();
    const subjectExpiresAt = jwtExpiryMs(subjectToken);
    const reuseUntil = Math.min(refreshAt(token), subjectExpiresAt ?? Infinity);
    this.logger.debug?.(
      `${label}: obtained ${tokenFingerprint(token.accessToken)}${token.scope !== undefined ? ` (scope "${clip(token.scope, 100)}")` : ''}, ` +
        `reused for ${Math.max(0, Math.round((reuseUntil - this.now()) / 1000))} s`,
    );
    if (this.now() < reuseUntil) this.store(key, { token, reuseUntil });
    return token;
  }

  private fresh(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (now >= entry.reuseUntil) return undefined;
    this.entries.set(key, entry);
    return entry;
  }

  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size <= this.maxEntries) return;
    // Expired entries go first; then the least recently used.
    const now = this.now();
    for (const [candidate, value] of this.entries) {
      if (this.entries.size <= this.maxEntries) return;
      if (now >= value.reuseUntil) this.entries.delete(candidate);
    }
    for (const candidate of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(candidate);
      this.stats.evictions++;
    }
  }

  /** SHA-256 of the subject token (the key never holds a user's token), audience, sorted scopes. */
  private keyOf(subjectToken: string, target: TokenExchangeTarget): string {
    const subject = createHash('sha256').update(subjectToken).digest('base64url');
    const scopes = [...new Set(target.scopes ?? this.scopes)].sort().join(' ');
    return `${subject}|${target.audience ?? this.audience ?? ''}|${scopes}`;
  }
}

/** A JWT subject token's `exp`, unverified: only a cache bound (the token was verified by the guard that let its request in). */
function jwtExpiryMs(token: string): number | undefined {
  if (token.split('.').length !== 3) return undefined;
  const exp = decodeJwtSegment(token, 1)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}
