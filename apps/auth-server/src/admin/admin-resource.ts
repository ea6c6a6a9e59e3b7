import { Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { SERVER_ACTOR } from '../audit/audit-log';
import { ResourcesModule } from '../resources/resources.module';
import { ResourcesService } from '../resources/resources.service';
import { adminApiConfig } from './admin-api.config';
import { ADMIN_AREA_SCOPES, ADMIN_SCOPE } from './admin-scope';

export const ADMIN_RESOURCE_NAME = 'Auth-server admin API';
export const ADMIN_RESOURCE_SCOPES = [ADMIN_SCOPE, ...Object.values(ADMIN_AREA_SCOPES)];

/**
 * The admin API's audience (ADMIN_AUDIENCE) is a resource like any other, so an admin client is granted
 * its scopes there (GrantScopePolicy gives no token for an unregistered API). Ensured at every boot, in
 * every environment and whether or not the admin API is served: idempotent and one statement, so
 * replicas starting together are safe (ResourcesService.ensureBuiltIn).
 */
@Injectable()
export class AdminResourceRegistration implements OnApplicationBootstrap {
  constructor(
    private readonly resources: ResourcesService,
    @Inject(adminApiConfig.KEY) private readonly adminApi: ConfigType<typeof adminApiConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.resources.ensureBuiltIn({ uri: this.adminApi.audience, name: ADMIN_RESOURCE_NAME, scopes: ADMIN_RESOURCE_SCOPES }, SERVER_ACTOR);
  }
}

@Module({
  imports: [ResourcesModule, ConfigModule.forFeature(adminApiConfig)],
  providers: [AdminResourceRegistration],
})
export class AdminResourceModule {}
