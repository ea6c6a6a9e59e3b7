import { Module } from '@nestjs/common';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenService } from './access-token.service';
import { TokenController } from './token.controller';

@Module({
  imports: [ClientAuthenticationModule, KeysModule],
  controllers: [TokenController],
  providers: [AccessTokenService],
  exports: [AccessTokenService],
})
export class TokenModule {}
