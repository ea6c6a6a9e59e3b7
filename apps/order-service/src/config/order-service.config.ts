import { demoSeedingEnabled } from '@app/platform';
import { UserServiceCallerConfig, userServiceCallerConfig } from '@app/user-directory';
import { registerAs } from '@nestjs/config';

export interface OrderServiceConfig extends UserServiceCallerConfig {
  seedDemoData: boolean;
}

/** ORDER_SERVICE_PORT (3002), ORDER_SERVICE_CLIENT_SECRET, …: read and checked once at boot (libs/user-directory). */
export const orderServiceConfig = registerAs(
  'orderService',
  (): OrderServiceConfig => ({ ...userServiceCallerConfig({ name: 'order-service', defaultPort: 3002 }), seedDemoData: demoSeedingEnabled() }),
);
