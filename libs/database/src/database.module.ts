import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions, MixedList } from 'typeorm';
import { databaseConfig } from './database.config';
import { DatabaseLogger } from './database-logger';
import { runMigrationsUnderLock } from './migrations';

export interface DatabaseModuleOptions {
  /** PostgreSQL schema this app owns; each app keeps its tables apart from the others'. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
}

export function postgresOptions(
  config: ConfigType<typeof databaseConfig>,
  options: DatabaseModuleOptions,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    schema: options.schema,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    // Through the app's logger, without parameters (TypeORM's own prints them to stdout).
    logger: new DatabaseLogger(config.logQueries),
    // search_path makes the migrations' unqualified SQL land in this app's schema.
    extra: { max: config.poolSize, connectionTimeoutMillis: 5_000, options: `-c search_path=${options.schema}` },
  };
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: [ConfigModule.forFeature(databaseConfig)],
          inject: [databaseConfig.KEY],
          useFactory: (config: ConfigType<typeof databaseConfig>) => ({
            ...postgresOptions(config, options),
            autoLoadEntities: true,
          }),
          dataSourceFactory: async (dataSourceOptions) => {
            const dataSource = await new DataSource(dataSourceOptions!).initialize();
            await runMigrationsUnderLock(dataSource, `${options.schema}:migrations`);
            return dataSource;
          },
        }),
      ],
    };
  }
}
