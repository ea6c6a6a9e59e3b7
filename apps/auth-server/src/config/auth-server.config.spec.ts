import { configLoader } from '../../../../test/support/config-env';
import { envExamplePlaceholders } from '../../../../test/support/env-example';
import { authServerConfig } from './auth-server.config';

describe('authServerConfig (validated at boot)', () => {
  const load = configLoader(authServerConfig);

  const strong = {
    NODE_ENV: 'production',
    ISSUER: 'https://auth.example.com',
    KEY_ENCRYPTION_KEY: 'Qx7v9L2m0Zr4Tb8Wc1Ny5Hs3Kd6Fg0Jp',
    CLIENT_SECRET_PEPPER: 'Vn3Bq8Mx1Lc6Zr0Td4Yh7Wk2Ps5Gf9Ja',
  };

  it('starts in production with real secrets and an https issuer, without seeding demo data', () => {
    const config = load(strong);
    expect(config.production).toBe(true);
    expect(config.seedDemoData).toBe(false);
    expect(config.issuer).toBe('https://auth.example.com');
  });

  it('issue 24 #11: a placeholder ALICE_PASSWORD / BOB_PASSWORD is refused in production even without demo seeding', () => {
    expect(() => load({ ...strong, SEED_DEMO_DATA: 'false', ALICE_PASSWORD: 'alice-dev-password-change-me' })).toThrow(
      'ALICE_PASSWORD holds a placeholder or is shorter than 32 characters: refusing to start in production',
    );
    expect(() => load({ ...strong, BOB_PASSWORD: 'bob-dev-password-change-me' })).toThrow(/BOB_PASSWORD holds a placeholder/);
    expect(load({ ...strong, SEED_DEMO_DATA: 'false' }).demoUserPasswords).toBeUndefined();
  });

  it('refuses placeholder or short secrets in production', () => {
    expect(() => load({ ...strong, KEY_ENCRYPTION_KEY: 'dev-key-encryption-key-change-me-in-production' })).toThrow(/placeholder/);
    expect(() => load({ ...strong, CLIENT_SECRET_PEPPER: 'short' })).toThrow(/CLIENT_SECRET_PEPPER/);
    expect(() => load({ ...strong, KEY_ENCRYPTION_KEY: undefined })).toThrow(/KEY_ENCRYPTION_KEY is not set/);
  });

  describe('production refuses every placeholder (NODE_ENV=production, SEED_DEMO_DATA=true)', () => {
    const placeholders = envExamplePlaceholders();
    /** Every secret the auth-server reads, set to a real-looking value; each case spoils one. */
    const seeding = {
      ...strong,
      SEED_DEMO_DATA: 'true',
      ORDER_SERVICE_CLIENT_SECRET: 'Oq2Lx7Vb4Nc9Zm1Rt6Yw3Hs8Kd0Fg5Jp',
      REPORTING_SERVICE_CLIENT_SECRET: 'Rk5Tn0Wq3Ls8Xc1Vb6Zm9Hd2Gf7Jp4Ya',
      USER_SERVICE_CLIENT_SECRET: 'Us1Bq6Nv3Lx8Zc0Tm5Wr2Hk7Gd4Jf9Pa',
      ALICE_PASSWORD: 'Ap4Lm9Qx2Vc7Zn0Tb5Wr8Hs3Kd6Gf1Jy',
      BOB_PASSWORD: 'Bp7Nq2Lw5Xc0Zv3Tm8Rh1Ks6Gd9Jf4Ya',
    };

    it('the table is .env.example itself: it names each demo secret and password, and the keys', () => {
      expect(placeholders.map(([name]) => name).sort()).toEqual(
        ['ALICE_PASSWORD', 'BOB_PASSWORD', 'CLIENT_SECRET_PEPPER', 'KEY_ENCRYPTION_KEY', 'ORDER_SERVICE_CLIENT_SECRET', 'REPORTING_SERVICE_CLIENT_SECRET', 'USER_SERVICE_CLIENT_SECRET'],
      );
    });

    it('starts with real values for all of them, seeding the confidential demo clients (the control)', () => {
      const config = load(seeding);
      expect(config.seedDemoData).toBe(true);
      expect(config.demoOrderServiceSecret).toBe(seeding.ORDER_SERVICE_CLIENT_SECRET);
      expect(config.demoReportingServiceSecret).toBe(seeding.REPORTING_SERVICE_CLIENT_SECRET);
      expect(config.demoUserServiceSecret).toBe(seeding.USER_SERVICE_CLIENT_SECRET);
      // End users (known passwords, a public client) are never seeded in production.
      expect(config.demoUserPasswords).toBeUndefined();
    });

    it.each(placeholders)('production refuses %s placeholder', (name, value) => {
      expect(() => load({ ...seeding, [name]: value })).toThrow(`${name} holds a placeholder or is shorter than 32 characters: refusing to start in production`);
      // The same value is the documented default outside production.
      expect(() => load({ ...seeding, NODE_ENV: 'development', ISSUER: undefined, [name]: value })).not.toThrow();
    });

    it.each(placeholders.map(([name]) => name))('production refuses %s holding a long "change-me" value', (name) => {
      expect(() => load({ ...seeding, [name]: `${'k'.repeat(40)}-please-change-me` })).toThrow(`${name} holds a placeholder`);
    });
  });

  it('refuses an http issuer in production, and issuers with a query or fragment anywhere', () => {
    expect(() => load({ ...strong, ISSUER: 'http://auth.example.com' })).toThrow(/https/);
    expect(() => load({ ...strong, NODE_ENV: 'development', ISSUER: 'https://a.example/?x=1' })).toThrow(/query or fragment/);
  });

  it('accepts the documented development placeholders outside production', () => {
    const config = load({
      KEY_ENCRYPTION_KEY: 'dev-key-encryption-key-change-me-in-production',
      CLIENT_SECRET_PEPPER: 'dev-client-secret-pepper-change-me-in-production',
      ORDER_SERVICE_CLIENT_SECRET: 'dev-order-service-secret-change-me',
      ALICE_PASSWORD: 'alice-dev-password-change-me',
      BOB_PASSWORD: 'bob-dev-password-change-me',
    });
    expect(config.production).toBe(false);
    expect(config.seedDemoData).toBe(true);
    expect(config.issuer).toBe('http://localhost:3000');
  });

  it('secretless demo (DEMO_WORKLOAD_ISSUER): no service secret is read or required, the subjects get the prefix', () => {
    const development = { KEY_ENCRYPTION_KEY: 'dev-key-encryption-key-change-me-in-production', CLIENT_SECRET_PEPPER: 'dev-client-secret-pepper-change-me-in-production', ALICE_PASSWORD: 'a', BOB_PASSWORD: 'b' };
    const config = load({ ...development, DEMO_WORKLOAD_ISSUER: 'http://workload-issuer:8443/', USER_SERVICE_CLIENT_SECRET: 'dev-user-service-secret-change-me' });
    expect(config.demoWorkloadIdentity).toEqual({ issuer: 'http://workload-issuer:8443', subjectPrefix: 'system:serviceaccount:platform:' });
    expect([config.demoOrderServiceSecret, config.demoUserServiceSecret]).toEqual([undefined, undefined]);
    expect(load({ ...development, DEMO_WORKLOAD_ISSUER: 'http://i', DEMO_WORKLOAD_SUBJECT_PREFIX: 'system:serviceaccount:oauth:' }).demoWorkloadIdentity!.subjectPrefix).toBe('system:serviceaccount:oauth:');
    expect(() => load({ ...development, DEMO_WORKLOAD_ISSUER: 'not a url' })).toThrow('DEMO_WORKLOAD_ISSUER must be an absolute URL');
    // Without it, the seed needs order-service's secret as before.
    expect(() => load(development)).toThrow('ORDER_SERVICE_CLIENT_SECRET is not set');
  });

  it('refresh-token absolute lifetime: 30 days unless REFRESH_TOKEN_ABSOLUTE_TTL says otherwise (60 s to 366 days)', () => {
    expect(load(strong).refreshTokenAbsoluteTtlSeconds).toBe(30 * 86_400);
    expect(load({ ...strong, REFRESH_TOKEN_ABSOLUTE_TTL: '86400' }).refreshTokenAbsoluteTtlSeconds).toBe(86_400);
    for (const bad of ['0', '59', '1.5', 'week', String(367 * 86_400)]) {
      expect(() => load({ ...strong, REFRESH_TOKEN_ABSOLUTE_TTL: bad })).toThrow(/REFRESH_TOKEN_ABSOLUTE_TTL/);
    }
  });

  it('failed-authentication throttling: documented defaults, validated overrides, Redis only when REDIS_URL is set', () => {
    expect(load(strong).clientAuthThrottle).toEqual({ clientLimit: 10, addressLimit: 50, windowSeconds: 60, redisUrl: undefined });
    expect(
      load({ ...strong, CLIENT_AUTH_FAILURE_LIMIT: '3', CLIENT_AUTH_ADDRESS_FAILURE_LIMIT: '7', CLIENT_AUTH_FAILURE_WINDOW_SECONDS: '5', REDIS_URL: 'redis://r:6379' })
        .clientAuthThrottle,
    ).toEqual({ clientLimit: 3, addressLimit: 7, windowSeconds: 5, redisUrl: 'redis://r:6379' });
    expect(() => load({ ...strong, CLIENT_AUTH_FAILURE_LIMIT: '0' })).toThrow(/CLIENT_AUTH_FAILURE_LIMIT/);
    expect(() => load({ ...strong, CLIENT_AUTH_ADDRESS_FAILURE_LIMIT: 'many' })).toThrow(/CLIENT_AUTH_ADDRESS_FAILURE_LIMIT/);
    expect(() => load({ ...strong, CLIENT_AUTH_FAILURE_WINDOW_SECONDS: '-1' })).toThrow(/CLIENT_AUTH_FAILURE_WINDOW_SECONDS/);
  });

  it('sign-in protection: documented defaults, validated overrides', () => {
    const { loginProtection } = load(strong);
    expect(loginProtection).toMatchObject({ failureLimit: 5, failureWindowSeconds: 900, hashQueueLimit: 16, hashPerAddress: 4 });
    expect(loginProtection.hashConcurrency).toBeGreaterThanOrEqual(1);
    expect(loginProtection.hashConcurrency).toBeLessThanOrEqual(4);
    expect(
      load({ ...strong, LOGIN_FAILURE_LIMIT: '3', LOGIN_FAILURE_WINDOW_SECONDS: '60', LOGIN_HASH_CONCURRENCY: '8', LOGIN_HASH_QUEUE_LIMIT: '0', LOGIN_HASH_PER_ADDRESS: '1' }).loginProtection,
    ).toEqual({ failureLimit: 3, failureWindowSeconds: 60, hashConcurrency: 8, hashQueueLimit: 0, hashPerAddress: 1 });
    expect(() => load({ ...strong, LOGIN_FAILURE_LIMIT: '0' })).toThrow(/LOGIN_FAILURE_LIMIT/);
    expect(() => load({ ...strong, LOGIN_HASH_CONCURRENCY: '0' })).toThrow(/LOGIN_HASH_CONCURRENCY/);
    expect(() => load({ ...strong, LOGIN_HASH_PER_ADDRESS: 'lots' })).toThrow(/LOGIN_HASH_PER_ADDRESS/);
  });

  it('the token endpoint signs on its own thread unless TOKEN_SIGNING_THREAD=false', () => {
    expect(load(strong).signingThread).toBe(true);
    expect(load({ ...strong, TOKEN_SIGNING_THREAD: 'false' }).signingThread).toBe(false);
    expect(() => load({ ...strong, TOKEN_SIGNING_THREAD: 'no' })).toThrow(/TOKEN_SIGNING_THREAD/);
  });

  it('rejects bad numbers and algorithms', () => {
    expect(() => load({ ...strong, ACCESS_TOKEN_TTL: '10' })).toThrow(/ACCESS_TOKEN_TTL/);
    expect(() => load({ ...strong, SIGNING_ALG: 'HS256' })).toThrow(/SIGNING_ALG/);
  });
});
