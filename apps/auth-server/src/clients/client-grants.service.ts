import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { ResourceEntity } from '../resources/resource.entity';
import { ClientRegistry } from './client-registry';
import { ClientGrantEntity } from './client-grant.entity';
import { ClientEntity } from './client.entity';

export interface ClientGrantInput {
  /** The resource's audience URI. */
  resource: string;
  scopes: string[];
  /** Granted when a request names no scope; a subset of `scopes`. Default: all of them. */
  defaultScopes?: string[];
}

export interface ClientGrantView {
  resource: string;
  scopes: string[];
  default_scopes: string[];
}

/** Per-resource client grants: "client X may get scopes S at API A" (ClientGrantEntity). */
@Injectable()
export class ClientGrantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ClientRegistry,
    private readonly audit: AuditLog,
  ) {}

  /** Grants (or replaces the grant of) scopes at one resource. Every scope must be one the resource defines. */
  async grant(clientId: string, input: ClientGrantInput, actor: AuditActor): Promise<ClientGrantView> {
    const view = await this.dataSource.transaction(async (manager) => {
      await this.requireClient(manager, clientId);
      const resource = await manager.findOne(ResourceEntity, { where: { uri: input.resource } });
      if (!resource) throw new RegistrationError(`no resource "${input.resource}"`, 'not_found');
      const scopes = [...new Set(input.scopes)];
      if (!scopes.length) throw new RegistrationError('a grant needs at least one scope');
      const undefinedThere = scopes.filter((scope) => !resource.scopes.includes(scope));
      if (undefinedThere.length) throw new RegistrationError(`scopes not defined by ${resource.uri}: ${undefinedThere.join(' ')}`);
      const defaultScopes = [...new Set(input.defaultScopes ?? scopes)];
      const notGranted = defaultScopes.filter((scope) => !scopes.includes(scope));
      if (notGranted.length) throw new RegistrationError(`default scopes must be among the granted ones: ${notGranted.join(' ')}`);
      await manager.upsert(ClientGrantEntity, { clientId, resourceUri: resource.uri, scopes, defaultScopes }, ['clientId', 'resourceUri']);
      return { resource: resource.uri, scopes, default_scopes: defaultScopes };
    });
    this.registry.invalidate(clientId);
    this.audit.record({ action: 'client.grant', target: { type: 'client', id: clientId }, actor, changes: { ...view } });
    return view;
  }

  /** Withdraws the client's grant at one resource. */
  async revoke(clientId: string, resource: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.requireClient(manager, clientId);
      const result = await manager.delete(ClientGrantEntity, { clientId, resourceUri: resource });
      if (!result.affected) throw new RegistrationError(`client "${clientId}" has no grant at ${resource}`, 'not_found');
    });
    this.registry.invalidate(clientId);
    this.audit.record({ action: 'client.revoke-grant', target: { type: 'client', id: clientId }, actor, changes: { resource } });
  }

  async list(clientId: string): Promise<ClientGrantView[]> {
    const grants = await this.dataSource.getRepository(ClientGrantEntity).find({ where: { clientId }, order: { resourceUri: 'ASC' } });
    return grants.map(grantView);
  }

  private async requireClient(manager: EntityManager, clientId: string): Promise<void> {
    if (!(await manager.exists(ClientEntity, { where: { clientId } }))) throw new RegistrationError(`no client "${clientId}"`, 'not_found');
  }
}

export function grantView(grant: ClientGrantEntity): ClientGrantView {
  return { resource: grant.resourceUri, scopes: grant.scopes, default_scopes: grant.defaultScopes };
}

/**
 * Transitional (issue 27, until the registration surface speaks grants): the grants a client's flat
 * lists mean, as the ClientGrants migration derives them. Replaces the client's grants.
 */
export async function deriveGrantsFromFlatLists(manager: EntityManager, client: ClientEntity): Promise<void> {
  await manager.delete(ClientGrantEntity, { clientId: client.clientId });
  if (!client.allowedAudiences.length) return;
  const resources = await manager.getRepository(ResourceEntity).findBy(client.allowedAudiences.map((uri) => ({ uri })));
  for (const resource of resources) {
    const scopes = client.allowedScopes.filter((scope) => resource.scopes.includes(scope));
    if (!scopes.length) continue;
    await manager.insert(ClientGrantEntity, {
      clientId: client.clientId,
      resourceUri: resource.uri,
      scopes,
      defaultScopes: client.defaultScopes.filter((scope) => scopes.includes(scope)),
    });
  }
}
