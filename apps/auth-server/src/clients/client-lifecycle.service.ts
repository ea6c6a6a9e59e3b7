import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JSONWebKeySet } from 'jose';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor } from '../audit/audit-log';
import { authServerConfig } from '../config/auth-server.config';
import { ClientEvents } from './client-changed.event';
import { ClientGrantInput, ClientGrantsService } from './client-grants.service';
import { isStorableText } from '@app/database';
import { TrustedIssuerEntity } from '../trusted-issuers/trusted-issuer.entity';
import { checkClientRegistration, ClientRegistrationError, defaultGrantTypes, federatedSubjectProblem, RegistrationRules } from './client-registration.policy';
import { ClientSecretsService, IssuedSecret } from './client-secrets.service';
import { ClientSummary, ClientViews, registrationFields } from './client-views';
import { ClientEntity, GrantType, TokenEndpointAuthMethod } from './client.entity';

export interface CreateClientInput {
  clientId: string;
  name?: string;
  /** What it may get at each resource (API). None: it gets no token until granted some (`clients grant`). */
  grants?: ClientGrantInput[];
  authMethod?: TokenEndpointAuthMethod;
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  /** federated_jwt: the trusted issuer and the exact `sub` of its tokens. */
  federatedIssuer?: string;
  federatedSubject?: string;
  /** Default: client_credentials (confidential), authorization_code + refresh_token (public). */
  grantTypes?: GrantType[];
  /** For authorization_code clients. */
  redirectUris?: string[];
  /** Audiences this client owns as a resource server (it may introspect their tokens). */
  ownedAudiences?: string[];
  /** Use this secret instead of generating one (demo seeding from the environment, `--secret-stdin`). */
  secret?: string;
}

/** What `update` may change; each given list replaces the current one. Grants change through ClientGrantsService. */
export interface ClientPatch {
  name?: string;
  ownedAudiences?: string[];
  redirectUris?: string[];
  grantTypes?: GrantType[];
}

/**
 * A client's life: create, update, enable/disable, delete. Rules are the registration policy's; the
 * first secret is the secrets service's, the grants the grants service's. Every change is one
 * `client.changed` event (audit log and registry cache subscribe).
 */
