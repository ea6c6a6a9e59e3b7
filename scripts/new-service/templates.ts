/**
 * The files of a new service, modelled on apps/order-service: a resource server for end users that
 * calls user-service with its own client-credentials token. Pure: names in, file contents out.
 */
import { ServiceNames } from './naming';

/** Paths relative to the repository, contents as written. */
export type ServiceFiles = Record<string, string>;

// Interpolated, not written out in the templates: the build's tsc-alias rewrites every `from '@app/…'`
// it finds in the compiled scripts, template strings included, into a relative path.
const DATABASE_LIB = '@app/database';
const PLATFORM_LIB = '@app/platform';

export function serviceFiles(n: ServiceNames, port: number): ServiceFiles {
  const dir = `apps/${n.name}`;
  return {
    [`${dir}/app.json`]: `${JSON.stringify({ port, describe: `resource server, GET /${n.base}/me calls user-service` })}\n`,
    [`${dir}/tsconfig.app.json`]: tsconfigApp(),
    [`${dir}/src/main.ts`]: main(n),
    [`${dir}/src/tracing.ts`]: tracing(n),
    [`${dir}/src/bootstrap.ts`]: bootstrap(n),
    [`${dir}/src/${n.name}.module.ts`]: appModule(n),
    [`${dir}/src/config/${n.name}.config.ts`]: config(n, port),
    [`${dir}/src/config/${n.name}.config.spec.ts`]: configSpec(n, port),
    [`${dir}/src/migrations/index.ts`]: migrations(n),
    [`${dir}/src/me/me.module.ts`]: meModule(),
    [`${dir}/src/me/me.controller.ts`]: meController(n),
    [`${dir}/src/user-service-client/user-service-client.module.ts`]: userServiceClientModule(n),
    [`${dir}/src/user-service-client/user-directory.service.ts`]: userDirectory(n),
    [`${dir}/test/${n.name}.e2e-spec.ts`]: e2eSpec(n),
  };
}

function tsconfigApp(): string {
  return `{
  "extends": "../../tsconfig.json",
  "compilerOptions": { "outDir": "../../dist", "types": ["node"], "incremental": false },
  "include": ["src/**/*.ts", "../../types/**/*.d.ts"],
  "exclude": ["node_modules", "../../dist", "test", "**/*.spec.ts", "**/*.e2e-spec.ts"]
}
`;
}

function tracing(n: ServiceNames): string {
  return `// Imported first by main.ts: with OTEL_* set (README, Tracing) the OpenTelemetry SDK must hook http,
// pg, ioredis and Fastify before anything loads them. With tracing off this loads nothing more.
import { startTracing } from '${PLATFORM_LIB}/tracing';

startTracing('${n.name}');
`;
}

function main(n: ServiceNames): string {
  return `import './tracing';
import { resolveDatabaseUrl } from '${DATABASE_LIB}';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { create${n.pascal} } from './bootstrap';
import { ${n.pascal}Config } from './config/${n.name}.config';

async function main(): Promise<void> {
  const database = await resolveDatabaseUrl();
  const app = await create${n.pascal}();
  const config = app.get(ConfigService).getOrThrow<${n.pascal}Config>('${n.camel}', { infer: true });
  await app.listen(config.port, config.host);
  new Logger('${n.name}').log(
    \`ready on http://localhost:\${config.port} (accepts tokens for \${config.auth.audience}; calls \${config.userService.url})\`,
  );
  app.getHttpServer().once('close', () => void database.stop());
}

main().catch((error: Error) => {
  new Logger('${n.name}').fatal(\`failed to start: \${error.message}\`);
  process.exit(1);
});
`;
}

function bootstrap(n: ServiceNames): string {
  return `import { createHttpApp, HttpAppOptions, resourceServerDocs } from '${PLATFORM_LIB}';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ${n.pascal}Module } from './${n.name}.module';

export function create${n.pascal}(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  return createHttpApp(${n.pascal}Module, {
    realm: '${n.name}',
    // ${n.name} calls user-service and the auth-server: its request ids go along.
    propagateRequestId: true,
    libraryMetrics: ['guard-decisions', 'jwks', 'token-provider'],
    docs: resourceServerDocs('${n.name}', "The signed-in user's profile (user tokens for ${n.audience}), fetched from user-service."),
    ...options,
  });
}
`;
}

