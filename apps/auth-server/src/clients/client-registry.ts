import { isStorableText } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { authServerConfig } from '../config/auth-server.config';
import { ClientSecretEntity, isSecretActive } from './client-secret.entity';
import { ClientEntity } from './client.entity';

/** What the token endpoint needs to know about a client (with its grants), read once and kept briefly in memory. */
export interface RegisteredClient {
  client: ClientEntity;
  secrets: ClientSecretEntity[];
}

/**
 * Client lookups for the hot path. Entries live for `clientCacheTtlMs`; a change made through
 * this process is seen at once (invalidate), a change made elsewhere within the TTL.
 *
 * Unknown ids are remembered too, so a flood of made-up client ids costs no database read per
 * request. Per id that would not be enough (every request can bring a new id), so the registry also
 * keeps the set of every registered id, read in one query at most once per TTL and only while
 * unknown ids are being asked for: an id missing from a fresh set is unknown without a read. Both
 * are bounded in time by the TTL (a client created through another replica or the CLI works within
 * it, as for any other registration change) and in size (the set holds registered ids only, never
 * the caller's; past MAX_KNOWN_IDS it is not kept and the per-id negative cache alone applies).
 */
@Injectable()
export class ClientRegistry {
  private readonly cache = new Map<string, { value: RegisteredClient | null; expiresAt: number }>();
  /** One database read per client at a time: when an entry expires under load, callers share it. */
  private readonly loading = new Map<string, Promise<RegisteredClient | null>>();
  /** Ids read and found missing, until when. */
  private readonly unknown = new Map<string, number>();
  /** Every registered id as of `readAt` (undefined: not read yet, or too many to keep). */
  private knownIds?: { ids: Set<string>; readAt: number };
  private loadingKnownIds?: Promise<void>;
  /** Ids registered through this process while the known-id set was being read. */
  private readonly addedWhileLoading = new Set<string>();
  private static readonly MAX_ENTRIES = 10_000;
  private static readonly MAX_UNKNOWN = 10_000;
  private static readonly MAX_KNOWN_IDS = 100_000;

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
    if (this.isKnownMissing(clientId, now)) return null;
    const pending = this.loading.get(clientId);
    if (pending) return pending;
    // Only the read still registered when it completes may fill the cache: invalidate() drops it.
    const settle = () => this.loading.get(clientId) === loading && this.loading.delete(clientId);
    const loading: Promise<RegisteredClient | null> = this.read(clientId).then(
      (value) => {
        if (settle() && this.config.clientCacheTtlMs > 0) {
          if (value) {
            if (this.cache.size >= ClientRegistry.MAX_ENTRIES) this.cache.clear();
            this.cache.set(clientId, { value, expiresAt: now + this.config.clientCacheTtlMs });
          } else {
            this.rememberUnknown(clientId, now);
          }
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
    const client = await this.clients.findOne({ where: { clientId }, relations: { grants: true } });
    if (!client) return null;
    return { client, secrets: await this.secrets.find({ where: { clientId } }) };
  }

  /** Unknown without a read: remembered as missing, or absent from a fresh set of every registered id. */
  private isKnownMissing(clientId: string, now: number): boolean {
    const until = this.unknown.get(clientId);
    if (until !== undefined) {
      if (until > now) return true;
      this.unknown.delete(clientId);
    }
    const known = this.knownIds;
    return !!known && known.readAt + this.config.clientCacheTtlMs > now && !known.ids.has(clientId);
  }

  private rememberUnknown(clientId: string, now: number): void {
    if (this.unknown.size >= ClientRegistry.MAX_UNKNOWN) this.unknown.clear();
    this.unknown.set(clientId, now + this.config.clientCacheTtlMs);
    // Someone is asking for ids that do not exist: (re)read the set of those that do, once per TTL.
    const known = this.knownIds;
    if (!this.loadingKnownIds && (!known || known.readAt + this.config.clientCacheTtlMs <= now)) {
      this.loadingKnownIds = this.readKnownIds().finally(() => (this.loadingKnownIds = undefined));
    }
  }

  private async readKnownIds(): Promise<void> {
    const readAt = Date.now();
    this.addedWhileLoading.clear();
    try {
      const rows: { id: string }[] = await this.clients
        .createQueryBuilder('client')
        .select('client.client_id', 'id')
        .limit(ClientRegistry.MAX_KNOWN_IDS + 1)
        .getRawMany();
      if (rows.length > ClientRegistry.MAX_KNOWN_IDS) {
        this.knownIds = undefined;
        return;
      }
      const ids = new Set(rows.map((row) => row.id));
      for (const id of this.addedWhileLoading) ids.add(id);
      this.knownIds = { ids, readAt };
    } catch {
      // The per-id cache still applies; the next unknown id tries again.
    }
  }

  activeSecrets(registered: RegisteredClient, now = new Date()): ClientSecretEntity[] {
    return registered.secrets.filter((secret) => isSecretActive(secret, now));
  }

  invalidate(clientId: string): void {
    this.cache.delete(clientId);
    // Created (or changed) through this process: not unknown any more, here at once.
    this.unknown.delete(clientId);
    this.knownIds?.ids.add(clientId);
    if (this.loadingKnownIds) this.addedWhileLoading.add(clientId);
    // A read started before the change must not put the old registration back into the cache.
    this.loading.delete(clientId);
  }
}