@Injectable()
export class ClientLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: ClientSecretsService,
    private readonly grants: ClientGrantsService,
    private readonly views: ClientViews,
    private readonly events: ClientEvents,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async create(input: CreateClientInput, actor: AuditActor): Promise<{ client: ClientEntity; secret?: IssuedSecret }> {
    const authMethod = input.authMethod ?? 'client_secret_basic';
    const grantTypes = unique(input.grantTypes ?? defaultGrantTypes(authMethod));
    checkClientRegistration(
      { ...input, authMethod, grantTypes, redirectUris: input.redirectUris ?? [], ownedAudiences: input.ownedAudiences ?? [] },
      this.rules({ newJwksUri: true }),
    );
    const created = await this.dataSource.transaction(async (manager) => {
      // Concurrent creators of one id: the loser waits here, then sees the winner's row.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`client:${input.clientId}`]);
      if (await manager.exists(ClientEntity, { where: { clientId: input.clientId } })) {
        throw new ClientRegistrationError(`client "${input.clientId}" already exists`, 'conflict');
      }
      if (input.federatedIssuer !== undefined) await checkFederatedBinding(manager, input.federatedIssuer, input.federatedSubject!);
      // Tokens carrying this id from before this instant belong to a deleted namesake: they stay dead.
      // Whole seconds, as `iat` has (see delete(), which lets the second of the deletion pass).
      const [{ created_at: createdAt }]: { created_at: Date }[] = await manager.query(`SELECT date_trunc('second', now()) AS created_at`);
      const client = manager.create(ClientEntity, {
        clientId: input.clientId,
        name: input.name ?? input.clientId,
        grantTypes,
        redirectUris: unique(input.redirectUris ?? []),
        ownedAudiences: unique(input.ownedAudiences ?? []),
        tokensRevokedBefore: createdAt,
        authMethod,
        jwks: input.jwks ?? null,
        jwksUri: input.jwksUri ?? null,
        federatedIssuer: input.federatedIssuer ?? null,
        federatedSubject: input.federatedSubject ?? null,
        enabled: true,
      });
      await manager.save(client);
      const grants = await this.grants.write(manager, client.clientId, input.grants ?? []);
      if (authMethod === 'private_key_jwt' || authMethod === 'federated_jwt' || authMethod === 'none') return { client, grants };
      return { client, grants, secret: await this.secrets.issue(manager, client.clientId, { given: input.secret }) };
    });
    const { client, grants, secret } = created;
    this.events.changed({
      action: 'client.create',
      clientId: client.clientId,
      actor,
      changes: {
        name: client.name,
        token_endpoint_auth_method: client.authMethod,
        grants,
        ...registrationFields(client),
        ...(secret ? { secret_id: secret.secretId } : {}),
      },
    });
    return { client, secret };
  }

  /**
   * Replaces the given lists (and name); the resulting client must be valid as a new one would be.
   * Tokens already issued keep what they were issued with until they expire.
   */
  async update(clientId: string, patch: ClientPatch, actor: AuditActor): Promise<ClientSummary> {
    const changes = await this.dataSource.transaction(async (manager) => {
      const client = await lockedClient(manager, clientId);
      const before = { name: client.name, ...registrationFields(client) };
      const next = {
        name: patch.name ?? client.name,
        ownedAudiences: patch.ownedAudiences ? unique(patch.ownedAudiences) : client.ownedAudiences,
        redirectUris: patch.redirectUris ? unique(patch.redirectUris) : client.redirectUris,
        grantTypes: patch.grantTypes ? unique(patch.grantTypes) : (client.grantTypes as GrantType[]),
      };
      checkClientRegistration(
        {
          clientId,
          ...next,
          authMethod: client.authMethod,
          jwks: client.jwks ?? undefined,
          jwksUri: client.jwksUri ?? undefined,
          federatedIssuer: client.federatedIssuer ?? undefined,
          federatedSubject: client.federatedSubject ?? undefined,
        },
        this.rules({ newJwksUri: false }),
      );
      Object.assign(client, next);
      const after: Record<string, unknown> = { name: client.name, ...registrationFields(client) };
      const changed = Object.fromEntries(
        Object.entries(after).filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(before[field as keyof typeof before])),
      );
      if (Object.keys(changed).length) await manager.save(client);
      return changed;
    });
    if (Object.keys(changes).length) this.events.changed({ action: 'client.update', clientId, actor, changes });
    return this.views.show(clientId);
  }

  /**
   * Removes the client with its secrets, grants, codes and refresh tokens (foreign keys cascade). Its
   * access tokens introspect inactive from now on (their client is unknown), and a client registered
   * later under the same id does not revive them: create() revokes everything issued before its own
   * second, and this waits out the current second so that second is a later one than any token of
   * this client. Other replicas drop the client within CLIENT_CACHE_TTL_MS, as for any registration change.
   */
  async delete(clientId: string, actor: AuditActor): Promise<void> {
    const result = await this.dataSource.getRepository(ClientEntity).delete({ clientId });
    if (!result.affected) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
    this.events.changed({ action: 'client.delete', clientId, actor });
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  }

  /**
   * Disabling also revokes every token the client holds (tokens_revoked_before = now), so enabling it
   * again does not bring back tokens that may have leaked meanwhile. Other replicas see the change
   * through their registry cache within CLIENT_CACHE_TTL_MS; no row is written per token.
   */
  async setEnabled(clientId: string, enabled: boolean, actor: AuditActor): Promise<void> {
    const result = await this.dataSource
      .getRepository(ClientEntity)
      .update({ clientId }, enabled ? { enabled } : { enabled, tokensRevokedBefore: () => 'now()' });
    if (!result.affected) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
    this.events.changed({ action: enabled ? 'client.enable' : 'client.disable', clientId, actor, changes: { enabled } });
  }

  /** Adds an owned audience to an existing client (idempotent): demo seeding of databases made before ownership existed. */
  async addOwnedAudience(clientId: string, audience: string, actor: AuditActor): Promise<void> {
    await this.appendToList(clientId, 'owned_audiences', audience, actor);
  }

  /** Adds a redirect URI to an existing client (idempotent): demo seeding under another ISSUER. */
  async addRedirectUri(clientId: string, redirectUri: string, actor: AuditActor): Promise<void> {
    await this.appendToList(clientId, 'redirect_uris', redirectUri, actor);
  }

  private async appendToList(clientId: string, column: 'owned_audiences' | 'redirect_uris', value: string, actor: AuditActor): Promise<void> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [{ values: string[] }[], number] = await this.dataSource.query(
      `UPDATE clients SET ${column} = array_append(${column}, $2) WHERE client_id = $1 AND NOT ($2 = ANY(${column})) RETURNING ${column} AS values`,
      [clientId, value],
    );
    if (rows.length) this.events.changed({ action: 'client.update', clientId, actor, changes: { [column]: rows[0]!.values } });
  }

  private rules({ newJwksUri }: { newJwksUri: boolean }): RegistrationRules {
    return {
      production: this.config.production,
      // Only a new jwks_uri: update() re-checks the stored client, which cannot change its jwks_uri.
      jwksUri: newJwksUri ? { production: this.config.production, allowPrivateNetworks: this.config.clientJwksAllowPrivateNetworks } : undefined,
    };
  }
}

/** The issuer must be trusted (the foreign key would refuse it less clearly), and able to issue that subject. */
async function checkFederatedBinding(manager: EntityManager, issuer: string, subject: string): Promise<void> {
  const trusted = isStorableText(issuer) ? await manager.findOne(TrustedIssuerEntity, { where: { issuer }, select: { issuer: true, kind: true } }) : null;
  if (!trusted) throw new ClientRegistrationError(`federated_issuer: no trusted issuer "${issuer}" (trusted-issuers create first)`);
  const problem = federatedSubjectProblem(trusted.kind, subject);
  if (problem) throw new ClientRegistrationError(`federated_subject ${problem}`);
}

async function lockedClient(manager: EntityManager, clientId: string): Promise<ClientEntity> {
  const client = await manager.findOne(ClientEntity, { where: { clientId }, lock: { mode: 'pessimistic_write' } });
  if (!client) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
  return client;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