function appModule(n: ServiceNames): string {
  return `import { AuthModule } from '@nest-oauth-m2m/auth';
import { databaseConfig, DatabaseModule } from '${DATABASE_LIB}';
import { envFilePaths, HealthModule } from '${PLATFORM_LIB}';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ${n.pascal}Config, ${n.camel}Config } from './config/${n.name}.config';
import { MeModule } from './me/me.module';
import { ${n.upper}_MIGRATIONS } from './migrations';

const settings = (config: ConfigService) => config.getOrThrow<${n.pascal}Config>('${n.camel}', { infer: true });

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [${n.camel}Config, databaseConfig],
      envFilePath: envFilePaths(),
    }),
    // Its own schema: its tables never mix with the other apps'.
    DatabaseModule.forRoot({ schema: '${n.schema}', migrations: ${n.upper}_MIGRATIONS }),
    HealthModule,
    // As a resource server: accepts tokens for ${n.audience}.
    AuthModule.forRootAsync({ inject: [ConfigService], useFactory: (config: ConfigService) => settings(config).auth }),
    MeModule,
  ],
})
export class ${n.pascal}Module {}
`;
}

function config(n: ServiceNames, port: number): string {
  return `import { ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';
import { requiredSecret, resourceServerOptionsFromEnv } from '${PLATFORM_LIB}';
import { registerAs } from '@nestjs/config';

export const ${n.upper}_AUDIENCE = '${n.audience}';

export interface ${n.pascal}Config {
  port: number;
  host: string;
  auth: ResourceServerAuthOptions;
  /** How ${n.name} reaches user-service, and how long it waits. */
  userService: { url: string; audience: string; timeoutMs: number };
  /** ${n.name}'s own client registration, for its client-credentials tokens. */
  client: { tokenEndpoint: string; issuer: string; clientId: string; clientSecret: string; scopes: string[] };
  redisUrl?: string;
}

/** Read and checked once at boot: a missing secret or a bad number stops the app with the variable's name. */
export const ${n.camel}Config = registerAs('${n.camel}', (): ${n.pascal}Config => {
  const port = Number(process.env.${n.upper}_PORT ?? ${port});
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('${n.upper}_PORT must be a port number');
  const clientId = process.env.${n.upper}_CLIENT_ID || '${n.name}';
  // Written to .env by \`npm run new:service\` (or \`clients rotate-secret ${n.name}\`).
  const clientSecret = requiredSecret('${n.upper}_CLIENT_SECRET');
  // Introspection (optional) as its own client, the owner of ${n.audience}.
  const auth = resourceServerOptionsFromEnv(process.env.${n.upper}_AUDIENCE ?? ${n.upper}_AUDIENCE, '${n.name}', {
    clientId,
    clientSecret,
    secretVariable: '${n.upper}_CLIENT_SECRET',
  });
  const timeoutMs = Number(process.env.USER_SERVICE_TIMEOUT_MS ?? 2000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error('USER_SERVICE_TIMEOUT_MS must be a positive integer');
  return {
    port,
    host: process.env.HOST ?? '0.0.0.0',
    auth,
    userService: {
      url: (process.env.USER_SERVICE_URL ?? \`http://localhost:\${process.env.USER_SERVICE_PORT ?? 3001}\`).replace(/\\/+$/, ''),
      audience: process.env.USER_SERVICE_AUDIENCE ?? 'api://user-service',
      timeoutMs,
    },
    client: {
      tokenEndpoint: \`\${auth.authServerUrl ?? auth.issuer}/oauth/token\`,
      issuer: auth.issuer,
      clientId,
      clientSecret,
      // users:provision: the profile of a user met for the first time is created from their token.
      scopes: ['users:read', 'users:provision'],
    },
    redisUrl: process.env.REDIS_URL || undefined,
  };
});
`;
}

