import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientRegistry } from './client-registry';
import { ClientSecretHasher } from './client-secret.hasher';
import { ClientSecretEntity } from './client-secret.entity';
import { ClientEntity } from './client.entity';
import { ClientsService } from './clients.service';

@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity, ClientSecretEntity])],
  providers: [ClientSecretHasher, ClientRegistry, ClientsService],
  exports: [ClientSecretHasher, ClientRegistry, ClientsService],
})
export class ClientsModule {}
