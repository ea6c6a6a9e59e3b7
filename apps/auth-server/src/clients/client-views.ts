import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiProperty, ApiPropertyOptional } from '@app/platform';
import type { JWK } from 'jose';
import { DataSource } from 'typeorm';
import { GRANT_KINDS, GrantKind } from './client-grant.entity';
import { ClientGrantView, grantView } from './client-grants.service';
import { keyMaterialFields } from './client-keys';
import { ClientRegistrationError } from './client-registration.policy';
import { isSecretActive } from './client-secret.entity';
import { CLIENT_AUTH_METHODS, ClientEntity, TokenEndpointAuthMethod } from './client.entity';

/** One grant as shown (ClientGrantView), documented for the admin API. */
export class ClientGrantSummary implements ClientGrantView {
  @ApiProperty({ description: "the resource's audience URI" })
  resource!: string;

  @ApiProperty({ enum: GRANT_KINDS, description: 'direct: tokens for itself or from a user\'s login; delegation: on behalf of users, by token exchange (RFC 8693)' })
  kind!: GrantKind;

  @ApiProperty({ type: [String], description: 'the scopes it may get there' })
  scopes!: string[];

  @ApiProperty({ type: [String], description: 'granted when a request names none' })
  default_scopes!: string[];
}

export class ClientSecretSummary {
  @ApiProperty()
  id!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  expires_at!: string | null;

  @ApiProperty()
  active!: boolean;
}

/**
 * A client as `clients show --json`, the admin API and the audit log show it (secret ids and dates
 * only): declared once, its OpenAPI schema generated from this class.
 */
export class ClientSummary {
  @ApiProperty()
  client_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ enum: [...CLIENT_AUTH_METHODS, 'none'] })
  token_endpoint_auth_method!: TokenEndpointAuthMethod;

  @ApiProperty({ type: [ClientGrantSummary], description: 'what it may get at each resource (API)' })
  grants!: ClientGrantView[];

  @ApiProperty({ type: [String], description: 'audiences it owns as a resource server (it may introspect their tokens)' })
  owned_audiences!: string[];

  @ApiProperty({ type: [String], description: 'grant types it may use' })
  grant_types!: string[];

  @ApiProperty({ type: [String], description: 'authorization_code redirect URIs' })
  redirect_uris!: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'private_key_jwt: the public keys it is trusted with' })
  jwks?: { keys: JWK[] };

  @ApiPropertyOptional({ description: 'private_key_jwt: where its public keys are fetched from' })
  jwks_uri?: string;

  @ApiPropertyOptional({ description: 'federated_jwt: the trusted issuer of its workload tokens' })
  federated_issuer?: string;

  @ApiPropertyOptional({ description: 'federated_jwt: the exact sub of its workload tokens' })
  federated_subject?: string;

  @ApiProperty({ type: [ClientSecretSummary] })
  secrets!: ClientSecretSummary[];
}

/** The answer to a creation: a confidential client's secret, shown this once. */
export class CreatedClientSummary extends ClientSummary {
  @ApiPropertyOptional({ description: 'shown once: only its hash is stored' })
  client_secret?: string;

  @ApiPropertyOptional()
  secret_id?: string;
}

/** A newly issued secret (rotation), shown this once. */
export class IssuedSecretSummary {
  @ApiProperty()
  client_id!: string;

  @ApiProperty()
  secret_id!: string;

  @ApiProperty({ description: 'shown once: only its hash is stored' })
  client_secret!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  expires_at!: string | null;
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

/**
 * Plain code-unit order: the same on every machine, whatever its locale, and it keeps ICU's collation
 * data out of the auth-server (`localeCompare` mapped 1.5 MB of it on first use, Node 24; issue 28).
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function summarize(client: ClientEntity, now: Date): ClientSummary {
  return {
    client_id: client.clientId,
    name: client.name,
    enabled: client.enabled,
    token_endpoint_auth_method: client.authMethod,
    grants: [...(client.grants ?? [])].sort((a, b) => byCodeUnits(a.resourceUri, b.resourceUri) || byCodeUnits(a.kind, b.kind)).map(grantView),
    ...registrationFields(client),
    secrets: [...(client.secrets ?? [])]
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
