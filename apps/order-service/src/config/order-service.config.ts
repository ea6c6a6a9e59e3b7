import { demoSeedingEnabled } from '@app/platform';
import { UserLookup, userLookupFrom, UserServiceCallerConfig, userServiceCallerConfig } from '@app/user-directory';
import { registerAs } from '@nestjs/config';

export interface OrderServiceConfig extends UserServiceCallerConfig {
  seedDemoData: boolean;
  /** USER_LOOKUP: whose token reads the order owner's profile at user-service (see UserLookup). */
  userLookup: UserLookup;
}

/**
 * ORDER_SERVICE_PORT (3002), ORDER_SERVICE_CLIENT_SECRET, … (libs/user-directory), and USER_LOOKUP
 * (client_credentials, the default, or token_exchange): read and checked once at boot.
 */
export const orderServiceConfig = registerAs(
  'orderService',
  (): OrderServiceConfig => ({
    ...userServiceCallerConfig({ name: 'order-service', defaultPort: 3002 }),
    seedDemoData: demoSeedingEnabled(),
    userLookup: userLookupFrom(process.env.USER_LOOKUP),
  }),
);
