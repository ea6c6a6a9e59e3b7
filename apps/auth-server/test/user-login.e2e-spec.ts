import { DEMO_USERS } from '@app/platform';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { Client } from 'pg';
import { postForm, registerClient, requestToken, startAuthServer, TEST_DEMO_SECRET, TestAuthServer, TEST_ACTOR } from './support/auth-server.harness';
import { ClientGrantsService } from '../src/clients/client-grants.service';
import { ResourcesService } from '../src/resources/resources.service';
import { OutputCapture } from './support/output-capture';
import { UsersService } from '../src/users/users.service';
import { login, pkcePair } from '../../../scripts/support/login-form';

const alice = { username: 'alice', password: 'alice-test-password' };
const bob = { username: 'bob', password: 'bob-test-password' };
const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

function without<T extends Record<string, string>>(params: T, ...names: (keyof T)[]): Record<string, string> {
  const copy: Record<string, string> = { ...params };
  for (const name of names) delete copy[name as string];
  return copy;
}

describe('end-user login: authorization code + PKCE (demo-app)', () => {
  let server: TestAuthServer;
  let db: Client;
  const redirectUri = 'http://127.0.0.1:53999/callback';

  beforeAll(async () => {
    server = await startAuthServer();
    db = new Client({ connectionString: server.databaseUrl });
    await db.connect();
    // A second public client, to show that codes and refresh tokens are bound to theirs.
    await server.clients.create({
      clientId: 'other-app',
      grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }],
      authMethod: 'none',
      redirectUris: ['http://127.0.0.1/callback'],
    }, TEST_ACTOR);
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

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
    postForm(server, '/oauth/token', {
      grant_type: 'authorization_code',
      client_id: 'demo-app',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      ...extra,
    });

  const refresh = (refreshToken: unknown, extra: Record<string, string> = {}) =>
    postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: String(refreshToken), ...extra });

  async function codeFor(pkce = pkcePair(), credentials = alice) {
    const result = await login(server.url, authorizeParams(pkce.challenge), credentials);
    expect(result.status).toBe(302);
    const code = result.location!.searchParams.get('code');
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return { code: code!, ...pkce, location: result.location! };
  }

  async function tokensFor(credentials = alice) {
    const { code, verifier } = await codeFor(pkcePair(), credentials);
    const response = await exchange(code, verifier);
    expect(response.status).toBe(200);
    return response.body;
  }

  describe('the happy path', () => {
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
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      const { payload, protectedHeader } = await jwtVerify(
        String(body.access_token),
        createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)),
        { issuer: server.issuer, audience: 'api://order-service', algorithms: ['ES256'], typ: 'at+jwt' },
      );
      expect(protectedHeader.typ).toBe('at+jwt');
      expect(payload).toMatchObject({
        sub: DEMO_USERS.alice.id,
        client_id: 'demo-app',
        aud: 'api://order-service',
        scope: 'orders:read orders:write',
      });
      expect(typeof payload.auth_time).toBe('number');
      expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
    });

    it('a user token and a service token can be told apart: sub vs client_id, and auth_time only on user tokens', async () => {
      const user = decodeJwt(String((await tokensFor()).access_token));
      expect(user.sub).not.toBe(user.client_id);
      expect(user.auth_time).toEqual(expect.any(Number));

      const service = await requestToken(server, { clientId: 'order-service', secret: TEST_DEMO_SECRET });
      expect(service.status).toBe(200);
      expect(service.body.refresh_token).toBeUndefined();
      const claims = decodeJwt(String(service.body.access_token));
      expect(claims.sub).toBe('order-service');
      expect(claims.client_id).toBe('order-service');
      expect(claims).not.toHaveProperty('auth_time');
    });

    it('bob gets a token with his own subject', async () => {
      const claims = decodeJwt(String((await tokensFor(bob)).access_token));
      expect(claims.sub).toBe(DEMO_USERS.bob.id);
    });

    it('the metadata advertises the authorization endpoint, S256 only and the iss response parameter', async () => {
      const body = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        authorization_endpoint: `${server.issuer}/oauth/authorize`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
      expect(body.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'authorization_code', 'refresh_token']));
    });
  });

  describe('password hashes of former parameters', () => {
    /** bob's password as the N = 2^15, r = 8, p = 1 hashes before issue 28 stored it. */
    function formerHash(password: string): string {
      const salt = randomBytes(16);
      const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
      return ['scrypt', 32_768, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    }
    const storedHash = async () => (await db.query<{ password_hash: string }>('SELECT password_hash FROM auth.users WHERE username = $1', ['bob'])).rows[0]!.password_hash;

    it('still sign in, and are replaced by a hash of the current parameters then, not on a wrong password', async () => {
      const former = formerHash(bob.password);
      await db.query('UPDATE auth.users SET password_hash = $1 WHERE username = $2', [former, 'bob']);
      const params = authorizeParams(pkcePair().challenge);
      expect((await login(server.url, params, { username: 'bob', password: 'not-bobs-password' })).status).toBe(400);
      expect(await storedHash()).toBe(former);

      expect((await login(server.url, authorizeParams(pkcePair().challenge), bob)).status).toBe(302);
      const replaced = await storedHash();
      expect(replaced).toMatch(/^scrypt\$16384\$8\$5\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect((await login(server.url, authorizeParams(pkcePair().challenge), bob)).status).toBe(302);
      expect(await storedHash()).toBe(replaced);
    });
  });

  describe('refresh tokens', () => {
    it('rotate on use; reusing an old one is invalid_grant and revokes the whole family', async () => {
      const first = await tokensFor();
      const second = await refresh(first.refresh_token);
      expect(second.status).toBe(200);
      expect(second.headers.get('cache-control')).toBe('no-store');
      expect(second.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'orders:read orders:write',
        refresh_token: expect.any(String),
      });
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      const refreshed = decodeJwt(String(second.body.access_token));
      expect(refreshed.sub).toBe(DEMO_USERS.alice.id);
      // auth_time is when alice logged in, not when the token was refreshed.
      expect(refreshed.auth_time).toBe(decodeJwt(String(first.access_token)).auth_time);

      const reuse = await refresh(first.refresh_token);
      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      // The current token of the family is gone too: whoever holds it must log in again.
      const afterReuse = await refresh(second.body.refresh_token);
      expect(afterReuse.status).toBe(400);
      expect(afterReuse.body.error).toBe('invalid_grant');
    });

    it('may narrow the scope, never widen it', async () => {
      const tokens = await tokensFor();
      const narrowed = await refresh(tokens.refresh_token, { scope: 'orders:read' });
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.scope).toBe('orders:read');
      expect(decodeJwt(String(narrowed.body.access_token)).scope).toBe('orders:read');

      const wider = await refresh(narrowed.body.refresh_token, { scope: 'orders:read users:read' });
      expect(wider.status).toBe(400);
      expect(wider.body.error).toBe('invalid_scope');
    });

    it('expire after their lifetime: invalid_grant', async () => {
      const tokens = await tokensFor();
      const moved = await db.query(`UPDATE auth.refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        Buffer.from(sha256Hex(String(tokens.refresh_token)), 'hex'),
      ]);
      expect(moved.rowCount).toBe(1);
      const response = await refresh(tokens.refresh_token);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_grant');
    });

    // Issue 10 finding 6: rotation handed out a fresh 8-hour token each time, so a login never ended.
    describe('absolute lifetime (REFRESH_TOKEN_ABSOLUTE_TTL, default 30 days from the login)', () => {
      const DAY_MS = 86_400_000;
      const backdateLogin = async (refreshToken: unknown, ageMs: number) => {
        const moved = await db.query(`UPDATE auth.refresh_tokens SET auth_time = now() - make_interval(secs => $2) WHERE token_hash = $1`, [
          Buffer.from(sha256Hex(String(refreshToken)), 'hex'),
          ageMs / 1000,
        ]);
        expect(moved.rowCount).toBe(1);
      };
      const expiryOf = async (refreshToken: unknown) =>
        (await db.query(`SELECT expires_at, auth_time FROM auth.refresh_tokens WHERE token_hash = $1`, [Buffer.from(sha256Hex(String(refreshToken)), 'hex')]))
          .rows[0] as { expires_at: Date; auth_time: Date };

      it('rotation never hands out a refresh token that outlives the login', async () => {
        const tokens = await tokensFor();
        // Logged in 30 days minus one hour ago: the next token may live one more hour, not eight.
        await backdateLogin(tokens.refresh_token, 30 * DAY_MS - 3_600_000);
        const rotated = await refresh(tokens.refresh_token);
        expect(rotated.status).toBe(200);
        const { expires_at, auth_time } = await expiryOf(rotated.body.refresh_token);
        expect(expires_at.getTime()).toBeLessThanOrEqual(auth_time.getTime() + 30 * DAY_MS);
        expect(expires_at.getTime() - Date.now()).toBeLessThan(3_700_000);
      });

      it('past it, refreshing is invalid_grant even with an unexpired, never-used token', async () => {
        const tokens = await tokensFor();
        await backdateLogin(tokens.refresh_token, 30 * DAY_MS + 1_000);
        const response = await refresh(tokens.refresh_token);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('absolute lifetime') });
      });
    });

    it('can be revoked by the public client (RFC 7009), which ends the session', async () => {
      const tokens = await tokensFor();
      const rotated = await refresh(tokens.refresh_token);
      const revoked = await postForm(server, '/oauth/revoke', { token: String(rotated.body.refresh_token), client_id: 'demo-app' });
      expect(revoked.status).toBe(200);
      expect((await refresh(rotated.body.refresh_token)).body.error).toBe('invalid_grant');
    });

    it('belong to their client: another client can neither use nor revoke them', async () => {
      const tokens = await tokensFor();
      const otherRevokes = await postForm(server, '/oauth/revoke', { token: String(tokens.refresh_token), client_id: 'other-app' });
      expect(otherRevokes.status).toBe(400);
      expect(otherRevokes.body.error).toBe('unauthorized_client');
      const otherRefreshes = await postForm(server, '/oauth/token', {
        grant_type: 'refresh_token',
        client_id: 'other-app',
        refresh_token: String(tokens.refresh_token),
      });
      expect(otherRefreshes.body.error).toBe('invalid_grant');
      // Still good for its own client.
      expect((await refresh(tokens.refresh_token)).status).toBe(200);
    });

    it('stop working once the user is disabled', async () => {
      const tokens = await tokensFor(bob);
      await db.query(`UPDATE auth.users SET status = 'disabled' WHERE id = $1`, [DEMO_USERS.bob.id]);
      try {
        const response = await refresh(tokens.refresh_token);
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_grant');
        const { challenge } = pkcePair();
        const loginAttempt = await login(server.url, authorizeParams(challenge), bob);
        expect(loginAttempt.status).toBe(400);
        expect(loginAttempt.location).toBeUndefined();
        expect(loginAttempt.html).toContain('Invalid username or password.');
      } finally {
        await db.query(`UPDATE auth.users SET status = 'active' WHERE id = $1`, [DEMO_USERS.bob.id]);
      }
    });
  });

  describe('authorization codes', () => {
    it('are single use: a second exchange fails and revokes what the first produced', async () => {
      const { code, verifier } = await codeFor();
      const first = await exchange(code, verifier);
      expect(first.status).toBe(200);
      const second = await exchange(code, verifier);
      expect(second.status).toBe(400);
      expect(second.body.error).toBe('invalid_grant');
      const afterReplay = await refresh(first.body.refresh_token);
      expect(afterReplay.status).toBe(400);
      expect(afterReplay.body.error).toBe('invalid_grant');
    });

    it('issue 24 #1: a code obtained before a password reset, or before a disable and re-enable, starts no login afterwards', async () => {
      const users = server.app.get(UsersService);
      const carol = { username: 'carol-reset', password: 'carol-old-password' };
      await users.create({ username: carol.username, password: carol.password }, TEST_ACTOR);
      const beforeReset = await codeFor(pkcePair(), carol);
      await users.setPassword(carol.username, 'carol-new-password', TEST_ACTOR);
      const afterReset = await exchange(beforeReset.code, beforeReset.verifier);
      expect([afterReset.status, afterReset.body.error]).toEqual([400, 'invalid_grant']);
      expect(afterReset.body.access_token).toBeUndefined();

      const fresh = { ...carol, password: 'carol-new-password' };
      const beforeDisable = await codeFor(pkcePair(), fresh);
      await users.setStatus(carol.username, 'disabled', TEST_ACTOR);
      await users.setStatus(carol.username, 'active', TEST_ACTOR);
      const afterDisable = await exchange(beforeDisable.code, beforeDisable.verifier);
      expect([afterDisable.status, afterDisable.body.error]).toEqual([400, 'invalid_grant']);
      // A sign-in after the change works as usual.
      const after = await codeFor(pkcePair(), fresh);
      expect((await exchange(after.code, after.verifier)).status).toBe(200);
    });

    it('a wrong code_verifier is invalid_grant, and burns the code (no second guess)', async () => {
      const { code, verifier } = await codeFor();
      const wrong = await exchange(code, pkcePair().verifier);
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toBe('invalid_grant');
      expect((await exchange(code, verifier)).body.error).toBe('invalid_grant');
    });

    it('a verifier that is not 43-128 unreserved characters is invalid_grant', async () => {
      const { code } = await codeFor();
      expect((await exchange(code, 'too-short')).body.error).toBe('invalid_grant');
    });

    it('a different redirect_uri is invalid_grant; none, or no verifier, is invalid_request', async () => {
      const wrongRedirect = await codeFor();
      expect((await exchange(wrongRedirect.code, wrongRedirect.verifier, { redirect_uri: 'http://127.0.0.1:1/callback' })).body.error).toBe(
        'invalid_grant',
      );
      const noVerifier = await codeFor();
      const response = await postForm(server, '/oauth/token', {
        grant_type: 'authorization_code',
        client_id: 'demo-app',
        code: noVerifier.code,
        redirect_uri: redirectUri,
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
      const noRedirect = await codeFor();
      const missingRedirect = await postForm(server, '/oauth/token', {
        grant_type: 'authorization_code',
        client_id: 'demo-app',
        code: noRedirect.code,
        code_verifier: noRedirect.verifier,
      });
      expect(missingRedirect.body.error).toBe('invalid_request');
    });

    it('expire after 60 s: invalid_grant', async () => {
      const { code, verifier } = await codeFor();
      const stored = await db.query<{ ttl: number }>(
        `SELECT extract(epoch FROM expires_at - now())::float AS ttl FROM auth.authorization_codes WHERE code_hash = $1`,
        [Buffer.from(sha256Hex(code), 'hex')],
      );
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0]!.ttl).toBeGreaterThan(0);
      expect(stored.rows[0]!.ttl).toBeLessThanOrEqual(60);
      await db.query(`UPDATE auth.authorization_codes SET expires_at = now() - interval '1 second' WHERE code_hash = $1`, [
        Buffer.from(sha256Hex(code), 'hex'),
      ]);
      const response = await exchange(code, verifier);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_grant');
    });

    it('are bound to their client: another public client cannot redeem one', async () => {
      const { code, verifier } = await codeFor();
      const stolen = await postForm(server, '/oauth/token', {
        grant_type: 'authorization_code',
        client_id: 'other-app',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe('invalid_grant');
    });

    it('an unknown code is invalid_grant', async () => {
      expect((await exchange('not-a-code', pkcePair().verifier)).body.error).toBe('invalid_grant');
    });

  });

  describe('the sign-in page', () => {
    it('is served with no-store, anti-framing and a strict CSP, and sets the CSRF cookie', async () => {
      const { challenge } = pkcePair();
      const page = await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(authorizeParams(challenge))}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      // form-action also names the validated redirect URI's origin: browsers check the redirect after the post.
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:53999; frame-ancestors 'none'",
      );
      const [cookie] = page.headers.getSetCookie();
      // The cookie holds a nonce; the form a token signed by the server over it and this authorization request.
      expect(cookie).toMatch(/^csrf=[A-Za-z0-9_-]{22};/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Path=/oauth;');
      const html = await page.text();
      const nonce = /^csrf=([^;]+)/.exec(cookie!)![1];
      expect(html).toMatch(new RegExp(`name="csrf" value="\\d+\\.${nonce}\\.[A-Za-z0-9_-]{43}"`));
      expect(html).toContain('name="password"');
      expect(html).not.toContain('<script');
    });

    it('a wrong password gives no code, the same generic message as an unknown user', async () => {
      const { challenge } = pkcePair();
      const wrong = await login(server.url, authorizeParams(challenge), { username: 'alice', password: 'nope-wrong-password' });
      const unknown = await login(server.url, authorizeParams(challenge), { username: 'mallory', password: 'nope-wrong-password' });
      for (const result of [wrong, unknown]) {
        expect(result.status).toBe(400);
        expect(result.location).toBeUndefined();
        expect(result.html).toContain('Invalid username or password.');
        expect(result.html).not.toContain('nope-wrong-password');
        // The form is shown again, ready for another try.
        expect(result.html).toContain('name="csrf"');
      }
    });

    it('a missing or mismatched CSRF token is refused: 400, no code, no redirect', async () => {
      const { challenge } = pkcePair();
      const attempts = [
        await login(server.url, authorizeParams(challenge), alice, { csrf: 'forged' }),
        await login(server.url, authorizeParams(challenge), alice, { csrf: '' }),
        await login(server.url, authorizeParams(challenge), alice, { dropCookie: true }),
      ];
      for (const result of attempts) {
        expect(result.status).toBe(400);
        expect(result.location).toBeUndefined();
        expect(result.html).toContain('start again');
      }
    });

    it('escapes reflected values: a state and a username holding markup', async () => {
      const { challenge } = pkcePair();
      const page = await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(authorizeParams(challenge, { state: '"><script>alert(1)</script>' }))}`);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');

      const again = await login(server.url, authorizeParams(challenge), { username: '<script>alert(2)</script>', password: 'x' });
      expect(again.status).toBe(400);
      expect(again.html).not.toContain('<script>alert(2)</script>');
      expect(again.html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    });

    it('a scope holding markup is refused before any page is rendered (invalid_scope to the client)', async () => {
      const { challenge } = pkcePair();
      const response = await fetch(
        `${server.url}/oauth/authorize?${new URLSearchParams(authorizeParams(challenge, { scope: 'orders:read <script>alert(3)</script>' }))}`,
        { redirect: 'manual' },
      );
      expect(response.status).toBe(302);
      expect(await response.text()).not.toContain('<script>');
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('invalid_scope');
      expect(location.searchParams.get('state')).toBe('state-123');
      expect(location.searchParams.get('iss')).toBe(server.issuer);
      expect(location.searchParams.get('code')).toBeNull();
    });
  });

  describe('authorization request validation', () => {
    it('PKCE is required and plain is refused (error sent to the registered redirect URI, with state and iss)', async () => {
      const { challenge } = pkcePair();
      const base = authorizeParams(challenge);
      const cases: Record<string, string>[] = [
        { ...base, code_challenge_method: 'plain' },
        { ...base, code_challenge: '' },
        without(base, 'code_challenge'),
        without(base, 'code_challenge_method'),
        { ...base, code_challenge: 'too-short-to-be-s256' },
      ];
      for (const params of cases) {
        const result = await login(server.url, params, alice);
        expect(result.status).toBe(302);
        expect(result.location!.searchParams.get('error')).toBe('invalid_request');
        expect(result.location!.searchParams.get('error_description')).toContain('PKCE');
        expect(result.location!.searchParams.get('state')).toBe('state-123');
        expect(result.location!.searchParams.get('iss')).toBe(server.issuer);
        expect(result.location!.searchParams.get('code')).toBeNull();
      }
    });

    it('response_type must be code', async () => {
      const { challenge } = pkcePair();
      const missing = await login(server.url, without(authorizeParams(challenge), 'response_type'), alice);
      expect(missing.location!.searchParams.get('error')).toBe('invalid_request');
      const token = await login(server.url, authorizeParams(challenge, { response_type: 'token' }), alice);
      expect(token.location!.searchParams.get('error')).toBe('unsupported_response_type');
    });

    it('an unregistered redirect_uri is never redirected to: 400 page instead', async () => {
      const { challenge } = pkcePair();
      for (const uri of ['https://evil.example/callback', 'http://localhost:53999/callback', 'http://127.0.0.1:53999/other', 'http://127.0.0.1:53999/callback#x']) {
        const result = await login(server.url, authorizeParams(challenge, { redirect_uri: uri, code_challenge_method: 'plain' }), alice);
        expect(result.status).toBe(400);
        expect(result.location).toBeUndefined();
        expect(result.html).toContain('redirect_uri is not registered');
      }
    });

    // Issue 24 item 3: rows registered before the redirect URI rule existed must never receive a code or an error.
    it('a stored redirect URI that breaks the rule (registered before it) is never redirected to: 400 page instead', async () => {
      const legacy = ['javascript:alert(document.domain)//', 'http://evil.example/cb', 'https://good.example@evil.example/cb', 'data:text/html,x'];
      await server.clients.create(
        { clientId: 'legacy-app', grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }], authMethod: 'none', redirectUris: ['http://127.0.0.1/cb'] },
        TEST_ACTOR,
      );
      await db.query('UPDATE auth.clients SET redirect_uris = $1 WHERE client_id = $2', [legacy, 'legacy-app']);
      for (const uri of legacy) {
        const { challenge } = pkcePair();
        // Valid and invalid requests alike: neither a code nor an error may go to it.
        for (const extra of [{}, { code_challenge_method: 'plain' }] as Record<string, string>[]) {
          const result = await login(server.url, authorizeParams(challenge, { client_id: 'legacy-app', scope: 'orders:read', redirect_uri: uri, ...extra }), alice);
          expect([uri, result.status, result.location]).toEqual([uri, 400, undefined]);
          expect(result.html).toContain('the registered redirect_uri is not allowed');
        }
      }
    });

    // Issue 10 finding 6: both used to be accepted for the 127.0.0.1 registration (compared after URL parsing).
    it('another spelling of the registered loopback URI is refused: byte-exact matching, only the port may vary', async () => {
      const { challenge } = pkcePair();
      for (const uri of ['http://2130706433:53999/callback', 'http://127.0.0.1:53999/x/../callback', 'http://127.0.0.1:53999/%63allback']) {
        const result = await login(server.url, authorizeParams(challenge, { redirect_uri: uri }), alice);
        expect(result.status).toBe(400);
        expect(result.location).toBeUndefined();
        expect(result.html).toContain('redirect_uri is not registered');
      }
    });

    it('an unknown, missing or unsuitable client is a 400 page, never a redirect', async () => {
      const { challenge } = pkcePair();
      const cases = [
        authorizeParams(challenge, { client_id: 'no-such-client' }),
        without(authorizeParams(challenge), 'client_id'),
        // A confidential service client has no authorization_code grant.
        authorizeParams(challenge, { client_id: 'order-service' }),
      ];
      for (const params of cases) {
        const result = await login(server.url, params, alice);
        expect(result.status).toBe(400);
        expect(result.location).toBeUndefined();
        expect(result.html).toContain('This sign-in request cannot be completed');
      }
    });

    it('loopback redirect URIs work on any port (RFC 8252 §7.3)', async () => {
      for (const port of ['40123', '8080']) {
        const { challenge } = pkcePair();
        const result = await login(server.url, authorizeParams(challenge, { redirect_uri: `http://127.0.0.1:${port}/callback` }), alice);
        expect(result.status).toBe(302);
        expect(result.location!.port).toBe(port);
        expect(result.location!.searchParams.get('code')).toBeTruthy();
      }
    });

    it('the registered non-loopback redirect URI (the flow explorer, under ISSUER) matches exactly', async () => {
      const { challenge } = pkcePair();
      const explorerCallback = `${server.issuer}/explorer/callback`;
      const result = await login(server.url, authorizeParams(challenge, { redirect_uri: explorerCallback }), alice);
      expect(result.status).toBe(302);
      expect(`${result.location!.origin}${result.location!.pathname}`).toBe(explorerCallback);
      const elsewhere = await login(server.url, authorizeParams(challenge, { redirect_uri: 'http://localhost:3000/explorer/callback' }), alice);
      expect(elsewhere.status).toBe(400);
    });
  });

  describe('one authorization model (issue 27): a login gets scopes of one API, as that API and the client grant them now', () => {
    // Two APIs of their own (so changing them disturbs no other test), and a public client granted at both,
    // with default scopes at both: the flat lists used to hand all of them out on one token.
    const calendar = 'api://calendar-service';
    const contacts = 'api://contacts-service';
    const clientId = 'span-app';
    const spanRedirect = 'http://127.0.0.1:53997/callback';
    let resources: ResourcesService;

    beforeAll(async () => {
      resources = server.app.get(ResourcesService);
      await resources.create({ uri: calendar, name: 'Calendar', scopes: ['calendar:read', 'calendar:write'] }, TEST_ACTOR);
      await resources.create({ uri: contacts, name: 'Contacts', scopes: ['contacts:read'] }, TEST_ACTOR);
      await registerClient(server, {
        clientId,
        grants: [
          { resource: calendar, scopes: ['calendar:read', 'calendar:write'], defaultScopes: ['calendar:read'] },
          { resource: contacts, scopes: ['contacts:read'], defaultScopes: ['contacts:read'] },
        ],
        authMethod: 'none',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['http://127.0.0.1/callback'],
      });
    });

    const spanParams = (challenge: string, extra: Record<string, string>) => ({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: spanRedirect,
      state: 'span',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    async function spanTokens(extra: Record<string, string>) {
      const pkce = pkcePair();
      const result = await login(server.url, spanParams(pkce.challenge, extra), alice);
      expect(result.status).toBe(302);
      const code = result.location!.searchParams.get('code');
      expect(code).toEqual(expect.any(String));
      const response = await postForm(server, '/oauth/token', {
        grant_type: 'authorization_code',
        client_id: clientId,
        code: code!,
        redirect_uri: spanRedirect,
        code_verifier: pkce.verifier,
      });
      expect(response.status).toBe(200);
      return response.body;
    }
    const spanRefresh = (refreshToken: unknown, extra: Record<string, string> = {}) =>
      postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(refreshToken), ...extra });
    /** Takes scopes away from an API for the duration of `work`, through the server (its catalog sees it at once). */
    async function withCalendarScopes(scopes: string[], work: () => Promise<void>) {
      await resources.update(calendar, { scopes }, TEST_ACTOR);
      try {
        await work();
      } finally {
        await resources.update(calendar, { scopes: ['calendar:read', 'calendar:write'] }, TEST_ACTOR);
      }
    }

    it('neither resource nor scope: the default scopes of the chosen API only, and the sign-in page lists only those', async () => {
      const pkce = pkcePair();
      const page = await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(spanParams(pkce.challenge, {}))}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`act for you on <strong>Calendar</strong> (<code>${calendar}</code>) with:`);
      expect(html).toMatch(/<p class="scopes">calendar:read<\/p>/);
      expect(html).not.toContain('contacts:read');

      const tokens = await spanTokens({});
      expect(tokens.scope).toBe('calendar:read');
      expect(decodeJwt(String(tokens.access_token))).toMatchObject({ aud: calendar, scope: 'calendar:read' });
      // The other API's defaults come with a login for that API.
      expect(decodeJwt(String((await spanTokens({ resource: contacts })).access_token))).toMatchObject({ aud: contacts, scope: 'contacts:read' });
    });

    it("a resource's withdrawn scope is gone at the next refresh; asking for it is invalid_scope", async () => {
      const tokens = await spanTokens({ resource: calendar, scope: 'calendar:read calendar:write' });
      expect(tokens.scope).toBe('calendar:read calendar:write');
      await withCalendarScopes(['calendar:read'], async () => {
        const refreshed = await spanRefresh(tokens.refresh_token);
        expect(refreshed.status).toBe(200);
        expect(refreshed.body.scope).toBe('calendar:read');
        expect(decodeJwt(String(refreshed.body.access_token)).scope).toBe('calendar:read');
        const asked = await spanRefresh(refreshed.body.refresh_token, { scope: 'calendar:write' });
        expect(asked.status).toBe(400);
        expect(asked.body).toEqual({ error: 'invalid_scope', error_description: `no longer granted to this client at ${calendar}: calendar:write` });
      });
    });

    it('nothing left ends the login for good: the refresh family is revoked, and restoring the scope does not revive it', async () => {
      const tokens = await spanTokens({ resource: calendar, scope: 'calendar:write' });
      await withCalendarScopes(['calendar:read'], async () => {
        const ended = await spanRefresh(tokens.refresh_token);
        expect(ended.status).toBe(400);
        expect(ended.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('sign in again') });
      });
      // calendar:write is defined again, and still granted: the login stays ended.
      const again = await spanRefresh(tokens.refresh_token);
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ error: 'invalid_grant', error_description: 'refresh token is no longer valid' });
      const revoked = await db.query('SELECT revoked_at FROM auth.refresh_tokens WHERE family_id = (SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1)', [
        createHash('sha256').update(String(tokens.refresh_token)).digest(),
      ]);
      expect(revoked.rows.length).toBeGreaterThan(0);
      expect(revoked.rows.every((row: { revoked_at: Date | null }) => row.revoked_at !== null)).toBe(true);
      // …and with it the access tokens of the login (their sid is the family).
      const grant = await db.query('SELECT 1 FROM auth.revoked_grants WHERE grant_id = $1', [decodeJwt(String(tokens.access_token)).sid]);
      expect(grant.rows).toHaveLength(1);
    });
  });

  describe('client authentication at the token endpoint', () => {
    it('a public client cannot use client_credentials, and cannot introspect', async () => {
      const cc = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'demo-app' });
      expect(cc.status).toBe(400);
      expect(cc.body.error).toBe('unauthorized_client');
      const introspect = await postForm(server, '/oauth/introspect', { token: 'x', client_id: 'demo-app' });
      expect(introspect.status).toBe(401);
    });

    it('a public client must still name itself', async () => {
      const { code, verifier } = await codeFor();
      const anonymous = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');
    });

    it('a confidential client cannot skip authentication by sending only its client_id', async () => {
      const response = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'order-service' });
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
      // …while with its secret it still works
      expect((await requestToken(server, { clientId: 'order-service', secret: TEST_DEMO_SECRET })).status).toBe(200);
    });
  });
});

