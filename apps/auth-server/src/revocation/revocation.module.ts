import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { AccessTokenModule } from '../token/access-token.module';
import { ActiveTokens } from './active-tokens';
import { RevocationFeedController } from './revocation-feed.controller';
import { RevocationFeedService } from './revocation-feed.service';
import { RevocationController } from './revocation.controller';
import { RevocationService } from './revocation.service';
import { RevokedTokenEntity } from './revoked-token.entity';

@Module({
  imports: [ClientAuthenticationModule, AccessTokenModule, AuthorizationModule, TypeOrmModule.forFeature([RevokedTokenEntity])],
  controllers: [RevocationController, RevocationFeedController],
  providers: [RevocationService, RevocationFeedService, ActiveTokens],
  exports: [RevocationService, ActiveTokens],
})
export class RevocationModule {}
