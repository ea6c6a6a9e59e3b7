import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { ClientAuthenticationGuard, ClientBasicGuard } from './client-authentication.guard';
import { ClientAuthenticationService } from './client-authentication.service';
import { ClientBasicStrategy } from './client-basic.strategy';
import { ClientAuthThrottle } from './throttling/client-auth-throttle';
import { UsedClientAssertionEntity } from './used-assertion.entity';

@Module({
  imports: [PassportModule, ClientsModule, TypeOrmModule.forFeature([UsedClientAssertionEntity])],
  providers: [ClientAuthThrottle, ClientAuthenticationService, ClientBasicStrategy, ClientBasicGuard, ClientAuthenticationGuard],
  exports: [ClientsModule, ClientAuthThrottle, ClientAuthenticationService, ClientBasicGuard, ClientAuthenticationGuard],
})
export class ClientAuthenticationModule {}
