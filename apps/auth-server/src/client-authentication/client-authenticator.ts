import type { FastifyRequest } from 'fastify';
import type { TokenEndpointAuthMethod } from '../clients/client.entity';
import type { FormParams } from '../http/form-params';
import type { AuthenticatedClient } from './authenticated-client';

/** What a client presented to authenticate, as one method read it from the request. */
export interface PresentedCredential {
  /** The client the credential names, when it names one (the failure throttle counts per client id). */
  readonly clientId?: string;
}

/**
 * One client authentication method (RFC 6749 §2.3, RFC 7523, RFC 7591 `token_endpoint_auth_method`).
 * ClientAuthenticationGuard asks every registered method whether the request uses it, refuses a
 * request that uses more than one, and lets the one that does authenticate.
 */
export interface ClientAuthenticator<C extends PresentedCredential = PresentedCredential> {
  readonly method: TokenEndpointAuthMethod;
  /**
   * The credential this method finds in the request, read once (the guard hands it to `authenticate`),
   * or undefined when the request does not use this method. Cheap and without I/O: it runs for every
   * method on every request. A bad credential is refused in `authenticate`, once the guard knows the
   * request uses exactly one method; `detect` throws only for a request that is malformed whatever
   * the method (two Authorization headers).
   */
  detect(request: FastifyRequest, form: FormParams): C | undefined;
  /** Verifies the credential: the client, or an InvalidClient (counted by the failure throttle). */
  authenticate(credential: C, form: FormParams): Promise<AuthenticatedClient>;
}

/** The registered methods (ClientAuthenticationModule): a new method is a class added to that list. */
export const CLIENT_AUTHENTICATORS = Symbol('CLIENT_AUTHENTICATORS');
