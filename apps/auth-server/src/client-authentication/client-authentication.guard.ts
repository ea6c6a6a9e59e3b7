import { hasRepeatedAuthorization, InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ClientRegistry } from '../clients/client-registry';
import { FormParams } from '../http/form-params';
import { CLIENT_PROPERTY } from './authenticated-client';
import { parseBasicCredentials } from './basic-credentials';
import { CLIENT_ASSERTION_TYPE, ClientAuthenticationService } from './client-authentication.service';
import { ClientAuthThrottle } from './throttling/client-auth-throttle';

/**
 * passport-http, for client_secret_basic. The strategy's own errors are OAuth errors and pass through;
 * a refusal by passport-http's parse is mapped here: status 400 means the header is not Basic
 * credentials at all (no space, no `:`), anything else (another scheme, an empty id or secret) is a
 * failed authentication.
 */
@Injectable()
export class ClientBasicGuard extends AuthGuard('client-basic') {
  override handleRequest<T>(error: unknown, client: T, _info?: unknown, _context?: unknown, status?: unknown): T {
    if (error) throw error;
    if (!client) throw new InvalidClient(status === 400 ? 'malformed Basic credentials' : 'client authentication failed', 'Basic');
    return client;
  }
}

/**
 * Authenticates the calling client at the OAuth endpoints by whichever single method the request
 * uses (RFC 6749 §2.3: more than one is invalid_request).
 */
@Injectable()
export class ClientAuthenticationGuard implements CanActivate {
  constructor(
    private readonly basic: ClientBasicGuard,
    private readonly authentication: ClientAuthenticationService,
    private readonly throttle: ClientAuthThrottle,
    private readonly registry: ClientRegistry,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & Record<string, unknown>>();
    const params = FormParams.of(request);
    // Credentials are always checked first: the throttle only ever slows down failures (see
    // ClientAuthThrottle), so a success costs it nothing.
    try {
      return await this.authenticate(context, request, params);
    } catch (error) {
      // Only failed credentials count; malformed requests are answered without a credential check.
      if (!(error instanceof InvalidClient)) throw error;
      const authorization = request.headers.authorization;
      const clientId = (typeof authorization === 'string' ? parseBasicCredentials(authorization)?.clientId : undefined) ?? params.get('client_id');
      // Registered or not, from the registry's memory (its cache and negative cache, just filled by this attempt).
      const registered = clientId !== undefined && clientId.length <= 256 && !!(await this.registry.find(clientId).catch(() => null));
      throw await this.throttle.failed(error, clientId, registered, request.ip);
    }
  }

  private async authenticate(context: ExecutionContext, request: FastifyRequest & Record<string, unknown>, params: FormParams): Promise<boolean> {
    const usesBasic = request.headers.authorization !== undefined;
    // Node keeps only the first of several Authorization lines in `headers`: never authenticate by it.
    if (usesBasic && hasRepeatedAuthorization(request)) throw new InvalidRequest('more than one Authorization header');
    const usesPost = params.has('client_secret');
    const usesAssertion = params.has('client_assertion') || params.has('client_assertion_type');
    if (Number(usesBasic) + Number(usesPost) + Number(usesAssertion) > 1) {
      throw new InvalidRequest('use exactly one client authentication method');
    }
    const clientIdParam = params.get('client_id');
    if (usesBasic) {
      await this.basic.canActivate(context);
      const { client } = request[CLIENT_PROPERTY] as { client: { clientId: string } };
      if (clientIdParam !== undefined && clientIdParam !== client.clientId) {
        throw new InvalidRequest('client_id does not match the authenticated client');
      }
      return true;
    }
    if (usesAssertion) {
      if (params.require('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
        throw new InvalidRequest(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
      }
      request[CLIENT_PROPERTY] = await this.authentication.authenticateWithAssertion(params.require('client_assertion'), clientIdParam);
      return true;
    }
    if (usesPost) {
      if (clientIdParam === undefined) throw new InvalidRequest('client_secret_post needs client_id');
      request[CLIENT_PROPERTY] = await this.authentication.authenticateWithSecret(
        clientIdParam,
        params.require('client_secret'),
        'client_secret_post',
      );
      return true;
    }
    if (clientIdParam !== undefined) {
      // No credentials but a client_id: acceptable for public clients (user-login grants) only.
      request[CLIENT_PROPERTY] = await this.authentication.authenticatePublic(clientIdParam);
      return true;
    }
    throw new InvalidClient('client authentication required', 'Basic');
  }
}
