import { ResourceServiceModule } from '@app/platform/service';
import { Module } from '@nestjs/common';
import { userServiceConfig } from './config/user-service.config';
import { USER_SERVICE_MIGRATIONS } from './migrations';
import { DemoSeedService } from './seed/demo-seed.service';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    // Config, the `users` schema, /health, and AuthModule accepting service tokens for api://user-service.
    ResourceServiceModule.forRoot({ config: userServiceConfig, schema: 'users', migrations: USER_SERVICE_MIGRATIONS }),
    UsersModule,
  ],
  providers: [DemoSeedService],
})
export class UserServiceModule {}