function configSpec(n: ServiceNames, port: number): string {
  return `import { configLoader } from '../../../../test/support/config-env';
import { ${n.camel}Config } from './${n.name}.config';

describe('${n.camel}Config (validated at boot)', () => {
  const load = configLoader(${n.camel}Config);
  const production = {
    NODE_ENV: 'production',
    ISSUER: 'https://auth.example.com',
    ${n.upper}_CLIENT_SECRET: 'Oq2Lx7Vb4Nc9Zm1Rt6Yw3Hs8Kd0Fg5Jp',
  };

  it('starts with its own client secret: port, audience and client from the defaults', () => {
    const config = load(production);
    expect(config.port).toBe(${port});
    expect(config.auth.audience).toBe('${n.audience}');
    expect(config.client).toMatchObject({ clientId: '${n.name}', scopes: ['users:read', 'users:provision'], tokenEndpoint: 'https://auth.example.com/oauth/token' });
  });

  it('refuses to start without its secret, or with a placeholder in production', () => {
    expect(() => load({ ...production, ${n.upper}_CLIENT_SECRET: undefined })).toThrow('${n.upper}_CLIENT_SECRET is not set');
    expect(() => load({ ...production, ${n.upper}_CLIENT_SECRET: 'change-me' })).toThrow(/${n.upper}_CLIENT_SECRET holds a placeholder/);
    expect(() => load({ ...production, NODE_ENV: 'development', ${n.upper}_CLIENT_SECRET: 'change-me' })).not.toThrow();
  });

  it('refuses a bad port or timeout, naming the variable', () => {
    expect(() => load({ ...production, ${n.upper}_PORT: 'eighty' })).toThrow('${n.upper}_PORT must be a port number');
    expect(() => load({ ...production, USER_SERVICE_TIMEOUT_MS: '0' })).toThrow('USER_SERVICE_TIMEOUT_MS must be a positive integer');
  });
});
`;
}

function migrations(n: ServiceNames): string {
  return `/**
 * ${n.name}'s migrations, run at start under an advisory lock in its schema (${n.schema}). Add a
 * timestamped class per change (see apps/order-service/src/migrations) and list it here.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ${n.upper}_MIGRATIONS: Function[] = [];
`;
}

function meModule(): string {
  return `import { Module } from '@nestjs/common';
import { UserServiceClientModule } from '../user-service-client/user-service-client.module';
import { MeController } from './me.controller';

@Module({
  imports: [UserServiceClientModule],
  controllers: [MeController],
})
export class MeModule {}
`;
}

function meController(n: ServiceNames): string {
  return `import { InvalidToken, Principal, Scopes, UserOnly } from '@nest-oauth-m2m/auth';
import { Controller, Get } from '@nestjs/common';
import { UserDirectory, UserProfile } from '../user-service-client/user-directory.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The sample route: an end user's own data. The user is only ever the verified token's \`sub\`; the
 * profile comes from user-service, called with ${n.name}'s own token (not the user's).
 */
@Controller('${n.base}')
@UserOnly()
export class MeController {
  constructor(private readonly users: UserDirectory) {}

  @Get('me')
  @Scopes('${n.readScope}')
  me(@Principal() caller: Principal): Promise<UserProfile> {
    // User ids are UUIDs: a token whose subject is not one names no user here.
    if (!UUID.test(caller.subject)) throw new InvalidToken('the token subject is not a user id');
    return this.users.profileOf(caller);
  }
}
`;
}

function userServiceClientModule(n: ServiceNames): string {
  return `import { ClientCredentialsModule } from '@nest-oauth-m2m/auth';
import { propagatedHeaders } from '${PLATFORM_LIB}';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ${n.pascal}Config } from '../config/${n.name}.config';
import { UserDirectory } from './user-directory.service';

/** user-service as a downstream API: ${n.name}'s own client-credentials token for api://user-service. */
@Module({
  imports: [
    ClientCredentialsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const { client, userService, redisUrl } = config.getOrThrow<${n.pascal}Config>('${n.camel}', { infer: true });
        // The request id of the request being served goes along, to user-service and the auth-server.
        return { ...client, audience: userService.audience, redisUrl, timeoutMs: userService.timeoutMs, propagateHeaders: propagatedHeaders };
      },
    }),
  ],
  providers: [UserDirectory],
  exports: [UserDirectory],
})
export class UserServiceClientModule {}
`;
}

