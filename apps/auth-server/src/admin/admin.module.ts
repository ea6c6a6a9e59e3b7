import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { ResourcesAdminController } from './resources.admin.controller';

/**
 * The admin HTTP API (/admin/...): the registry's operations for automation, thin over the services
 * (which validate and audit, with the calling client as actor). Guarded by AdminAuthModule; served
 * where ADMIN_API_ENABLED allows (authServerRootModule).
 */
@Module({
  imports: [ResourcesModule],
  controllers: [ResourcesAdminController],
})
export class AdminModule {}
