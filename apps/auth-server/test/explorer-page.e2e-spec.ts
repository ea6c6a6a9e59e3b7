import { startAuthServer, TEST_ENV, TestAuthServer } from './support/auth-server.harness';

describe('flow explorer page (served by the auth-server)', () => {
  describe('enabled (outside production, by default)', () => {
    let server: TestAuthServer;
    beforeAll(async () => {
      server = await startAuthServer({
        env: { EXPLORER_ENABLED: '', EXPLORER_ORDER_SERVICE_URL: 'http://127.0.0.1:45678', EXPLORER_DELEGATED_ORDER_SERVICE_URL: 'http://127.0.0.1:45679' },
      });
    });
    afterAll(() => server.close());

    it('serves the page with a CSP allowing only its own scripts and calls to itself and order-service', async () => {
      for (const path of ['/explorer', '/explorer/callback']) {
        const response = await fetch(`${server.url}${path}`);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('<script src="/explorer/explorer.js" defer></script>');
        const csp = response.headers.get('content-security-policy')!;
        expect(csp).toContain("script-src 'self'");
        // Both order-service instances: USER_LOOKUP=client_credentials and token_exchange (the page's mode switch).
        expect(csp).toContain("connect-src 'self' http://127.0.0.1:45678 http://127.0.0.1:45679;");
        expect(csp).not.toContain('unsafe-inline');
      }
      const script = await fetch(`${server.url}/explorer/explorer.js`);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${server.url}/explorer/nope.js`)).status).toBe(404);
    });

    it('settings name public endpoints and demo ids, with the callback under ISSUER, and no secret', async () => {
      const response = await fetch(`${server.url}/explorer/settings.json`);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({
        issuer: server.issuer,
        clientId: 'demo-app',
        redirectUri: `${server.issuer}/explorer/callback`,
        tokenEndpoint: `${server.issuer}/oauth/token`,
        orderServiceUrl: 'http://127.0.0.1:45678',
        delegatedOrderServiceUrl: 'http://127.0.0.1:45679',
      });
      for (const secret of [TEST_ENV.ORDER_SERVICE_CLIENT_SECRET, TEST_ENV.ALICE_PASSWORD, TEST_ENV.KEY_ENCRYPTION_KEY]) {
        expect(text).not.toContain(secret);
      }
    });
  });

  describe('disabled (EXPLORER_ENABLED=false)', () => {
    let server: TestAuthServer;
    beforeAll(async () => {
      server = await startAuthServer({ env: { EXPLORER_ENABLED: 'false' } });
    });
    afterAll(async () => {
      await server.close();
      process.env.EXPLORER_ENABLED = '';
    });

    it('answers 404 everywhere under /explorer', async () => {
      for (const path of ['/explorer', '/explorer/callback', '/explorer/settings.json', '/explorer/explorer.js']) {
        expect((await fetch(`${server.url}${path}`)).status).toBe(404);
      }
    });
  });
});
