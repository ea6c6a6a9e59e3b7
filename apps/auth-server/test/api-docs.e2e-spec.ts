import { ApiDocument, documentedOperations, fetchApiDocument, recordRoutes, RegisteredRoute } from '../../../test/support/api-docs';
import { startAuthServer, TestAuthServer } from './support/auth-server.harness';

const byKey = (routes: RegisteredRoute[]) => routes.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort();

describe('auth-server OpenAPI document', () => {
  let server: TestAuthServer;
  let registered: RegisteredRoute[] = [];
  let document: ApiDocument;

  beforeAll(async () => {
    server = await startAuthServer({
      beforeListen: (app) => {
        registered = recordRoutes(app);
      },
    });
    document = await fetchApiDocument(server.url);
  });
  afterAll(() => server.close());

  it('documents every registered route, and nothing else', () => {
    expect(registered.length).toBeGreaterThan(5);
    expect(byKey(documentedOperations(document))).toEqual(byKey(registered));
  });

  it('declares client_secret_basic, OAuth2 at the real token URL and bearer JWT', () => {
    expect(document.components.securitySchemes).toMatchObject({
      client_secret_basic: { type: 'http', scheme: 'basic' },
      oauth2: {
        type: 'oauth2',
        flows: {
          clientCredentials: { tokenUrl: `${server.issuer}/oauth/token` },
          authorizationCode: { authorizationUrl: `${server.issuer}/oauth/authorize`, tokenUrl: `${server.issuer}/oauth/token` },
        },
      },
      bearer: { type: 'http', scheme: 'bearer' },
    });
  });

  const isAdmin = (route: RegisteredRoute) => route.path.startsWith('/admin/');

  it('client-authenticated endpoints say so (Basic or body credentials) and reject anonymous callers; the rest need nothing', async () => {
    for (const route of registered.filter((route) => !isAdmin(route))) {
      const operation = document.paths[route.path][route.method];
      const response = await fetch(`${server.url}${route.path}`, {
        method: route.method.toUpperCase(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: route.method === 'get' ? undefined : 'grant_type=client_credentials&token=x',
        redirect: 'manual',
      });
      const rejectsAnonymous = response.status === 401 && ((await response.json()) as { error: string }).error === 'invalid_client';
      const documented = operation.security ?? [];
      expect([route, documented]).toEqual([route, rejectsAnonymous ? [{ client_secret_basic: [] }, {}] : []]);
    }
  });

  it('lists every admin route with its area scope or admin on a service token, and each refuses anonymous callers with a Bearer challenge', async () => {
    const admin = registered.filter(isAdmin);
    expect(byKey(admin)).toEqual(
      expect.arrayContaining([
        'GET /admin/clients',
        'POST /admin/clients',
        'PATCH /admin/clients/{clientId}',
        'POST /admin/clients/{clientId}/secrets',
        'POST /admin/users',
        'GET /admin/resources/{uri}',
      ]),
    );
    for (const route of admin) {
      const operation = document.paths[route.path][route.method] as { security?: unknown; description?: string; tags?: string[] };
      const area = `admin:${route.path.split('/')[2]}`;
      expect([route, operation.security]).toEqual([route, [{ oauth2: [area] }, { oauth2: ['admin'] }, { bearer: [] }]]);
      expect(operation.description).toContain(`scopes: one of \`${area}\` or \`admin\`. Service tokens only`);
      expect(operation.tags).toEqual(['admin']);
      const response = await fetch(`${server.url}${route.path.replace(/\{[^}]+\}/g, 'x')}`, { method: route.method.toUpperCase() });
      expect([route, response.status, response.headers.get('www-authenticate')]).toEqual([route, 401, 'Bearer realm="auth-server"']);
    }
    expect(document.components.securitySchemes.oauth2).toMatchObject({ flows: { clientCredentials: { scopes: { admin: expect.any(String), 'admin:clients': expect.any(String), 'admin:users': expect.any(String), 'admin:resources': expect.any(String) } } } });
  });

  it('documents the form body and the RFC 6749 error responses of the token endpoint', () => {
    const token = document.paths['/oauth/token'].post as unknown as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };
      responses: Record<string, unknown>;
    };
    const form = token.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.required).toEqual(['grant_type']);
    expect(Object.keys(form.properties)).toEqual(expect.arrayContaining(['grant_type', 'scope', 'client_id', 'client_assertion']));
    expect(Object.keys(token.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
  });

  it('serves helmet secure headers on pages (default-src self CSP), and nosniff + HSTS on JSON', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const json = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
    expect(json.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(json.headers.get('content-security-policy')).toBeNull();
  });
});
