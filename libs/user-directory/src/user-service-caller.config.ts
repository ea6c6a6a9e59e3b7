import { ClientAuthMethod, ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';
import { requiredSecret, resourceServerOptionsFromEnv } from '@app/platform';
import { serviceVariables } from './service-variables';

/** A resource server that calls user-service with its own client-credentials token. */
export interface UserServiceCallerConfig {
  port: number;
  host: string;
  auth: ResourceServerAuthOptions;
  /** How the service reaches user-service, and how long it waits. */
  userService: { url: string; audience: string; timeoutMs: number };
  /** The service's own client registration, for its client-credentials tokens. */
  client: ServiceClientCredentials & { tokenEndpoint: string; issuer: string; clientId: string; scopes: string[] };
  redisUrl?: string;
  /** Whose token reads a profile; default client_credentials (the service's own). See UserLookup. */
  userLookup?: UserLookup;
}

/**
 * Which token a profile lookup at user-service carries:
 * - `client_credentials`: the service's own token. It can read any user's profile, whoever's request
 *   the service is serving. The default, as the design documents describe.
 * - `token_exchange`: a token the service obtains for the user it is serving (RFC 8693, `sub` = the
 *   user, `act` = the service). user-service then answers for that user only: a compromised or
 *   confused service cannot read other users through it. One more token request per user per token
 *   lifetime (cached).
 */
export type UserLookup = 'client_credentials' | 'token_exchange';
export const USER_LOOKUPS: readonly UserLookup[] = ['client_credentials', 'token_exchange'];

/** `USER_LOOKUP` as read at boot: unset (or empty) is the default, anything else but the two names stops the app. */
export function userLookupFrom(value: string | undefined, variable = 'USER_LOOKUP'): UserLookup {
  if (value === undefined || value === '') return 'client_credentials';
  if (!(USER_LOOKUPS as readonly string[]).includes(value)) throw new Error(`${variable} must be ${USER_LOOKUPS.join(' or ')}, got "${value}"`);
  return value as UserLookup;
}

/** What a service may do at user-service on behalf of a user (its delegation grant there): read that user's profile. */
export const USER_SERVICE_DELEGATED_SCOPES = ['users:read'];

/** A secret, or (secretless) the workload identity token file the platform keeps rewriting. */
export type ServiceClientCredentials =
  | { clientSecret: string; authMethod?: undefined; assertionFile?: undefined }
  | { authMethod: Extract<ClientAuthMethod, 'federated_jwt'>; assertionFile: string; clientSecret?: undefined };

/**
 * `<PREFIX>_CLIENT_ASSERTION_FILE` set: federated_jwt with that file (README, "Running without client
 * secrets"); the secret is not read. In production no secret may be set beside it (two credentials,
 * one of them forgotten, is how a secret outlives its migration); outside production `.env.example`
 * supplies the demo secrets as defaults, so there the file simply wins. Otherwise
 * `<PREFIX>_CLIENT_SECRET`, required.
 */
export function serviceClientCredentials(variables: { clientSecret: string; clientAssertionFile: string }): ServiceClientCredentials {
  const assertionFile = process.env[variables.clientAssertionFile];
  if (!assertionFile) return { clientSecret: requiredSecret(variables.clientSecret) };
  if (process.env.NODE_ENV === 'production' && process.env[variables.clientSecret]) {
    throw new Error(`${variables.clientAssertionFile} and ${variables.clientSecret} are both set: a federated client has no secret, unset ${variables.clientSecret}`);
  }
  return { authMethod: 'federated_jwt', assertionFile };
}

/** The scopes such a service is registered with on user-service (see `npm run new:service`). */
export const USER_SERVICE_CALLER_SCOPES = ['users:read', 'users:provision'];

/**
 * Read and checked once at boot (inside the service's registerAs): a missing secret or a bad number
 * stops the app with the variable's name. The service is the client `name` (its id overridable), owner
 * of the audience `api://<name>` for introspection and the revocation feed.
 */
export function userServiceCallerConfig(service: { name: string; defaultPort: number }): UserServiceCallerConfig {
  const variables = serviceVariables(service.name);
  const env = process.env;
  const port = Number(env[variables.port] ?? service.defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${variables.port} must be a port number`);
  const clientId = env[variables.clientId] || service.name;
  // The secret is written to .env by `npm run new:service` (or `clients rotate-secret <name>`); the
  // assertion file is mounted by the platform (a projected service-account token, a JWT-SVID).
  const credentials = serviceClientCredentials(variables);
  // Introspection (optional) as its own client, the owner of its audience.
  const auth = resourceServerOptionsFromEnv(env[variables.audience] ?? `api://${service.name}`, service.name, {
    clientId,
    clientSecret: credentials.clientSecret,
    secretVariable: variables.clientSecret,
    assertionFile: credentials.assertionFile,
  });
  const timeoutMs = Number(env.USER_SERVICE_TIMEOUT_MS ?? 2000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error('USER_SERVICE_TIMEOUT_MS must be a positive integer');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    auth,
    userService: {
      url: (env.USER_SERVICE_URL ?? `http://localhost:${env.USER_SERVICE_PORT ?? 3001}`).replace(/\/+$/, ''),
      audience: env.USER_SERVICE_AUDIENCE ?? 'api://user-service',
      timeoutMs,
    },
    client: {
      tokenEndpoint: `${auth.authServerUrl ?? auth.issuer}/oauth/token`,
      issuer: auth.issuer,
      clientId,
      ...credentials,
      // users:provision: the profile of a user met for the first time is created from their token.
      scopes: [...USER_SERVICE_CALLER_SCOPES],
    },
    redisUrl: env.REDIS_URL || undefined,
  };
}
