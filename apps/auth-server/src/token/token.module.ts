import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { adminApiConfig } from '../admin/admin-api.config';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { GrantScopesModule } from '../grant-scopes/grant-scopes.module';
import { RevocationModule } from '../revocation/revocation.module';
import { AccessTokenModule } from './access-token.module';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { GRANT_HANDLERS } from './grants/grant-handler';
import { GrantHandlers } from './grants/grant-handlers';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { TokenExchangeGrant } from './grants/token-exchange.grant';
import { TokenController } from './token.controller';

/** The token endpoint's grants: one class each (GrantHandler); a new one is added here. */
const GRANTS = [ClientCredentialsGrant, AuthorizationCodeGrant, RefreshTokenGrant, TokenExchangeGrant];

@Module({
  imports: [ClientAuthenticationModule, AccessTokenModule, AuthorizationModule, GrantScopesModule, RevocationModule, ConfigModule.forFeature(adminApiConfig)],
  controllers: [TokenController],
  providers: [...GRANTS, { provide: GRANT_HANDLERS, useFactory: (...grants: unknown[]) => grants, inject: GRANTS }, GrantHandlers],
})
export class TokenModule {}
