import { JwksKeyStore } from '@nest-oauth-m2m/auth';
import { DEMO_USERS } from '@app/platform';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { mintToken, serviceToken, userToken } from '../../../test/support/tokens';

const alice = DEMO_USERS.alice;
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('user-service bearer guard (libs/auth resource server)', () => {
  let platform: TestPlatform;
  let profileUrl: string;

  beforeAll(async () => {
    platform = await startPlatform();
    profileUrl = `${platform.users.url}/users/${alice.id}`;
  });
  afterAll(() => platform.close());

  const get = async (token?: string, url = profileUrl, headers: Record<string, string> = {}) => {
    const response = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    const text = await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: text ? JSON.parse(text) : {} };
  };

  const expectInvalidToken = (response: Awaited<ReturnType<typeof get>>, description?: RegExp) => {
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
    expect(response.challenge).toMatch(/^Bearer realm="user-service", error="invalid_token", error_description="/);
    if (description) expect(response.body.error_description).toMatch(description);
  };

  it('a service token with users:read from the real token endpoint is accepted', async () => {
    const tokenResponse = await fetch(`${platform.auth.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`order-service:${encodeURIComponent('test-order-service-secret-with-+/=:%-chars')}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=users:read',
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const { status, body } = await get(access_token);
    expect(status).toBe(200);
    expect(body).toEqual({ id: alice.id, username: 'alice', display_name: alice.displayName, email: alice.email });
  });

  describe('token matrix for GET /users/:id (@OnBehalfOfUser({ orServiceToken: true }) @Scopes users:read)', () => {
    it('no token: 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
      const response = await get();
      expect(response.status).toBe(401);
      expect(response.challenge).toBe('Bearer realm="user-service"');
      expect(response.body.error).toBe('invalid_token');
    });

    it('service token without users:read: 403 insufficient_scope naming the scope', async () => {
      const response = await get(serviceToken(platform.auth, 'order-service', 'api://user-service', 'orders:read'));
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('insufficient_scope');
      expect(response.challenge).toMatch(/error="insufficient_scope"/);
      expect(response.challenge).toMatch(/scope="users:read"/);
    });

    it('a user\'s own token, even carrying users:read: 403 (neither a service nor one acting for the user)', async () => {
      const response = await get(userToken(platform.auth, alice.id, 'users:read', { aud: 'api://user-service' }));
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('insufficient_scope');
    });

    describe('delegated tokens (RFC 8693: sub the user, act the service acting for them)', () => {
      const bob = DEMO_USERS.bob;
      const delegated = (userId: string, scope = 'users:read', act: unknown = { sub: 'order-service' }) =>
        userToken(platform.auth, userId, scope, { aud: 'api://user-service', client_id: 'order-service', act, auth_time: undefined });

      it("read their own user's profile", async () => {
        const { status, body } = await get(delegated(alice.id));
        expect(status).toBe(200);
        expect(body).toEqual({ id: alice.id, username: 'alice', display_name: alice.displayName, email: alice.email });
      });

      it("another user's profile is 404, like a missing one: a service acting for alice cannot read bob", async () => {
        const other = await get(delegated(alice.id), `${platform.users.url}/users/${bob.id}`);
        const missing = await get(delegated(alice.id), `${platform.users.url}/users/0a1b2c3d-0000-4000-8000-000000000000`);
        expect(other.status).toBe(404);
        expect(missing.status).toBe(404);
        expect(other.body.error).toBe(missing.body.error);
        // The same service with its own token reads bob: the restriction is the delegation's.
        expect((await get(serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read'), `${platform.users.url}/users/${bob.id}`)).status).toBe(200);
      });

      it('without users:read: 403 insufficient_scope naming it; a nested chain is read too', async () => {
        const response = await get(delegated(alice.id, 'orders:read'));
        expect(response.status).toBe(403);
        expect(response.challenge).toMatch(/error="insufficient_scope".*scope="users:read"/);
        expect((await get(delegated(alice.id, 'users:read', { sub: 'billing-service', act: { sub: 'order-service' } }))).status).toBe(200);
      });

      it('an act claim that names no actor: 401 invalid_token', async () => {
        expectInvalidToken(await get(delegated(alice.id, 'users:read', { client_id: 'order-service' })), /act claim/);
      });

      it('PUT /users/:id (provisioning) stays a service act: a delegated token is refused there', async () => {
        const response = await fetch(profileUrl, {
          method: 'PUT',
          headers: { authorization: `Bearer ${delegated(alice.id, 'users:read users:provision')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice' }),
        });
        expect(response.status).toBe(403);
      });
    });

    it('scope claim as an array is read too', async () => {
      const token = mintToken(platform.auth, { claims: { scope: ['users:read'] } });
      expect((await get(token)).status).toBe(200);
    });

    it('unknown user: 404 JSON, not 500', async () => {
      const response = await get(serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read'), `${platform.users.url}/users/0a1b2c3d-0000-4000-8000-000000000000`);
      expect(response.status).toBe(404);
      expect(response.body.error).toBe('not_found');
    });

    it('malformed id: 400 invalid_request after authentication', async () => {
      const token = serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read');
      expect((await get(token, `${platform.users.url}/users/not-a-uuid`)).status).toBe(400);
      expect((await get(undefined, `${platform.users.url}/users/not-a-uuid`)).status).toBe(401);
    });

    it('health is public', async () => {
      expect((await get(undefined, `${platform.users.url}/health/live`)).status).toBe(200);
    });
  });

  describe('rejected tokens: 401 invalid_token', () => {
    it('alg none', async () => {
      const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ iss: platform.auth.issuer, sub: 'x', client_id: 'x', aud: 'api://user-service', exp: 9999999999, scope: 'users:read' })}.`;
      expectInvalidToken(await get(token));
    });

    it('HS256 signed with the public key as the HMAC secret', async () => {
      const jwks = (await (await fetch(`${platform.auth.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      const kid = jwks.keys[0]!.kid;
      const signingInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64({
        iss: platform.auth.issuer,
        sub: 'order-service',
        client_id: 'order-service',
        aud: 'api://user-service',
        exp: Math.floor(Date.now() / 1000) + 300,
        scope: 'users:read',
      })}`;
      for (const secret of [JSON.stringify(jwks.keys[0]), kid]) {
        const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
        expectInvalidToken(await get(`${signingInput}.${signature}`));
      }
    });

    it('expired (told apart from invalid)', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectInvalidToken(await get(mintToken(platform.auth, { claims: { exp: now - 120, iat: now - 1000 } })), /expired/);
    });

    it('wrong iss, wrong aud, wrong typ, missing exp, nbf in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectInvalidToken(await get(mintToken(platform.auth, { claims: { iss: 'https://evil.example' } })), /issuer/);
      expectInvalidToken(await get(mintToken(platform.auth, { claims: { aud: 'api://order-service' } })), /audience/);
      const key = JSON.parse(Buffer.from(mintToken(platform.auth).split('.')[0]!, 'base64url').toString());
      expectInvalidToken(await get(mintToken(platform.auth, { header: { ...key, typ: 'JWT' } })), /at\+jwt/);
      expectInvalidToken(await get(mintToken(platform.auth, { header: { alg: key.alg, kid: key.kid } })), /at\+jwt/);
      expectInvalidToken(await get(mintToken(platform.auth, { claims: { exp: undefined } })));
      expectInvalidToken(await get(mintToken(platform.auth, { claims: { nbf: now + 600 } })), /not valid yet/);
    });

    it('tampered payload, stripped signature, foreign key, unknown kid', async () => {
      const good = serviceToken(platform.auth, 'order-service', 'api://user-service', 'orders:read');
      const [header, , signature] = good.split('.');
      const payload = JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString());
      expectInvalidToken(await get(`${header}.${b64({ ...payload, scope: 'users:read' })}.${signature}`));
      expectInvalidToken(await get(`${header}.${good.split('.')[1]}.`));
      const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const input = `${header}.${b64({ ...payload, scope: 'users:read' })}`;
      const forged = sign('sha256', Buffer.from(input), { key: foreign.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      expectInvalidToken(await get(`${input}.${forged}`));
      const unknownKid = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: '../../etc/passwd' })}.${b64(payload)}.${forged}`;
      expectInvalidToken(await get(unknownKid));
    });

    it('garbage and oversized tokens', async () => {
      for (const token of ['abc', 'a.b.c', '....', 'x'.repeat(8_000)]) {
        const response = await get(token);
        expect(response.status).toBe(401);
      }
      // Past Node's 16 KiB header limit the HTTP parser itself answers 431, before any app code.
      expect((await get('x'.repeat(20_000))).status).toBe(431);
    });
  });

  // Issue 10 finding 6: `Bearer <valid token> junk` used to be served (the first word after the scheme was taken).
  describe('strict RFC 6750 §2.1 credentials: "Bearer" 1*SP b64token, nothing else', () => {
    const valid = () => serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read');

    it('a valid token followed by anything is 400 invalid_request with a Bearer challenge, even once the token is cached', async () => {
      const token = valid();
      expect((await get(token)).status).toBe(200); // now in the verified-token cache
      for (const authorization of [`Bearer ${token} junk`, `Bearer ${token},extra`, `Bearer\t${token}`, `Bearer "${token}"`, 'Bearer']) {
        const response = await get(undefined, profileUrl, { authorization });
        expect({ authorization, status: response.status, body: response.body }).toEqual({
          authorization,
          status: 400,
          body: { error: 'invalid_request', error_description: expect.stringContaining('b64token') },
        });
        expect(response.challenge).toMatch(/^Bearer realm="user-service", error="invalid_request", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*"$/);
      }
    });

    it('the scheme is case-insensitive and more than one space is allowed (1*SP)', async () => {
      const token = valid();
      for (const authorization of [`bearer ${token}`, `BEARER   ${token}`]) {
        expect((await get(undefined, profileUrl, { authorization })).status).toBe(200);
      }
    });

    it('another scheme is no bearer token at all: 401 with a bare challenge', async () => {
      const response = await get(undefined, profileUrl, { authorization: 'Basic YTpi' });
      expect(response.status).toBe(401);
      expect(response.challenge).toBe('Bearer realm="user-service"');
    });
  });

  it('unknown kids do not flood the issuer with JWKS fetches', async () => {
    const store = platform.users.app.get(JwksKeyStore);
    const before = store.stats.fetches;
    const payload = b64({ iss: platform.auth.issuer, sub: 'x', client_id: 'x', aud: 'api://user-service', exp: 9999999999 });
    for (let i = 0; i < 20; i++) {
      await get(`${b64({ alg: 'ES256', typ: 'at+jwt', kid: `random-${i}` })}.${payload}.AAAA`);
    }
    expect(store.stats.fetches - before).toBeLessThanOrEqual(1);
  });
});
