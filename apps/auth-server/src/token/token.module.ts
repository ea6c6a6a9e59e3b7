import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { AccessTokenModule } from './access-token.module';
import { TokenController } from './token.controller';

@Module({
  imports: [ClientAuthenticationModule, AccessTokenModule, AuthorizationModule],
  controllers: [TokenController],
})
export class TokenModule {}
