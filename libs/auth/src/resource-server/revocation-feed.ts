import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { TokenEndpointClientOptions } from '../client-credentials/client-credentials.options';
import { EndpointAnswer, TokenEndpointClient } from '../client-credentials/token-endpoint-client';
import { clientIdOf, type AccessTokenClaims } from './principal';

/**
 * This resource server's own confidential client, one that owns its audience, authenticated as its
 * token requests are (ClientCredentialsModule's options): `clientSecret` (client_secret_basic, the
 * default, or `authMethod: 'client_secret_post'`), `authMethod: 'private_key_jwt'` with `privateKey`
 * (a new single-use assertion per poll), or `assertionFile` (federated_jwt: the workload identity
 * token, read afresh per poll; `authMethod` may be left out).
 */
export type RevocationFeedCredentials = Pick<
  TokenEndpointClientOptions,
  'clientId' | 'clientSecret' | 'authMethod' | 'assertionFile' | 'privateKey' | 'privateKeyId' | 'privateKeyAlgorithm'
>;

export interface RevocationFeedOptions extends RevocationFeedCredentials {
  /** The feed; default `<authServerUrl or issuer>/oauth/revocations` (the nest-oauth-m2m auth-server's). */
  url?: string;
  /**
   * How often the feed is read (default 10 s). A revocation is refused here at most this long after it
   * was made, plus one request (`timeoutMs`): 12 s with the defaults.
   */
  intervalMs?: number;
  /** Request timeout (default 2 s). */
  timeoutMs?: number;
}

/** What the feed says (/oauth/revocations). */
interface FeedBody {
  clients?: { client_id?: unknown; not_before?: unknown }[];
  users?: { sub?: unknown; not_before?: unknown }[];
  grants?: unknown[];
}

/** Counters for health, metrics and tests. */
export interface RevocationFeedStats {
  polls: number;
  failures: number;
  /** When the feed was last read (200 or 304), ms since the epoch; 0 before the first success. */
  lastSuccessAt: number;
  /** Consecutive failed reads: while above 0 the last known list is in force. */
  failingSince: number;
}

/**
 * Keycloak's "not-before" push, as a poll: the issuer's list of disabled clients and users ("tokens
 * issued before T are void") and revoked grants (`sid`), read every `intervalMs` with If-None-Match,
 * checked in memory on every request (also for tokens the guard verified before).
 *
 * Fails safe and cheap: when the feed cannot be read, the last list read stays in force (a revocation
 * already seen is never forgotten), a warning is logged once per outage, and requests go on being
 * served; an outage of the issuer does not take the resource server down. Revocations made during
 * the outage are seen at the first successful read after it.
 */
export class RevocationFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RevocationFeed.name);
  private clients = new Map<string, number>();
  private users = new Map<string, number>();
  private grants = new Set<string>();
  private etag?: string;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private readonly abort = new AbortController();
  /** The authenticated request to the issuer: the same client, and client authentication, as a token request's. */
  private readonly client?: TokenEndpointClient;
  readonly stats: RevocationFeedStats = { polls: 0, failures: 0, lastSuccessAt: 0, failingSince: 0 };

  /**
   * `options` undefined: no feed, nothing is ever refused here. `issuer`: the authorization server's
   * issuer identifier, the `aud` of a private_key_jwt assertion.
   */
  constructor(
    private readonly options: (RevocationFeedOptions & { url: string; issuer?: string }) | undefined,
  ) {
    if (!options) return;
    const { clientId, clientSecret, assertionFile, privateKey, privateKeyId, privateKeyAlgorithm } = options;
    // An assertion file alone says federated_jwt, as introspection reads it (libs/platform sets no method).
    const authMethod = options.authMethod ?? (assertionFile ? 'federated_jwt' : undefined);
    // Checked here (TokenEndpointClient validates): a missing secret, key or token file fails at start.
    this.client = new TokenEndpointClient({
      clientId,
      clientSecret,
      authMethod,
      assertionFile,
      privateKey,
      privateKeyId,
      privateKeyAlgorithm,
      issuer: options.issuer,
      timeoutMs: options.timeoutMs ?? 2_000,
    });
  }

  get enabled(): boolean {
    return this.options !== undefined;
  }

  /** True when the feed voids this verified token: its client or user disabled after it was issued, or its grant revoked. */
  isRevoked(claims: AccessTokenClaims): boolean {
    if (!this.options) return false;
    // A token without iat cannot prove it came after a not-before.
    const iat = typeof claims.iat === 'number' ? claims.iat : -Infinity;
    const clientNotBefore = this.clients.get(clientIdOf(claims) ?? '');
    if (clientNotBefore !== undefined && iat < clientNotBefore) return true;
    const userNotBefore = this.users.get(claims.sub);
    if (userNotBefore !== undefined && iat < userNotBefore) return true;
    return typeof claims.sid === 'string' && this.grants.has(claims.sid);
  }

  onApplicationBootstrap(): void {
    if (!this.options) return;
    // The first read is not awaited: an issuer that is down must not stop this service from starting.
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.abort.abort();
  }

  /** Reads the feed now (single flight); never throws. */
  poll(): Promise<void> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(): Promise<void> {
    const options = this.options!;
    this.stats.polls++;
    try {
      const answer = await this.request(options.url);
      if (answer.status !== 304 && answer.status !== 204) {
        if (answer.status < 200 || answer.status > 299) throw new Error(`answered ${answer.status}`);
        this.apply(JSON.parse(answer.text) as FeedBody);
        this.etag = answer.headers.get('etag') ?? undefined;
      }
      if (this.stats.failingSince) this.logger.log('revocation feed readable again');
      this.stats.failingSince = 0;
      this.stats.lastSuccessAt = Date.now();
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.stats.failures++;
      if (!this.stats.failingSince) {
        this.stats.failingSince = Date.now();
        this.logger.warn(`revocation feed ${options.url} cannot be read (${(error as Error).message}): keeping the last list read until it can`);
      }
    }
  }

  /**
   * One read of the feed. client_secret_basic: GET with If-None-Match (304 when unchanged), which every
   * version of the auth-server serves. Every other method needs a form for its credentials: POST, the
   * ETag as `if_none_match` (204 when unchanged). The credentials are made per request (applyTo): a
   * private_key_jwt assertion is single use at the server (jti), a workload token file is rewritten
   * by the platform.
   */
  private request(url: string): Promise<EndpointAnswer> {
    const client = this.client!;
    if (client.authMethod === 'client_secret_basic') {
      return client.get(url, this.etag ? { 'if-none-match': this.etag } : {}, this.abort.signal);
    }
    return client.post(url, this.etag ? { if_none_match: this.etag } : {}, this.abort.signal);
  }

  /** Replaces the list; a malformed entry is skipped, never fatal. */
  private apply(body: FeedBody): void {
    const notBefore = (entries: { not_before?: unknown }[] | undefined, key: 'client_id' | 'sub') => {
      const map = new Map<string, number>();
      for (const entry of Array.isArray(entries) ? entries : []) {
        const id = (entry as Record<string, unknown>)?.[key];
        if (typeof id === 'string' && typeof entry.not_before === 'number') map.set(id, entry.not_before);
      }
      return map;
    };
    this.clients = notBefore(body.clients, 'client_id');
    this.users = notBefore(body.users, 'sub');
    this.grants = new Set((Array.isArray(body.grants) ? body.grants : []).filter((grant): grant is string => typeof grant === 'string'));
  }
}
