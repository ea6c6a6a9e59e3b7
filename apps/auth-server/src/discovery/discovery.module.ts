import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { ResourcesModule } from '../resources/resources.module';
import { DiscoveryController } from './discovery.controller';

@Module({
  imports: [ClientsModule, KeysModule, ResourcesModule],
  controllers: [DiscoveryController],
})
export class DiscoveryModule {}
