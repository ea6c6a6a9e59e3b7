import { AuthModule, ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';
import { databaseConfig, DatabaseModule } from '@app/database';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigFactory, ConfigFactoryKeyHost, ConfigModule } from '@nestjs/config';
import { envFilePaths } from '../env';
import { HealthModule } from '../health';

export interface ResourceServiceModuleOptions<T extends { auth: ResourceServerAuthOptions }> {
  /** The service's config namespace (its registerAs factory): read once at boot, `auth` for AuthModule. */
  config: ConfigFactory<T> & ConfigFactoryKeyHost<T>;
  /** Its own PostgreSQL schema: its tables never mix with the other apps'. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

/**
 * What every resource server of the platform is built on: its configuration (environment, .env,
 * .env.example; global), its database schema and migrations, /health, and AuthModule accepting tokens
 * for its audience. The app module adds only its own features.
 */
@Module({})
export class ResourceServiceModule {
  static forRoot<T extends { auth: ResourceServerAuthOptions }>({ config, schema, migrations }: ResourceServiceModuleOptions<T>): DynamicModule {
    return {
      module: ResourceServiceModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, cache: true, load: [config, databaseConfig], envFilePath: envFilePaths() }),
        DatabaseModule.forRoot({ schema, migrations }),
        HealthModule,
        AuthModule.forRootAsync({ inject: [config.KEY], useFactory: (settings: T) => settings.auth }),
      ],
    };
  }
}
