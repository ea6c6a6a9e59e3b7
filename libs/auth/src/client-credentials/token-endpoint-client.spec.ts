import { generateKeyPairSync, verify } from 'node:crypto';
import { LocalHttpServer, RecordedRequest, testClock } from '../../test/support/local-http-servers';
import { TokenEndpointError, TokenEndpointUnavailable } from './errors';
import { clientCredentialsGrant, TokenEndpointClient } from './token-endpoint-client';

/** One server playing the issuer: metadata, token endpoint, introspection and a feed, each request recorded. */
function authorizationServer(overrides: Partial<Record<string, (request: RecordedRequest) => ReturnType<LocalHttpServer['fallback']>>> = {}) {
  const server: LocalHttpServer = new LocalHttpServer((request) => {
    const path = request.url.split('?')[0]!;
    const override = overrides[path];
    if (override) return override(request);
    if (path === '/.well-known/oauth-authorization-server') {
      return { kind: 'respond', status: 200, body: { issuer: server.url, token_endpoint: `${server.url}/oauth/token` } };
    }
    if (path === '/oauth/token') return { kind: 'respond', status: 200, body: { access_token: 'tok', token_type: 'Bearer', expires_in: 60, scope: 'users:read' } };
    return { kind: 'respond', status: 200, body: { path } };
  });
  return server.start();
}

