import { LogLevel } from '@nestjs/common';
import { CryptoKey, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase } from '../../../../test/support/database';
import { freePort } from '../../../../test/support/ports';
import type { AuditActor } from '../../src/audit/audit-log';
import { createAuthServer } from '../../src/bootstrap';
import { ClientGrantsService } from '../../src/clients/client-grants.service';
import { ClientLifecycleService, CreateClientInput } from '../../src/clients/client-lifecycle.service';
import { ClientSecretsService } from '../../src/clients/client-secrets.service';
import { ClientViews } from '../../src/clients/client-views';
import { ResourcesService } from '../../src/resources/resources.service';

export const TEST_DEMO_SECRET = 'test-order-service-secret-with-+/=:%-chars';
/** user-service's own client (owner of api://user-service), seeded like the demo clients. */
export const TEST_USER_SERVICE_SECRET = 'test-user-service-secret-0123456789';

/** Who the audit log says made the changes tests make straight through the services. */
export const TEST_ACTOR: AuditActor = { kind: 'cli', id: 'test' };

/** Environment every test server starts with; tests override single values. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  KEY_ENCRYPTION_KEY: 'test-key-encryption-key-0123456789abcdef',
  CLIENT_SECRET_PEPPER: 'test-client-secret-pepper-0123456789abcdef',
  ORDER_SERVICE_CLIENT_SECRET: TEST_DEMO_SECRET,
  SEED_DEMO_DATA: 'true',
  SIGNING_ALG: 'ES256',
  ACCESS_TOKEN_TTL: '900',
  KEY_ACTIVATION_DELAY: '60',
  CLIENT_CACHE_TTL_MS: '5000',
  DATABASE_LOG_QUERIES: 'false',
  ALICE_PASSWORD: 'alice-test-password',
  BOB_PASSWORD: 'bob-test-password',
  REPORTING_SERVICE_CLIENT_SECRET: 'test-reporting-service-secret',
  USER_SERVICE_CLIENT_SECRET: TEST_USER_SERVICE_SECRET,
  // Suites send many deliberate failures from 127.0.0.1; the throttling tests set their own limits.
  CLIENT_AUTH_FAILURE_LIMIT: '1000000',
  CLIENT_AUTH_ADDRESS_FAILURE_LIMIT: '1000000',
  // Likewise for sign-ins (many from 127.0.0.1, some concurrent); login-protection.e2e-spec sets its own.
  LOGIN_FAILURE_LIMIT: '1000000',
  LOGIN_HASH_PER_ADDRESS: '1000',
  TRUST_PROXY: '',
  REDIS_URL: '',
};

export interface TestAuthServer {
  app: NestFastifyApplication;
  url: string;
  issuer: string;
  databaseUrl: string;
  /** Create, update, enable/disable, delete (ClientLifecycleService). */
  clients: ClientLifecycleService;
  clientSecrets: ClientSecretsService;
  clientGrants: ClientGrantsService;
  clientViews: ClientViews;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Share a database with another server (replicas); a fresh one otherwise. */
  databaseUrl?: string;
  env?: Record<string, string>;
  logger?: LogLevel[] | false;
  /** Runs after the app is created and before it listens (e.g. to add Fastify hooks). */
  beforeListen?: (app: NestFastifyApplication) => void;
}

/** A real auth-server on a real PostgreSQL, listening on a free loopback port. */
export async function startAuthServer(options: StartOptions = {}): Promise<TestAuthServer> {
  const database = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? database!.url;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  Object.assign(process.env, TEST_ENV, { DATABASE_URL: databaseUrl, AUTH_SERVER_PORT: String(port), ISSUER: issuer }, options.env);
  const app = await createAuthServer({ logger: options.logger ?? ['fatal'] });
  options.beforeListen?.(app);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url: issuer,
    issuer,
    databaseUrl,
    clients: app.get(ClientLifecycleService),
    clientSecrets: app.get(ClientSecretsService),
    clientGrants: app.get(ClientGrantsService),
    clientViews: app.get(ClientViews),
    close: async () => {
      // A test may already have stopped the app (auth-server outage drills).
      await app.close().catch(() => undefined);
      await database?.drop();
    },
  };
}

/**
 * Registers a client straight through the service; returns its id and (shown-once) secret. Default
 * grant: users:read at api://user-service (a seeded resource). A resource its grants name that is not
 * registered yet is registered first, defining the grant's scopes (a test's own API); an existing one
 * is left as it is, so a grant of a scope it does not define is refused as in production.
 */
export async function registerClient(
  server: TestAuthServer,
  input: Partial<CreateClientInput> & { clientId: string },
): Promise<{ clientId: string; secret: string }> {
  const grants = input.grants ?? [{ resource: 'api://user-service', scopes: ['users:read'] }];
  const resources = server.app.get(ResourcesService);
  const registered = new Set((await resources.list()).map((resource) => resource.uri));
  for (const grant of grants.filter((grant) => !registered.has(grant.resource))) {
    await resources.create({ uri: grant.resource, scopes: grant.scopes }, TEST_ACTOR);
  }
  const { secret } = await server.clients.create({ ...input, grants }, TEST_ACTOR);
  return { clientId: input.clientId, secret: secret?.secret ?? '' };
}

export function basicAuth(clientId: string, secret: string): string {
  // RFC 6749 Appendix B: form-urlencode each part, then base64.
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export interface PostFormOptions {
  headers?: Record<string, string>;
  /** Raw body (to send malformed or repeated parameters exactly). */
  body?: string;
}

/** POSTs a form to the server; returns status, headers and the parsed JSON body (if any). */
export async function postForm(
  server: TestAuthServer,
  path: string,
  form: Record<string, string>,
  options: PostFormOptions = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    body: options.body ?? new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function requestToken(
  server: TestAuthServer,
  credentials: { clientId: string; secret: string },
  form: Record<string, string> = {},
) {
  return postForm(
    server,
    '/oauth/token',
    { grant_type: 'client_credentials', ...form },
    { headers: { authorization: basicAuth(credentials.clientId, credentials.secret) } },
  );
}

/**
 * POSTs a form with two `Authorization` header lines. fetch() folds repeated headers into one value;
 * node:http sends a raw [name, value, …] list line by line (Host and the body headers given by hand).
 */
export function postFormWithTwoAuthorizations(
  server: TestAuthServer,
  path: string,
  form: Record<string, string>,
  authorizations: [string, string],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(path, server.url);
  const body = new URLSearchParams(form).toString();
  const headers = ['host', url.host, 'content-type', 'application/x-www-form-urlencoded', 'content-length', String(Buffer.byteLength(body))];
  for (const authorization of authorizations) headers.push('authorization', authorization);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject).end(body);
  });
}

/** A private_key_jwt assertion (RFC 7523) for the server's token endpoint, signed ES256 with `kid`. */
export function clientAssertion(server: TestAuthServer, clientId: string, privateKey: CryptoKey, kid: string): Promise<string> {
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(`${server.issuer}/oauth/token`)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(privateKey);
}
