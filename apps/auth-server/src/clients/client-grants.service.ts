import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor } from '../audit/audit-log';
import { ResourceEntity } from '../resources/resource.entity';
import { ClientEvents } from './client-changed.event';
import { ClientGrantEntity, GrantKind } from './client-grant.entity';
import { checkGrant, ClientRegistrationError } from './client-registration.policy';
import { ClientEntity } from './client.entity';

export interface ClientGrantInput {
  /** The resource's audience URI. */
  resource: string;
  scopes: string[];
  /** Granted when a request names no scope; a subset of `scopes`. Default: all of them. */
  defaultScopes?: string[];
  /** Default: `direct`. */
  kind?: GrantKind;
}

export interface ClientGrantView {
  resource: string;
  kind: GrantKind;
  scopes: string[];
  default_scopes: string[];
}

/**
 * Per-resource client grants: "client X may get scopes S at API A" (ClientGrantEntity), directly or
 * on behalf of users (kind `delegation`). A client has at most one grant of each kind per resource.
 */
@Injectable()
export class ClientGrantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: ClientEvents,
  ) {}

  /** Grants (or replaces the grant of that kind of) scopes at one resource. Every scope must be one the resource defines. */
  async grant(clientId: string, input: ClientGrantInput, actor: AuditActor): Promise<ClientGrantView> {
    const [view] = await this.dataSource.transaction(async (manager) => {
      await requireClient(manager, clientId);
      return this.write(manager, clientId, [input]);
    });
    this.events.changed({ action: 'client.grant', clientId, actor, changes: { ...view } });
    return view!;
  }

  /** Withdraws the client's grant of one kind (default: direct) at one resource. */
  async revoke(clientId: string, resource: string, actor: AuditActor, kind: GrantKind = 'direct'): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await requireClient(manager, clientId);
      const result = await manager.delete(ClientGrantEntity, { clientId, resourceUri: resource, kind });
      if (!result.affected) throw new ClientRegistrationError(`client "${clientId}" has no ${kind === 'direct' ? '' : `${kind} `}grant at ${resource}`, 'not_found');
    });
    this.events.changed({ action: 'client.revoke-grant', clientId, actor, changes: { resource, kind } });
  }

  async list(clientId: string): Promise<ClientGrantView[]> {
    await requireClient(this.dataSource.manager, clientId);
    const grants = await this.dataSource.getRepository(ClientGrantEntity).find({ where: { clientId }, order: { resourceUri: 'ASC', kind: 'ASC' } });
    return grants.map(grantView);
  }

  /**
   * Writes grants inside the caller's transaction (create() writes a new client's with it). Each names
   * a registered resource and scopes it defines; one resource may appear once per kind.
   */
  async write(manager: EntityManager, clientId: string, inputs: ClientGrantInput[]): Promise<ClientGrantView[]> {
    const named = inputs.map((input) => `${input.kind ?? 'direct'} ${input.resource}`);
    const repeated = inputs.find((_input, index) => named.indexOf(named[index]!) !== index);
    if (repeated !== undefined) {
      throw new ClientRegistrationError(`grants: ${repeated.resource} is named twice${repeated.kind === 'delegation' ? ' for delegation' : ''} (one grant per resource and kind)`);
    }
    const views: ClientGrantView[] = [];
    for (const input of inputs) {
      const resource = await manager.findOne(ResourceEntity, { where: { uri: input.resource } });
      if (!resource) throw new ClientRegistrationError(`no resource "${input.resource}" (register it first: resources create)`);
      const { scopes, defaultScopes } = checkGrant(resource, input);
      const kind = input.kind ?? 'direct';
      await manager.upsert(ClientGrantEntity, { clientId, resourceUri: resource.uri, kind, scopes, defaultScopes }, ['clientId', 'resourceUri', 'kind']);
      views.push({ resource: resource.uri, kind, scopes, default_scopes: defaultScopes });
    }
    return views;
  }
}

async function requireClient(manager: EntityManager, clientId: string): Promise<void> {
  if (!(await manager.exists(ClientEntity, { where: { clientId } }))) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
}

export function grantView(grant: ClientGrantEntity): ClientGrantView {
  return { resource: grant.resourceUri, kind: grant.kind, scopes: grant.scopes, default_scopes: grant.defaultScopes };
}
