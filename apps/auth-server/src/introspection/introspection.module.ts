import { Module } from '@nestjs/common';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { RevocationModule } from '../revocation/revocation.module';
import { AccessTokenModule } from '../token/access-token.module';
import { IntrospectionController } from './introspection.controller';

@Module({
  imports: [ClientAuthenticationModule, AccessTokenModule, RevocationModule],
  controllers: [IntrospectionController],
})
export class IntrospectionModule {}
