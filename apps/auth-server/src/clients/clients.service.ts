import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { authServerConfig } from '../config/auth-server.config';
import { DISPLAY_NAME, SCOPE_TOKEN } from '../oauth-syntax';
import { keyMaterialFields } from './client-keys';
import { deriveGrantsFromFlatLists } from './client-grants.service';
import { ClientRegistry } from './client-registry';
import { ClientSecretHasher } from './client-secret.hasher';
import { ClientSecretEntity, isSecretActive } from './client-secret.entity';
import { jwksUriProblem } from './jwks-uri-policy';
import { redirectUriProblem } from './redirect-uri-policy';
import { CLIENT_AUTH_METHODS, TokenEndpointAuthMethod, ClientEntity, GRANT_TYPES, GrantType } from './client.entity';

export const MAX_ACTIVE_SECRETS = 2;
const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/** Kept under its old name: clients' registration errors are the registry's (see RegistrationError). */
export class ClientRegistrationError extends RegistrationError {}

export interface CreateClientInput {
  clientId: string;
  name?: string;
  scopes: string[];
  defaultScopes?: string[];
  audiences?: string[];
  authMethod?: TokenEndpointAuthMethod;
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  /** Default: client_credentials (confidential), authorization_code + refresh_token (public). */
  grantTypes?: GrantType[];
  /** For authorization_code clients. */
  redirectUris?: string[];
  /** Audiences this client owns as a resource server (it may introspect their tokens). */
  ownedAudiences?: string[];
  /** Use this secret instead of generating one (demo seeding from the environment). */
  secret?: string;
}

/** What `update` may change; each given list replaces the current one. */
export interface ClientPatch {
  name?: string;
  scopes?: string[];
  defaultScopes?: string[];
  audiences?: string[];
  ownedAudiences?: string[];
  redirectUris?: string[];
  grantTypes?: GrantType[];
}

export interface IssuedSecret {
  clientId: string;
  secretId: string;
  /** Shown once; only its hash is stored. */
  secret: string;
  expiresAt: Date | null;
}

export interface ClientSummary {
  client_id: string;
  name: string;
  enabled: boolean;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  scopes: string[];
  default_scopes: string[];
  audiences: string[];
  owned_audiences: string[];
  grant_types: string[];
  redirect_uris: string[];
  /** private_key_jwt: its public keys, or where it fetches them (one of the two). */
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
  secrets: { id: string; created_at: string; expires_at: string | null; active: boolean }[];
}

