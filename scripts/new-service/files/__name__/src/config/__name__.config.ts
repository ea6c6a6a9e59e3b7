import { UserServiceCallerConfig, userServiceCallerConfig } from '@app/user-directory';
import { registerAs } from '@nestjs/config';

export type __Name__Config = UserServiceCallerConfig;

/**
 * Read and checked once at boot (libs/user-directory): __NAME___PORT (default __port__),
 * __NAME___CLIENT_SECRET (written to .env by `npm run new:service`), __NAME___CLIENT_ID,
 * __NAME___AUDIENCE, and the platform's ISSUER, USER_SERVICE_URL, … Add this service's own settings here.
 */
export const __nameCamel__Config = registerAs(
  '__nameCamel__',
  (): __Name__Config => userServiceCallerConfig({ name: '__name__', defaultPort: __port__ }),
);
