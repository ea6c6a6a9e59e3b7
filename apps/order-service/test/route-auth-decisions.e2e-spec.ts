import { AuthModule, readRouteAuthRequirements } from '@nest-oauth-m2m/auth';
import { Controller, Get, INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { serviceToken } from '../../../test/support/tokens';

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
      const decision = required.isPublic ? 'public' : required.scopes.length ? 'scopes' : required.tokenKind ? 'token kind' : 'none';
      decisions.push({ route: `${controller.name} ${route}`, decision });
    }
  }
  return decisions;
}

describe('every resource-server route makes an explicit auth decision', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform.close());

  it.each(['users', 'orders'] as const)('%s-service: @Public, @Scopes, @UserOnly or @ServiceOnly on every route', (name) => {
    const decisions = routeDecisions(platform[name].app);
    expect(decisions.length).toBeGreaterThan(1);
    expect(decisions.filter((d) => d.decision === 'none')).toEqual([]);
  });

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
