import { ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';
import { demoSeedingEnabled, requiredSecret, resourceServerOptionsFromEnv } from '@app/platform';
import { registerAs } from '@nestjs/config';

export const ORDER_SERVICE_AUDIENCE = 'api://order-service';

export interface OrderServiceConfig {
  port: number;
  host: string;
  auth: ResourceServerAuthOptions;
  /** How order-service reaches user-service, and how long it waits. */
  userService: { url: string; audience: string; timeoutMs: number };
  /** order-service's own client registration, for its client-credentials tokens. */
  client: { tokenEndpoint: string; issuer: string; clientId: string; clientSecret: string; scopes: string[] };
  redisUrl?: string;
  seedDemoData: boolean;
}

export const orderServiceConfig = registerAs('orderService', (): OrderServiceConfig => {
  const port = Number(process.env.ORDER_SERVICE_PORT ?? 3002);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('ORDER_SERVICE_PORT must be a port number');
  const clientId = process.env.ORDER_SERVICE_CLIENT_ID || 'order-service';
  const clientSecret = requiredSecret('ORDER_SERVICE_CLIENT_SECRET');
  // Introspection (optional) as its own client, the owner of api://order-service.
  const auth = resourceServerOptionsFromEnv(process.env.ORDER_SERVICE_AUDIENCE ?? ORDER_SERVICE_AUDIENCE, 'order-service', {
    clientId,
    clientSecret,
    secretVariable: 'ORDER_SERVICE_CLIENT_SECRET',
  });
  const timeoutMs = Number(process.env.USER_SERVICE_TIMEOUT_MS ?? 2000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error('USER_SERVICE_TIMEOUT_MS must be a positive integer');
  return {
    port,
    host: process.env.HOST ?? '0.0.0.0',
    auth,
    userService: {
      url: (process.env.USER_SERVICE_URL ?? `http://localhost:${process.env.USER_SERVICE_PORT ?? 3001}`).replace(/\/+$/, ''),
      audience: process.env.USER_SERVICE_AUDIENCE ?? 'api://user-service',
      timeoutMs,
    },
    client: {
      tokenEndpoint: `${auth.authServerUrl ?? auth.issuer}/oauth/token`,
      issuer: auth.issuer,
      clientId,
      clientSecret,
      // users:provision: the profile of a user met for the first time is created from their token.
      scopes: ['users:read', 'users:provision'],
    },
    redisUrl: process.env.REDIS_URL || undefined,
    seedDemoData: demoSeedingEnabled(),
  };
});
