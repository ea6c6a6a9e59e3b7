import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ClientsModule } from '../clients/clients.module';
import { ResourcesModule } from '../resources/resources.module';
import { RevocationModule } from '../revocation/revocation.module';
import { UsersModule } from '../users/users.module';
import { adminApiConfig } from './admin-api.config';
import { AdminCallerGuard } from './admin-caller.guard';
import { AdminResourceRegistration } from './admin-resource.registration';
import { ClientsAdminController } from './clients.admin.controller';
import { ResourcesAdminController } from './resources.admin.controller';
import { UsersAdminController } from './users.admin.controller';

/**
 * The admin HTTP API (/admin/...): the registry's operations for automation, thin over the services
 * (which validate and audit, with the calling client as actor). Guarded by AdminAuthModule; served
 * where ADMIN_API_ENABLED allows (authServerRootModule).
 */
@Module({
  imports: [ClientsModule, UsersModule, ResourcesModule, RevocationModule, ConfigModule.forFeature(adminApiConfig)],
  controllers: [ClientsAdminController, UsersAdminController, ResourcesAdminController],
  providers: [AdminCallerGuard, AdminResourceRegistration],
})
export class AdminModule {}
