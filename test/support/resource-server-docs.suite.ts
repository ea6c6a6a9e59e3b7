import { DEMO_USERS } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { startPlatform, TestPlatform, TestService } from './platform.harness';
import { ApiDocument, callOperation, challengedScopes, documentedOperations, fetchApiDocument, recordRoutes, RegisteredRoute } from './api-docs';
import { serviceToken, userToken } from './tokens';

const byKey = (routes: RegisteredRoute[]) => routes.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort();

/**
 * For a resource server: every route Fastify registered is in /docs-json, and each operation's
 * documented security is what the guards really do (checked by calling it: public routes answer
 * without a token; guarded ones 401 without, and their 403 challenge names exactly the documented scopes).
 */
export function describeResourceServerDocs(name: string, audience: string, pick: (platform: TestPlatform) => TestService): void {
  describe(`${name} OpenAPI document`, () => {
    let platform: TestPlatform;
    let service: TestService;
    let registered: RegisteredRoute[] = [];
    let document: ApiDocument;
    const build = jest.spyOn(SwaggerModule, 'createDocument');
    let builtAtStart = -1;
    let builtByFirstRequest = -1;
    const record = (app: NestFastifyApplication) => {
      registered = recordRoutes(app);
    };

    beforeAll(async () => {
      platform = await startPlatform(name === 'user-service' ? { beforeUsersListen: record } : { beforeOrdersListen: record });
      service = pick(platform);
      builtAtStart = build.mock.calls.length;
      document = await fetchApiDocument(service.url);
      builtByFirstRequest = build.mock.calls.length;
    });
    afterAll(async () => {
      build.mockRestore();
      await platform.close();
    });

    it('builds the document on its first request, not at start, and only once', async () => {
      expect([builtAtStart, builtByFirstRequest]).toEqual([0, 1]);
      await fetchApiDocument(service.url);
      expect((await fetch(`${service.url}/docs`)).status).toBe(200);
      expect(build).toHaveBeenCalledTimes(1);
    });

    it('/docs serves the UI and /docs-json is public', async () => {
      const ui = await fetch(`${service.url}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      expect(await ui.text()).toContain('swagger-ui');
      // The UI's assets are swagger-ui-dist's files, and only those; its script reads /docs-json.
      const bundle = await fetch(`${service.url}/docs/swagger-ui-bundle.js`);
      expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
      const init = await fetch(`${service.url}/docs/swagger-ui-init.js`);
      expect([init.status, init.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
      expect(await init.text()).toContain('"../docs-json"');
      for (const path of ['/docs/package.json', '/docs/LICENSE', '/docs/..%2F..%2Fpackage.json']) expect([path, (await fetch(`${service.url}${path}`)).status]).toEqual([path, 404]);
      // Its CSP lets "Authorize" reach the issuer's token endpoint.
      expect(ui.headers.get('content-security-policy')).toContain(`connect-src 'self' ${platform.auth.issuer}`);
    });

    it('declares OAuth2 client credentials at the real token URL and a bearer JWT scheme', () => {
      expect(document.components.securitySchemes).toMatchObject({
        oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${platform.auth.issuer}/oauth/token` } } },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      });
    });

    it('documents every registered route, and nothing else', () => {
      expect(registered.length).toBeGreaterThanOrEqual(2);
      expect(byKey(documentedOperations(document))).toEqual(byKey(registered));
    });

    it("each operation's security requirement is what the guards enforce", async () => {
      const anyScopeTokens = [
        userToken(platform.auth, DEMO_USERS.alice.id, '', { aud: audience }),
        serviceToken(platform.auth, 'order-service', audience, ''),
      ];
      for (const route of registered) {
        const operation = document.paths[route.path][route.method];
        const anonymous = await callOperation(service.url, route);
        if (operation.security?.length === 0) {
          expect([route, anonymous.status]).not.toEqual([route, 401]);
          continue;
        }
        const oauth2 = operation.security?.find((requirement) => 'oauth2' in requirement)?.oauth2;
        expect({ route, bearer: operation.security?.some((requirement) => 'bearer' in requirement) }).toEqual({ route, bearer: true });
        expect([route, anonymous.status]).toEqual([route, 401]);
        const forbidden: (string[] | undefined)[] = [];
        for (const token of anyScopeTokens) {
          const response = await callOperation(service.url, route, token);
          if (response.status === 403) forbidden.push(challengedScopes(response));
        }
        // A route needing scopes refuses scope-less tokens, naming exactly the documented scopes.
        if (oauth2?.length) expect([route, forbidden[0]]).toEqual([route, [...oauth2].sort()]);
        else expect([route, forbidden.flat()]).toEqual([route, []]);
      }
    });
  });
}
