import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ClientsModule } from '../clients/clients.module';
import { GrantScopesModule } from '../grant-scopes/grant-scopes.module';
import { ResourcesModule } from '../resources/resources.module';
import { TrustedIssuersModule } from '../trusted-issuers/trusted-issuers.module';
import { RevocationModule } from '../revocation/revocation.module';
import { UsersModule } from '../users/users.module';
import { adminApiConfig } from './admin-api.config';
import { AdminCallerGuard } from './admin-caller.guard';
import { ClientsAdminController } from './clients.admin.controller';
import { ResourcesAdminController } from './resources.admin.controller';
import { TrustedIssuersAdminController } from './trusted-issuers.admin.controller';
import { UsersAdminController } from './users.admin.controller';

/**
 * The admin HTTP API (/admin/...): the registry's operations for automation, thin over the services
 * (which validate and audit, with the calling client as actor). Guarded by AdminAuthModule; served
 * where ADMIN_API_ENABLED allows (authServerRootModule).
 */
@Module({
  imports: [ClientsModule, TrustedIssuersModule, GrantScopesModule, UsersModule, ResourcesModule, RevocationModule, ConfigModule.forFeature(adminApiConfig)],
  controllers: [ClientsAdminController, UsersAdminController, ResourcesAdminController, TrustedIssuersAdminController],
  providers: [AdminCallerGuard],
})
export class AdminModule {}
