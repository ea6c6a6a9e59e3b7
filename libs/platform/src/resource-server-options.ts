import type { ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';

/**
 * libs/auth's resource-server options (`AuthModule.forRoot`) from this repository's environment
 * variables, shared by the services:
 * ISSUER (the auth-server's public URL) and AUTH_SERVER_URL (how this service reaches it); with
 * INTROSPECTION_ENABLED=true, a revocation check as `ownClient`; the revocation feed, read as
 * `ownClient` every REVOCATION_FEED_INTERVAL_MS (default 10 s, 0 turns it off) whenever it has a
 * credential (its secret, or its workload identity token file).
 */
export function resourceServerOptionsFromEnv(audience: string, realm: string, ownClient?: ResourceServerClient): ResourceServerAuthOptions {
  // Same default as the auth-server's own: its port on localhost.
  const issuer = (process.env.ISSUER ?? `http://localhost:${process.env.AUTH_SERVER_PORT ?? 3000}`).replace(/\/+$/, '');
  try {
    new URL(issuer);
  } catch {
    throw new Error('ISSUER must be an absolute URL');
  }
  const optionalNumber = (name: string): number | undefined => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
    return value;
  };
  return {
    issuer,
    audience,
    realm,
    authServerUrl: process.env.AUTH_SERVER_URL?.replace(/\/+$/, ''),
    jwksUri: process.env.JWKS_URI || undefined,
    jwksCacheTtlMs: optionalNumber('JWKS_CACHE_TTL_MS'),
    jwksCooldownMs: optionalNumber('JWKS_COOLDOWN_MS'),
    verifiedTokenCacheSize: optionalNumber('VERIFIED_TOKEN_CACHE_SIZE'),
    introspection: introspectionFromEnv(issuer, ownClient),
    revocationFeed: revocationFeedFromEnv(ownClient, optionalNumber('REVOCATION_FEED_INTERVAL_MS')),
  };
}

/**
 * The revocation feed (<AUTH_SERVER_URL or ISSUER>/oauth/revocations) as this service's own client:
 * on by default, so a disabled client or user is refused within the interval. Authenticated as the
 * service's token requests are: with its secret (a GET with HTTP Basic), or secretless with its
 * workload identity token (federated_jwt, a POST: read afresh from the file at each poll). A service
 * without either has no feed (tokens then live until they expire).
 */
function revocationFeedFromEnv(ownClient: ResourceServerClient | undefined, intervalMs: number | undefined): ResourceServerAuthOptions['revocationFeed'] {
  if (intervalMs === 0 || !ownClient) return undefined;
  if (ownClient.assertionFile) return { clientId: ownClient.clientId, authMethod: 'federated_jwt', assertionFile: ownClient.assertionFile, intervalMs };
  if (ownClient.clientSecret) return { clientId: ownClient.clientId, clientSecret: ownClient.clientSecret, intervalMs };
  return undefined;
}

/** This resource server's own confidential client, which owns its audience at the auth-server. */
export interface ResourceServerClient {
  clientId: string;
  /** Undefined when its variable is unset. */
  clientSecret: string | undefined;
  /** The variable holding the secret, for the error message. */
  secretVariable: string;
  /** Secretless (federated_jwt): the workload identity token file, instead of the secret. */
  assertionFile?: string;
}

/**
 * Optional revocation check (RFC 7662), on with INTROSPECTION_ENABLED=true. Each service asks as its
 * own client, the registered owner of its audience: the auth-server answers `active` only to a
 * token's own client or its audience's owner, so one client shared by all services (the former
 * INTROSPECTION_CLIENT_ID, read from one .env by every app) would have every other service's
 * tokens refused.
 */
function introspectionFromEnv(issuer: string, ownClient: ResourceServerClient | undefined): ResourceServerAuthOptions['introspection'] {
  // The old shared-client switch: ignoring it would silently turn a revocation check off.
  if (process.env.INTROSPECTION_CLIENT_ID || process.env.INTROSPECTION_CLIENT_SECRET) {
    throw new Error('INTROSPECTION_CLIENT_ID/_SECRET are no longer read: set INTROSPECTION_ENABLED=true (each service introspects as its own client)');
  }
  const enabled = process.env.INTROSPECTION_ENABLED;
  if (enabled === undefined || enabled === '' || enabled === 'false') return undefined;
  if (enabled !== 'true') throw new Error('INTROSPECTION_ENABLED must be true or false');
  if (!ownClient) throw new Error('INTROSPECTION_ENABLED=true needs this service\'s own client credentials');
  if (!ownClient.clientSecret && !ownClient.assertionFile) {
    throw new Error(`${ownClient.secretVariable} (or a client assertion file) is required when INTROSPECTION_ENABLED=true`);
  }
  const raw = process.env.INTROSPECTION_CACHE_TTL_MS;
  const cacheTtlMs = raw === undefined || raw === '' ? undefined : Number(raw);
  if (cacheTtlMs !== undefined && (!Number.isInteger(cacheTtlMs) || cacheTtlMs < 0)) {
    throw new Error('INTROSPECTION_CACHE_TTL_MS must be a non-negative integer');
  }
  return {
    endpoint: `${(process.env.AUTH_SERVER_URL || issuer).replace(/\/+$/, '')}/oauth/introspect`,
    clientId: ownClient.clientId,
    ...(ownClient.assertionFile ? { assertionFile: ownClient.assertionFile } : { clientSecret: ownClient.clientSecret }),
    cacheTtlMs,
  };
}
