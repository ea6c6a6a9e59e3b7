import { CryptoKey, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, KeyObject, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import {
  basicAuth,
  postForm,
  registerClient,
  requestToken,
  startAuthServer,
  TEST_DEMO_SECRET,
  TestAuthServer,
  TEST_ACTOR,
} from './support/auth-server.harness';

type Credentials = { clientId: string; secret: string };

describe('token introspection (RFC 7662) and revocation (RFC 7009)', () => {
  let server: TestAuthServer;
  /** Issues tokens. */
  const demo: Credentials = { clientId: 'order-service', secret: TEST_DEMO_SECRET };
  /** A resource server that introspects other clients' tokens: the owner of their audience. */
  let resourceServer: Credentials;

  beforeAll(async () => {
    server = await startAuthServer();
    resourceServer = await registerClient(server, { clientId: 'user-service-rs', ownedAudiences: ['api://user-service'] });
  });
  afterAll(() => server.close());

  const issue = async (credentials: Credentials = demo): Promise<string> => {
    const { status, body } = await requestToken(server, credentials, { scope: 'users:read' });
    expect(status).toBe(200);
    return String(body.access_token);
  };

  const introspect = (token: string, caller: Credentials = resourceServer, extra: Record<string, string> = {}) =>
    postForm(server, '/oauth/introspect', { token, ...extra }, { headers: { authorization: basicAuth(caller.clientId, caller.secret) } });

  /** Raw response, to tell an empty body from `{}`. */
  const revoke = async (token: string, caller: Credentials = demo) => {
    const response = await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(caller.clientId, caller.secret),
      },
      body: new URLSearchParams({ token }).toString(),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  const expectInactive = async (token: string) => {
    const { status, headers, body } = await introspect(token);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({ active: false });
  };

  const expectActive = async (token: string) => {
    const { status, body } = await introspect(token);
    expect(status).toBe(200);
    expect(body.active).toBe(true);
  };

  /** A JWT shaped exactly like this server's access tokens, signed with whatever key is given. */
  const craftToken = (
    key: CryptoKey | KeyObject,
    kid: string,
    options: { exp?: number; iat?: number; iss?: string; alg?: string } = {},
  ): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: demo.clientId, scope: 'users:read' })
      .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: 'at+jwt', kid })
      .setIssuer(options.iss ?? server.issuer)
      .setSubject(demo.clientId)
      .setAudience('api://user-service')
      .setJti(randomUUID())
      .setIssuedAt(options.iat ?? now)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(key);
  };

  describe('POST /oauth/introspect', () => {
    it('requires client authentication: 401 invalid_client without it or with a wrong secret', async () => {
      const token = await issue();
      const anonymous = await postForm(server, '/oauth/introspect', { token });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(anonymous.headers.get('cache-control')).toBe('no-store');

      const wrong = await introspect(token, { clientId: resourceServer.clientId, secret: 'wrong' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
      expect(wrong.body).not.toHaveProperty('active');
    });

    it('a valid token: active with its claims, token_type Bearer and Cache-Control: no-store', async () => {
      const token = await issue();
      const claims = decodeJwt(token);
      const { status, headers, body } = await introspect(token);
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toEqual({
        active: true,
        scope: 'users:read',
        client_id: 'order-service',
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        sub: 'order-service',
        aud: 'api://user-service',
        iss: server.issuer,
        jti: claims.jti,
      });
      expect(typeof body.exp).toBe('number');
      expect(typeof body.jti).toBe('string');
    });

    it('token_type_hint is only a hint: a wrong one does not change the answer', async () => {
      const token = await issue();
      const { status, body } = await introspect(token, resourceServer, { token_type_hint: 'refresh_token' });
      expect(status).toBe(200);
      expect(body.active).toBe(true);
    });

    it('garbage and malformed tokens: 200 {active:false}', async () => {
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(
        JSON.stringify({ iss: server.issuer, client_id: demo.clientId, exp: Math.floor(Date.now() / 1000) + 600 }),
      ).toString('base64url')}.`;
      for (const token of ['garbage', 'a.b.c', 'a.b', '....', unsigned, 'x'.repeat(20_000)]) {
        await expectInactive(token);
      }
    });

    it('a tampered token (one payload character changed): inactive', async () => {
      const token = await issue();
      await expectActive(token);
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const index = Math.floor(payload.length / 2);
      const replacement = payload[index] === 'A' ? 'B' : 'A';
      const tamperedPayload = `${payload.slice(0, index)}${replacement}${payload.slice(index + 1)}`;
      expect(Buffer.from(tamperedPayload, 'base64url').equals(Buffer.from(payload, 'base64url'))).toBe(false);
      await expectInactive(`${header}.${tamperedPayload}.${signature}`);
    });

    it('a token signed by another key (under this server kid or its own): inactive', async () => {
      const kid = String(decodeProtectedHeader(await issue()).kid);
      const foreign = await generateKeyPair('ES256');
      await expectInactive(await craftToken(foreign.privateKey, kid));
      await expectInactive(await craftToken(foreign.privateKey, 'foreign-kid'));
    });

    it('an expired token signed with the real key: inactive, while the same token unexpired is active', async () => {
      const current = server.app.get(SigningKeysService).signingKey();
      expect(current?.privateKey).toBeDefined();
      const key = current!.privateKey!;
      const now = Math.floor(Date.now() / 1000);

      // Control: a token minted the same way but unexpired is accepted, so only `exp` differs.
      await expectActive(await craftToken(key, current!.kid));
      await expectInactive(await craftToken(key, current!.kid, { iat: now - 1200, exp: now - 300 }));
      // An expired token signed by a foreign key is inactive too.
      const foreign = await generateKeyPair('ES256');
      await expectInactive(await craftToken(foreign.privateKey, current!.kid, { iat: now - 1200, exp: now - 300 }));
    });

    it('a token with the real key but another issuer: inactive', async () => {
      const current = server.app.get(SigningKeysService).signingKey()!;
      await expectInactive(await craftToken(current.privateKey!, current.kid, { iss: 'https://other-issuer.example' }));
    });

    it('missing token parameter: 400 invalid_request with Cache-Control: no-store', async () => {
      const { status, headers, body } = await postForm(
        server,
        '/oauth/introspect',
        {},
        { headers: { authorization: basicAuth(resourceServer.clientId, resourceServer.secret) } },
      );
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('token') });
      expect(headers.get('cache-control')).toBe('no-store');
    });

    it('tokens of a disabled client introspect as inactive', async () => {
      const issuer = await registerClient(server, { clientId: 'soon-disabled' });
      const token = await issue(issuer);
      await expectActive(token);
      await server.clients.setEnabled(issuer.clientId, false, TEST_ACTOR);
      await expectInactive(token);
    });

    describe('private_key_jwt caller (RFC 7523)', () => {
      const clientId = 'rs-with-key';
      let privateKey: CryptoKey;

      beforeAll(async () => {
        const pair = await generateKeyPair('ES256');
        privateKey = pair.privateKey;
        const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'rs-key-1', alg: 'ES256' };
        await registerClient(server, { clientId, authMethod: 'private_key_jwt', jwks: { keys: [publicJwk] }, ownedAudiences: ['api://user-service'] });
      });

      const assertion = (audience: string) =>
        new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'rs-key-1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(audience)
          .setIssuedAt()
          .setExpirationTime('2m')
          .sign(privateKey);

      const introspectWithAssertion = async (token: string, jwt: string) =>
        postForm(server, '/oauth/introspect', {
          token,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        });

      it('authenticates with an assertion whose aud is the issuer identifier (rfc7523bis)', async () => {
        const token = await issue();
        const { status, headers, body } = await introspectWithAssertion(token, await assertion(server.issuer));
        expect(status).toBe(200);
        expect(headers.get('cache-control')).toBe('no-store');
        expect(body).toMatchObject({ active: true, client_id: 'order-service', jti: decodeJwt(token).jti });
      });

      it('rejects an assertion for another audience or signed by another key', async () => {
        const token = await issue();
        // The endpoint's own URL is not an identifier of the server either (rfc7523bis: issuer or token endpoint).
        for (const audience of ['https://elsewhere.example', `${server.issuer}/oauth/introspect`]) {
          const wrongAudience = await introspectWithAssertion(token, await assertion(audience));
          expect(wrongAudience.status).toBe(401);
          expect(wrongAudience.body.error).toBe('invalid_client');
        }

        const other = await generateKeyPair('ES256');
        const forged = await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'rs-key-1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(server.issuer)
          .setExpirationTime('2m')
          .sign(other.privateKey);
        const forgedResponse = await introspectWithAssertion(token, forged);
        expect(forgedResponse.status).toBe(401);
        expect(forgedResponse.body.error).toBe('invalid_client');
      });
    });
  });

  describe('POST /oauth/revoke', () => {
    it('requires client authentication: 401 invalid_client', async () => {
      const token = await issue();
      const { status, body } = await postForm(server, '/oauth/revoke', { token });
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
      await expectActive(token);
    });

    it('missing token parameter: 400 invalid_request', async () => {
      const { status, body } = await postForm(
        server,
        '/oauth/revoke',
        {},
        { headers: { authorization: basicAuth(demo.clientId, demo.secret) } },
      );
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_request');
    });

    it('an unknown or garbage token: 200 with an empty body', async () => {
      const foreign = await generateKeyPair('ES256');
      for (const token of ['garbage', 'a.b.c', await craftToken(foreign.privateKey, 'foreign-kid')]) {
        const { status, text } = await revoke(token);
        expect(status).toBe(200);
        expect(text).toBe('');
      }
    });

    it('revoking its own token: 200 with an empty body, then the token introspects as inactive', async () => {
      const token = await issue();
      const other = await issue();
      await expectActive(token);

      const { status, headers, text } = await revoke(token);
      expect(status).toBe(200);
      expect(text).toBe('');
      expect(headers.get('cache-control')).toBe('no-store');
      await expectInactive(token);
      // Only that token: another token of the same client is untouched.
      await expectActive(other);

      // Revoking again is harmless.
      const again = await revoke(token);
      expect(again.status).toBe(200);
      expect(again.text).toBe('');
      await expectInactive(token);
    });

    it('revoking a token issued to another client: 400 unauthorized_client, and the token stays active', async () => {
      const token = await issue(demo);
      const intruder = await registerClient(server, { clientId: 'intruder' });
      const { status, text } = await revoke(token, intruder);
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({ error: 'unauthorized_client', error_description: expect.any(String) });
      await expectActive(token);
    });
  });
});
