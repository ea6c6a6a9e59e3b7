import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { authServerConfig } from '../config/auth-server.config';
import { ResourceEntity } from './resource.entity';

/** A registered resource as the token path needs it: its display name and the scopes it defines now. */
export interface CatalogedResource {
  name: string;
  scopes: ReadonlySet<string>;
}

/**
 * Every registered resource, read in one query and kept in memory for `clientCacheTtlMs` (as the
 * ClientRegistry keeps clients), so deciding a token's scopes costs no database read. A change made
 * through this process (ResourcesService) is seen at once (invalidate), one made elsewhere within the TTL.
 * The table is small (one row per API); concurrent callers of an expired snapshot share one read.
 */
@Injectable()
export class ResourceCatalog {
  private snapshot?: { resources: ReadonlyMap<string, CatalogedResource>; expiresAt: number };
  private loading?: Promise<ReadonlyMap<string, CatalogedResource>>;
  /** Bumped by invalidate(): a read started before a change must not install the old data. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  /** The registered resources by URI (a fresh snapshot without awaiting anything when one is cached). */
  resources(): ReadonlyMap<string, CatalogedResource> | Promise<ReadonlyMap<string, CatalogedResource>> {
    const snapshot = this.snapshot;
    if (snapshot && snapshot.expiresAt > Date.now()) return snapshot.resources;
    return (this.loading ??= this.load());
  }

  invalidate(): void {
    this.generation++;
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private async load(): Promise<ReadonlyMap<string, CatalogedResource>> {
    const generation = this.generation;
    const startedAt = Date.now();
    try {
      const rows = await this.dataSource.getRepository(ResourceEntity).find({ select: { uri: true, name: true, scopes: true } });
      const resources = new Map(rows.map((row) => [row.uri, { name: row.name, scopes: new Set(row.scopes) }]));
      if (generation === this.generation && this.config.clientCacheTtlMs > 0) {
        this.snapshot = { resources, expiresAt: startedAt + this.config.clientCacheTtlMs };
      }
      return resources;
    } finally {
      if (generation === this.generation) this.loading = undefined;
    }
  }
}
