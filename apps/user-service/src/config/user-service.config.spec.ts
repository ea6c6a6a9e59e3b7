import { configLoader } from '../../../../test/support/config-env';
import { envExamplePlaceholders } from '../../../../test/support/env-example';
import { userServiceConfig } from './user-service.config';

describe('userServiceConfig (validated at boot)', () => {
  const load = configLoader(userServiceConfig);

  const production = {
    NODE_ENV: 'production',
    ISSUER: 'https://auth.example.com',
    SEED_DEMO_DATA: 'true',
    USER_SERVICE_CLIENT_SECRET: 'Us1Bq6Nv3Lx8Zc0Tm5Wr2Hk7Gd4Jf9Pa',
  };
  /** The secrets user-service reads, with their .env.example placeholders. */
  const placeholders = envExamplePlaceholders().filter(([name]) => name === 'USER_SERVICE_CLIENT_SECRET');

  it('reads every secret of its own that .env.example lists', () => {
    expect(placeholders.map(([name]) => name)).toEqual(['USER_SERVICE_CLIENT_SECRET']);
  });

  it.each(placeholders)('production refuses %s placeholder', (name, value) => {
    expect(() => load({ ...production, [name]: value })).toThrow(`${name} holds a placeholder or is shorter than 32 characters: refusing to start in production`);
    expect(() => load({ ...production, INTROSPECTION_ENABLED: 'true', [name]: value })).toThrow(`${name} holds a placeholder`);
    expect(() => load({ ...production, NODE_ENV: 'development', [name]: value })).not.toThrow();
  });

  it('introspection (INTROSPECTION_ENABLED=true) asks as user-service itself, the owner of api://user-service, never as another service', () => {
    expect(load(production).auth.introspection).toBeUndefined();
    // A shared environment (npm start reads one .env for all apps) must not make it ask as order-service.
    const introspection = load({ ...production, INTROSPECTION_ENABLED: 'true', ORDER_SERVICE_CLIENT_SECRET: 'x'.repeat(40) }).auth.introspection;
    expect(introspection).toMatchObject({ clientId: 'user-service', clientSecret: production.USER_SERVICE_CLIENT_SECRET });
    // The old shared-client variables are refused rather than silently ignored (that would turn the check off).
    expect(() => load({ ...production, INTROSPECTION_CLIENT_ID: 'order-service', INTROSPECTION_CLIENT_SECRET: 'x'.repeat(40) })).toThrow(
      /INTROSPECTION_CLIENT_ID\/_SECRET are no longer read/,
    );
    expect(() => load({ ...production, INTROSPECTION_ENABLED: 'true', USER_SERVICE_CLIENT_SECRET: undefined })).toThrow(
      'USER_SERVICE_CLIENT_SECRET (or a client assertion file) is required when INTROSPECTION_ENABLED=true',
    );
  });

  it('the revocation feed, as user-service itself: with its secret, or secretless with its workload token file (no secret read)', () => {
    expect(load(production).auth.revocationFeed).toEqual({ clientId: 'user-service', clientSecret: production.USER_SERVICE_CLIENT_SECRET, intervalMs: undefined });
    // .env.example's demo secret beside the file (outside production) is ignored: the federated client has none.
    const secretless = { ...production, NODE_ENV: 'development', USER_SERVICE_CLIENT_SECRET: 'dev-secret', USER_SERVICE_CLIENT_ASSERTION_FILE: '/var/run/secrets/tokens/auth-server' };
    expect(load(secretless).auth.revocationFeed).toEqual({
      clientId: 'user-service',
      authMethod: 'federated_jwt',
      assertionFile: '/var/run/secrets/tokens/auth-server',
      intervalMs: undefined,
    });
    expect(load({ ...secretless, REVOCATION_FEED_INTERVAL_MS: '0' }).auth.revocationFeed).toBeUndefined();
    // Neither credential: no feed (and nothing else needs one).
    expect(load({ ...production, USER_SERVICE_CLIENT_SECRET: undefined }).auth.revocationFeed).toBeUndefined();
  });
});
