import { isStorableText } from '@app/database';
import { JsonWebKeySetLike, JwksKeyStore } from '@nest-oauth-m2m/auth';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import type { KeyObject } from 'node:crypto';
import { Repository } from 'typeorm';
import { authServerConfig } from '../config/auth-server.config';
import { boundedGet } from '../http/bounded-get';
import { TrustedIssuerEntity } from './trusted-issuer.entity';

/** An issuer's metadata or key set is a few kilobytes; anything much larger is not one. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 2_000;
const MAX_CACHED_ISSUERS = 1_000;

/**
 * The hot path's view of the trusted issuers: each row kept for CLIENT_CACHE_TTL_MS (unknown ones too,
 * so made-up `iss` values cost no read each), and per issuer one libs/auth JwksKeyStore, the same
 * caching and rotation rules as the resource servers' (keys trusted for a TTL then refreshed in the
 * background, an unknown `kid` refetches at most once per FEDERATED_JWKS_COOLDOWN_MS, one fetch at a
 * time, the old keys kept when a fetch fails). The store reads keys through `jwksProvider`, which
 * knows the three key sources: inline `jwks`, a `jwks_uri`, or the issuer's OIDC discovery document.
 *
 * The issuer's URLs are fetched without the private-network block of clients' jwks_uri: an issuer is
 * registered by the operator, and the cluster's own issuer is typically an internal address
 * (https://kubernetes.default.svc). Redirects are not followed, bodies are capped, fetches time out.
 */
@Injectable()
export class TrustedIssuerRegistry {
  private readonly rows = new Map<string, { value: TrustedIssuerEntity | null; expiresAt: number }>();
  private readonly keyStores = new Map<string, { version: number; store: JwksKeyStore }>();

  constructor(
    @InjectRepository(TrustedIssuerEntity) private readonly issuers: Repository<TrustedIssuerEntity>,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async find(issuer: string): Promise<TrustedIssuerEntity | null> {
    if (!isStorableText(issuer) || issuer.length > 2048) return null;
    const now = Date.now();
    const hit = this.rows.get(issuer);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = await this.issuers.findOne({ where: { issuer } });
    if (this.rows.size >= MAX_CACHED_ISSUERS) this.rows.clear();
    this.rows.set(issuer, { value, expiresAt: now + this.config.clientCacheTtlMs });
    return value;
  }

  /** A change made through this process: seen at once (its keys are fetched again as well). */
  invalidate(issuer: string): void {
    this.rows.delete(issuer);
    this.keyStores.delete(issuer);
  }

  /** The issuer's signing key for this header: fetched, cached, refetched for an unknown kid (rate-limited). */
  key(issuer: TrustedIssuerEntity, kid: string | undefined, alg: string): Promise<KeyObject> {
    return this.keyStoreOf(issuer).getKey(kid, alg);
  }

  /** For tests and metrics: how often each issuer's keys were fetched. */
  fetchesOf(issuer: string): number {
    return this.keyStores.get(issuer)?.store.stats.fetches ?? 0;
  }

  private keyStoreOf(issuer: TrustedIssuerEntity): JwksKeyStore {
    // A row deleted and created again (other keys, another source) gets a fresh store.
    const version = issuer.updatedAt.getTime();
    const cached = this.keyStores.get(issuer.issuer);
    if (cached && cached.version === version) return cached.store;
    const store = new JwksKeyStore({
      issuer: issuer.issuer,
      audience: '',
      jwksProvider: keySetReader(issuer),
      jwksCooldownMs: this.config.federatedJwksCooldownMs,
      jwksCacheTtlMs: 600_000,
    });
    if (this.keyStores.size >= MAX_CACHED_ISSUERS) this.keyStores.clear();
    this.keyStores.set(issuer.issuer, { version, store });
    return store;
  }
}

/**
 * Reads an issuer's keys from its source. SPIFFE bundles mark JWT-SVID keys `use: "jwt-svid"`
 * (SPIFFE Trust Domain and Bundle §4.2): they are signature keys, presented as such to the store.
 */
function keySetReader(issuer: TrustedIssuerEntity): () => Promise<JsonWebKeySetLike> {
  let jwksUri = issuer.jwksUri ?? undefined;
  return async () => {
    if (issuer.jwks) return normalized(issuer.jwks);
    if (!jwksUri) {
      // OpenID Connect Discovery §4: the metadata lives under the issuer, and names the same issuer.
      const metadata = (await fetchJson(`${issuer.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as { issuer?: unknown; jwks_uri?: unknown };
      if (metadata.issuer !== issuer.issuer) throw new Error(`discovery document names issuer ${JSON.stringify(metadata.issuer)}, not ${issuer.issuer}`);
      if (typeof metadata.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
      jwksUri = metadata.jwks_uri;
    }
    return normalized(await fetchJson(jwksUri));
  };
}

function normalized(document: unknown): JsonWebKeySetLike {
  const keys = (document as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error('key set has no "keys" array');
  return {
    keys: keys
      .filter((key): key is Record<string, unknown> => typeof key === 'object' && key !== null)
      .map((key) => (key.use === 'jwt-svid' ? { ...key, use: 'sig' } : key)),
  };
}

async function fetchJson(url: string): Promise<unknown> {
  const { status, body } = await boundedGet(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), maxBytes: MAX_DOCUMENT_BYTES });
  if (status < 200 || status > 299) throw new Error(`GET ${url} answered ${status}`);
  return JSON.parse(new TextDecoder().decode(body));
}
