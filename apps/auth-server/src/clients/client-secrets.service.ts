import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditActor } from '../audit/audit-log';
import { ClientEvents } from './client-changed.event';
import { ClientRegistrationError } from './client-registration.policy';
import { ClientSecretHasher } from './client-secret.hasher';
import { ClientSecretEntity, isSecretActive } from './client-secret.entity';
import { ClientEntity } from './client.entity';

export const MAX_ACTIVE_SECRETS = 2;

export interface IssuedSecret {
  clientId: string;
  secretId: string;
  /** Shown once; only its hash is stored. */
  secret: string;
  expiresAt: Date | null;
}

/** A confidential client's secrets: the first one, rotation (two may be active) and revocation. Only hashes are stored. */
@Injectable()
export class ClientSecretsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: ClientSecretHasher,
    private readonly events: ClientEvents,
  ) {}

  /** Stores a secret (the given one, or a generated one) inside the caller's transaction. */
  async issue(manager: EntityManager, clientId: string, options: { given?: string; expiresAt?: Date | null } = {}): Promise<IssuedSecret> {
    const secret = options.given ?? this.hasher.generate();
    const expiresAt = options.expiresAt ?? null;
    const row = await manager.save(
      manager.create(ClientSecretEntity, { id: randomUUID(), clientId, secretHash: this.hasher.hash(secret), expiresAt, revokedAt: null }),
    );
    return { clientId, secretId: row.id, secret, expiresAt };
  }

  /**
   * Adds a new secret next to the current one (both work), so callers can switch over before the old
   * one is revoked. Refused when two secrets are already active: revoke one first.
   */
  async rotate(clientId: string, options: { expiresInSeconds?: number }, actor: AuditActor): Promise<IssuedSecret> {
    const issued = await this.dataSource.transaction(async (manager) => {
      const client = await manager.findOne(ClientEntity, { where: { clientId }, lock: { mode: 'pessimistic_write' } });
      if (!client) throw new ClientRegistrationError(`no client "${clientId}"`, 'not_found');
      if (client.authMethod === 'federated_jwt') {
        throw new ClientRegistrationError(`client "${clientId}" authenticates with federated_jwt (its workload token) and has no secrets`);
      }
      if (client.authMethod === 'private_key_jwt') {
        throw new ClientRegistrationError(`client "${clientId}" authenticates with private_key_jwt and has no secrets`);
      }
      if (client.authMethod === 'none') {
        throw new ClientRegistrationError(`client "${clientId}" is a public client (token_endpoint_auth_method none) and has no secrets`);
      }
      const now = new Date();
      const current = await manager.find(ClientSecretEntity, { where: { clientId, revokedAt: IsNull() } });
      if (current.filter((secret) => isSecretActive(secret, now)).length >= MAX_ACTIVE_SECRETS) {
        throw new ClientRegistrationError(`client "${clientId}" already has ${MAX_ACTIVE_SECRETS} active secrets: revoke one first (clients revoke-secret)`);
      }
      const expiresAt = options.expiresInSeconds ? new Date(now.getTime() + options.expiresInSeconds * 1000) : null;
      return this.issue(manager, clientId, { expiresAt });
    });
    this.events.changed({
      action: 'client-secret.rotate',
      clientId,
      target: { type: 'client-secret', id: issued.secretId },
      actor,
      changes: { client_id: clientId, expires_at: issued.expiresAt?.toISOString() ?? null },
    });
    return issued;
  }

  async revoke(clientId: string, secretId: string, actor: AuditActor): Promise<void> {
    const result = await this.dataSource
      .getRepository(ClientSecretEntity)
      .update({ id: secretId, clientId, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new ClientRegistrationError(`no active secret "${secretId}" for client "${clientId}"`, 'not_found');
    this.events.changed({ action: 'client-secret.revoke', clientId, target: { type: 'client-secret', id: secretId }, actor, changes: { client_id: clientId } });
  }
}
