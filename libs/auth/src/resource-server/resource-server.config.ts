import type { ResourceServerAuthOptions } from './auth.options';

/**
 * Resource-server settings from the environment, shared by the services:
 * ISSUER (the auth-server's public URL) and AUTH_SERVER_URL (how this service reaches it).
 */
export function resourceServerOptionsFromEnv(audience: string, realm: string): ResourceServerAuthOptions {
  const issuer = (process.env.ISSUER ?? 'http://localhost:3000').replace(/\/+$/, '');
  try {
    new URL(issuer);
  } catch {
    throw new Error('ISSUER must be an absolute URL');
  }
  return {
    issuer,
    audience,
    realm,
    authServerUrl: process.env.AUTH_SERVER_URL?.replace(/\/+$/, ''),
    jwksUri: process.env.JWKS_URI,
  };
}
