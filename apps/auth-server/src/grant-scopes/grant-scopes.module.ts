import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { GrantScopePolicy } from './grant-scope.policy';

/** The decision of a token's audience and scopes, shared by every grant (GrantScopePolicy). */
@Module({
  imports: [ResourcesModule],
  providers: [GrantScopePolicy],
  exports: [GrantScopePolicy],
})
export class GrantScopesModule {}
