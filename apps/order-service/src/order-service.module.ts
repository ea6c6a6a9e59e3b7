import { AuthModule } from '@nest-oauth-m2m/auth';
import { databaseConfig, DatabaseModule } from '@app/database';
import { envFilePaths, HealthModule } from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { OrderServiceConfig, orderServiceConfig } from './config/order-service.config';
import { ORDER_SERVICE_MIGRATIONS } from './migrations';
import { OrdersModule } from './orders/orders.module';
import { DemoSeedService } from './seed/demo-seed.service';

const settings = (config: ConfigService) => config.getOrThrow<OrderServiceConfig>('orderService', { infer: true });

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [orderServiceConfig, databaseConfig],
      envFilePath: envFilePaths(),
    }),
    DatabaseModule.forRoot({ schema: 'orders', migrations: ORDER_SERVICE_MIGRATIONS }),
    HealthModule,
    // As a resource server: accepts user tokens for api://order-service.
    AuthModule.forRootAsync({ inject: [ConfigService], useFactory: (config: ConfigService) => settings(config).auth }),
    OrdersModule,
  ],
  providers: [DemoSeedService],
})
export class OrderServiceModule {}