describe('TokenEndpointClient', () => {
  let server: LocalHttpServer;
  const clock = testClock();
  afterEach(() => server.close());

  it('requests a token with client_secret_basic and parses it into a cached token', async () => {
    server = await authorizationServer();
    const client = new TokenEndpointClient({ tokenEndpoint: `${server.url}/oauth/token`, clientId: 'svc', clientSecret: 's:e cret', now: clock.now });
    const token = await client.requestToken(clientCredentialsGrant(['users:read'], 'api://user-service'));
    expect(token).toEqual({ accessToken: 'tok', tokenType: 'Bearer', obtainedAt: clock.now(), expiresAt: clock.now() + 60_000, scope: 'users:read' });
    const [request] = server.requests;
    expect(request!.basic).toEqual({ clientId: 'svc', secret: 's:e cret' });
    expect(Object.fromEntries(request!.form)).toEqual({ grant_type: 'client_credentials', scope: 'users:read', resource: 'api://user-service' });
  });

  it('private_key_jwt: a signed assertion in the form (aud = the issuer), no Authorization header', async () => {
    server = await authorizationServer();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const client = new TokenEndpointClient({
      issuer: 'https://issuer.test',
      tokenEndpoint: `${server.url}/oauth/token`,
      clientId: 'svc',
      authMethod: 'private_key_jwt',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    await client.requestToken(clientCredentialsGrant([], undefined));
    const { form, headers } = server.requests[0]!;
    expect(headers.authorization).toBeUndefined();
    expect(form.get('client_id')).toBe('svc');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [header, claims, signature] = form.get('client_assertion')!.split('.');
    const signed = verify('sha256', Buffer.from(`${header}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'));
    expect(signed).toBe(true);
    expect(JSON.parse(Buffer.from(claims!, 'base64url').toString())).toMatchObject({ iss: 'svc', sub: 'svc', aud: 'https://issuer.test' });
  });

  it('discovers the token endpoint from the issuer once; a failed discovery is TokenEndpointUnavailable and is tried again', async () => {
    let metadataDown = true;
    server = await authorizationServer({
      '/.well-known/oauth-authorization-server': () =>
        metadataDown
          ? { kind: 'respond', status: 503 }
          : { kind: 'respond', status: 200, body: { issuer: server.url, token_endpoint: `${server.url}/oauth/token` } },
    });
    const client = new TokenEndpointClient({ issuer: server.url, clientId: 'svc', clientSecret: 'secret' });
    await expect(client.requestToken({ grant_type: 'client_credentials' })).rejects.toThrow(TokenEndpointUnavailable);
    await expect(client.requestToken({ grant_type: 'client_credentials' })).rejects.toThrow(/token endpoint discovery failed: .*503/);
    metadataDown = false;
    await client.requestToken({ grant_type: 'client_credentials' });
    await client.requestToken({ grant_type: 'client_credentials' });
    expect(server.requests.map((request) => request.url)).toEqual([
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server',
      '/oauth/token',
      '/oauth/token',
    ]);
  });

  it('maps an error answer to TokenEndpointError, with an HTTP-date Retry-After in ms', async () => {
    const retryAt = new Date(clock.now() + 7_000).toUTCString();
    server = await authorizationServer({
      '/oauth/token': () => ({ kind: 'respond', status: 503, body: { error: 'temporarily_unavailable', error_description: 'later' }, headers: { 'retry-after': retryAt } }),
    });
    const client = new TokenEndpointClient({ tokenEndpoint: `${server.url}/oauth/token`, clientId: 'svc', clientSecret: 'secret', now: clock.now });
    const error = await client.requestToken({ grant_type: 'client_credentials' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 503, error: 'temporarily_unavailable', errorDescription: 'later', retryAfterMs: 7_000 });
  });

  it('a token endpoint that does not answer in timeoutMs is TokenEndpointUnavailable (timeout)', async () => {
    server = await authorizationServer({ '/oauth/token': () => ({ kind: 'hang' }) });
    const client = new TokenEndpointClient({ tokenEndpoint: `${server.url}/oauth/token`, clientId: 'svc', clientSecret: 'secret', timeoutMs: 100 });
    await expect(client.requestToken({ grant_type: 'client_credentials' })).rejects.toMatchObject({ name: 'TokenEndpointUnavailable', reason: 'timeout' });
  });

  it('post(): the same authenticated form POST to another endpoint, with the propagated headers, answer as is', async () => {
    server = await authorizationServer({ '/oauth/introspect': () => ({ kind: 'respond', status: 200, body: { active: true } }) });
    const client = new TokenEndpointClient({ clientId: 'rs', clientSecret: 'rs-secret', propagateHeaders: () => ({ 'x-request-id': 'req-1' }) });
    const answer = await client.post(`${server.url}/oauth/introspect`, { token: 'a.b.c', token_type_hint: 'access_token' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ active: true });
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.basic).toEqual({ clientId: 'rs', secret: 'rs-secret' });
    expect(request!.headers['x-request-id']).toBe('req-1');
    expect(Object.fromEntries(request!.form)).toEqual({ token: 'a.b.c', token_type_hint: 'access_token' });
  });

  it('never follows a redirect with the credentials', async () => {
    const elsewhere = await authorizationServer();
    try {
      server = await authorizationServer({ '/oauth/introspect': () => ({ kind: 'respond', status: 307, headers: { location: `${elsewhere.url}/oauth/introspect` } }) });
      const client = new TokenEndpointClient({ clientId: 'rs', clientSecret: 'rs-secret' });
      await expect(client.post(`${server.url}/oauth/introspect`, { token: 't' })).resolves.toMatchObject({ status: 307 });
      expect(elsewhere.count).toBe(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('get(): Basic credentials and the caller\'s headers; a method without a Basic header cannot GET', async () => {
    server = await authorizationServer();
    const client = new TokenEndpointClient({ clientId: 'rs', clientSecret: 'rs-secret' });
    const answer = await client.get(`${server.url}/oauth/revocations`, { 'if-none-match': '"v1"' });
    expect(JSON.parse(answer.text)).toEqual({ path: '/oauth/revocations' });
    expect(server.requests[0]).toMatchObject({ method: 'GET', basic: { clientId: 'rs', secret: 'rs-secret' } });
    expect(server.requests[0]!.headers['if-none-match']).toBe('"v1"');

    const posting = new TokenEndpointClient({ clientId: 'rs', clientSecret: 'rs-secret', authMethod: 'client_secret_post' });
    await expect(posting.get(`${server.url}/oauth/revocations`)).rejects.toThrow(/client_secret_post cannot authenticate a request without a body/);
  });

  it('an aborted signal ends a request at once', async () => {
    server = await authorizationServer({ '/oauth/revocations': () => ({ kind: 'hang' }) });
    const client = new TokenEndpointClient({ clientId: 'rs', clientSecret: 'rs-secret', timeoutMs: 10_000 });
    const abort = new AbortController();
    const pending = client.get(`${server.url}/oauth/revocations`, {}, abort.signal);
    await server.received(1);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects unusable options at construction', () => {
    expect(() => new TokenEndpointClient({ tokenEndpoint: 'ftp://x/token', clientId: 'svc', clientSecret: 's' })).toThrow(/http\(s\)/);
    expect(() => new TokenEndpointClient({ clientId: '', clientSecret: 's' })).toThrow(/clientId is required/);
    expect(() => new TokenEndpointClient({ clientId: 'svc' })).toThrow(/clientSecret is required/);
    expect(() => new TokenEndpointClient({ clientId: 'svc', authMethod: 'private_key_jwt', privateKey: 'x' })).toThrow(/issuer is required for private_key_jwt/);
  });
});
