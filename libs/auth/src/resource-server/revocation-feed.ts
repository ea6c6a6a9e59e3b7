import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TokenEndpointClient } from '../client-credentials/token-endpoint-client';
import { clientIdOf, type AccessTokenClaims } from './principal';

export interface RevocationFeedOptions {
  /** The feed; default `<authServerUrl or issuer>/oauth/revocations` (the nest-oauth-m2m auth-server's). */
  url?: string;
  /** This resource server's own confidential client (client_secret_basic), one that owns its audience. */
  clientId: string;
  clientSecret: string;
  /**
   * How often the feed is read (default 10 s). A revocation is refused here at most this long after it
   * was made, plus one request (`timeoutMs`): 12 s with the defaults.
   */
  intervalMs?: number;
  /** Request timeout (default 2 s). */
  timeoutMs?: number;
}

/** What the feed says (GET /oauth/revocations). */
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
  /** The authenticated GET to the issuer: the same client as a token request's (client_secret_basic). */
  private readonly client?: TokenEndpointClient;
  readonly stats: RevocationFeedStats = { polls: 0, failures: 0, lastSuccessAt: 0, failingSince: 0 };

  /** `options` undefined: no feed, nothing is ever refused here. */
  constructor(
    private readonly options: (RevocationFeedOptions & { url: string }) | undefined,
  ) {
    if (options) this.client = new TokenEndpointClient({ clientId: options.clientId, clientSecret: options.clientSecret, timeoutMs: options.timeoutMs ?? 2_000 });
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
      const answer = await this.client!.get(options.url, this.etag ? { 'if-none-match': this.etag } : {}, this.abort.signal);
      if (answer.status !== 304) {
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
