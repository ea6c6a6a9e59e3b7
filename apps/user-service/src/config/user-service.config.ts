import { ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';
import { demoSeedingEnabled, optionalSecret, resourceServerOptionsFromEnv } from '@app/platform';
import { registerAs } from '@nestjs/config';

export const USER_SERVICE_AUDIENCE = 'api://user-service';

export interface UserServiceConfig {
  port: number;
  host: string;
  auth: ResourceServerAuthOptions;
  seedDemoData: boolean;
}

export const userServiceConfig = registerAs('userService', (): UserServiceConfig => {
  const port = Number(process.env.USER_SERVICE_PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('USER_SERVICE_PORT must be a port number');
  return {
    port,
    host: process.env.HOST ?? '0.0.0.0',
    // Introspection (optional) as user-service's own client, the owner of api://user-service.
    auth: resourceServerOptionsFromEnv(process.env.USER_SERVICE_AUDIENCE ?? USER_SERVICE_AUDIENCE, 'user-service', {
      clientId: process.env.USER_SERVICE_CLIENT_ID || 'user-service',
      // Secretless (an assertion file): the secret is not read, not even .env.example's demo default, which
      // the federated client does not have (the feed and introspection would present it and be refused).
      clientSecret: process.env.USER_SERVICE_CLIENT_ASSERTION_FILE ? undefined : optionalSecret('USER_SERVICE_CLIENT_SECRET'),
      secretVariable: 'USER_SERVICE_CLIENT_SECRET',
      // Introspection and the revocation feed as a federated client (the workload token, read per request).
      assertionFile: process.env.USER_SERVICE_CLIENT_ASSERTION_FILE || undefined,
    }),
    seedDemoData: demoSeedingEnabled(),
  };
});
