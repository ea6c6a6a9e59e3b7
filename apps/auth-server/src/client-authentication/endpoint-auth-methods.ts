import { InvalidClient } from '@nest-oauth-m2m/auth';
import { CLIENT_AUTH_METHODS, TokenEndpointAuthMethod } from '../clients/client.entity';
import type { AuthenticatedClient } from './authenticated-client';

/**
 * Which client authentication methods each endpoint accepts. ClientAuthenticationGuard enforces this
 * table (ensureAuthMethodAccepted) and the RFC 8414 metadata publishes it, so the two cannot drift apart.
 *
 * - token: every method; a public client (`none`) only gets the user-login grants.
 * - introspection: confidential clients only; a public client holds no secret to prove it is a
 *   resource server.
 * - revocation: public clients too (RFC 7009 §2.1 names them): an app can end its own login.
 * - revocation_feed (/oauth/revocations, polled by resource servers): confidential clients only, as
 *   introspection: it names disabled clients and users, and a public client cannot prove it is the
 *   resource server that owns an audience. Every confidential method, so a secretless service
 *   (private_key_jwt, federated_jwt) keeps the feed; those need the POST form (a GET takes Basic only).
 */
export const ENDPOINT_AUTH_METHODS = {
  token: [...CLIENT_AUTH_METHODS, 'none'],
  introspection: [...CLIENT_AUTH_METHODS],
  revocation: [...CLIENT_AUTH_METHODS, 'none'],
  revocation_feed: [...CLIENT_AUTH_METHODS],
} as const satisfies Record<string, readonly TokenEndpointAuthMethod[]>;

export type AuthenticatedEndpoint = keyof typeof ENDPOINT_AUTH_METHODS;

/** Route metadata (@ClientAuthenticated): which endpoint's methods the guard accepts there. */
export const CLIENT_AUTHENTICATED_ENDPOINT = 'oauth:client-authenticated-endpoint';

export function ensureAuthMethodAccepted(endpoint: AuthenticatedEndpoint, caller: AuthenticatedClient): void {
  if (!(ENDPOINT_AUTH_METHODS[endpoint] as readonly TokenEndpointAuthMethod[]).includes(caller.method)) {
    throw new InvalidClient(
      caller.method === 'none' ? `public clients may not use the ${endpoint} endpoint` : `${caller.method} is not accepted at the ${endpoint} endpoint`,
    );
  }
}
