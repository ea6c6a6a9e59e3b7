import { InvalidClient } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import { ClientRegistry, RegisteredClient } from '../clients/client-registry';
import { ClientSecretHasher, MAX_SECRET_LENGTH } from '../clients/client-secret.hasher';
import type { TokenEndpointAuthMethod } from '../clients/client.entity';
import type { AuthenticatedClient } from './authenticated-client';

/** Checks a client id and secret (client_secret_basic and client_secret_post) against the registry. */
@Injectable()
export class ClientSecretVerifier {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly hasher: ClientSecretHasher,
  ) {}

  async verify(clientId: string, secret: string, method: 'client_secret_basic' | 'client_secret_post'): Promise<AuthenticatedClient> {
    const challenge = method === 'client_secret_basic' ? 'Basic' : undefined;
    // Hash first and always: an unknown client costs the same as a wrong secret.
    const presented = this.hasher.hash(secret.length <= MAX_SECRET_LENGTH ? secret : '');
    const registered = clientId.length <= 256 ? await this.registry.find(clientId) : null;
    const active = registered ? this.registry.activeSecrets(registered) : [];
    const matched = this.hasher.matchingIndex(presented, active.map((stored) => stored.secretHash));
    if (!registered || matched < 0 || secret.length > MAX_SECRET_LENGTH) {
      throw new InvalidClient('client authentication failed', challenge);
    }
    return { ...acceptClient(registered, method, challenge), secretId: active[matched]!.id };
  }
}

/** A registered client may authenticate only by the method it registered, and only while enabled. */
export function acceptClient(registered: RegisteredClient, method: TokenEndpointAuthMethod, challenge?: 'Basic'): AuthenticatedClient {
  const { client } = registered;
  if (client.authMethod !== method) {
    throw new InvalidClient(`client is registered for ${client.authMethod}, not ${method}`, challenge);
  }
  if (!client.enabled) throw new InvalidClient('client is disabled', challenge);
  return { client, method };
}
