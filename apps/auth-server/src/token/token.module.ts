import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { adminApiConfig } from '../admin/admin-api.config';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { GrantScopesModule } from '../grant-scopes/grant-scopes.module';
import { AccessTokenModule } from './access-token.module';
import { TokenController } from './token.controller';

@Module({
  imports: [ClientAuthenticationModule, AccessTokenModule, AuthorizationModule, GrantScopesModule, ConfigModule.forFeature(adminApiConfig)],
  controllers: [TokenController],
})
export class TokenModule {}
