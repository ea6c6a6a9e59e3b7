import { DEMO_USERS } from '@app/platform';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { postForm, requestToken, startAuthServer, TestAuthServer } from './support/auth-server.harness';
import { login, pkcePair } from './support/login';

const alice = { username: 'alice', password: 'alice-test-password' };

describe('end-user login: authorization code + PKCE (demo-app)', () => {
  let server: TestAuthServer;
  const redirectUri = 'http://127.0.0.1:53999/callback';

  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  const authorizeParams = (challenge: string, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'demo-app',
    redirect_uri: redirectUri,
    scope: 'orders:read orders:write',
    state: 'state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  const exchange = (code: string, verifier: string, extra: Record<string, string> = {}) =>
    postForm(server, '/oauth/token', { grant_type: 'authorization_code', client_id: 'demo-app', code, redirect_uri: redirectUri, code_verifier: verifier, ...extra });

  async function codeFor(pkce = pkcePair()) {
    const result = await login(server.url, authorizeParams(pkce.challenge), alice);
    expect(result.status).toBe(302);
    return { code: result.location!.searchParams.get('code')!, ...pkce, location: result.location! };
  }

  it('logs alice in and issues a user access token (RFC 9068) plus a refresh token', async () => {
    const { code, verifier, location } = await codeFor();
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('iss')).toBe(server.issuer);

    const { status, headers, body } = await exchange(code, verifier);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'orders:read orders:write',
      refresh_token: expect.any(String),
    });
    const { payload } = await jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
      issuer: server.issuer,
      audience: 'api://order-service',
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ sub: DEMO_USERS.alice.id, client_id: 'demo-app', scope: 'orders:read orders:write' });
    expect(typeof payload.auth_time).toBe('number');
  });

  it('rotates refresh tokens; reusing an old one is invalid_grant and revokes the family', async () => {
    const { code, verifier } = await codeFor();
    const first = (await exchange(code, verifier)).body;
    const second = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: String(first.refresh_token) });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);

    const narrowed = await postForm(server, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'demo-app',
      refresh_token: String(second.body.refresh_token),
      scope: 'orders:read',
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('orders:read');

    const reuse = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: String(first.refresh_token) });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    const afterReuse = await postForm(server, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'demo-app',
      refresh_token: String(narrowed.body.refresh_token),
    });
    expect(afterReuse.body.error).toBe('invalid_grant');
  });

  it('a refresh may narrow the scope, never widen it', async () => {
    const { code, verifier } = await codeFor();
    const { body } = await exchange(code, verifier);
    const wider = await postForm(server, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'demo-app',
      refresh_token: String(body.refresh_token),
      scope: 'orders:read users:read',
    });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
  });

  it('codes are single use: a second exchange fails and revokes what the first produced', async () => {
    const { code, verifier } = await codeFor();
    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    const second = await exchange(code, verifier);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    const refresh = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: String(first.body.refresh_token) });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('a wrong code_verifier, a different redirect_uri, or no verifier: invalid_grant / invalid_request', async () => {
    const wrongVerifier = await codeFor();
    expect((await exchange(wrongVerifier.code, pkcePair().verifier)).body.error).toBe('invalid_grant');
    const wrongRedirect = await codeFor();
    expect((await exchange(wrongRedirect.code, wrongRedirect.verifier, { redirect_uri: 'http://127.0.0.1:1/callback' })).body.error).toBe('invalid_grant');
    const noVerifier = await codeFor();
    const response = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', client_id: 'demo-app', code: noVerifier.code, redirect_uri: redirectUri });
    expect(response.body.error).toBe('invalid_request');
  });

  it('a wrong password gives no code, the same generic message as an unknown user', async () => {
    const { challenge } = pkcePair();
    const wrong = await login(server.url, authorizeParams(challenge), { username: 'alice', password: 'nope' });
    const unknown = await login(server.url, authorizeParams(challenge), { username: 'mallory', password: 'nope' });
    for (const result of [wrong, unknown]) {
      expect(result.status).toBe(400);
      expect(result.location).toBeUndefined();
      expect(result.html).toContain('Invalid username or password.');
      expect(result.html).not.toContain('nope');
    }
  });

  it('PKCE is required, and plain is refused (error sent to the registered redirect URI)', async () => {
    const { challenge } = pkcePair();
    const cases: Record<string, string>[] = [{ code_challenge_method: 'plain' }, { code_challenge: '' }];
    for (const extra of cases) {
      const result = await login(server.url, authorizeParams(challenge, extra), alice);
      expect(result.status).toBe(302);
      expect(result.location!.searchParams.get('error')).toBe('invalid_request');
      expect(result.location!.searchParams.get('state')).toBe('state-123');
    }
  });

  it('an unregistered redirect_uri is never redirected to: 400 page instead', async () => {
    const { challenge } = pkcePair();
    for (const uri of ['https://evil.example/callback', 'http://localhost:53999/callback', 'http://127.0.0.1:53999/other']) {
      const result = await login(server.url, authorizeParams(challenge, { redirect_uri: uri }), alice);
      expect(result.status).toBe(400);
      expect(result.location).toBeUndefined();
      expect(result.html).toContain('redirect_uri is not registered');
    }
  });

  it('loopback redirect URIs work on any port (RFC 8252 §7.3)', async () => {
    const { challenge } = pkcePair();
    const result = await login(server.url, authorizeParams(challenge, { redirect_uri: 'http://127.0.0.1:40123/callback' }), alice);
    expect(result.status).toBe(302);
    expect(result.location!.port).toBe('40123');
  });

  it('a missing or mismatched CSRF token is refused', async () => {
    const { challenge } = pkcePair();
    expect((await login(server.url, authorizeParams(challenge), alice, { csrf: 'forged' })).status).toBe(400);
    expect((await login(server.url, authorizeParams(challenge), alice, { dropCookie: true })).status).toBe(400);
  });

  it('escapes reflected values in the page', async () => {
    const { challenge } = pkcePair();
    const page = await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(authorizeParams(challenge, { state: '"><script>alert(1)</script>' }))}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('a public client cannot use client_credentials, and cannot introspect', async () => {
    const cc = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'demo-app' });
    expect(cc.status).toBe(400);
    expect(cc.body.error).toBe('unauthorized_client');
    const introspect = await postForm(server, '/oauth/introspect', { token: 'x', client_id: 'demo-app' });
    expect(introspect.status).toBe(401);
  });

  it('a confidential client cannot skip authentication by sending only its client_id', async () => {
    const response = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'order-service' });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    // …while with its secret it still works
    expect((await requestToken(server, { clientId: 'order-service', secret: 'test-order-service-secret-with-+/=:%-chars' })).status).toBe(200);
  });
});
