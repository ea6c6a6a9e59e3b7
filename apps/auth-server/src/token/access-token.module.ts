import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { KeysModule } from '../keys/keys.module';
import { SigningKeysService } from '../keys/signing-keys.service';
import { AccessTokenService } from './access-token.service';
import { signingKeyProvider } from './jwt-key-provider';
import { SigningThread } from './signing-thread';

/** Signing and verifying access tokens, for every feature that issues or inspects them. */
@Module({
  imports: [
    KeysModule,
    // @nestjs/jwt signs with the database-held keys (KeyObjects, rotated at run time), never a static secret.
    JwtModule.registerAsync({
      imports: [KeysModule],
      inject: [SigningKeysService],
      useFactory: (keys: SigningKeysService) => ({ secretOrKeyProvider: signingKeyProvider(keys) }),
    }),
  ],
  providers: [AccessTokenService, SigningThread],
  exports: [AccessTokenService],
})
export class AccessTokenModule {}
