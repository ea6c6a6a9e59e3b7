import { Behaviour, captureLogger, LocalHttpServer, startTokenEndpoint, testClock } from '../../test/support/local-http-servers';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { TokenExchangeTokenProviderOptions } from './client-credentials.options';
import { TokenEndpointError, TokenEndpointUnavailable } from './errors';
import { ServiceHttpClient } from './service-http-client';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT_TYPE, TokenExchangeTokenProvider } from './token-exchange-token-provider';

/** A user's access token as the guard let it in: only its `exp` matters to the client (read unverified). */
function userToken(name: string, expSeconds: number): string {
  const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${segment({ alg: 'ES256', typ: 'at+jwt' })}.${segment({ sub: name, exp: expSeconds })}.c2lnbmF0dXJl`;
}

const respond = (status: number, body?: unknown, headers?: Record<string, string>): Behaviour => ({ kind: 'respond', status, body, headers });

describe('TokenExchangeTokenProvider (RFC 8693, on behalf of users)', () => {
  let endpoint: LocalHttpServer;
  let clock: ReturnType<typeof testClock>;
  let logs: ReturnType<typeof captureLogger>;
  /** Subject tokens valid for an hour of the test clock. */
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    endpoint = await startTokenEndpoint();
    clock = testClock();
    logs = captureLogger();
    const inAnHour = clock.now() / 1000 + 3600;
    alice = userToken('alice', inAnHour);
    bob = userToken('bob', inAnHour);
  });
  afterEach(() => endpoint.close());

  const provider = (overrides: Partial<TokenExchangeTokenProviderOptions> = {}) =>
    new TokenExchangeTokenProvider({
      tokenEndpoint: `${endpoint.url}/oauth/token`,
      issuer: 'https://issuer.test',
      clientId: 'order-service',
      clientSecret: 'order-secret',
      scopes: ['users:read'],
      audience: 'api://user-service',
      now: clock.now,
      random: () => 0.5,
      logger: logs.logger,
      timeoutMs: 10_000,
      ...overrides,
    });

  it('POSTs the token-exchange grant: the user token as subject, the API as resource, this client authenticated', async () => {
    await expect(provider().getToken(alice)).resolves.toBe('tok-1');
    const [request] = endpoint.requests;
    expect(Object.fromEntries(request!.form)).toEqual({
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: alice,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      resource: 'api://user-service',
      scope: 'users:read',
    });
    expect(request!.basic).toEqual({ clientId: 'order-service', secret: 'order-secret' });
  });

  it('a target overrides audience and scopes; a non-URI audience is sent as `audience`', async () => {
    await provider().getToken(alice, { audience: 'billing', scopes: ['invoices:read', 'invoices:read'] });
    expect(Object.fromEntries(endpoint.requests[0]!.form)).toMatchObject({ audience: 'billing', scope: 'invoices:read' });
    expect(endpoint.requests[0]!.form.has('resource')).toBe(false);
  });

  it('caches per subject token, audience and scopes', async () => {
    const tokens = provider();
    expect(await tokens.getToken(alice)).toBe('tok-1');
    expect(await tokens.getToken(alice)).toBe('tok-1');
    expect(await tokens.getToken(bob)).toBe('tok-2');
    expect(await tokens.getToken(alice, { scopes: ['users:read', 'users:provision'] })).toBe('tok-3');
    expect(await tokens.getToken(alice, { audience: 'api://billing' })).toBe('tok-4');
    expect(await tokens.getToken(bob)).toBe('tok-2');
    expect(endpoint.count).toBe(4);
    expect(tokens.stats).toMatchObject({ hits: 2, misses: 4, fetches: 4, failures: 0 });
  });

  it('one request per key however many callers (single flight), one per user', async () => {
    const tokens = provider();
    const release = endpoint.hold();
    const calls = [...Array.from({ length: 20 }, () => tokens.getToken(alice)), ...Array.from({ length: 20 }, () => tokens.getToken(bob))];
    await endpoint.received(2);
    release();
    const results = await Promise.all(calls);
    expect(new Set(results.slice(0, 20)).size).toBe(1);
    expect(new Set(results.slice(20)).size).toBe(1);
    expect(results[0]).not.toBe(results[20]);
    expect(endpoint.count).toBe(2);
  });

  it('reuses a token until its refresh-ahead point (exp − max(30 s, 10 %))', async () => {
    const tokens = provider();
    await tokens.getToken(alice);
    clock.advance(809_000);
    expect(await tokens.getToken(alice)).toBe('tok-1');
    clock.advance(1_000);
    expect(await tokens.getToken(alice)).toBe('tok-2');
  });

  it('never beyond the subject token’s own expiry, even when the exchanged token would live longer', async () => {
    const tokens = provider();
    const shortLived = userToken('alice', clock.now() / 1000 + 60);
    await tokens.getToken(shortLived);
    clock.advance(59_000);
    expect(tokens.hasFreshToken(shortLived)).toBe(true);
    expect(await tokens.getToken(shortLived)).toBe('tok-1');
    clock.advance(1_000);
    expect(tokens.hasFreshToken(shortLived)).toBe(false);
    expect(await tokens.getToken(shortLived)).toBe('tok-2');
  });

  it('keeps at most maxCachedTokens, dropping the least recently used', async () => {
    const tokens = provider({ maxCachedTokens: 2 });
    const carol = userToken('carol', clock.now() / 1000 + 3600);
    await tokens.getToken(alice); // tok-1
    await tokens.getToken(bob); // tok-2
    await tokens.getToken(alice); // hit: alice is now the most recent
    await tokens.getToken(carol); // tok-3, bob dropped
    expect(tokens.size).toBe(2);
    expect(tokens.stats.evictions).toBe(1);
    expect(await tokens.getToken(alice)).toBe('tok-1');
    expect(await tokens.getToken(bob)).toBe('tok-4');
  });

  it('a failure of the server backs off for everyone: calls in the window fail fast with the last error', async () => {
    const tokens = provider();
    endpoint.queue.push(respond(503, { error: 'temporarily_unavailable' }));
    await expect(tokens.getToken(alice)).rejects.toBeInstanceOf(TokenEndpointError);
    // random 0.5 × 250 ms: a window of 125 ms.
    await expect(tokens.getToken(bob)).rejects.toMatchObject({ status: 503 });
    expect(endpoint.count).toBe(1);
    clock.advance(125);
    expect(await tokens.getToken(bob)).toBe('tok-1');
    expect(tokens.stats.failures).toBe(1);
  });

  it('invalid_grant (this subject token refused: expired, revoked, not for this client) fails that call only, without back-off', async () => {
    const tokens = provider();
    endpoint.queue.push(respond(400, { error: 'invalid_grant', error_description: 'subject token is not active' }));
    await expect(tokens.getToken(alice)).rejects.toMatchObject({ status: 400, error: 'invalid_grant' });
    expect(await tokens.getToken(bob)).toBe('tok-1');
    expect(endpoint.count).toBe(2);
  });

  it('an unreachable token endpoint is TokenEndpointUnavailable, and backs off', async () => {
    const tokens = provider();
    endpoint.queue.push({ kind: 'destroy' });
    await expect(tokens.getToken(alice)).rejects.toBeInstanceOf(TokenEndpointUnavailable);
    await expect(tokens.getToken(alice)).rejects.toBeInstanceOf(TokenEndpointUnavailable);
    expect(endpoint.count).toBe(1);
  });

  it('invalidate() forgets the token only if it is still the cached one for that subject', async () => {
    const tokens = provider();
    await tokens.getToken(alice);
    await tokens.invalidate(alice, 'some-other-token');
    expect(await tokens.getToken(alice)).toBe('tok-1');
    await tokens.invalidate(alice, 'tok-1');
    expect(await tokens.getToken(alice)).toBe('tok-2');
  });

  it('refuses an empty subject token and bad options', async () => {
    await expect(provider().getToken('')).rejects.toThrow('a subject token is required');
    expect(() => provider({ maxCachedTokens: 0 })).toThrow('maxCachedTokens must be a positive integer');
    expect(() => provider({ clientSecret: undefined })).toThrow('clientSecret is required');
  });

  it('never logs a subject token or an exchanged token', async () => {
    const tokens = provider();
    endpoint.queue.push(respond(400, { error: 'invalid_grant' }), respond(500, { error: 'server_error' }));
    await tokens.getToken(alice).catch(() => undefined);
    await tokens.getToken(bob).catch(() => undefined);
    clock.advance(1_000);
    await tokens.getToken(bob);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) {
      expect(line).not.toContain(alice);
      expect(line).not.toContain(bob);
      expect(line).not.toMatch(/tok-\d/);
    }
  });
});

describe('ServiceHttpClient.onBehalfOf', () => {
  let endpoint: LocalHttpServer;
  let downstream: LocalHttpServer;
  let client: ServiceHttpClient;
  let exchange: TokenExchangeTokenProvider;
  const subject = userToken('alice', Math.floor(Date.now() / 1000) + 3600);
  const invalidToken = respond(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });

  beforeEach(async () => {
    endpoint = await startTokenEndpoint();
    downstream = await new LocalHttpServer(() => respond(200, { id: 'alice' })).start();
    const common = {
      tokenEndpoint: `${endpoint.url}/oauth/token`,
      issuer: 'https://issuer.test',
      clientId: 'order-service',
      clientSecret: 'order-secret',
      audience: 'api://user-service',
      logger: captureLogger().logger,
    };
    exchange = new TokenExchangeTokenProvider({ ...common, scopes: ['users:read'] });
    const own = new ClientCredentialsTokenProvider({ ...common, scopes: ['users:read', 'users:provision'] });
    client = new ServiceHttpClient(own, { baseUrl: downstream.url, tokenExchange: exchange, logger: captureLogger().logger });
  });
  afterEach(async () => {
    await downstream.close();
    await endpoint.close();
  });

  const grantOf = (index: number) => endpoint.requests[index]!.form.get('grant_type');
  const bearer = (index: number) => downstream.requests[index]!.headers.authorization;

  it('carries the exchanged token, not the client’s own, and reuses it for the same user', async () => {
    const first = await client.onBehalfOf(subject).request<{ id: string }>('/users/alice');
    await client.onBehalfOf(subject).request('/users/alice');
    expect(first).toMatchObject({ status: 200, body: { id: 'alice' } });
    expect([bearer(0), bearer(1)]).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(endpoint.count).toBe(1);
    expect(grantOf(0)).toBe(TOKEN_EXCHANGE_GRANT_TYPE);
    // The client's own token is a separate acquisition.
    await client.request('/users/alice');
    expect(grantOf(1)).toBe('client_credentials');
    expect(bearer(2)).toBe('Bearer tok-2');
  });

  it('on 401 invalid_token: exchanges again and retries exactly once', async () => {
    downstream.queue.push(invalidToken);
    const response = await client.onBehalfOf(subject).request('/users/alice');
    expect(response.status).toBe(200);
    expect([bearer(0), bearer(1)]).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(endpoint.requests.map((_, i) => grantOf(i))).toEqual([TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_EXCHANGE_GRANT_TYPE]);
    expect(exchange.hasFreshToken(subject)).toBe(true);
  });

  it('no retry on 403 (the user may not see this), and a second 401 is returned as it is', async () => {
    downstream.queue.push(respond(403, { error: 'insufficient_scope' }));
    expect((await client.onBehalfOf(subject).request('/users/bob')).status).toBe(403);
    expect(downstream.count).toBe(1);
    downstream.queue.push(invalidToken, invalidToken);
    expect((await client.onBehalfOf(subject).request('/users/alice')).status).toBe(401);
    expect(downstream.count).toBe(3);
  });

  it('needs a subject token, and a token exchange provider', () => {
    expect(() => client.onBehalfOf('')).toThrow(TypeError);
    const plain = new ServiceHttpClient({ getToken: async () => 't', invalidate: async () => undefined, hasFreshToken: () => true });
    expect(() => plain.onBehalfOf(subject)).toThrow(/needs a token exchange provider/);
  });
});
