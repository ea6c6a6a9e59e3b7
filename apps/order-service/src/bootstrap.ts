import { createHttpApp, HttpAppOptions, resourceServerDocs } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OrderServiceModule } from './order-service.module';

export function createOrderService(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  return createHttpApp(OrderServiceModule, {
    realm: 'order-service',
    // order-service calls user-service and the auth-server: its request ids go along.
    propagateRequestId: true,
    libraryMetrics: ['guard-decisions', 'jwks', 'token-provider'],
    docs: resourceServerDocs(
      'order-service',
      "An end user's orders (user tokens from the authorization_code login); owner profiles come from user-service.",
    ),
    ...options,
  });
}
