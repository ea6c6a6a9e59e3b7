import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { ResourcesModule } from '../resources/resources.module';
import { TrustedIssuersModule } from '../trusted-issuers/trusted-issuers.module';
import { UsersModule } from '../users/users.module';
import { DemoSeedService } from './demo-seed.service';

@Module({ imports: [ClientsModule, UsersModule, ResourcesModule, TrustedIssuersModule], providers: [DemoSeedService] })
export class DemoSeedModule {}
