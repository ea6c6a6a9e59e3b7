import { isStorableText } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { authServerConfig } from '../config/auth-server.config';
import { ClientSecretEntity, isSecretActive } from './client-secret.entity';
import { ClientEntity } from './client.entity';

/** What the token endpoint needs to know about a client, read once and kept briefly in memory. */
export interface RegisteredClient {
  client: ClientEntity;
  secrets: ClientSecretEntity[];
}

/**
 * Client lookups for the hot path. Entries live for `clientCacheTtlMs`; a change made through
 * this process is seen at once (invalidate), a change made elsewhere within the TTL.
 */
@Injectable()
export class ClientRegistry {
  private readonly cache = new Map<string, { value: RegisteredClient | null; expiresAt: number }>();
  /** One database read per client at a time: when an entry expires under load, callers share it. */
  private readonly loading = new Map<string, Promise<RegisteredClient | null>>();
  private static readonly MAX_ENTRIES = 10_000;

  constructor(
    @InjectRepository(ClientEntity) private readonly clients: Repository<ClientEntity>,
    @InjectRepository(ClientSecretEntity) private readonly secrets: Repository<ClientSecretEntity>,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async find(clientId: string): Promise<RegisteredClient | null> {
    // Untrusted input (a Basic header, a form field): an id PostgreSQL cannot store is simply unknown.
    if (!isStorableText(clientId)) return null;
    const now = Date.now();
    const hit = this.cache.get(clientId);
    if (hit && hit.expiresAt > now) return hit.value;
    const pending = this.loading.get(clientId);
    if (pending) return pending;
    // Only the read still registered when it completes may fill the cache: invalidate() drops it.
    const settle = () => this.loading.get(clientId) === loading && this.loading.delete(clientId);
    const loading: Promise<RegisteredClient | null> = this.read(clientId).then(
      (value) => {
        if (settle() && value && this.config.clientCacheTtlMs > 0) {
          if (this.cache.size >= ClientRegistry.MAX_ENTRIES) this.cache.clear();
          this.cache.set(clientId, { value, expiresAt: now + this.config.clientCacheTtlMs });
        }
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    this.loading.set(clientId, loading);
    return loading;
  }

  private async read(clientId: string): Promise<RegisteredClient | null> {
    const client = await this.clients.findOne({ where: { clientId } });
    // Unknown clients are not cached: a client created a moment ago must work at once.
    if (!client) return null;
    return { client, secrets: await this.secrets.find({ where: { clientId } }) };
  }

  activeSecretHashes(registered: RegisteredClient, now = new Date()): Buffer[] {
    return registered.secrets.filter((secret) => isSecretActive(secret, now)).map((secret) => secret.secretHash);
  }

  invalidate(clientId: string): void {
    this.cache.delete(clientId);
    // A read started before the change must not put the old registration back into the cache.
    this.loading.delete(clientId);
  }
}
