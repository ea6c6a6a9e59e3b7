/** A token as the client keeps it. Times are epoch milliseconds. */
export interface CachedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** When the request that produced it was sent (lifetimes count from there, conservatively). */
  obtainedAt: number;
  /** When the token stops being valid (from `expires_in`). */
  expiresAt: number;
  /** Scope the server granted, when it said. */
  scope?: string;
}

/** Where tokens are kept between calls. Implementations may fail; the provider never lets that fail a caller. */
export interface TokenCache {
  get(key: string): Promise<CachedToken | undefined>;
  /** `ttlMs` is how long the entry may live (until the token expires). */
  set(key: string, value: CachedToken, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Optional cross-process single flight: try to become the one process that fetches `key`.
   * `acquired: false` means another process holds the lock (and is fetching).
   */
  tryLock?(key: string, ttlMs: number): Promise<TokenCacheLock>;
}

export type TokenCacheLock = { acquired: true; release(): Promise<void> } | { acquired: false };

/** Refresh ahead of expiry by max(30 s, 10 % of the lifetime), but never more than half of it. */
const MIN_REFRESH_SKEW_MS = 30_000;

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

/** Structural check for values read back from a shared store (never trust their shape). */
export function isCachedToken(value: unknown): value is CachedToken {
  const v = value as Partial<CachedToken> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.accessToken === 'string' &&
    v.accessToken.length > 0 &&
    v.tokenType === 'Bearer' &&
    Number.isFinite(v.obtainedAt) &&
    Number.isFinite(v.expiresAt) &&
    (v.scope === undefined || typeof v.scope === 'string')
  );
}

interface Entry {
  value: CachedToken;
  until: number;
}

/**
 * The process-local cache. Every provider has one as its first level; pass one instance to
 * several providers to share tokens inside a process. Besides the async TokenCache interface it
 * offers synchronous access, which the provider's hot path uses (no await, no extra tick).
 */
export class InMemoryTokenCache implements TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  peek(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  put(key: string, value: CachedToken, ttlMs: number): void {
    if (!(ttlMs > 0)) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { value, until: this.now() + ttlMs });
  }

  remove(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<CachedToken | undefined> {
    return this.peek(key);
  }

  async set(key: string, value: CachedToken, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }
}
