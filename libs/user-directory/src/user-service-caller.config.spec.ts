import { configLoader } from '../../../test/support/config-env';
import { serviceVariables } from './service-variables';
import { userServiceCallerConfig } from './user-service-caller.config';

describe('userServiceCallerConfig (read at boot by order-service and every scaffolded service)', () => {
  const load = configLoader(() => userServiceCallerConfig({ name: 'billing-service', defaultPort: 3007 }));
  const production = { NODE_ENV: 'production', ISSUER: 'https://auth.example.com', BILLING_SERVICE_CLIENT_SECRET: 'Oq2Lx7Vb4Nc9Zm1Rt6Yw3Hs8Kd0Fg5Jp' };

  it('its variables carry the service name as prefix', () => {
    const names = ['BILLING_SERVICE_PORT', 'BILLING_SERVICE_AUDIENCE', 'BILLING_SERVICE_CLIENT_ID', 'BILLING_SERVICE_CLIENT_SECRET', 'BILLING_SERVICE_CLIENT_ASSERTION_FILE'];
    expect(Object.values(serviceVariables('billing-service'))).toEqual(names);
  });

  it('starts with its own client secret: port, audience, client and user-service from the defaults', () => {
    const { port, host, redisUrl, ...config } = load(production);
    expect([port, host, redisUrl]).toEqual([3007, '0.0.0.0', undefined]);
    expect(config.auth).toMatchObject({ audience: 'api://billing-service', issuer: 'https://auth.example.com' });
    expect(config.userService).toEqual({ url: 'http://localhost:3001', audience: 'api://user-service', timeoutMs: 2000 });
    expect(config.client).toEqual({
      tokenEndpoint: 'https://auth.example.com/oauth/token',
      issuer: 'https://auth.example.com',
      clientId: 'billing-service',
      clientSecret: production.BILLING_SERVICE_CLIENT_SECRET,
      scopes: ['users:read', 'users:provision'],
    });
  });

  it('each default can be overridden under the service prefix or the platform variable', () => {
    const config = load({
      ...production,
      BILLING_SERVICE_PORT: '4007',
      BILLING_SERVICE_AUDIENCE: 'api://billing',
      BILLING_SERVICE_CLIENT_ID: 'billing',
      AUTH_SERVER_URL: 'http://auth:3000',
      USER_SERVICE_URL: 'http://users:3001//',
      USER_SERVICE_TIMEOUT_MS: '750',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(config).toMatchObject({ port: 4007, redisUrl: 'redis://cache:6379' });
    expect(config.auth.audience).toBe('api://billing');
    expect(config.userService).toMatchObject({ url: 'http://users:3001', timeoutMs: 750 });
    expect(config.client).toMatchObject({ clientId: 'billing', tokenEndpoint: 'http://auth:3000/oauth/token' });
  });

  it('refuses to start without its secret, or with a placeholder in production', () => {
    expect(() => load({ ...production, BILLING_SERVICE_CLIENT_SECRET: undefined })).toThrow('BILLING_SERVICE_CLIENT_SECRET is not set');
    expect(() => load({ ...production, BILLING_SERVICE_CLIENT_SECRET: 'change-me' })).toThrow(/BILLING_SERVICE_CLIENT_SECRET holds a placeholder/);
    expect(() => load({ ...production, NODE_ENV: 'development', BILLING_SERVICE_CLIENT_SECRET: 'change-me' })).not.toThrow();
  });

  it('secretless: with <PREFIX>_CLIENT_ASSERTION_FILE it authenticates with federated_jwt and needs no secret; both set is refused in production', () => {
    const secretless = { ...production, BILLING_SERVICE_CLIENT_SECRET: undefined, BILLING_SERVICE_CLIENT_ASSERTION_FILE: '/var/run/secrets/tokens/auth-server' };
    const config = load(secretless);
    expect(config.client).toEqual({
      tokenEndpoint: 'https://auth.example.com/oauth/token',
      issuer: 'https://auth.example.com',
      clientId: 'billing-service',
      authMethod: 'federated_jwt',
      assertionFile: '/var/run/secrets/tokens/auth-server',
      scopes: ['users:read', 'users:provision'],
    });
    // No secret: the revocation feed and introspection go federated, with the same token file.
    expect(config.auth.revocationFeed).toEqual({
      clientId: 'billing-service',
      authMethod: 'federated_jwt',
      assertionFile: '/var/run/secrets/tokens/auth-server',
      intervalMs: undefined,
    });
    expect(load({ ...secretless, INTROSPECTION_ENABLED: 'true' }).auth.introspection).toMatchObject({
      clientId: 'billing-service',
      assertionFile: '/var/run/secrets/tokens/auth-server',
    });
    expect(() => load({ ...secretless, BILLING_SERVICE_CLIENT_SECRET: production.BILLING_SERVICE_CLIENT_SECRET })).toThrow(
      'BILLING_SERVICE_CLIENT_ASSERTION_FILE and BILLING_SERVICE_CLIENT_SECRET are both set',
    );
    // Outside production .env.example supplies a demo secret as default: the file wins over it.
    const development = load({ ...secretless, NODE_ENV: 'development', BILLING_SERVICE_CLIENT_SECRET: 'dev-change-me' });
    expect(development.client).toMatchObject({ authMethod: 'federated_jwt' });
    expect(development.client).not.toHaveProperty('clientSecret');
  });

  it('refuses a bad port or timeout, naming the variable', () => {
    expect(() => load({ ...production, BILLING_SERVICE_PORT: 'eighty' })).toThrow('BILLING_SERVICE_PORT must be a port number');
    expect(() => load({ ...production, BILLING_SERVICE_PORT: '70000' })).toThrow('BILLING_SERVICE_PORT must be a port number');
    expect(() => load({ ...production, USER_SERVICE_TIMEOUT_MS: '0' })).toThrow('USER_SERVICE_TIMEOUT_MS must be a positive integer');
  });
});
