import { InvalidClient } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClientRegistry } from '../../clients/client-registry';
import type { FormParams } from '../../http/form-params';
import type { AuthenticatedClient } from '../authenticated-client';
import type { ClientAuthenticator, PresentedCredential } from '../client-authenticator';
import { acceptClient } from '../client-secret.verifier';

/**
 * `none` (RFC 7591 §2): a public client (a browser or native app, no secret) names itself with
 * client_id alone. Not a credential: the guard uses it only when the request presents none, since
 * client_id accompanies client_secret_post and private_key_jwt too.
 */
@Injectable()
export class PublicClientAuthenticator implements ClientAuthenticator<PresentedCredential & { clientId: string }> {
  readonly method = 'none';

  constructor(private readonly registry: ClientRegistry) {}

  detect(_request: FastifyRequest, form: FormParams): { clientId: string } | undefined {
    const clientId = form.get('client_id');
    return clientId === undefined ? undefined : { clientId };
  }

  async authenticate({ clientId }: { clientId: string }): Promise<AuthenticatedClient> {
    const registered = clientId.length <= 256 ? await this.registry.find(clientId) : null;
    if (!registered || registered.client.authMethod !== 'none') {
      throw new InvalidClient('client authentication required', 'Basic');
    }
    return acceptClient(registered, 'none');
  }
}
