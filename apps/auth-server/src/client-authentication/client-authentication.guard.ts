import { InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ClientRegistry } from '../clients/client-registry';
import { FormParams } from '../http/form-params';
import { AuthenticatedClient, CLIENT_PROPERTY } from './authenticated-client';
import { CLIENT_AUTHENTICATORS, ClientAuthenticator, PresentedCredential } from './client-authenticator';
import { AuthenticatedEndpoint, CLIENT_AUTHENTICATED_ENDPOINT, ensureAuthMethodAccepted } from './endpoint-auth-methods';
import { ClientAuthThrottle } from './throttling/client-auth-throttle';

/** The one method a request uses, with the credential it read. */
interface Presented {
  authenticator: ClientAuthenticator;
  credential: PresentedCredential;
}

/**
 * Authenticates the calling client at an endpoint marked @ClientAuthenticated / @ClientAuthenticatedEndpoint,
 * in four steps:
 * 1. every registered method (CLIENT_AUTHENTICATORS) reads its credential from the request, once;
 * 2. more than one is invalid_request (RFC 6749 §2.3); none at all leaves a public client (`none`)
 *    naming itself with client_id;
 * 3. that method authenticates; a failure is counted and maybe slowed down (ClientAuthThrottle);
 * 4. the endpoint must accept the method (ENDPOINT_AUTH_METHODS).
 */
@Injectable()
export class ClientAuthenticationGuard implements CanActivate {
  /** The methods that prove who is calling (a secret, a signature): at most one per request. */
  private readonly credentialMethods: ClientAuthenticator[];
  /** `none`: client_id alone, which also accompanies the other methods, so it counts only without them. */
  private readonly publicClient: ClientAuthenticator | undefined;

  constructor(
    @Inject(CLIENT_AUTHENTICATORS) authenticators: ClientAuthenticator[],
    private readonly reflector: Reflector,
    private readonly throttle: ClientAuthThrottle,
    private readonly registry: ClientRegistry,
  ) {
    this.credentialMethods = authenticators.filter((authenticator) => authenticator.method !== 'none');
    this.publicClient = authenticators.find((authenticator) => authenticator.method === 'none');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const endpoint = this.reflector.get<AuthenticatedEndpoint | undefined>(CLIENT_AUTHENTICATED_ENDPOINT, context.getHandler());
    if (endpoint === undefined) throw new Error('ClientAuthenticationGuard needs @ClientAuthenticated(endpoint) on the route');
    const request = context.switchToHttp().getRequest<FastifyRequest & Record<string, unknown>>();
    const form = FormParams.of(request);
    const presented = this.presented(request, form);
    const caller = await this.authenticate(presented, form, request);
    request[CLIENT_PROPERTY] = caller;
    const clientIdParam = form.get('client_id');
    if (clientIdParam !== undefined && clientIdParam !== caller.client.clientId) {
      throw new InvalidRequest('client_id does not match the authenticated client');
    }
    ensureAuthMethodAccepted(endpoint, caller);
    return true;
  }

  /** Steps 1 and 2: malformed requests are answered here, without a credential check. */
  private presented(request: FastifyRequest, form: FormParams): Presented | undefined {
    let presented: Presented | undefined;
    for (const authenticator of this.credentialMethods) {
      const credential = authenticator.detect(request, form);
      if (credential === undefined) continue;
      if (presented) throw new InvalidRequest('use exactly one client authentication method');
      presented = { authenticator, credential };
    }
    if (presented || !this.publicClient) return presented;
    const credential = this.publicClient.detect(request, form);
    return credential === undefined ? undefined : { authenticator: this.publicClient, credential };
  }

  /**
   * Step 3. Credentials are always checked first: the throttle only ever slows down failures (see
   * ClientAuthThrottle), so a success costs it nothing.
   */
  private async authenticate(presented: Presented | undefined, form: FormParams, request: FastifyRequest): Promise<AuthenticatedClient> {
    try {
      if (!presented) throw new InvalidClient('client authentication required', 'Basic');
      return await presented.authenticator.authenticate(presented.credential, form);
    } catch (error) {
      // Only failed credentials count; malformed requests are answered without a credential check.
      if (!(error instanceof InvalidClient)) throw error;
      const clientId = presented?.credential.clientId ?? form.get('client_id');
      // Registered or not, from the registry's memory (its cache and negative cache, just filled by this attempt).
      const registered = clientId !== undefined && clientId.length <= 256 && !!(await this.registry.find(clientId).catch(() => null));
      throw await this.throttle.failed(error, clientId, registered, request.ip);
    }
  }
}
