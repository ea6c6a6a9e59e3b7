import { Module } from '@nestjs/common';
import { ClientAuthenticationModule } from '../client-authentication/client-authentication.module';
import { RevocationModule } from '../revocation/revocation.module';
import { TokenModule } from '../token/token.module';
import { IntrospectionController } from './introspection.controller';

@Module({
  imports: [ClientAuthenticationModule, TokenModule, RevocationModule],
  controllers: [IntrospectionController],
})
export class IntrospectionModule {}
