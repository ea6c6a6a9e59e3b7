import { isStorableText } from '@app/database';
import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@app/platform';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { BIDI_CONTROLS, isAbsoluteUriWithoutFragment, SCOPE_TOKEN } from '../oauth-syntax';
import { ResourceCatalog } from './resource-catalog';
import { ResourceEntity } from './resource.entity';

const MAX_URI_LENGTH = 2048;
const MAX_NAME_LENGTH = 200;

export interface CreateResourceInput {
  uri: string;
  /** Display name; the URI when omitted. */
  name?: string;
  scopes: string[];
}

export interface ResourcePatch {
  name?: string;
  /** Replaces the resource's scopes. */
  scopes?: string[];
}

/** A resource as the CLI and the admin API show it; its OpenAPI schema is generated from this class. */
export class ResourceSummary {
  @ApiProperty({ description: 'the audience URI (api://billing-service)' })
  uri!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: [String], description: 'the scopes this API defines' })
  scopes!: string[];

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

/** Registration of resources (APIs): the operator's side (CLI, admin API, seeding). */
@Injectable()
export class ResourcesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly catalog: ResourceCatalog,
  ) {}

  async create(input: CreateResourceInput, actor: AuditActor): Promise<ResourceSummary> {
    validateUri(input.uri);
    const name = input.name === undefined ? input.uri : validName(input.name);
    const scopes = validScopes(input.scopes);
    // ON CONFLICT DO NOTHING: a concurrent creator of the same URI makes this one a conflict, not a crash.
    const result = await this.dataSource
      .getRepository(ResourceEntity)
      .createQueryBuilder()
      .insert()
      .values({ uri: input.uri, name, scopes })
      .orIgnore()
      .returning('*')
      .execute();
    if (!(result.raw as unknown[]).length) throw new RegistrationError(`resource "${input.uri}" already exists`, 'conflict');
    this.catalog.invalidate();
    const created = await this.find(input.uri);
    this.audit.record({ action: 'resource.create', target: { type: 'resource', id: input.uri }, actor, changes: { name, scopes } });
    return summary(created!);
  }

  async list(): Promise<ResourceSummary[]> {
    const resources = await this.dataSource.getRepository(ResourceEntity).find({ order: { uri: 'ASC' } });
    return resources.map(summary);
  }

  async show(uri: string): Promise<ResourceSummary> {
    const resource = await this.find(uri);
    if (!resource) throw new RegistrationError(`no resource "${uri}"`, 'not_found');
    return summary(resource);
  }

  async update(uri: string, patch: ResourcePatch, actor: AuditActor): Promise<ResourceSummary> {
    const changes: { name?: string; scopes?: string[] } = {};
    if (patch.name !== undefined) changes.name = validName(patch.name);
    if (patch.scopes !== undefined) changes.scopes = validScopes(patch.scopes);
    if (!Object.keys(changes).length) throw new RegistrationError('nothing to update: give a name or scopes');
    const updated = await this.dataSource.transaction(async (manager) => {
      const resource = await manager.findOne(ResourceEntity, { where: { uri }, lock: { mode: 'pessimistic_write' } });
      if (!resource) throw new RegistrationError(`no resource "${uri}"`, 'not_found');
      Object.assign(resource, changes);
      return manager.save(resource);
    });
    this.catalog.invalidate();
    this.audit.record({ action: 'resource.update', target: { type: 'resource', id: uri }, actor, changes });
    return summary(updated);
  }

  /**
   * A resource the auth-server itself needs (the admin API's audience): created when missing, and given
   * back any of `scopes` it lacks; an operator's name and extra scopes stay. One statement, so replicas
   * booting together neither fail nor duplicate. Audited only when it changed something.
   */
  async ensureBuiltIn(input: { uri: string; name: string; scopes: string[] }, actor: AuditActor): Promise<void> {
    validateUri(input.uri);
    const scopes = validScopes(input.scopes);
    const changed: { scopes: string[] }[] = await this.dataSource.query(
      `INSERT INTO resources AS existing (uri, name, scopes) VALUES ($1, $2, $3)
       ON CONFLICT (uri) DO UPDATE SET scopes = existing.scopes || ARRAY(SELECT unnest(EXCLUDED.scopes) EXCEPT SELECT unnest(existing.scopes)), updated_at = now()
         WHERE NOT existing.scopes @> EXCLUDED.scopes
       RETURNING scopes`,
      [input.uri, validName(input.name), scopes],
    );
    if (!changed.length) return;
    this.catalog.invalidate();
    this.audit.record({ action: 'resource.ensure', target: { type: 'resource', id: input.uri }, actor, changes: { scopes: changed[0]!.scopes } });
  }

  /** The registered scopes of each of these URIs that is a registered resource (an unregistered one is absent). */
  async scopesOf(uris: string[]): Promise<Map<string, string[]>> {
    const registrations = await this.registrationsOf(uris);
    return new Map([...registrations].map(([uri, registration]) => [uri, registration.scopes]));
  }

  /** Name and scopes of each of these URIs that is a registered resource (an unregistered one is absent). */
  async registrationsOf(uris: string[]): Promise<Map<string, { name: string; scopes: string[] }>> {
    const storable = uris.filter(isStorableText);
    if (!storable.length) return new Map();
    const rows = await this.dataSource
      .getRepository(ResourceEntity)
      .find({ where: { uri: In(storable) }, select: { uri: true, name: true, scopes: true } });
    return new Map(rows.map((row) => [row.uri, { name: row.name, scopes: row.scopes }]));
  }

  /** Every scope some registered resource defines (RFC 8414 `scopes_supported`). */
  async knownScopes(): Promise<string[]> {
    const rows: { scope: string }[] = await this.dataSource.query('SELECT DISTINCT unnest(scopes) AS scope FROM resources ORDER BY 1');
    return rows.map((row) => row.scope);
  }

  private find(uri: string): Promise<ResourceEntity | null> {
    // Untrusted input (CLI argument, admin API path): a URI PostgreSQL cannot store is simply unknown.
    if (!isStorableText(uri)) return Promise.resolve(null);
    return this.dataSource.getRepository(ResourceEntity).findOne({ where: { uri } });
  }
}

function validateUri(uri: string): void {
  if (typeof uri !== 'string' || uri.length > MAX_URI_LENGTH || !isStorableText(uri) || /\s/.test(uri) || !isAbsoluteUriWithoutFragment(uri)) {
    throw new RegistrationError(`"${uri}" is not a resource URI: it must be an absolute URI without a fragment (e.g. api://billing-service)`);
  }
}

function validName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH || !isStorableText(trimmed) || /\p{Cc}/u.test(trimmed) || BIDI_CONTROLS.test(trimmed)) {
    throw new RegistrationError(`a resource name must be 1-${MAX_NAME_LENGTH} characters, without control or bidi-control characters`);
  }
  return trimmed;
}

function validScopes(scopes: string[]): string[] {
  if (!Array.isArray(scopes)) throw new RegistrationError('scopes must be a list of scope tokens');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) throw new RegistrationError(`"${scope}" is not a valid scope token`);
  }
  return [...new Set(scopes)];
}

function summary(resource: ResourceEntity): ResourceSummary {
  return {
    uri: resource.uri,
    name: resource.name,
    scopes: resource.scopes,
    created_at: resource.createdAt.toISOString(),
    updated_at: resource.updatedAt.toISOString(),
  };
}
