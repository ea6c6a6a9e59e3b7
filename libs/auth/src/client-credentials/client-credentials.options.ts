import type { JsonWebKey } from 'node:crypto';
import type { ClientAssertionAlgorithm } from './client-assertion';
import type { ClientLogger } from './logging';
import type { TokenCache } from './token-cache';

/** How the client authenticates at the token endpoint (RFC 8414 `token_endpoint_auth_methods_supported` names). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'federated_jwt';

const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt'];
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token

/** Who the client is and how it reaches the authorization server: what TokenEndpointClient needs. */
export interface TokenEndpointClientOptions {
  /**
   * Absolute URL of the token endpoint (e.g. `${issuer}/oauth/token`). Without it, `token_endpoint` is
   * read once from the issuer's metadata (RFC 8414, falling back to OpenID Connect discovery).
   */
  tokenEndpoint?: string;
  /** The authorization server's issuer identifier: where the token endpoint is discovered, and a client assertion's `aud`. */
  issuer?: string;
  clientId: string;
  /** For `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string;
  /**
   * Default `client_secret_basic` (RFC 6749 §2.3.1, credentials form-urlencoded before base64), or
   * `client_secret_post`, or `private_key_jwt` (RFC 7523 §2.2: a JWT signed with `privateKey`, its
   * `aud` the issuer identifier, a fresh `jti` and a 60-second `exp` per request), or `federated_jwt`
   * (the same RFC 7523 form fields, the assertion being a workload identity token read from `assertionFile`).
   */
  authMethod?: ClientAuthMethod;
  /**
   * For `federated_jwt`: the file the platform keeps a workload identity token in, e.g. a Kubernetes
   * projected service-account token (`/var/run/secrets/tokens/auth-server`, its `audience` the
   * authorization server's issuer identifier) or a SPIFFE JWT-SVID. Read afresh for every token request
   * (the kubelet and SPIRE rewrite it); checked once at construction.
   */
  assertionFile?: string;
  /** For `private_key_jwt`: the client's private key, PEM or JWK. Its public half is registered with the server. */
  privateKey?: string | JsonWebKey;
  /** For `private_key_jwt`: `kid` of the key as registered (default: the JWK's `kid`). */
  privateKeyId?: string;
  /** For `private_key_jwt`: signing algorithm (default from the key: ES256 for P-256, RS256 for RSA, EdDSA for Ed25519). */
  privateKeyAlgorithm?: ClientAssertionAlgorithm;
  /** Token request timeout, connect to last body byte (default 3000 ms). */
  timeoutMs?: number;
  /** Sends the token (and discovery) requests instead of `node:http` (a test double, a proxy-aware fetch). */
  fetch?: typeof fetch;
  /** Clock (epoch ms). Injected for tests. */
  now?: () => number;
  /**
   * Headers to forward from the request being served (e.g. `x-request-id`), read at call time, so a
   * token request can be followed in the auth-server's logs. Also used by ServiceHttpClient.
   */
  propagateHeaders?: () => Record<string, string> | undefined;
}

export interface ClientCredentialsTokenProviderOptions extends TokenEndpointClientOptions {
  /** The authorization server's issuer identifier; part of the cache key. */
  issuer: string;
  /** Scopes to request; empty means the client's registered default scopes. */
  scopes: string[];
  /** Target API: sent as RFC 8707 `resource` when an absolute URI, else as `audience`. */
  audience?: string;
  /** Shared second-level cache (e.g. RedisTokenCache). A process-local cache is always the first level. */
  cache?: TokenCache;
  /** [0, 1) source for back-off jitter. Injected for tests. */
  random?: () => number;
  logger?: ClientLogger;
  /** When another replica holds the shared fetch lock: how often and how long to look for its token (50 / 2000 ms). */
  lockPollMs?: number;
  lockWaitMs?: number;
  /** Every shared-cache operation gives up after this long and the memory path is used (default 1000 ms). */
  cacheTimeoutMs?: number;
}

/** RFC 8693 token exchange on behalf of users: the same client, target and failure handling, a bounded per-user cache. */
export interface TokenExchangeTokenProviderOptions
  extends Pick<ClientCredentialsTokenProviderOptions, Exclude<keyof ClientCredentialsTokenProviderOptions, 'cache' | 'lockPollMs' | 'lockWaitMs' | 'cacheTimeoutMs'>> {
  /** Exchanged tokens kept in memory, least recently used dropped first (default 1000). */
  maxCachedTokens?: number;
}

/** Throws a TypeError naming the first unusable option: a wrong setting fails at start, not at the first call. */
export function validateClientCredentialsOptions(options: ClientCredentialsTokenProviderOptions): void {
  if (!options.issuer) throw new TypeError('issuer is required');
  validateTokenEndpointClientOptions(options);
  if (!Array.isArray(options.scopes)) throw new TypeError('scopes must be an array');
  const bad = options.scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (bad !== undefined) throw new TypeError(`invalid scope "${bad}" (RFC 6749 §3.3: no spaces, quotes or backslashes)`);
  if (options.audience === '') throw new TypeError('audience must not be empty');
}

export function validateTokenEndpointClientOptions(options: TokenEndpointClientOptions): void {
  // Without a token endpoint, the issuer is where it is discovered: it must be a URL then.
  const [name, value] = options.tokenEndpoint === undefined ? ['issuer', options.issuer] : ['tokenEndpoint', options.tokenEndpoint];
  if (value !== undefined) assertHttpUrl(name, value);
  if (!options.clientId) throw new TypeError('clientId is required');
  if (options.authMethod && !AUTH_METHODS.includes(options.authMethod)) {
    throw new TypeError(`unsupported authMethod "${options.authMethod}"`);
  }
  if (options.authMethod === 'private_key_jwt') {
    if (!options.privateKey) throw new TypeError('privateKey is required for private_key_jwt');
    if (!options.issuer) throw new TypeError('issuer is required for private_key_jwt (the assertion\'s audience)');
  } else if (options.authMethod === 'federated_jwt') {
    if (!options.assertionFile) throw new TypeError('assertionFile is required for federated_jwt');
    if (options.clientSecret) throw new TypeError('federated_jwt takes no clientSecret: the workload token in assertionFile is the credential');
  } else if (!options.clientSecret) {
    throw new TypeError('clientSecret is required');
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new TypeError('timeoutMs must be positive');
}

function assertHttpUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${name} must be an http(s) URL`);
}
