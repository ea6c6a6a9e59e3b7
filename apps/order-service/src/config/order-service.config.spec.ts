import { configLoader } from '../../../../test/support/config-env';
import { envExamplePlaceholders } from '../../../../test/support/env-example';
import { orderServiceConfig } from './order-service.config';

describe('orderServiceConfig (validated at boot)', () => {
  const load = configLoader(orderServiceConfig);

  const production = {
    NODE_ENV: 'production',
    ISSUER: 'https://auth.example.com',
    SEED_DEMO_DATA: 'true',
    ORDER_SERVICE_CLIENT_SECRET: 'Oq2Lx7Vb4Nc9Zm1Rt6Yw3Hs8Kd0Fg5Jp',
  };
  /** The secrets order-service reads, with their .env.example placeholders. */
  const placeholders = envExamplePlaceholders().filter(([name]) => name === 'ORDER_SERVICE_CLIENT_SECRET');

  it('starts in production with a real secret (the control)', () => {
    expect(load(production).client).toMatchObject({ clientId: 'order-service', clientSecret: production.ORDER_SERVICE_CLIENT_SECRET });
  });

  it('reads every secret of its own that .env.example lists', () => {
    expect(placeholders.map(([name]) => name)).toEqual(['ORDER_SERVICE_CLIENT_SECRET']);
  });

  it.each(placeholders)('production refuses %s placeholder', (name, value) => {
    expect(() => load({ ...production, [name]: value })).toThrow(`${name} holds a placeholder or is shorter than 32 characters: refusing to start in production`);
    expect(() => load({ ...production, NODE_ENV: 'development', [name]: value })).not.toThrow();
  });

  it('introspection (INTROSPECTION_ENABLED=true) asks as order-service itself, the owner of api://order-service', () => {
    expect(load(production).auth.introspection).toBeUndefined();
    expect(load({ ...production, INTROSPECTION_ENABLED: 'true', AUTH_SERVER_URL: 'http://auth:3000' }).auth.introspection).toEqual({
      endpoint: 'http://auth:3000/oauth/introspect',
      clientId: 'order-service',
      clientSecret: production.ORDER_SERVICE_CLIENT_SECRET,
      cacheTtlMs: undefined,
    });
    expect(() => load({ ...production, INTROSPECTION_ENABLED: 'yes' })).toThrow(/INTROSPECTION_ENABLED must be true or false/);
  });

  it('USER_LOOKUP: client_credentials by default (unset or empty), token_exchange on demand, anything else stops the boot', () => {
    expect(load(production).userLookup).toBe('client_credentials');
    expect(load({ ...production, USER_LOOKUP: '' }).userLookup).toBe('client_credentials');
    expect(load({ ...production, USER_LOOKUP: 'token_exchange' }).userLookup).toBe('token_exchange');
    expect(load({ ...production, USER_LOOKUP: 'client_credentials' }).userLookup).toBe('client_credentials');
    expect(() => load({ ...production, USER_LOOKUP: 'token-exchange' })).toThrow('USER_LOOKUP must be client_credentials or token_exchange, got "token-exchange"');
  });
});
