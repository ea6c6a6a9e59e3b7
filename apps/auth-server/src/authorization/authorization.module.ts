import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { AccessTokenModule } from '../token/access-token.module';
import { GrantScopesModule } from '../grant-scopes/grant-scopes.module';
import { UsersModule } from '../users/users.module';
import { AuthorizationController } from './authorization.controller';
import { LoginCsrf } from './login-protection/login-csrf';
import { LoginEvents } from './login-protection/login-events';
import { LoginThrottle } from './login-protection/login-throttle';
import { RefusalDelay } from './login-protection/refusal-delay';
import { UserGrantsService } from './user-grants.service';

/** End-user login: the authorization endpoint, codes and refresh tokens. */
@Module({
  imports: [ClientsModule, UsersModule, AccessTokenModule, GrantScopesModule],
  controllers: [AuthorizationController],
  providers: [UserGrantsService, LoginCsrf, LoginThrottle, LoginEvents, RefusalDelay],
  exports: [UserGrantsService, LoginEvents],
})
export class AuthorizationModule {}
