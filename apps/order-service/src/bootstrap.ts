import { createHttpApp, HttpAppOptions } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OrderServiceModule } from './order-service.module';

export function createOrderService(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  return createHttpApp(OrderServiceModule, { realm: 'order-service', ...options });
}
