import { Test } from '@nestjs/testing';
import { generateKeyPairSync } from 'node:crypto';
import {
  ClientCredentialsModule,
  ClientCredentialsTokenProvider,
  ClientCredentialsTokenProviderOptions,
  InMemoryTokenCache,
  ServiceHttpClient,
  TokenEndpointError,
} from '@nest-oauth-m2m/auth';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  registerClient,
  startAuthServer,
  TEST_DEMO_SECRET,
  TestAuthServer,
} from '../../../apps/auth-server/test/support/auth-server.harness';
import { captureLogger, LocalHttpServer } from './support/local-http-servers';

describe('ClientCredentialsTokenProvider against the real auth-server', () => {
  let server: TestAuthServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    server = await startAuthServer();
    jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  });
  afterAll(() => server.close());

  const demo = (overrides: Partial<ClientCredentialsTokenProviderOptions> = {}) =>
    new ClientCredentialsTokenProvider({
      tokenEndpoint: `${server.url}/oauth/token`,
      issuer: server.issuer,
      clientId: 'order-service',
      clientSecret: TEST_DEMO_SECRET,
      scopes: ['users:read'],
      audience: 'api://user-service',
      logger: captureLogger().logger,
      timeoutMs: 15_000, // a loaded CI machine; not a latency assertion
      ...overrides,
    });

  const verify = (token: string) =>
    jwtVerify(token, jwks, { issuer: server.issuer, audience: 'api://user-service', typ: 'at+jwt', algorithms: ['ES256'] });

  it('gets a token for the seeded demo client (client_secret_basic, secret with + / = : %) that verifies with jose', async () => {
    expect(TEST_DEMO_SECRET).toMatch(/[+/=:%]/);
    const tokens = demo();
    const token = await tokens.getToken();
    const { payload } = await verify(token);
    expect(payload).toMatchObject({ iss: server.issuer, sub: 'order-service', client_id: 'order-service', scope: 'users:read' });
    expect(payload.exp! - payload.iat!).toBe(900);

    await expect(tokens.getToken()).resolves.toBe(token);
    expect(tokens.stats).toMatchObject({ fetches: 1, hits: 1, failures: 0 });
  });

  it('without a tokenEndpoint, discovers it from the issuer\'s RFC 8414 metadata (once)', async () => {
    const requests: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      requests.push(String(input));
      return fetch(input, init);
    };
    const tokens = demo({ tokenEndpoint: undefined, fetch: recordingFetch });
    const token = await tokens.getToken();
    await expect(verify(token)).resolves.toBeDefined();
    await tokens.invalidate(token);
    await tokens.getToken();
    expect(requests).toEqual([`${server.issuer}/.well-known/oauth-authorization-server`, `${server.url}/oauth/token`, `${server.url}/oauth/token`]);
  });

  it('client_secret_post', async () => {
    const client = await registerClient(server, { clientId: 'post-client-e2e', authMethod: 'client_secret_post' });
    const tokens = demo({ clientId: client.clientId, clientSecret: client.secret, authMethod: 'client_secret_post' });
    const { payload } = await verify(await tokens.getToken());
    expect(payload.client_id).toBe('post-client-e2e');
  });

  it('a wrong secret is a TokenEndpointError 401 invalid_client, and the back-off stops further requests', async () => {
    const frozen = Date.now();
    const tokens = demo({ clientSecret: 'wrong-secret', now: () => frozen });
    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    await Promise.all(Array.from({ length: 20 }, () => expect(tokens.getToken()).rejects.toBe(error)));
    expect(tokens.stats).toMatchObject({ fetches: 1, failures: 1 });
  });

  it('an unknown scope is invalid_scope, an audience the client may not use is invalid_target', async () => {
    await expect(demo({ scopes: ['users:write'] }).getToken()).rejects.toMatchObject({ status: 400, error: 'invalid_scope' });
    await expect(demo({ audience: 'api://billing' }).getToken()).rejects.toMatchObject({ status: 400, error: 'invalid_target' });
  });

  it('ServiceHttpClient: a downstream verifying tokens rejects a stale cached token; the client refreshes once and succeeds', async () => {
    // A resource server in miniature: verifies the bearer token against the auth-server's JWKS.
    const downstream = await new LocalHttpServer(async (request) => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      const valid = await verify(token).then(
        () => true,
        () => false,
      );
      return valid
        ? { kind: 'respond', status: 200, body: { id: 1 } }
        : {
            kind: 'respond',
            status: 401,
            body: { error: 'invalid_token' },
            headers: { 'www-authenticate': 'Bearer realm="user-service", error="invalid_token"' },
          };
    }).start();
    try {
      // A token the downstream no longer accepts sits in the shared cache (as after a signing-key reset).
      const shared = new InMemoryTokenCache();
      const tokens = demo({ cache: shared });
      const now = Date.now();
      const stale = { accessToken: 'eyJhbGciOiJFUzI1NiJ9.e30.c3RhbGU', tokenType: 'Bearer' as const, obtainedAt: now, expiresAt: now + 900_000 };
      await shared.set(tokens.cacheKey, stale, 900_000);
      const http = new ServiceHttpClient(tokens, { baseUrl: downstream.url, timeoutMs: 15_000, logger: captureLogger().logger });

      const response = await http.request<{ id: number }>('/users/1');
      expect(response).toMatchObject({ status: 200, body: { id: 1 } });
      const sent = downstream.requests.map((r) => r.headers.authorization);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toBe(`Bearer ${stale.accessToken}`);
      await expect(verify(sent[1]!.slice('Bearer '.length))).resolves.toBeDefined();
      expect(tokens.stats.fetches).toBe(1);
      await expect(shared.get(tokens.cacheKey)).resolves.toMatchObject({ accessToken: sent[1]!.slice('Bearer '.length) });
    } finally {
      await downstream.close();
    }
  });

  describe('private_key_jwt (RFC 7523)', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ecPem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const rsaJwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'rsa-1' };

    beforeAll(async () => {
      await registerClient(server, {
        clientId: 'billing-service',
        authMethod: 'private_key_jwt',
        jwks: {
          keys: [
            { ...ec.publicKey.export({ format: 'jwk' }), kty: 'EC', kid: 'ec-1', alg: 'ES256', use: 'sig' },
            { ...rsa.publicKey.export({ format: 'jwk' }), kty: 'RSA', kid: 'rsa-1', alg: 'RS256', use: 'sig' },
          ],
        },
      });
    });

    const keyed = (overrides: Partial<ClientCredentialsTokenProviderOptions>) =>
      demo({ clientId: 'billing-service', clientSecret: undefined, authMethod: 'private_key_jwt', ...overrides });

    it('a service configured through ClientCredentialsModule with a PEM key gets tokens from the auth-server', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          ClientCredentialsModule.forRoot({
            tokenEndpoint: `${server.url}/oauth/token`,
            issuer: server.issuer,
            clientId: 'billing-service',
            authMethod: 'private_key_jwt',
            privateKey: ecPem,
            privateKeyId: 'ec-1',
            scopes: ['users:read'],
            audience: 'api://user-service',
            timeoutMs: 15_000,
            logger: captureLogger().logger,
          }),
        ],
      }).compile();
      const tokens = moduleRef.get(ClientCredentialsTokenProvider);
      const { payload } = await verify(await tokens.getToken());
      expect(payload).toMatchObject({ sub: 'billing-service', client_id: 'billing-service', scope: 'users:read' });
      await moduleRef.close();
    });

    it('signs a fresh assertion for every token request (a replayed jti would be refused), with a JWK key and its kid', async () => {
      const tokens = keyed({ privateKey: rsaJwk });
      const first = await tokens.getToken();
      await tokens.invalidate(first);
      const second = await tokens.getToken();
      expect(second).not.toBe(first);
      await expect(verify(second)).resolves.toBeDefined();
      expect(tokens.stats).toMatchObject({ fetches: 2, failures: 0 });
    });

    it('an assertion signed with a key the client did not register is invalid_client', async () => {
      const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await expect(keyed({ privateKey: stranger, privateKeyId: 'ec-1' }).getToken()).rejects.toMatchObject({ status: 401, error: 'invalid_client' });
    });
  });
});
