import { demoSeedingEnabled, optionalSecret, requiredSecret } from '@app/platform';
import { registerAs } from '@nestjs/config';
import { defaultLoginHashConcurrency, MAX_LOGIN_HASH_CONCURRENCY } from '../thread-pool';

export type SigningAlgorithm = 'ES256' | 'RS256';

/** The longest ACCESS_TOKEN_TTL allowed: also how long a revoked grant is remembered. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;

export interface AuthServerConfig {
  port: number;
  host: string;
  /** `iss` of every token and base of every endpoint URL (RFC 8414). */
  issuer: string;
  accessTokenTtlSeconds: number;
  /**
   * Absolute lifetime of an end-user login's refresh tokens, counted from the login (auth_time):
   * rotation hands out new refresh tokens, never one that outlives this (RFC 9700 §4.14.2).
   */
  refreshTokenAbsoluteTtlSeconds: number;
  signingAlgorithm: SigningAlgorithm;
  /** Encrypts signing keys' private parts at rest. */
  keyEncryptionKey: string;
  /** HMAC key for client-secret hashes: a stolen table alone cannot be checked offline. */
  clientSecretPepper: string;
  /** A rotated-in key is published this long before it signs, so resource servers can fetch it first. */
  keyActivationDelaySeconds: number;
  /** How often each replica re-reads the key set (picks up rotations made elsewhere). */
  keyReloadIntervalSeconds: number;
  /** How long a client's registration may be served from memory before it is read again. */
  clientCacheTtlMs: number;
  /** Audience given to clients created without one. */
  defaultAudience: string;
  /** Seed the demo client(s) at start. */
  seedDemoData: boolean;
  demoOrderServiceSecret?: string;
  /**
   * Secretless demo (DEMO_WORKLOAD_ISSUER): the seed trusts this workload identity issuer and makes
   * order-service and user-service federated_jwt clients of it (sub = subjectPrefix + client id), with
   * no secret. The compose `workload-identity` profile and `npm start -- --workload-identity` use it.
   */
  demoWorkloadIdentity?: { issuer: string; subjectPrefix: string };
  /** Demo client without users:read, so the demo can show 403 insufficient_scope. */
  demoReportingServiceSecret?: string;
  /** user-service's own client: owns api://user-service, so it may introspect tokens issued for it. */
  demoUserServiceSecret?: string;
  /** Demo end users' passwords: set (ALICE_PASSWORD, BOB_PASSWORD required) when seeding outside production. */
  demoUserPasswords?: { alice: string; bob: string };
  /** Throttling of failed client authentication (see ClientAuthThrottle). */
  clientAuthThrottle: {
    /** Failures per client id from one address within the window before that pair gets 429. */
    clientLimit: number;
    /** Failures from one address (any client id) within the window before it gets 429. */
    addressLimit: number;
    windowSeconds: number;
    /** Share the counters between replicas through Redis when set. */
    redisUrl?: string;
  };
  /** End-user sign-in protection (see authorization/login-protection). */
  loginProtection: {
    /** Wrong passwords per account from one address before each further one waits (backoff). */
    failureLimit: number;
    /** How long failures are remembered after the last one. */
    failureWindowSeconds: number;
    /** Password hashes (scrypt) computed at once; the rest wait in the queue. */
    hashConcurrency: number;
    /** Sign-ins waiting for a hash slot before new ones are refused (503). */
    hashQueueLimit: number;
    /** Sign-ins one address may have running or waiting (then 429): one address cannot fill the queue. */
    hashPerAddress: number;
  };
  /**
   * CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS: clients' jwks_uri may point at loopback, link-local and private
   * addresses (development, compose). Off by default: see clients/jwks-uri-policy.ts.
   */
  clientJwksAllowPrivateNetworks: boolean;
  /**
   * FEDERATED_JWKS_COOLDOWN_MS: a federated assertion signed with a key id a trusted issuer's cached
   * keys lack refetches them at most this often (rotation is picked up; random kids cannot flood it).
   */
  federatedJwksCooldownMs: number;
  /**
   * TOKEN_SIGNING_THREAD (default true): the token endpoint signs on a thread of its own
   * (token/signing-thread.ts), ~25 % less CPU per token than libuv's thread pool, for ~11 MB more
   * resident memory; false signs in the thread pool.
   */
  signingThread: boolean;
  production: boolean;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false`);
  return raw === 'true';
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

/**
 * Demo end users exist outside production only; when they are seeded their passwords must be set.
 * In production they are never seeded, but a placeholder still set there means a development
 * environment was copied into production: refused like every other placeholder, whatever
 * SEED_DEMO_DATA says.
 */
function demoUserPasswords(production: boolean, seeding: boolean): { alice: string; bob: string } | undefined {
  if (production) {
    optionalSecret('ALICE_PASSWORD', production);
    optionalSecret('BOB_PASSWORD', production);
    return undefined;
  }
  return seeding ? { alice: requiredSecret('ALICE_PASSWORD', production), bob: requiredSecret('BOB_PASSWORD', production) } : undefined;
}

export const authServerConfig = registerAs('authServer', (): AuthServerConfig => {
  const production = process.env.NODE_ENV === 'production';
  const port = integer('AUTH_SERVER_PORT', 3000, 0, 65535);
  const issuer = (process.env.ISSUER ?? `http://localhost:${port}`).replace(/\/+$/, '');
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw new Error('ISSUER must be an absolute URL');
  }
  if (issuerUrl.search || issuerUrl.hash) throw new Error('ISSUER must not have a query or fragment (RFC 8414 §2)');
  if (production && issuerUrl.protocol !== 'https:') throw new Error('ISSUER must be https in production');
  const signingAlgorithm = (process.env.SIGNING_ALG ?? 'ES256') as SigningAlgorithm;
  if (!['ES256', 'RS256'].includes(signingAlgorithm)) throw new Error('SIGNING_ALG must be ES256 or RS256');
  const seedDemoData = demoSeedingEnabled();
  const demoWorkloadIdentity = seedDemoData ? demoWorkloadIdentityFromEnv() : undefined;
  return {
    port,
    host: process.env.HOST ?? '0.0.0.0',
    issuer,
    accessTokenTtlSeconds: integer('ACCESS_TOKEN_TTL', 900, 30, MAX_ACCESS_TOKEN_TTL_SECONDS),
    refreshTokenAbsoluteTtlSeconds: integer('REFRESH_TOKEN_ABSOLUTE_TTL', 30 * 86_400, 60, 366 * 86_400),
    signingAlgorithm,
    keyEncryptionKey: requiredSecret('KEY_ENCRYPTION_KEY', production),
    clientSecretPepper: requiredSecret('CLIENT_SECRET_PEPPER', production),
    keyActivationDelaySeconds: integer('KEY_ACTIVATION_DELAY', 60, 0, 86_400),
    keyReloadIntervalSeconds: integer('KEY_RELOAD_INTERVAL', 30, 1, 3_600),
    clientCacheTtlMs: integer('CLIENT_CACHE_TTL_MS', 5_000, 0, 600_000),
    defaultAudience: process.env.DEFAULT_AUDIENCE ?? 'api://default',
    seedDemoData,
    // A secretless demo seeds order-service without a secret: none is needed then.
    demoOrderServiceSecret: seedDemoData && !demoWorkloadIdentity ? requiredSecret('ORDER_SERVICE_CLIENT_SECRET', production) : undefined,
    demoWorkloadIdentity,
    demoReportingServiceSecret: seedDemoData ? optionalSecret('REPORTING_SERVICE_CLIENT_SECRET', production) : undefined,
    demoUserServiceSecret: seedDemoData && !demoWorkloadIdentity ? optionalSecret('USER_SERVICE_CLIENT_SECRET', production) : undefined,
    demoUserPasswords: demoUserPasswords(production, seedDemoData),
    clientAuthThrottle: {
      clientLimit: integer('CLIENT_AUTH_FAILURE_LIMIT', 10, 1, 1_000_000),
      addressLimit: integer('CLIENT_AUTH_ADDRESS_FAILURE_LIMIT', 50, 1, 1_000_000),
      windowSeconds: integer('CLIENT_AUTH_FAILURE_WINDOW_SECONDS', 60, 1, 86_400),
      redisUrl: process.env.REDIS_URL || undefined,
    },
    loginProtection: {
      failureLimit: integer('LOGIN_FAILURE_LIMIT', 5, 1, 1_000_000),
      failureWindowSeconds: integer('LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
      // scrypt runs on libuv's thread pool, which main.ts sizes to this + 4 (thread-pool.ts).
      hashConcurrency: integer('LOGIN_HASH_CONCURRENCY', defaultLoginHashConcurrency(), 1, MAX_LOGIN_HASH_CONCURRENCY),
      hashQueueLimit: integer('LOGIN_HASH_QUEUE_LIMIT', 16, 0, 10_000),
      hashPerAddress: integer('LOGIN_HASH_PER_ADDRESS', 4, 1, 1_000),
    },
    clientJwksAllowPrivateNetworks: flag('CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS', false),
    federatedJwksCooldownMs: integer('FEDERATED_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
    signingThread: flag('TOKEN_SIGNING_THREAD', true),
    production,
  };
});

/** DEMO_WORKLOAD_ISSUER (an http(s) URL) and DEMO_WORKLOAD_SUBJECT_PREFIX (default `system:serviceaccount:platform:`). */
function demoWorkloadIdentityFromEnv(): AuthServerConfig['demoWorkloadIdentity'] {
  const issuer = process.env.DEMO_WORKLOAD_ISSUER;
  if (!issuer) return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error('DEMO_WORKLOAD_ISSUER must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('DEMO_WORKLOAD_ISSUER must be an http(s) URL');
  return { issuer: issuer.replace(/\/+$/, ''), subjectPrefix: process.env.DEMO_WORKLOAD_SUBJECT_PREFIX || 'system:serviceaccount:platform:' };
}
