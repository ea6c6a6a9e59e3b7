import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientChangeSubscribers } from './client-change.subscribers';
import { ClientEvents } from './client-changed.event';
import { ClientGrantEntity } from './client-grant.entity';
import { ClientGrantsService } from './client-grants.service';
import { ClientLifecycleService } from './client-lifecycle.service';
import { ClientRegistry } from './client-registry';
import { ClientSecretHasher } from './client-secret.hasher';
import { ClientSecretEntity } from './client-secret.entity';
import { ClientSecretsService } from './client-secrets.service';
import { ClientViews } from './client-views';
import { ClientEntity } from './client.entity';

/**
 * Clients, split by job: the registration policy (client-registration.policy.ts, pure), the lifecycle,
 * the secrets, the grants, the views, and the hot path's ClientRegistry. Changes are `client.changed`
 * events, which the audit log and the registry cache follow (ClientChangeSubscribers).
 */
@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity, ClientSecretEntity, ClientGrantEntity])],
  providers: [ClientSecretHasher, ClientRegistry, ClientEvents, ClientChangeSubscribers, ClientLifecycleService, ClientSecretsService, ClientGrantsService, ClientViews],
  exports: [ClientSecretHasher, ClientRegistry, ClientLifecycleService, ClientSecretsService, ClientGrantsService, ClientViews],
})
export class ClientsModule {}
