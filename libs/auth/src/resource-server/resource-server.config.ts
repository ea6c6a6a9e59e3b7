import type { ResourceServerAuthOptions } from './auth.options';
import { benchmarkBypassFromEnv } from './benchmark-bypass';

/**
 * Resource-server settings from the environment, shared by the services:
 * ISSUER (the auth-server's public URL) and AUTH_SERVER_URL (how this service reaches it).
 */
export function resourceServerOptionsFromEnv(audience: string, realm: string): ResourceServerAuthOptions {
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
    benchmarkBypass: benchmarkBypassFromEnv(),
    // Optional revocation check (RFC 7662): all three variables, or none.
    introspection: process.env.INTROSPECTION_CLIENT_ID
      ? {
          endpoint: `${(process.env.AUTH_SERVER_URL || issuer).replace(/\/+$/, '')}/oauth/introspect`,
          clientId: process.env.INTROSPECTION_CLIENT_ID,
          clientSecret: requiredIntrospectionSecret(),
          cacheTtlMs: optionalNumber('INTROSPECTION_CACHE_TTL_MS'),
        }
      : undefined,
  };
}

function requiredIntrospectionSecret(): string {
  const secret = process.env.INTROSPECTION_CLIENT_SECRET;
  if (!secret) throw new Error('INTROSPECTION_CLIENT_SECRET is required when INTROSPECTION_CLIENT_ID is set');
  return secret;
}
