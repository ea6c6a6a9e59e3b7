import { ResourceServiceModule } from '@app/platform/service';
import { Module } from '@nestjs/common';
import { orderServiceConfig } from './config/order-service.config';
import { ORDER_SERVICE_MIGRATIONS } from './migrations';
import { OrdersModule } from './orders/orders.module';
import { DemoSeedService } from './seed/demo-seed.service';

@Module({
  imports: [
    // Config, the `orders` schema, /health, and AuthModule accepting user tokens for api://order-service.
    ResourceServiceModule.forRoot({ config: orderServiceConfig, schema: 'orders', migrations: ORDER_SERVICE_MIGRATIONS }),
    OrdersModule,
  ],
  providers: [DemoSeedService],
})
export class OrderServiceModule {}
