import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { AccessTokenModule } from '../token/access-token.module';
import { UsersModule } from '../users/users.module';
import { AuthorizationController } from './authorization.controller';
import { UserGrantsService } from './user-grants.service';

/** End-user login: the authorization endpoint, codes and refresh tokens. */
@Module({
  imports: [ClientsModule, UsersModule, AccessTokenModule],
  controllers: [AuthorizationController],
  providers: [UserGrantsService],
  exports: [UserGrantsService],
})
export class AuthorizationModule {}
