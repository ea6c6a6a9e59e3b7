import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientGrantEntity } from './client-grant.entity';
import { ClientGrantsService } from './client-grants.service';
import { ClientRegistry } from './client-registry';
import { ClientSecretHasher } from './client-secret.hasher';
import { ClientSecretEntity } from './client-secret.entity';
import { ClientEntity } from './client.entity';
import { ClientsService } from './clients.service';

@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity, ClientSecretEntity, ClientGrantEntity])],
  providers: [ClientSecretHasher, ClientRegistry, ClientsService, ClientGrantsService],
  exports: [ClientSecretHasher, ClientRegistry, ClientsService, ClientGrantsService],
})
export class ClientsModule {}