function userDirectory(n: ServiceNames): string {
  return `import { DownstreamUnavailable, Principal, ServiceHttpClient, TemporarilyUnavailable } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ${n.camel}Config } from '../config/${n.name}.config';

export interface UserProfile {
  id: string;
  username: string;
  display_name: string;
}

/**
 * user-service, seen from ${n.name}: called with ${n.name}'s own client-credentials token
 * (ServiceHttpClient adds it, and refetches once if user-service says invalid_token).
 */
@Injectable()
export class UserDirectory {
  private readonly logger = new Logger(UserDirectory.name);

  constructor(
    private readonly http: ServiceHttpClient,
    @Inject(${n.camel}Config.KEY) private readonly config: ConfigType<typeof ${n.camel}Config>,
  ) {}

  /**
   * The calling user's profile, as order-service gets it: a user user-service has not met yet gets one
   * just in time from their verified token (sub, preferred_username, name). Never 503 for a missing
   * profile: created, or 404 when the token does not say who the user is.
   */
  async profileOf(caller: Principal): Promise<UserProfile> {
    const found = await this.call('GET', caller.subject);
    if (found.status === 200) return profileOf(found.body);
    if (found.status !== 404) throw this.unexpected(found.status);
    const { preferred_username: username, name } = caller.claims as { preferred_username?: unknown; name?: unknown };
    if (typeof username !== 'string') throw new NotFoundException('no profile at user-service for this user');
    const created = await this.call('PUT', caller.subject, { username, display_name: typeof name === 'string' ? name : username });
    if (created.status === 200 || created.status === 201) return profileOf(created.body);
    if (created.status < 500) throw new NotFoundException(\`user-service could not create a profile for this user (\${created.status})\`);
    throw this.unexpected(created.status);
  }

  private async call(method: 'GET' | 'PUT', userId: string, json?: object): Promise<{ status: number; body: UserProfile }> {
    const { url, timeoutMs } = this.config.userService;
    try {
      return await this.http.request<UserProfile>(\`\${url}/users/\${encodeURIComponent(userId)}\`, { method, timeoutMs, ...(json ? { json } : {}) });
    } catch (error) {
      if (error instanceof DownstreamUnavailable) throw new TemporarilyUnavailable('user-service is unavailable, retry shortly');
      throw error;
    }
  }

  private unexpected(status: number): TemporarilyUnavailable {
    this.logger.warn(\`user-service answered \${status} for a profile lookup\`);
    return new TemporarilyUnavailable(\`user-service answered \${status}\`);
  }
}

function profileOf({ id, username, display_name }: UserProfile): UserProfile {
  return { id, username, display_name };
}
`;
}

function e2eSpec(n: ServiceNames): string {
  return `import { DEMO_USERS } from '${PLATFORM_LIB}';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { registerClient } from '../../auth-server/test/support/auth-server.harness';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { freePort } from '../../../test/support/ports';
import { serviceToken, userToken } from '../../../test/support/tokens';
import { create${n.pascal} } from '../src/bootstrap';

/** A user token for ${n.audience}, signed by the test auth-server's real key. */
function tokenFor(platform: TestPlatform, userId: string, scope: string): string {
  return userToken(platform.auth, userId, scope, { aud: '${n.audience}', client_id: '${n.base}-web' });
}

describe('${n.name}: GET /${n.base}/me', () => {
  let platform: TestPlatform;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    platform = await startPlatform();
    // Registered as \`npm run new:service\` does: users:read and users:provision on user-service, owner of its own audience.
    const { secret } = await registerClient(platform.auth, {
      clientId: '${n.name}',
      grants: [{ resource: 'api://user-service', scopes: ['users:read', 'users:provision'] }],
      ownedAudiences: ['${n.audience}'],
    });
    const port = await freePort();
    Object.assign(process.env, { ${n.upper}_PORT: String(port), ${n.upper}_CLIENT_SECRET: secret, USER_SERVICE_URL: platform.users.url });
    app = await create${n.pascal}({ logger: ['fatal'] });
    await app.listen(port, '127.0.0.1');
    url = \`http://127.0.0.1:\${port}\`;
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const me = (token?: string) => fetch(\`\${url}/${n.base}/me\`, { headers: token ? { authorization: \`Bearer \${token}\` } : {} });

  it("200: the caller's profile, fetched from user-service with ${n.name}'s own token", async () => {
    const response = await me(tokenFor(platform, DEMO_USERS.alice.id, '${n.readScope}'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: DEMO_USERS.alice.id, username: 'alice', display_name: DEMO_USERS.alice.displayName });
    expect(platform.tokenRequests.get('${n.name}')).toBe(1);
  });

  it('401 without a token, 403 without ${n.readScope} or with a service token', async () => {
    expect((await me()).status).toBe(401);
    expect((await me(tokenFor(platform, DEMO_USERS.alice.id, '${n.writeScope}'))).status).toBe(403);
    expect((await me(serviceToken(platform.auth, 'order-service', '${n.audience}', '${n.readScope}'))).status).toBe(403);
  });

  it('a user user-service has not met gets a profile from their token; a token that does not say who is 404', async () => {
    const id = randomUUID();
    const token = userToken(platform.auth, id, '${n.readScope}', { aud: '${n.audience}', client_id: '${n.base}-web', preferred_username: \`u-\${id}\`, name: 'New User' });
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, username: \`u-\${id}\`, display_name: 'New User' });
    expect((await me(tokenFor(platform, randomUUID(), '${n.readScope}'))).status).toBe(404);
  });
});
`;
}