/** Registration and lifecycle of clients: the operator's side (CLI, seeding). */
@Injectable()
export class ClientsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: ClientSecretHasher,
    private readonly registry: ClientRegistry,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
    private readonly audit: AuditLog,
  ) {}

  async create(input: CreateClientInput, actor: AuditActor): Promise<{ client: ClientEntity; secret?: IssuedSecret }> {
    const authMethod = input.authMethod ?? 'client_secret_basic';
    this.validate(input, authMethod);
    // Here, not in validate(): update() re-validates the stored client and cannot change its jwks_uri.
    const jwksUriRefusal = input.jwksUri === undefined ? undefined : jwksUriProblem(input.jwksUri, {
      production: this.config.production,
      allowPrivateNetworks: this.config.clientJwksAllowPrivateNetworks,
    });
    if (jwksUriRefusal) throw new ClientRegistrationError(`--jwks-uri / jwks_uri ${jwksUriRefusal}`);
    const created = await this.dataSource.transaction(async (manager) => {
      // Concurrent creators of one id: the loser waits here, then sees the winner's row.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`client:${input.clientId}`]);
      if (await manager.exists(ClientEntity, { where: { clientId: input.clientId } })) {
        throw new ClientRegistrationError(`client "${input.clientId}" already exists`, 'conflict');
      }
      // Tokens carrying this id from before this instant belong to a deleted namesake: they stay dead.
      // Whole seconds, as `iat` has (see delete(), which lets the second of the deletion pass).
      const [{ created_at: createdAt }]: { created_at: Date }[] = await manager.query(
        `SELECT date_trunc('second', now()) AS created_at`,
      );
      const client = manager.create(ClientEntity, {
        clientId: input.clientId,
        name: input.name ?? input.clientId,
        allowedScopes: unique(input.scopes),
        defaultScopes: unique(input.defaultScopes ?? input.scopes),
        allowedAudiences: unique(input.audiences?.length ? input.audiences : [this.config.defaultAudience]),
        grantTypes: unique(input.grantTypes ?? defaultGrantTypes(authMethod)),
        redirectUris: unique(input.redirectUris ?? []),
        ownedAudiences: unique(input.ownedAudiences ?? []),
        tokensRevokedBefore: createdAt,
        authMethod,
        jwks: input.jwks ?? null,
        jwksUri: input.jwksUri ?? null,
        enabled: true,
      });
      await manager.save(client);
      await deriveGrantsFromFlatLists(manager, client);
      if (authMethod === 'private_key_jwt' || authMethod === 'none') return { client };
      const secret = input.secret ?? this.hasher.generate();
      const row = await manager.save(
        manager.create(ClientSecretEntity, {
          id: randomUUID(),
          clientId: client.clientId,
          secretHash: this.hasher.hash(secret),
          expiresAt: null,
          revokedAt: null,
        }),
      );
      return { client, secret: { clientId: client.clientId, secretId: row.id, secret, expiresAt: null } };
    });
    // The id may be remembered as unknown (the registry's negative cache): it exists now.
    this.registry.invalidate(input.clientId);
    const client = created.client;
    this.audit.record({
      action: 'client.create',
      target: { type: 'client', id: client.clientId },
      actor,
      changes: {
        name: client.name,
        token_endpoint_auth_method: client.authMethod,
        ...registrationFields(client),
        ...(created.secret ? { secret_id: created.secret.secretId } : {}),
      },
    });
    return created;
  }

  async show(clientId: string): Promise<ClientSummary> {
    const client = await this.dataSource.getRepository(ClientEntity).findOne({ where: { clientId }, relations: { secrets: true } });
    if (!client) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
    return summarize(client, new Date());
  }

  /**
   * Replaces the given lists (and name); the resulting client must be valid as a new one would be.
   * Narrowing `scopes` without `defaultScopes` drops the removed scopes from the defaults too.
   * Tokens already issued keep what they were issued with until they expire.
   */
  async update(clientId: string, patch: ClientPatch, actor: AuditActor): Promise<ClientSummary> {
    const changes = await this.dataSource.transaction(async (manager) => {
      const client = await this.lockedClient(manager, clientId);
      const scopes = patch.scopes ? unique(patch.scopes) : client.allowedScopes;
      const next = {
        name: patch.name ?? client.name,
        scopes,
        defaultScopes: patch.defaultScopes ? unique(patch.defaultScopes) : client.defaultScopes.filter((scope) => scopes.includes(scope)),
        audiences: patch.audiences ? unique(patch.audiences) : client.allowedAudiences,
        ownedAudiences: patch.ownedAudiences ? unique(patch.ownedAudiences) : client.ownedAudiences,
        redirectUris: patch.redirectUris ? unique(patch.redirectUris) : client.redirectUris,
        grantTypes: patch.grantTypes ? unique(patch.grantTypes) : (client.grantTypes as GrantType[]),
      };
      if (!next.audiences.length) throw new ClientRegistrationError('a client needs at least one audience');
      this.validate(
        { clientId, ...next, jwks: client.jwks ?? undefined, jwksUri: client.jwksUri ?? undefined },
        client.authMethod,
      );
      const before = { name: client.name, ...registrationFields(client) };
      Object.assign(client, {
        name: next.name,
        allowedScopes: next.scopes,
        defaultScopes: next.defaultScopes,
        allowedAudiences: next.audiences,
        ownedAudiences: next.ownedAudiences,
        redirectUris: next.redirectUris,
        grantTypes: next.grantTypes,
      });
      const after: Record<string, unknown> = { name: client.name, ...registrationFields(client) };
      const changed = Object.fromEntries(
        Object.entries(after).filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(before[field as keyof typeof before])),
      );
      if (Object.keys(changed).length) {
        await manager.save(client);
        await deriveGrantsFromFlatLists(manager, client);
      }
      return changed;
    });
    this.registry.invalidate(clientId);
    if (Object.keys(changes).length) this.audit.record({ action: 'client.update', target: { type: 'client', id: clientId }, actor, changes });
    return this.show(clientId);
  }

  /**
   * Removes the client with its secrets, codes and refresh tokens (foreign keys cascade). Its access
   * tokens introspect inactive from now on (their client is unknown), and a client registered later
   * under the same id does not revive them: create() revokes everything issued before its own second,
   * and this waits out the current second so that second is a later one than any token of this client.
   * Other replicas drop the client within CLIENT_CACHE_TTL_MS, as for any registration change.
   */
  async delete(clientId: string, actor: AuditActor): Promise<void> {
    const result = await this.dataSource.getRepository(ClientEntity).delete({ clientId });
    if (!result.affected) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
    this.registry.invalidate(clientId);
    this.audit.record({ action: 'client.delete', target: { type: 'client', id: clientId }, actor });
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  }

  /**
   * Adds a new secret next to the current one (both work), so callers can switch over before the old
   * one is revoked. Refused when two secrets are already active: revoke one first.
   */
  async rotateSecret(clientId: string, options: { expiresInSeconds?: number }, actor: AuditActor): Promise<IssuedSecret> {
    const issued = await this.dataSource.transaction(async (manager) => {
      const client = await manager.findOne(ClientEntity, {
        where: { clientId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!client) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
      if (client.authMethod === 'private_key_jwt') {
        throw new ClientRegistrationError(`client "${clientId}" authenticates with private_key_jwt and has no secrets`);
      }
      if (client.authMethod === 'none') {
        throw new ClientRegistrationError(`client "${clientId}" is a public client (token_endpoint_auth_method none) and has no secrets`);
      }
      const now = new Date();
      const current = await manager.find(ClientSecretEntity, { where: { clientId, revokedAt: IsNull() } });
      if (current.filter((secret) => isSecretActive(secret, now)).length >= MAX_ACTIVE_SECRETS) {
        throw new ClientRegistrationError(
          `client "${clientId}" already has ${MAX_ACTIVE_SECRETS} active secrets: revoke one first (clients revoke-secret)`,
        );
      }
      const secret = this.hasher.generate();
      const expiresAt = options.expiresInSeconds ? new Date(now.getTime() + options.expiresInSeconds * 1000) : null;
      const row = await manager.save(
        manager.create(ClientSecretEntity, {
          id: randomUUID(),
          clientId,
          secretHash: this.hasher.hash(secret),
          expiresAt,
          revokedAt: null,
        }),
      );
      return { clientId, secretId: row.id, secret, expiresAt };
    });
    this.registry.invalidate(clientId);
    this.audit.record({
      action: 'client-secret.rotate',
      target: { type: 'client-secret', id: issued.secretId },
      actor,
      changes: { client_id: clientId, expires_at: issued.expiresAt?.toISOString() ?? null },
    });
    return issued;
  }

  async revokeSecret(clientId: string, secretId: string, actor: AuditActor): Promise<void> {
    const result = await this.dataSource
      .getRepository(ClientSecretEntity)
      .update({ id: secretId, clientId, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new ClientRegistrationError(`no active secret "${secretId}" for client "${clientId}"`, 'not_found');
    this.registry.invalidate(clientId);
    this.audit.record({ action: 'client-secret.revoke', target: { type: 'client-secret', id: secretId }, actor, changes: { client_id: clientId } });
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
    this.registry.invalidate(clientId);
    this.audit.record({ action: enabled ? 'client.enable' : 'client.disable', target: { type: 'client', id: clientId }, actor, changes: { enabled } });
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
    this.registry.invalidate(clientId);
    if (rows.length) this.audit.record({ action: 'client.update', target: { type: 'client', id: clientId }, actor, changes: { [column]: rows[0]!.values } });
  }

  async list(): Promise<ClientSummary[]> {
    const clients = await this.dataSource
      .getRepository(ClientEntity)
      .find({ relations: { secrets: true }, order: { clientId: 'ASC' } });
    const now = new Date();
    return clients.map((client) => summarize(client, now));
  }

  /** Every scope some client may request (RFC 8414 `scopes_supported`). */
  async knownScopes(): Promise<string[]> {
    const rows: { scope: string }[] = await this.dataSource.query(
      'SELECT DISTINCT unnest(allowed_scopes) AS scope FROM clients WHERE enabled ORDER BY 1',
    );
    return rows.map((row) => row.scope);
  }

  private async lockedClient(manager: EntityManager, clientId: string): Promise<ClientEntity> {
    const client = await manager.findOne(ClientEntity, { where: { clientId }, lock: { mode: 'pessimistic_write' } });
    if (!client) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
    return client;
  }

  private validate(input: CreateClientInput, authMethod: TokenEndpointAuthMethod): void {
    if (!CLIENT_ID_PATTERN.test(input.clientId)) {
      throw new ClientRegistrationError('client id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -');
    }
    if (input.name !== undefined && !DISPLAY_NAME.test(input.name)) {
      throw new ClientRegistrationError('a client name must be 1-200 printable characters, without bidi controls');
    }
    if (authMethod !== 'none' && !CLIENT_AUTH_METHODS.includes(authMethod)) {
      throw new ClientRegistrationError(`auth method must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    }
    const grantTypes = input.grantTypes ?? defaultGrantTypes(authMethod);
    const unknownGrant = grantTypes.find((grant) => !GRANT_TYPES.includes(grant));
    if (unknownGrant) throw new ClientRegistrationError(`unknown grant type "${unknownGrant}"`);
    if (authMethod === 'none' && grantTypes.includes('client_credentials')) {
      throw new ClientRegistrationError('a public client (no secret) cannot use client_credentials');
    }
    if (grantTypes.includes('authorization_code') && !input.redirectUris?.length) {
      throw new ClientRegistrationError('authorization_code clients need at least one redirect URI');
    }
    for (const uri of input.redirectUris ?? []) {
      const problem = redirectUriProblem(uri, this.config);
      if (problem) throw new ClientRegistrationError(`redirect URI ${JSON.stringify(uri)} ${problem}`);
    }
    for (const scope of [...input.scopes, ...(input.defaultScopes ?? [])]) {
      if (!SCOPE_TOKEN.test(scope)) throw new ClientRegistrationError(`"${scope}" is not a valid scope token`);
    }
    const outside = (input.defaultScopes ?? []).filter((scope) => !input.scopes.includes(scope));
    if (outside.length) throw new ClientRegistrationError(`default scopes not in allowed scopes: ${outside.join(' ')}`);
    for (const audience of [...(input.audiences ?? []), ...(input.ownedAudiences ?? [])]) {
      if (!audience || /\s/.test(audience)) throw new ClientRegistrationError(`"${audience}" is not a valid audience`);
    }
    if (authMethod === 'none' && input.ownedAudiences?.length) {
      throw new ClientRegistrationError('a public client (no secret) cannot own an audience: introspection needs a confidential client');
    }
    if (authMethod === 'private_key_jwt') {
      if (!input.jwks === !input.jwksUri) {
        throw new ClientRegistrationError('private_key_jwt needs exactly one of --jwks-file or --jwks-uri');
      }
      if (input.jwks && (!Array.isArray(input.jwks.keys) || input.jwks.keys.length === 0)) {
        throw new ClientRegistrationError('the JWKS must hold at least one key');
      }
      if (input.jwks?.keys.some((key) => 'd' in key)) {
        throw new ClientRegistrationError('the JWKS holds a private key: register public keys only');
      }
      if (input.jwksUri && !/^https?:\/\//.test(input.jwksUri)) {
        throw new ClientRegistrationError('--jwks-uri must be an http(s) URL');
      }
      if (input.secret) throw new ClientRegistrationError('private_key_jwt clients have no secret');
    } else if (input.jwks || input.jwksUri) {
      throw new ClientRegistrationError('--jwks-file / --jwks-uri only apply to private_key_jwt clients');
    }
  }
}

/** The registration as the audit log, ClientSummary and the CLI name it (no secrets). */
export function registrationFields(client: ClientEntity) {
  return {
    scopes: client.allowedScopes,
    default_scopes: client.defaultScopes,
    audiences: client.allowedAudiences,
    owned_audiences: client.ownedAudiences,
    grant_types: client.grantTypes,
    redirect_uris: client.redirectUris,
    ...keyMaterialFields(client),
  };
}

function summarize(client: ClientEntity, now: Date): ClientSummary {
  const fields = registrationFields(client);
  return {
    client_id: client.clientId,
    name: client.name,
    enabled: client.enabled,
    token_endpoint_auth_method: client.authMethod,
    scopes: fields.scopes,
    default_scopes: fields.default_scopes,
    audiences: fields.audiences,
    owned_audiences: fields.owned_audiences,
    grant_types: fields.grant_types,
    redirect_uris: fields.redirect_uris,
    ...keyMaterialFields(client),
    secrets: (client.secrets ?? [])
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((secret) => ({
        id: secret.id,
        created_at: secret.createdAt.toISOString(),
        expires_at: secret.expiresAt?.toISOString() ?? null,
        active: isSecretActive(secret, now),
      })),
  };
}

function defaultGrantTypes(authMethod: TokenEndpointAuthMethod): GrantType[] {
  return authMethod === 'none' ? ['authorization_code', 'refresh_token'] : ['client_credentials'];
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
