import { createLocalJWKSet, createRemoteJWKSet, CryptoKey, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { ClientEntity } from '../src/clients/client.entity';
import {
  basicAuth,
  postForm,
  postFormWithTwoAuthorizations,
  registerClient,
  requestToken,
  startAuthServer,
  TEST_DEMO_SECRET,
  TestAuthServer,
  TEST_ACTOR,
} from './support/auth-server.harness';

describe('POST /oauth/token (client credentials)', () => {
  let server: TestAuthServer;
  const demo = { clientId: 'order-service', secret: TEST_DEMO_SECRET };

  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  describe('a successful request', () => {
    it('returns an RFC 9068 JWT that verifies against the published JWKS with pinned issuer and audience', async () => {
      const { status, headers, body } = await requestToken(server, demo, { scope: 'users:read' });
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('pragma')).toBe('no-cache');
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900, scope: 'users:read' });
      expect(body).not.toHaveProperty('refresh_token');

      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(String(body.access_token), jwks, {
        issuer: server.issuer,
        audience: 'api://user-service',
        algorithms: ['ES256'],
        typ: 'at+jwt',
      });
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
      expect(payload).toEqual({
        iss: server.issuer,
        sub: 'order-service',
        aud: 'api://user-service',
        client_id: 'order-service',
        scope: 'users:read',
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.any(String),
      });
      expect(payload.exp! - payload.iat!).toBe(900);
    });

    it('gives every token its own jti', async () => {
      const first = await requestToken(server, demo);
      const second = await requestToken(server, demo);
      const jti = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()).jti;
      expect(jti(first.body.access_token)).not.toBe(jti(second.body.access_token));
    });
  });

  describe('client authentication', () => {
    it('client_secret_basic form-urldecodes credentials (RFC 6749 Appendix B): a secret with + / = : % works', async () => {
      expect(TEST_DEMO_SECRET).toMatch(/[+/=:%]/);
      const { status } = await requestToken(server, demo);
      expect(status).toBe(200);
    });

    it('client_secret_basic without form-encoding of a secret with ":" still splits on the first colon only', async () => {
      const client = await registerClient(server, { clientId: 'colon-client', secret: 'abc:def:ghi-0123456789-0123456789' });
      const raw = `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`;
      const { status } = await postForm(server, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: raw } });
      expect(status).toBe(200);
    });

    // Issue 24 item 2: Node keeps only the first Authorization line, so a second one went unseen and
    // the request was authenticated as the first line's client.
    it('two Authorization headers: 400 invalid_request at the token, introspection and revocation endpoints', async () => {
      const valid = basicAuth(demo.clientId, demo.secret);
      const cases: [string, Record<string, string>][] = [
        ['/oauth/token', { grant_type: 'client_credentials' }],
        ['/oauth/introspect', { token: 'x' }],
        ['/oauth/revoke', { token: 'x' }],
      ];
      for (const [path, form] of cases) {
        for (const second of [valid, basicAuth('someone-else', 'other-secret'), 'Bearer x']) {
          const { status, body } = await postFormWithTwoAuthorizations(server, path, form, [valid, second]);
          expect({ path, status, body }).toEqual({ path, status: 400, body: { error: 'invalid_request', error_description: 'more than one Authorization header' } });
        }
      }
    });

    it('client_secret_post', async () => {
      const client = await registerClient(server, { clientId: 'post-client', authMethod: 'client_secret_post' });
      const { status, body } = await postForm(server, '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.secret,
      });
      expect(status).toBe(200);
      expect(body.token_type).toBe('Bearer');
    });

    it('a client registered for one method cannot use another', async () => {
      const { status, body } = await postForm(server, '/oauth/token', {
        grant_type: 'client_credentials',
        client_id: demo.clientId,
        client_secret: demo.secret,
      });
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
    });

    describe('private_key_jwt (RFC 7523)', () => {
      let privateKey: CryptoKey;
      const clientId = 'jwt-client';

      beforeAll(async () => {
        const pair = await generateKeyPair('ES256', { extractable: true });
        privateKey = pair.privateKey;
        const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'client-key-1', alg: 'ES256' };
        await registerClient(server, { clientId, authMethod: 'private_key_jwt', jwks: { keys: [publicJwk] } });
      });

      const assertion = (claims: Record<string, unknown> = {}, audience: string | string[] = `${server.issuer}/oauth/token`) =>
        new SignJWT({ jti: randomUUID(), ...claims })
          .setProtectedHeader({ alg: 'ES256', kid: 'client-key-1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(audience)
          .setIssuedAt()
          .setExpirationTime('2m')
          .sign(privateKey);

      const withAssertion = async (jwt: string, extra: Record<string, string> = {}) =>
        postForm(server, '/oauth/token', {
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
          ...extra,
        });

      it('accepts a signed assertion with aud = token endpoint or issuer', async () => {
        expect((await withAssertion(await assertion())).status).toBe(200);
        expect((await withAssertion(await assertion({}, server.issuer))).status).toBe(200);
      });

      // Issue 10 finding 6 (draft-ietf-oauth-rfc7523bis): an assertion minted for another server that
      // also lists this one (audience injection) must not authenticate here.
      it('refuses a multi-valued aud, even one listing the token endpoint or the issuer: invalid_client', async () => {
        for (const audience of [
          [`${server.issuer}/oauth/token`, 'https://other-as.example'],
          [server.issuer, `${server.issuer}/oauth/token`],
          [server.issuer],
        ]) {
          const refused = await withAssertion(await assertion({}, audience));
          expect(refused.status).toBe(401);
          expect(refused.body).toEqual({ error: 'invalid_client', error_description: 'client assertion aud must be a single string' });
        }
      });

      it('refuses an aud that is not the issuer or the token endpoint (another endpoint, a prefix, a trailing slash)', async () => {
        for (const audience of [`${server.issuer}/oauth/introspect`, `${server.issuer}/`, `${server.issuer}/oauth/token/`, 'http://localhost']) {
          const refused = await withAssertion(await assertion({}, audience));
          expect(refused.status).toBe(401);
          expect(refused.body.error).toBe('invalid_client');
        }
      });

      it('rejects a reused jti', async () => {
        const jwt = await assertion();
        expect((await withAssertion(jwt)).status).toBe(200);
        const replay = await withAssertion(jwt);
        expect(replay.status).toBe(401);
        expect(replay.body).toEqual({ error: 'invalid_client', error_description: expect.stringContaining('already been used') });
      });

      it('rejects a wrong audience, an expired assertion, a missing jti and a foreign key', async () => {
        expect((await withAssertion(await assertion({}, 'https://elsewhere.example'))).body.error).toBe('invalid_client');
        const expired = await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'client-key-1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(server.issuer)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
          .sign(privateKey);
        expect((await withAssertion(expired)).status).toBe(401);
        const noJti = await new SignJWT({})
          .setProtectedHeader({ alg: 'ES256' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(server.issuer)
          .setExpirationTime('1m')
          .sign(privateKey);
        expect((await withAssertion(noJti)).status).toBe(401);
        const other = await generateKeyPair('ES256');
        const forged = await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'client-key-1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(server.issuer)
          .setExpirationTime('1m')
          .sign(other.privateKey);
        expect((await withAssertion(forged)).status).toBe(401);
      });

      it('rejects a client_id that does not match the assertion, and a wrong assertion type', async () => {
        const mismatch = await withAssertion(await assertion(), { client_id: 'order-service' });
        expect(mismatch.status).toBe(401);
        const wrongType = await postForm(server, '/oauth/token', {
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:example:other',
          client_assertion: await assertion(),
        });
        expect(wrongType.status).toBe(400);
        expect(wrongType.body.error).toBe('invalid_request');
      });

      it('issues tokens that verify like any other', async () => {
        const { body } = await withAssertion(await assertion());
        const jwks = createLocalJWKSet((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as never);
        const { payload } = await jwtVerify(String(body.access_token), jwks, {
          issuer: server.issuer,
          audience: 'api://user-service',
          algorithms: ['ES256'],
          typ: 'at+jwt',
        });
        expect(payload.client_id).toBe(clientId);
        expect(decodeProtectedHeader(String(body.access_token)).typ).toBe('at+jwt');
      });
    });

    it('more than one method in one request is invalid_request', async () => {
      const { status, body } = await postForm(
        server,
        '/oauth/token',
        { grant_type: 'client_credentials', client_id: demo.clientId, client_secret: demo.secret },
        { headers: { authorization: basicAuth(demo.clientId, demo.secret) } },
      );
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_request');
    });
  });

  describe('RFC 6749 §5.2 errors', () => {
    const expectOAuthError = (
      response: { status: number; headers: Headers; body: Record<string, unknown> },
      status: number,
      error: string,
    ) => {
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error, error_description: expect.any(String) });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
    };

    it('wrong secret with Basic: 401 invalid_client with WWW-Authenticate Basic', async () => {
      const response = await requestToken(server, { clientId: demo.clientId, secret: 'wrong' });
      expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="auth-server", charset="UTF-8"');
    });

    it('unknown client: the same 401 invalid_client as a wrong secret', async () => {
      const unknown = await requestToken(server, { clientId: 'nobody', secret: 'wrong' });
      const wrong = await requestToken(server, { clientId: demo.clientId, secret: 'wrong' });
      expectOAuthError(unknown, 401, 'invalid_client');
      expect(unknown.body).toEqual(wrong.body);
    });

    it('malformed Basic header (bad base64, no colon): 401 invalid_client', async () => {
      for (const header of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Basic', 'Bearer abc']) {
        const response = await postForm(server, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: header } });
        expectOAuthError(response, 401, 'invalid_client');
      }
    });

    it('no client authentication at all: 401 invalid_client', async () => {
      expectOAuthError(await postForm(server, '/oauth/token', { grant_type: 'client_credentials' }), 401, 'invalid_client');
    });

    it('a secret longer than the limit is refused, never checked on a prefix', async () => {
      const client = await registerClient(server, { clientId: 'long-secret', secret: 'x'.repeat(72) });
      expect((await requestToken(server, client)).status).toBe(200);
      expectOAuthError(await requestToken(server, { clientId: client.clientId, secret: `${'x'.repeat(72)}y` }), 401, 'invalid_client');
      expectOAuthError(await requestToken(server, { clientId: client.clientId, secret: 'x'.repeat(4096) }), 401, 'invalid_client');
    });

    it('missing grant_type: invalid_request; unknown grant type: unsupported_grant_type', async () => {
      const headers = { authorization: basicAuth(demo.clientId, demo.secret) };
      expectOAuthError(await postForm(server, '/oauth/token', {}, { headers }), 400, 'invalid_request');
      expectOAuthError(await postForm(server, '/oauth/token', { grant_type: 'password' }, { headers }), 400, 'unsupported_grant_type');
    });

    // Issue 10 finding 6: descriptions quoting request values carried '"', tabs and non-ASCII as they were.
    it('error_description holds only RFC 6749 §5.2 characters, whatever the request sent', async () => {
      const headers = { authorization: basicAuth(demo.clientId, demo.secret) };
      for (const grantType of ['x"y', 'tab\there', 'back\\slash', 'caf\u00e9', 'new\nline\r"x"']) {
        const response = await postForm(server, '/oauth/token', { grant_type: grantType }, { headers });
        expectOAuthError(response, 400, 'unsupported_grant_type');
        expect([grantType, response.body.error_description]).toEqual([grantType, expect.stringMatching(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/)]);
      }
      // Our own messages quote parameter names: still readable.
      const missing = await postForm(server, '/oauth/token', {}, { headers });
      expect(missing.body.error_description).toBe("missing required parameter 'grant_type'");
    });

    it('repeated parameters: invalid_request', async () => {
      const response = await postForm(server, '/oauth/token', {}, {
        headers: { authorization: basicAuth(demo.clientId, demo.secret) },
        body: 'grant_type=client_credentials&scope=users:read&scope=users:read',
      });
      expectOAuthError(response, 400, 'invalid_request');
      expect(response.body.error_description).toContain('scope');
    });

    it('wrong content type (JSON, text/plain): 400 invalid_request', async () => {
      for (const [type, body] of [
        ['application/json', JSON.stringify({ grant_type: 'client_credentials' })],
        ['text/plain', 'grant_type=client_credentials'],
      ]) {
        const response = await postForm(server, '/oauth/token', {}, {
          headers: { 'content-type': type!, authorization: basicAuth(demo.clientId, demo.secret) },
          body,
        });
        expectOAuthError(response, 400, 'invalid_request');
      }
    });

    it('GET: 400 invalid_request with Allow: POST', async () => {
      const response = await fetch(`${server.url}/oauth/token?grant_type=client_credentials`);
      expect(response.status).toBe(400);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    });

    it('disabled client: 401 invalid_client', async () => {
      const client = await registerClient(server, { clientId: 'to-disable' });
      expect((await requestToken(server, client)).status).toBe(200);
      await server.clients.setEnabled(client.clientId, false, TEST_ACTOR);
      expectOAuthError(await requestToken(server, client), 401, 'invalid_client');
    });

    it('a grant the client may not use: unauthorized_client', async () => {
      const client = await registerClient(server, { clientId: 'no-grants' });
      await server.app.get(ClientEntityRepository).update({ clientId: client.clientId }, { grantTypes: [] });
      expectOAuthError(await requestToken(server, client), 400, 'unauthorized_client');
    });

    it('an oversized body: 413 with an RFC-shaped body', async () => {
      const response = await postForm(server, '/oauth/token', {}, { body: `grant_type=client_credentials&x=${'a'.repeat(100_000)}` });
      expect(response.status).toBe(413);
      expect(response.body.error).toBe('invalid_request');
    });
  });

  describe('scopes', () => {
    let client: { clientId: string; secret: string };
    beforeAll(async () => {
      client = await registerClient(server, {
        clientId: 'scoped',
        grants: [{ resource: 'api://user-service', scopes: ['users:read', 'users:provision'], defaultScopes: ['users:read'] }],
      });
    });

    it('grants requested scopes that are allowed', async () => {
      const { body } = await requestToken(server, client, { scope: 'users:provision users:read' });
      expect(body.scope).toBe('users:provision users:read');
    });

    it('rejects a scope that is not allowed, naming it', async () => {
      const { status, body } = await requestToken(server, client, { scope: 'users:read admin' });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_scope', error_description: expect.stringContaining('admin') });
    });

    it('an omitted scope grants the client default scopes only', async () => {
      const { body } = await requestToken(server, client);
      expect(body.scope).toBe('users:read');
    });
  });

  describe('audience (RFC 8707 resource, or audience)', () => {
    let client: { clientId: string; secret: string };
    beforeAll(async () => {
      client = await registerClient(server, {
        clientId: 'multi-aud',
        grants: [
          { resource: 'api://user-service', scopes: ['users:read'] },
          { resource: 'https://orders.example/api', scopes: ['orders:read'] },
        ],
      });
    });
    const audOf = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()).aud;

    it('defaults to the first allowed audience', async () => {
      expect(audOf((await requestToken(server, client)).body.access_token)).toBe('api://user-service');
    });

    it('honours an allowed resource or audience', async () => {
      expect(audOf((await requestToken(server, client, { resource: 'https://orders.example/api' })).body.access_token)).toBe(
        'https://orders.example/api',
      );
      expect(audOf((await requestToken(server, client, { audience: 'https://orders.example/api' })).body.access_token)).toBe(
        'https://orders.example/api',
      );
    });

    it('rejects an audience the client may not have, and a non-absolute resource: invalid_target', async () => {
      const forms: Record<string, string>[] = [
        { resource: 'https://evil.example' },
        { audience: 'api://other' },
        { resource: 'relative/path' },
        { resource: 'https://a.example/#frag' },
      ];
      for (const form of forms) {
        const { status, body } = await requestToken(server, client, form);
        expect(status).toBe(400);
        expect(body.error).toBe('invalid_target');
      }
    });

    it('both resource and audience: invalid_request', async () => {
      const { body } = await requestToken(server, client, { resource: 'api://user-service', audience: 'api://user-service' });
      expect(body.error).toBe('invalid_request');
    });
  });
});

const ClientEntityRepository = `${ClientEntity.name}Repository`;
