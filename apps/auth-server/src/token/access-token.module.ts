import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenService } from './access-token.service';

/** Signing and verifying access tokens, for every feature that issues or inspects them. */
@Module({
  imports: [KeysModule],
  providers: [AccessTokenService],
  exports: [AccessTokenService],
})
export class AccessTokenModule {}
