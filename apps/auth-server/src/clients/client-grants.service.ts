import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor } from '../audit/audit-log';
import { ResourceEntity } from '../resources/resource.entity';
import { ClientEvents } from './client-changed.event';
import { ClientGrantEntity } from './client-grant.entity';
import { checkGrant, ClientRegistrationError } from './client-registration.policy';
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
    private readonly events: ClientEvents,
  ) {}

  /** Grants (or replaces the grant of) scopes at one resource. Every scope must be one the resource defines. */
  async grant(clientId: string, input: ClientGrantInput, actor: AuditActor): Promise<ClientGrantView> {
    const [view] = await this.dataSource.transaction(async (manager) => {
      await requireClient(manager, clientId);
      return this.write(manager, clientId, [input]);
    });
    this.events.changed({ action: 'client.grant', clientId, actor, changes: { ...view } });
    return view!;
  }

  /** Withdraws the client's grant at one resource. */
  async revoke(clientId: string, resource: string, actor: AuditActor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await requireClient(manager, clientId);
      const result = await manager.delete(ClientGrantEntity, { clientId, resourceUri: resource });
      if (!result.affected) throw new ClientRegistrationError(`client "${clientId}" has no grant at ${resource}`, 'not_found');
    });
    this.events.changed({ action: 'client.revoke-grant', clientId, actor, changes: { resource } });
  }

  async list(clientId: string): Promise<ClientGrantView[]> {
    await requireClient(this.dataSource.manager, clientId);
    const grants = await this.dataSource.getRepository(ClientGrantEntity).find({ where: { clientId }, order: { resourceUri: 'ASC' } });
    return grants.map(grantView);
  }

  /**
   * Writes grants inside the caller's transaction (create() writes a new client's with it). Each names
   * a registered resource and scopes it defines; one resource may appear once.
   */
  async write(manager: EntityManager, clientId: string, inputs: ClientGrantInput[]): Promise<ClientGrantView[]> {
    const named = inputs.map((input) => input.resource);
    const repeated = named.find((uri, index) => named.indexOf(uri) !== index);
    if (repeated !== undefined) throw new ClientRegistrationError(`grants: ${repeated} is named twice (one grant per resource)`);
    const views: ClientGrantView[] = [];
    for (const input of inputs) {
      const resource = await manager.findOne(ResourceEntity, { where: { uri: input.resource } });
      if (!resource) throw new ClientRegistrationError(`no resource "${input.resource}" (register it first: resources create)`);
      const { scopes, defaultScopes } = checkGrant(resource, input);
      await manager.upsert(ClientGrantEntity, { clientId, resourceUri: resource.uri, scopes, defaultScopes }, ['clientId', 'resourceUri']);
      views.push({ resource: resource.uri, scopes, default_scopes: defaultScopes });
    }
    return views;
  }
}

async function requireClient(manager: EntityManager, clientId: string): Promise<void> {
  if (!(await manager.exists(ClientEntity, { where: { clientId } }))) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
}

export function grantView(grant: ClientGrantEntity): ClientGrantView {
  return { resource: grant.resourceUri, scopes: grant.scopes, default_scopes: grant.defaultScopes };
}
