import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JWK } from 'jose';
import { DataSource } from 'typeorm';
import { ClientGrantView, grantView } from './client-grants.service';
import { keyMaterialFields } from './client-keys';
import { ClientRegistrationError } from './client-registration.policy';
import { isSecretActive } from './client-secret.entity';
import { ClientEntity, TokenEndpointAuthMethod } from './client.entity';

/** A client as `clients show --json`, the admin API and the audit log show it (secret ids and dates only). */
export interface ClientSummary {
  client_id: string;
  name: string;
  enabled: boolean;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  /** What it may get at each resource (API). */
  grants: ClientGrantView[];
  owned_audiences: string[];
  grant_types: string[];
  redirect_uris: string[];
  /** private_key_jwt: its public keys, or where it fetches them (one of the two). */
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
  secrets: { id: string; created_at: string; expires_at: string | null; active: boolean }[];
}

/** The registration's own fields as the audit log and the CLI name them (no grants: they are audited as their own changes; no secrets). */
export function registrationFields(client: ClientEntity) {
  return {
    owned_audiences: client.ownedAudiences,
    grant_types: client.grantTypes,
    redirect_uris: client.redirectUris,
    ...keyMaterialFields(client),
  };
}

export function summarize(client: ClientEntity, now: Date): ClientSummary {
  return {
    client_id: client.clientId,
    name: client.name,
    enabled: client.enabled,
    token_endpoint_auth_method: client.authMethod,
    grants: (client.grants ?? []).sort((a, b) => a.resourceUri.localeCompare(b.resourceUri)).map(grantView),
    ...registrationFields(client),
    secrets: (client.secrets ?? [])
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((secret) => ({ id: secret.id, created_at: secret.createdAt.toISOString(), expires_at: secret.expiresAt?.toISOString() ?? null, active: isSecretActive(secret, now) })),
  };
}

/** Reads clients for operators (CLI, admin API) and discovery: never the hot path (that is ClientRegistry). */
@Injectable()
export class ClientViews {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async show(clientId: string): Promise<ClientSummary> {
    const client = await this.dataSource.getRepository(ClientEntity).findOne({ where: { clientId }, relations: { secrets: true, grants: true } });
    if (!client) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
    return summarize(client, new Date());
  }

  async list(): Promise<ClientSummary[]> {
    const clients = await this.dataSource.getRepository(ClientEntity).find({ relations: { secrets: true, grants: true }, order: { clientId: 'ASC' } });
    const now = new Date();
    return clients.map((client) => summarize(client, now));
  }

  /** Every scope some enabled client is granted somewhere (RFC 8414 `scopes_supported`). */
  async knownScopes(): Promise<string[]> {
    const rows: { scope: string }[] = await this.dataSource.query(
      'SELECT DISTINCT unnest(g.scopes) AS scope FROM client_grants g JOIN clients c USING (client_id) WHERE c.enabled ORDER BY 1',
    );
    return rows.map((row) => row.scope);
  }
}
