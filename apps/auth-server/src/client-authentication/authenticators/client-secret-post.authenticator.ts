import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { FormParams } from '../../http/form-params';
import type { AuthenticatedClient } from '../authenticated-client';
import type { ClientAuthenticator, PresentedCredential } from '../client-authenticator';
import { ClientSecretVerifier } from '../client-secret.verifier';

interface PostedSecret extends PresentedCredential {
  readonly clientId: string | undefined;
  readonly secret: string;
}

/** client_secret_post (RFC 6749 §2.3.1): client_id and client_secret in the form body. */
@Injectable()
export class ClientSecretPostAuthenticator implements ClientAuthenticator<PostedSecret> {
  readonly method = 'client_secret_post';

  constructor(private readonly secrets: ClientSecretVerifier) {}

  detect(_request: FastifyRequest, form: FormParams): PostedSecret | undefined {
    const secret = form.get('client_secret');
    return secret === undefined ? undefined : { clientId: form.get('client_id'), secret };
  }

  async authenticate({ clientId, secret }: PostedSecret): Promise<AuthenticatedClient> {
    if (clientId === undefined) throw new InvalidRequest('client_secret_post needs client_id');
    return this.secrets.verify(clientId, secret, 'client_secret_post');
  }
}
