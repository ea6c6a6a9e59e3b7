import { AuthModule, readRouteAuthRequirements } from '@nest-oauth-m2m/auth';
import { Controller, Get, INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPlatform, TestPlatform } from './support/platform.harness';
import { serviceToken } from './support/tokens';

const ROOT = resolve(__dirname, '..');

/**
 * Every app under apps/ (as `npm start` finds them: a folder with src/main.ts), so a new service is
 * checked the day it is added. Each app's src/bootstrap.ts exports its `create…()` factory.
 */
const APPS = readdirSync(join(ROOT, 'apps'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'apps', entry.name, 'src', 'main.ts')))
  .map((entry) => entry.name)
  .sort();

/** The apps the platform harness already runs, by folder. */
const HARNESS_APPS = { 'auth-server': 'auth', 'user-service': 'users', 'order-service': 'orders' } as const;

type CreateApp = (options: { logger: false }) => Promise<INestApplication>;

/** Any other app, created (not listening) from its bootstrap, with a client secret of its own. */
async function createOtherApp(name: string, platform: TestPlatform): Promise<INestApplication> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is known only at run time
  const bootstrap = require(join(ROOT, 'apps', name, 'src', 'bootstrap')) as Record<string, unknown>;
  const factories = Object.entries(bootstrap).filter(([exported, value]) => exported.startsWith('create') && typeof value === 'function');
  if (factories.length !== 1) throw new Error(`apps/${name}/src/bootstrap.ts must export one create…() factory, found ${factories.length}`);
  const upper = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  Object.assign(process.env, { [`${upper}_CLIENT_SECRET`]: `test-${name}-secret-0123456789abcdef`, USER_SERVICE_URL: platform.users.url });
  return (factories[0]![1] as CreateApp)({ logger: false });
}

interface RouteDecision {
  route: string;
  decision: 'public' | 'scopes' | 'token kind' | 'none';
}

/** Every HTTP route of an app and the auth decision its decorators make. */
function routeDecisions(app: INestApplication): RouteDecision[] {
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  const decisions: RouteDecision[] = [];
  const controllers = [...app.get(ModulesContainer).values()].flatMap((module) => [...module.controllers.values()]);
  for (const wrapper of controllers) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || !wrapper.metatype) continue;
    const controller = wrapper.metatype;
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const handler = instance[name] as object;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const route = `${String(Reflect.getMetadata(PATH_METADATA, controller))}/${String(Reflect.getMetadata(PATH_METADATA, handler))}`;
      // The guards' own reading of the decorators (handler over controller).
      const required = readRouteAuthRequirements(reflector, handler, controller);
      const decision = required.isPublic ? 'public' : required.scopes.length || required.anyScopes.length ? 'scopes' : required.tokenKind ? 'token kind' : 'none';
      decisions.push({ route: `${controller.name} ${route}`, decision });
    }
  }
  return decisions;
}

describe('every route of every app makes an explicit auth decision', () => {
  let platform: TestPlatform;
  const apps = new Map<string, INestApplication>();
  const created: INestApplication[] = [];
  beforeAll(async () => {
    platform = await startPlatform();
    for (const name of APPS) {
      const harnessApp = HARNESS_APPS[name as keyof typeof HARNESS_APPS];
      if (harnessApp) {
        apps.set(name, platform[harnessApp].app);
      } else {
        const app = await createOtherApp(name, platform);
        created.push(app);
        apps.set(name, app);
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const app of created) await app.close();
    await platform?.close();
  });

  it('finds the apps npm start runs', () => {
    expect(APPS).toEqual(expect.arrayContaining(['auth-server', 'order-service', 'user-service']));
  });

  it.each(APPS)(
    '%s: @Public, @Scopes, @UserOnly or @ServiceOnly on every route',
    (name) => {
      const decisions = routeDecisions(apps.get(name)!);
      expect(decisions.length).toBeGreaterThan(1);
      expect(decisions.filter((d) => d.decision === 'none')).toEqual([]);
    },
  );

  it('a route without any decorator still requires a token (deny by default)', async () => {
    @Controller('forgotten')
    class ForgottenController {
      @Get()
      open() {
        return { reached: true };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthModule.forRoot({ issuer: platform.auth.issuer, audience: 'api://user-service', authServerUrl: platform.auth.url, realm: 'test' }),
      ],
      controllers: [ForgottenController],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    // No filter registered here: AuthModule renders its own errors.
    await app.listen(0, '127.0.0.1');
    try {
      const url = `${await app.getUrl()}/forgotten`.replace('[::1]', '127.0.0.1');
      const anonymous = await fetch(url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="test"');
      const token = serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read');
      const authenticated = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(authenticated.status).toBe(200);
      expect(await authenticated.json()).toEqual({ reached: true });
    } finally {
      await app.close();
    }
  });
});