describe('end-user login hygiene: passwords, codes and refresh tokens never in logs or stored in plaintext', () => {
  const capture = new OutputCapture();
  let server: TestAuthServer;
  let db: Client;
  const wrongPassword = 'wrong-password-that-must-not-leak-0123';
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    capture.start();
    try {
      server = await startAuthServer({ logger: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], env: { DATABASE_LOG_QUERIES: 'true' } });
      db = new Client({ connectionString: server.databaseUrl });
      await db.connect();
      const redirectUri = 'http://127.0.0.1:54000/callback';
      const params = (challenge: string) => ({
        response_type: 'code',
        client_id: 'demo-app',
        redirect_uri: redirectUri,
        scope: 'orders:read',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const failed = await login(server.url, params(pkcePair().challenge), { username: 'alice', password: wrongPassword });
      expect(failed.status).toBe(400);
      const pkce = pkcePair();
      const ok = await login(server.url, params(pkce.challenge), alice);
      expect(ok.status).toBe(302);
      secrets.code = ok.location!.searchParams.get('code')!;
      secrets.verifier = pkce.verifier;
      const tokens = await postForm(server, '/oauth/token', {
        grant_type: 'authorization_code',
        client_id: 'demo-app',
        code: secrets.code,
        redirect_uri: redirectUri,
        code_verifier: pkce.verifier,
      });
      expect(tokens.status).toBe(200);
      secrets.refreshToken = String(tokens.body.refresh_token);
      const rotated = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: secrets.refreshToken });
      expect(rotated.status).toBe(200);
      secrets.rotatedRefreshToken = String(rotated.body.refresh_token);
      secrets.password = alice.password;
      secrets.wrongPassword = wrongPassword;
      secrets.bobPassword = bob.password;
    } finally {
      capture.stop();
    }
  });

  afterAll(async () => {
    capture.stop();
    await db?.end();
    await server?.close();
  });

  it('really captured the logs, SQL included', () => {
    const text = capture.text();
    expect(text).toContain('authorization_codes');
    expect(text).toContain('refresh_tokens');
    expect(text).toContain('seeded demo user "alice"');
  });

  it('no log line holds a password, a code, a verifier or a refresh token', () => {
    expect(Object.keys(secrets)).toHaveLength(7);
    const text = capture.text();
    for (const [label, value] of Object.entries(secrets)) {
      expect({ label, leaked: text.includes(value) || text.includes(encodeURIComponent(value)) }).toEqual({ label, leaked: false });
    }
  });

  it('the database holds only hashes: SHA-256 for codes and refresh tokens, scrypt for passwords', async () => {
    const codes = await db.query<{ code_hash: Buffer }>('SELECT code_hash FROM auth.authorization_codes');
    expect(codes.rows.map((row) => row.code_hash.toString('hex'))).toContain(sha256Hex(secrets.code!));
    const refreshTokens = await db.query<{ token_hash: Buffer }>('SELECT token_hash FROM auth.refresh_tokens');
    expect(refreshTokens.rows.map((row) => row.token_hash.toString('hex'))).toEqual(
      expect.arrayContaining([sha256Hex(secrets.refreshToken!), sha256Hex(secrets.rotatedRefreshToken!)]),
    );
    const users = await db.query<{ username: string; password_hash: string }>('SELECT username, password_hash FROM auth.users ORDER BY username');
    expect(users.rows.map((row) => row.username)).toEqual(['alice', 'bob']);
    for (const row of users.rows) expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$5\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);

    const dump = await db.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM auth.users t
       UNION ALL SELECT row_to_json(t)::text FROM auth.authorization_codes t
       UNION ALL SELECT row_to_json(t)::text FROM auth.refresh_tokens t`,
    );
    expect(dump.rows.length).toBeGreaterThanOrEqual(5);
    const text = dump.rows.map((row) => row.row).join('\n');
    for (const [label, value] of Object.entries(secrets)) {
      expect({ label, stored: text.includes(value) }).toEqual({ label, stored: false });
    }
  });
});
