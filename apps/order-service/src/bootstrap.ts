import { createHttpApp, HttpAppOptions } from '@app/platform';
import { callingServiceAppOptions } from '@app/platform/service';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OrderServiceModule } from './order-service.module';

const DESCRIPTION = "An end user's orders (user tokens from the authorization_code login); owner profiles come from user-service.";

export function createOrderService(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  // order-service calls user-service and the auth-server: its request ids go along.
  return createHttpApp(OrderServiceModule, { ...callingServiceAppOptions('order-service', DESCRIPTION), ...options });
}
