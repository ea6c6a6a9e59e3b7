import { freePort } from '../../../test/support/ports';
import { basicAuth, postForm, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from './support/auth-server.harness';

/**
 * What the OAuth port shows besides OAuth (issue 10 finding 6): /metrics moves to its own port when
 * METRICS_PORT is set (deploy/k8s sets it), and /docs, /docs-json are off in production unless
 * API_DOCS_ENABLED=true.
 */
describe('exposure of the auth-server port: /metrics and API docs', () => {
  describe('METRICS_PORT set', () => {
    let server: TestAuthServer;
    let metricsUrl: string;

    beforeAll(async () => {
      const metricsPort = await freePort();
      metricsUrl = `http://127.0.0.1:${metricsPort}`;
      server = await startAuthServer({ env: { METRICS_PORT: String(metricsPort), HOST: '127.0.0.1' } });
    });
    afterAll(() => server?.close());

    it('/metrics is not served on the OAuth port: 404, RFC-shaped', async () => {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found', error_description: expect.any(String) });
    });

    it('the metrics port serves the same registry, token counters included, and nothing else', async () => {
      const issued = await postForm(server, '/oauth/token', { grant_type: 'client_credentials' }, {
        headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) },
      });
      expect(issued.status).toBe(200);
      const response = await fetch(`${metricsUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^process_cpu_user_seconds_total\{service="auth-server"\} /m);
      expect(text).toContain('client_id="order-service"');
      expect((await fetch(`${metricsUrl}/oauth/token`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${metricsUrl}/docs-json`)).status).toBe(404);
    });

    it('closes with the app', async () => {
      const metricsPort = await freePort();
      const other = await startAuthServer({ databaseUrl: server.databaseUrl, env: { METRICS_PORT: String(metricsPort), HOST: '127.0.0.1' } });
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      await other.close();
      await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    });
  });

  describe('API docs in production', () => {
    // Production refuses placeholders and plain http issuers: give it what it asks for.
    const production = {
      NODE_ENV: 'production',
      ISSUER: 'https://auth.example.test',
      SEED_DEMO_DATA: 'false',
      // Demo passwords are unset in production (a placeholder left there refuses the boot).
      ALICE_PASSWORD: '',
      BOB_PASSWORD: '',
      KEY_ENCRYPTION_KEY: 'Qx7v9L2m0Zr4Tb8Wc1Ny5Hs3Kd6Fg0Jp',
      CLIENT_SECRET_PEPPER: 'Vn3Bq8Mx1Lc6Zr0Td4Yh7Wk2Ps5Gf9Ja',
    };
    let server: TestAuthServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('/docs and /docs-json are not served unless API_DOCS_ENABLED=true', async () => {
      server = await startAuthServer({ env: { ...production, METRICS_PORT: String(await freePort()), API_DOCS_ENABLED: '' } });
      // Production never serves /metrics on the OAuth port (its own port: METRICS_PORT, else 9464).
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      for (const path of ['/docs', '/docs-json', '/docs/']) {
        expect([path, (await fetch(`${server.url}${path}`)).status]).toEqual([path, 404]);
      }
      // The OAuth endpoints themselves are unaffected.
      expect((await fetch(`${server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
    });

    it('API_DOCS_ENABLED=true turns them on', async () => {
      server = await startAuthServer({ env: { ...production, METRICS_PORT: String(await freePort()), API_DOCS_ENABLED: 'true' } });
      const response = await fetch(`${server.url}/docs-json`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty('/oauth/token');
    });
  });
});
