import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { ClientAuthenticationGuard, ClientBasicGuard } from './client-authentication.guard';
import { ClientAuthenticationService } from './client-authentication.service';
import { ClientBasicStrategy } from './client-basic.strategy';
import { UsedClientAssertionEntity } from './used-assertion.entity';

@Module({
  imports: [PassportModule, ClientsModule, TypeOrmModule.forFeature([UsedClientAssertionEntity])],
  providers: [ClientAuthenticationService, ClientBasicStrategy, ClientBasicGuard, ClientAuthenticationGuard],
  exports: [ClientsModule, ClientAuthenticationService, ClientBasicGuard, ClientAuthenticationGuard],
})
export class ClientAuthenticationModule {}
