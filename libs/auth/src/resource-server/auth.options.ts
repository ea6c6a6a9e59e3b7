import type { TokenKindClassifier } from './principal';
import type { RevocationFeedOptions } from './revocation-feed';
import type { IntrospectionOptions } from './token-introspector';

/** A JSON Web Key Set (RFC 7517 §5): what a `jwks_uri` serves. */
export interface JsonWebKeySetLike {
  keys: Record<string, unknown>[];
}

export interface ResourceServerAuthOptions {
  /** Expected `iss`; also where RFC 8414 metadata is discovered unless authServerUrl is set. */
  issuer: string;
  /** Expected `aud` of every token this service accepts (e.g. `api://user-service`). */
  audience: string;
  /** Skip discovery and read keys from here. */
  jwksUri?: string;
  /**
   * The key set from this function instead of over HTTP (no discovery, no fetch): for an issuer that
   * verifies its own tokens (its public URL may not be reachable from inside its container), or keys
   * from a file or a secret store. Called where a fetch would be: at the first token, after
   * `jwksCacheTtlMs`, and for an unknown `kid` at most once per `jwksCooldownMs`.
   */
  jwksProvider?: () => JsonWebKeySetLike | Promise<JsonWebKeySetLike>;
  /**
   * Where this service reaches the auth-server when that differs from the public issuer URL
   * (containers: `http://auth-server:3000` while tokens say `http://localhost:3000`).
   */
  authServerUrl?: string;
  /** `realm` of the WWW-Authenticate challenges this module sends (optional; RFC 6750 §3). */
  realm?: string;
  /**
   * JWT `typ` header values accepted, compared case-insensitively with or without `application/`.
   * Default `['at+jwt']` (RFC 9068 §4: an ID token or other JWT cannot pass for an access token).
   * Issuers that label access tokens `JWT` (Keycloak, Entra) need `['at+jwt', 'JWT']`.
   */
  tokenTypes?: string[];
  /** User or service token? Default `TokenKinds.rfc9068`; `TokenKinds.keycloak`, `.auth0`, `.entra`, or your own. */
  tokenKind?: TokenKindClassifier;
  /** Leeway for exp/nbf/iat, in seconds (default 30). */
  clockToleranceSeconds?: number;
  /** How long fetched keys are trusted before a background refresh (default 10 min). */
  jwksCacheTtlMs?: number;
  /** Minimum time between fetches caused by unknown `kid`s (default 30 s). */
  jwksCooldownMs?: number;
  /** JWKS / metadata fetch timeout (default 2 s). */
  fetchTimeoutMs?: number;
  /** Verified tokens kept in memory, so a token is verified once until it expires (default 10,000; 0 disables). */
  verifiedTokenCacheSize?: number;
  /**
   * Also ask the issuer (RFC 7662) whether each verified token is still active, so revoked tokens are
   * refused within `cacheTtlMs` instead of at expiry. Off by default: it costs a call per new token.
   */
  introspection?: IntrospectionOptions;
  /**
   * Refuse tokens of disabled clients and users and of revoked grants within `intervalMs` (10 s) plus
   * one request, without a call per request: the issuer's revocation feed is polled with ETag and
   * checked in memory (see revocation-feed.ts). Off by default: it needs this service's own client.
   */
  revocationFeed?: RevocationFeedOptions;
}

export const RESOURCE_SERVER_AUTH_OPTIONS = Symbol('RESOURCE_SERVER_AUTH_OPTIONS');

/** Asymmetric JWS algorithms only: HS* with a public key as secret is the classic confusion attack. */
export const ASYMMETRIC_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
