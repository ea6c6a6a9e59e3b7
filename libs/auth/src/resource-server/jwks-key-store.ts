import { Logger } from '@nestjs/common';
import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import { discoverMetadata, getJson } from '../discovery';
import { nodeHttpTransport } from '../outbound-http';
import { ASYMMETRIC_ALGORITHMS, ResourceServerAuthOptions } from './auth.options';

/** Where JwksKeyStore looks for the issuer's metadata, in order (see discoverMetadata). */
export { metadataUrls } from '../discovery';

interface PublishedKey {
  key: KeyObject;
  alg?: string;
}

export class UnknownSigningKey extends Error {}

/**
 * The issuer's public keys, built to survive real life:
 * - fetched once and trusted for a TTL, refreshed in the background after it (the old keys keep
 *   verifying meanwhile, and keep verifying if the JWKS endpoint is down);
 * - an unknown `kid` triggers at most one refetch per cooldown, so random kids cannot flood the issuer;
 * - concurrent refreshes share one fetch, and every fetch has a short timeout.
 * With `jwksProvider` the same rules apply to calls of that function instead of HTTP fetches.
 */
export class JwksKeyStore {
  private readonly logger = new Logger(JwksKeyStore.name);
  private keys = new Map<string, PublishedKey>();
  private fetchedAt = 0;
  private lastAttemptAt = 0;
  private inFlight?: Promise<void>;
  private jwksUri?: string;
  private announcedAlgorithms?: string[];
  /** Counters for metrics and tests. */
  readonly stats = { fetches: 0, failures: 0 };

  constructor(private readonly options: ResourceServerAuthOptions) {
    this.jwksUri = options.jwksUri;
  }

  private get ttlMs() {
    return this.options.jwksCacheTtlMs ?? 600_000;
  }

  private get cooldownMs() {
    return this.options.jwksCooldownMs ?? 30_000;
  }

  /** The algorithms tokens may use: asymmetric ones, narrowed to what the issuer announces. */
  async algorithms(): Promise<string[]> {
    // A local key set announces nothing: each key's own `alg` still binds it (getKey).
    if (!this.announcedAlgorithms && !this.options.jwksProvider) await this.resolveJwksUri().catch(() => undefined);
    const announced = this.announcedAlgorithms;
    const asymmetric: readonly string[] = ASYMMETRIC_ALGORITHMS;
    return announced?.length ? announced.filter((alg) => asymmetric.includes(alg)) : [...asymmetric];
  }

  async getKey(kid: string | undefined, alg: string): Promise<KeyObject> {
    // A fetch under way may bring the key: wait for it rather than reject.
    if (this.inFlight && !this.find(kid)) await this.inFlight.catch(() => undefined);
    const now = Date.now();
    if (this.fetchedAt === 0 || (!this.find(kid) && now - this.lastAttemptAt >= this.cooldownMs)) {
      await this.refresh();
    } else if (now - this.fetchedAt > this.ttlMs && now - this.lastAttemptAt >= this.cooldownMs) {
      // Stale but usable: refresh in the background, answer from what we have.
      this.refresh().catch(() => undefined);
    }
    const found = this.find(kid);
    if (!found) throw new UnknownSigningKey(kid ? `unknown key id "${kid}"` : 'token has no key id');
    if (found.alg && found.alg !== alg) throw new UnknownSigningKey(`key "${kid}" is not for ${alg}`);
    return found.key;
  }

  /**
   * For readiness probes: resolves with the number of keys held, fetching them first when none are
   * (which also warms the cache); rejects when the JWKS cannot be reached and no key is cached.
   * Cached keys count as ready: they keep verifying tokens while the issuer is briefly down.
   */
  async ensureKeys(): Promise<number> {
    if (this.keys.size === 0) await this.refresh();
    return this.keys.size;
  }

  /** Fetches the JWKS now (single flight); keeps the previous keys when it fails. */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private find(kid: string | undefined): PublishedKey | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    // No kid: acceptable only when the issuer publishes a single key.
    return this.keys.size === 1 ? this.keys.values().next().value : undefined;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = Date.now();
    this.stats.fetches++;
    try {
      const body = (await this.readKeySet()) as { keys?: (JsonWebKey & { kid?: string; alg?: string; use?: string })[] };
      if (!Array.isArray(body.keys)) throw new Error('JWKS has no "keys" array');
      const next = new Map<string, PublishedKey>();
      for (const jwk of body.keys) {
        if (jwk.use && jwk.use !== 'sig') continue;
        if (!jwk.kid || (jwk.kty !== 'EC' && jwk.kty !== 'RSA')) continue;
        try {
          next.set(jwk.kid, { key: createPublicKey({ key: jwk, format: 'jwk' }), alg: jwk.alg });
        } catch {
          // A malformed key is skipped; the others stay usable.
        }
      }
      this.keys = next;
      this.fetchedAt = Date.now();
    } catch (error) {
      this.stats.failures++;
      this.logger.warn(`JWKS fetch failed, keeping ${this.keys.size} cached key(s): ${(error as Error).message}`);
      if (this.keys.size === 0) throw error;
    }
  }

  /** The key set from `jwksProvider` when given, else fetched from the (discovered) `jwks_uri`. */
  private async readKeySet(): Promise<unknown> {
    if (this.options.jwksProvider) return this.options.jwksProvider();
    return this.fetchJson(await this.resolveJwksUri());
  }

  private async resolveJwksUri(): Promise<string> {
    if (this.jwksUri) return this.jwksUri;
    const base = (this.options.authServerUrl ?? this.options.issuer).replace(/\/+$/, '');
    const { url: metadataUrl, metadata } = await discoverMetadata(base, this.options.issuer, { timeoutMs: this.options.fetchTimeoutMs });
    if (!metadata.jwks_uri) throw new Error('metadata has no jwks_uri');
    // Reach the JWKS the same way we reached the metadata (internal URL), keeping its path.
    const announced = new URL(metadata.jwks_uri);
    this.jwksUri = this.options.authServerUrl ? `${new URL(metadataUrl).origin}${announced.pathname}` : announced.toString();
    this.announcedAlgorithms = metadata.access_token_signing_alg_values_supported;
    return this.jwksUri;
  }

  private async fetchJson(url: string): Promise<unknown> {
    const answer = await getJson(nodeHttpTransport, url, this.options.fetchTimeoutMs ?? 2_000);
    if (answer.status < 200 || answer.status > 299) throw new Error(`GET ${url} answered ${answer.status}`);
    return JSON.parse(answer.text);
  }
}
