import { createLocalJWKSet, JSONWebKeySet, jwtVerify } from 'jose';
import { basicAuth, postForm, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from './support/auth-server.harness';

describe('discovery (RFC 8414)', () => {
  let server: TestAuthServer;
  const demo = { clientId: 'order-service', secret: TEST_DEMO_SECRET };

  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  const getJson = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  describe('GET /.well-known/oauth-authorization-server', () => {
    it('returns the RFC 8414 metadata of this server', async () => {
      const { status, headers, body } = await getJson(`${server.url}/.well-known/oauth-authorization-server`);
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toMatchObject({
        issuer: server.issuer,
        token_endpoint: `${server.issuer}/oauth/token`,
        jwks_uri: `${server.issuer}/.well-known/jwks.json`,
        introspection_endpoint: `${server.issuer}/oauth/introspect`,
        revocation_endpoint: `${server.issuer}/oauth/revoke`,
        revocation_feed_endpoint: `${server.issuer}/oauth/revocations`,
        authorization_endpoint: `${server.issuer}/oauth/authorize`,
        grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
      // Three ways for confidential clients, plus `none` for the public login client (PKCE).
      expect(body.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt', 'none']);
      // RFC 8414 §2: required with private_key_jwt, and "none" must not be listed.
      expect(body.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
      expect(body.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
      // The revocation feed: confidential clients only, every method (a secretless resource server polls it too).
      expect(body.revocation_feed_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt']);
      expect(body.scopes_supported).toEqual(expect.arrayContaining(['users:read']));
    });

    it('the issuer is exactly the configured one: no trailing slash, no query or fragment', async () => {
      const { body } = await getJson(`${server.url}/.well-known/oauth-authorization-server`);
      expect(body.issuer).toBe(server.issuer);
      const issuer = new URL(String(body.issuer));
      expect(issuer.search).toBe('');
      expect(issuer.hash).toBe('');
      expect(String(body.issuer).endsWith('/')).toBe(false);
    });

    // Issue 10 finding 6: the RFC 8414 document was also served here, without what OpenID Connect
    // Discovery 1.0 §3 requires (subject_types_supported, id_token_signing_alg_values_supported…).
    // This server issues no ID tokens: it is not an OpenID Provider, so it publishes no OpenID document.
    it('/.well-known/openid-configuration is not served: 404, RFC-shaped', async () => {
      const openid = await getJson(`${server.url}/.well-known/openid-configuration`);
      expect(openid.status).toBe(404);
      expect(openid.body).toEqual({ error: 'not_found', error_description: expect.any(String) });
    });
  });

  describe('every advertised URL works', () => {
    let metadata: Record<string, unknown>;
    beforeAll(async () => {
      metadata = (await getJson(`${server.url}/.well-known/oauth-authorization-server`)).body;
    });

    it('jwks_uri: 200 with public signing keys', async () => {
      const { status, body } = await getJson(String(metadata.jwks_uri));
      expect(status).toBe(200);
      const keys = (body as unknown as JSONWebKeySet).keys;
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).toMatchObject({ kid: expect.any(String), use: 'sig', alg: 'ES256' });
        expect(key).not.toHaveProperty('d');
      }
    });

    it('token_endpoint: the demo client gets a token that verifies against jwks_uri', async () => {
      const { status, body } = await postForm(
        server,
        new URL(String(metadata.token_endpoint)).pathname,
        { grant_type: 'client_credentials', scope: 'users:read' },
        { headers: { authorization: basicAuth(demo.clientId, demo.secret) } },
      );
      expect(String(metadata.token_endpoint)).toBe(`${server.url}/oauth/token`);
      expect(status).toBe(200);
      expect(body.token_type).toBe('Bearer');
      const jwks = (await getJson(String(metadata.jwks_uri))).body as unknown as JSONWebKeySet;
      const { payload } = await jwtVerify(String(body.access_token), createLocalJWKSet(jwks), {
        issuer: String(metadata.issuer),
        audience: 'api://user-service',
        algorithms: ['ES256'],
        typ: 'at+jwt',
      });
      expect(payload.scope).toBe('users:read');
    });

    it('introspection_endpoint and revocation_endpoint accept the demo client', async () => {
      const headers = { authorization: basicAuth(demo.clientId, demo.secret) };
      const issued = await fetch(String(metadata.token_endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
      });
      expect(issued.status).toBe(200);
      const token = String(((await issued.json()) as Record<string, unknown>).access_token);

      const post = (url: unknown) =>
        fetch(String(url), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams({ token }).toString(),
        });
      const introspected = await post(metadata.introspection_endpoint);
      expect(introspected.status).toBe(200);
      expect(await introspected.json()).toMatchObject({ active: true, client_id: demo.clientId });
      const revoked = await post(metadata.revocation_endpoint);
      expect(revoked.status).toBe(200);
      const afterRevocation = await post(metadata.introspection_endpoint);
      expect(await afterRevocation.json()).toEqual({ active: false });
    });
  });

  describe('unknown routes', () => {
    it('GET /nope: 404 with an RFC-shaped JSON error, not a 500', async () => {
      const response = await fetch(`${server.url}/nope`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: expect.any(String), error_description: expect.any(String) });
    });

    it('POST to an unknown path under /oauth and GET of an unknown .well-known document: 404 too', async () => {
      const post = await postForm(server, '/oauth/nope', { token: 'x' });
      expect(post.status).toBe(404);
      expect(post.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
      const wellKnown = await getJson(`${server.url}/.well-known/nope`);
      expect(wellKnown.status).toBe(404);
      expect(wellKnown.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
    });
  });
});
