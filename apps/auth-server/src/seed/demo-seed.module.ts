import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { DemoSeedService } from './demo-seed.service';

@Module({ imports: [ClientsModule], providers: [DemoSeedService] })
export class DemoSeedModule {}
