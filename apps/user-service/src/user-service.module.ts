import { AuthModule } from '@nest-oauth-m2m/auth';
import { databaseConfig, DatabaseModule } from '@app/database';
import { envFilePaths, HealthModule } from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { UserServiceConfig, userServiceConfig } from './config/user-service.config';
import { USER_SERVICE_MIGRATIONS } from './migrations';
import { DemoSeedService } from './seed/demo-seed.service';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [userServiceConfig, databaseConfig],
      envFilePath: envFilePaths(),
    }),
    DatabaseModule.forRoot({ schema: 'users', migrations: USER_SERVICE_MIGRATIONS }),
    HealthModule,
    AuthModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => config.getOrThrow<UserServiceConfig>('userService', { infer: true }).auth,
    }),
    UsersModule,
  ],
  providers: [DemoSeedService],
})
export class UserServiceModule {}
