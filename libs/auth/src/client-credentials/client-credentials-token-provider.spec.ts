import {
  Behaviour,
  captureLogger,
  closedPortUrl,
  invalidClient,
  LocalHttpServer,
  startTokenEndpoint,
  testClock,
} from '../../test/support/local-http-servers';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { ClientCredentialsTokenProviderOptions } from './client-credentials.options';
import { cacheKeyOf } from './token-cache';
import { InvalidTokenResponse, TokenEndpointError, TokenEndpointUnavailable } from './errors';

const SECRET = 'p+a/s=s:w%rd 1é&x';

describe('ClientCredentialsTokenProvider', () => {
  let endpoint: LocalHttpServer;
  let clock: ReturnType<typeof testClock>;
  let logs: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    endpoint = await startTokenEndpoint();
    clock = testClock();
    logs = captureLogger();
  });
  afterEach(() => endpoint.close());

  const provider = (overrides: Partial<ClientCredentialsTokenProviderOptions> = {}) =>
    new ClientCredentialsTokenProvider({
      tokenEndpoint: `${endpoint.url}/oauth/token`,
      issuer: 'https://issuer.test',
      clientId: 'order-service',
      clientSecret: SECRET,
      scopes: ['users:read'],
      audience: 'api://user-service',
      now: clock.now,
      random: () => 0.5,
      logger: logs.logger,
      timeoutMs: 10_000,
      ...overrides,
    });

  const respond = (status: number, body?: unknown, headers?: Record<string, string>): Behaviour => ({
    kind: 'respond',
    status,
    body,
    headers,
  });
  const token = (accessToken: string, extra: Record<string, unknown> = {}) =>
    respond(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 900, ...extra });
  const jwtWithExp = (exp: number) =>
    ['eyJhbGciOiJFUzI1NiJ9', Buffer.from(JSON.stringify({ exp })).toString('base64url'), 'c2ln'].join('.');

  describe('token request', () => {
    it('POSTs a client_credentials form with scope and the audience as RFC 8707 resource', async () => {
      await expect(provider({ scopes: ['users:read', 'users:write'] }).getToken()).resolves.toBe('tok-1');
      const [request] = endpoint.requests;
      expect(request!.method).toBe('POST');
      expect(request!.url).toBe('/oauth/token');
      expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
      expect(Object.fromEntries(request!.form)).toEqual({
        grant_type: 'client_credentials',
        scope: 'users:read users:write',
        resource: 'api://user-service',
      });
    });

    it('sends an audience that is not an absolute URI as `audience`, and no scope when none is configured', async () => {
      await provider({ scopes: [], audience: 'user-service' }).getToken();
      expect(Object.fromEntries(endpoint.requests[0]!.form)).toEqual({ grant_type: 'client_credentials', audience: 'user-service' });
    });

    it('client_secret_basic form-urlencodes id and secret before base64 (RFC 6749 Appendix B)', async () => {
      await provider({ clientId: 'svc:a+b', clientSecret: SECRET }).getToken();
      const request = endpoint.requests[0]!;
      // Decoded on the server side exactly as Appendix B prescribes, the values come back intact.
      expect(request.basic).toEqual({ clientId: 'svc:a+b', secret: SECRET });
      const raw = Buffer.from(request.headers.authorization!.slice('Basic '.length), 'base64').toString();
      expect(raw).toBe('svc%3Aa%2Bb:p%2Ba%2Fs%3Ds%3Aw%25rd+1%C3%A9%26x');
      expect(request.form.has('client_secret')).toBe(false);
      expect(request.form.has('client_id')).toBe(false);
    });

    it('client_secret_post sends the credentials in the form and no Authorization header', async () => {
      await provider({ authMethod: 'client_secret_post' }).getToken();
      const request = endpoint.requests[0]!;
      expect(request.headers.authorization).toBeUndefined();
      expect(request.form.get('client_id')).toBe('order-service');
      expect(request.form.get('client_secret')).toBe(SECRET);
    });

    it('accepts token_type in any case and keeps the granted scope', async () => {
      endpoint.queue.push(token('abc', { token_type: 'bearer', scope: 'users:read' }));
      await expect(provider().getToken()).resolves.toBe('abc');
    });

    it('rejects invalid options at construction', () => {
      expect(() => provider({ tokenEndpoint: '/oauth/token' })).toThrow(/absolute URL/);
      expect(() => provider({ scopes: ['users read'] })).toThrow(/invalid scope/);
      expect(() => provider({ clientSecret: '' })).toThrow(/clientSecret/);
    });
  });

  describe('caching', () => {
    it('reuses the token: one POST for many sequential calls, counted as hits', async () => {
      const tokens = provider();
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await tokens.getToken());
      expect(results).toEqual(Array(5).fill('tok-1'));
      expect(endpoint.count).toBe(1);
      expect(tokens.stats).toEqual({ hits: 4, misses: 1, fetches: 1, failures: 0 });
    });

    it('keys the cache by issuer, client, sorted scopes and audience', () => {
      expect(provider({ scopes: ['b', 'a'] }).cacheKey).toBe(provider({ scopes: ['a', 'b', 'a'] }).cacheKey);
      expect(provider().cacheKey).not.toBe(provider({ audience: 'api://other' }).cacheKey);
      expect(provider().cacheKey).not.toBe(provider({ issuer: 'https://other.test' }).cacheKey);
      expect(cacheKeyOf('https://i', 'c|d', ['b', 'a'], 'api://x')).toBe('https://i|c%7Cd|a b|api://x');
    });

    it('refreshes ahead: a 900 s token is reused until exp − 10 % (90 s), then replaced', async () => {
      const tokens = provider();
      await tokens.getToken();
      clock.advance(810_000 - 1);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
      clock.advance(1);
      await expect(tokens.getToken()).resolves.toBe('tok-2');
      expect(endpoint.count).toBe(2);
    });

    it('refreshes a 120 s token 30 s before exp (the 30 s minimum beats 10 %)', async () => {
      endpoint.queue.push(token('short', { expires_in: 120 }));
      const tokens = provider();
      await tokens.getToken();
      clock.advance(90_000 - 1);
      await expect(tokens.getToken()).resolves.toBe('short');
      clock.advance(1);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('never refreshes earlier than half the lifetime, so a 20 s token is still reused for 10 s', async () => {
      endpoint.queue.push(token('tiny', { expires_in: 20 }));
      const tokens = provider();
      await tokens.getToken();
      clock.advance(10_000 - 1);
      await expect(tokens.getToken()).resolves.toBe('tiny');
      clock.advance(1);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('treats expires_in as authoritative over a JWT exp', async () => {
      const jwt = jwtWithExp(Math.floor(clock.now() / 1000) + 10_000);
      endpoint.queue.push(token(jwt, { expires_in: 100 }));
      const tokens = provider();
      await tokens.getToken();
      clock.advance(70_000);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('without expires_in, reads the JWT exp', async () => {
      const jwt = jwtWithExp(Math.floor(clock.now() / 1000) + 600);
      endpoint.queue.push(token(jwt, { expires_in: undefined }));
      const tokens = provider();
      await tokens.getToken();
      clock.advance(540_000 - 1);
      await expect(tokens.getToken()).resolves.toBe(jwt);
      clock.advance(1);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('without any expiry information, does not reuse the token and warns once', async () => {
      endpoint.fallback = () => token('opaque', { expires_in: undefined });
      const tokens = provider();
      await tokens.getToken();
      await tokens.getToken();
      expect(endpoint.count).toBe(2);
      expect(logs.lines.filter((l) => l.includes('no expires_in'))).toHaveLength(1);
    });

    it('invalidate(token) evicts only when that token is the cached one', async () => {
      const tokens = provider();
      await tokens.getToken();
      await tokens.invalidate('some-other-token');
      await expect(tokens.getToken()).resolves.toBe('tok-1');
      await tokens.invalidate('tok-1');
      await expect(tokens.getToken()).resolves.toBe('tok-2');
      expect(endpoint.count).toBe(2);
    });
  });

  describe('single flight', () => {
    it('100 concurrent callers share one POST', async () => {
      const release = endpoint.hold();
      const tokens = provider();
      const calls = Array.from({ length: 100 }, () => tokens.getToken());
      await endpoint.received(1);
      release();
      const results = await Promise.all(calls);
      expect(new Set(results)).toEqual(new Set(['tok-1']));
      expect(endpoint.count).toBe(1);
      expect(tokens.stats).toMatchObject({ misses: 100, fetches: 1 });
    });

    it('a failed fetch rejects every waiter with the same error, clears the slot, and the next call after the back-off succeeds', async () => {
      endpoint.queue.push(respond(503, { error: 'temporarily_unavailable', error_description: 'database down' }));
      const release = endpoint.hold();
      const tokens = provider();
      const calls = Array.from({ length: 20 }, () => tokens.getToken().catch((error: unknown) => error));
      await endpoint.received(1);
      release();
      const errors = await Promise.all(calls);
      expect(errors[0]).toBeInstanceOf(TokenEndpointError);
      expect(errors[0]).toMatchObject({ status: 503, error: 'temporarily_unavailable', errorDescription: 'database down' });
      expect(errors.every((error) => error === errors[0])).toBe(true);
      expect(tokens.stats.failures).toBe(1);

      clock.advance(125); // past the first back-off window (random 0.5 × 250 ms)
      await expect(tokens.getToken()).resolves.toBe('tok-1');
      expect(endpoint.count).toBe(2);
    });
  });

  describe('failures and back-off', () => {
    it('during the back-off window, calls fail fast with the last error and send nothing (50 calls → 0 POSTs)', async () => {
      endpoint.fallback = () => invalidClient;
      const tokens = provider();
      const first = await tokens.getToken().catch((error: unknown) => error);
      expect(first).toBeInstanceOf(TokenEndpointError);
      expect(first).toMatchObject({ status: 401, error: 'invalid_client', errorDescription: 'client authentication failed' });

      const during = await Promise.all(Array.from({ length: 50 }, () => tokens.getToken().catch((error: unknown) => error)));
      expect(during.every((error) => error === first)).toBe(true);
      expect(endpoint.count).toBe(1);
      expect(tokens.stats).toMatchObject({ fetches: 1, failures: 1 });
    });

    it('backs off with full jitter, doubling from 250 ms up to a 30 s cap, and resets after a success', async () => {
      endpoint.fallback = () => invalidClient;
      const tokens = provider(); // random() = 0.5: windows of 125, 250, 500 … ms, capped at 15 s
      // Each window: one request at its start, none 1 ms before its end, one again at its end.
      for (const window of [125, 250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]) {
        const before = endpoint.count;
        await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
        expect(endpoint.count).toBe(before + 1);
        clock.advance(window - 1);
        await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
        expect(endpoint.count).toBe(before + 1);
        clock.advance(1);
      }

      endpoint.fallback = () => token('back');
      await expect(tokens.getToken()).resolves.toBe('back');
      await tokens.invalidate('back');
      endpoint.fallback = () => invalidClient;
      await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
      const after = endpoint.count;
      clock.advance(125);
      await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
      expect(endpoint.count).toBe(after + 1); // back to the first window: 125 ms
    });

    it('the jitter spans [0, ceiling): random() = 0.999 waits almost the whole window', async () => {
      endpoint.queue.push(invalidClient);
      const tokens = provider({ random: () => 0.999 });
      await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
      clock.advance(249);
      await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
      expect(endpoint.count).toBe(1);
      clock.advance(1);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('honours Retry-After (bounded by the cap)', async () => {
      endpoint.queue.push(respond(429, { error: 'too_many_requests' }, { 'retry-after': '10' }));
      const tokens = provider();
      await expect(tokens.getToken()).rejects.toMatchObject({ status: 429, retryAfterMs: 10_000 });
      clock.advance(9_999);
      await expect(tokens.getToken()).rejects.toMatchObject({ status: 429 });
      expect(endpoint.count).toBe(1);
      clock.advance(1);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('a non-JSON error body still gives a TokenEndpointError with the status', async () => {
      endpoint.queue.push(respond(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }));
      await expect(provider().getToken()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 502, error: undefined });
    });

    it('an unusable 200 is an InvalidTokenResponse', async () => {
      endpoint.queue.push(respond(200, { token_type: 'Bearer', expires_in: 60 }));
      const tokens = provider();
      await expect(tokens.getToken()).rejects.toBeInstanceOf(InvalidTokenResponse);
      clock.advance(1_000);
      endpoint.queue.push(respond(200, { access_token: 'x', token_type: 'DPoP', expires_in: 60 }));
      await expect(tokens.getToken()).rejects.toThrow(/token_type must be Bearer/);
      clock.advance(1_000);
      endpoint.queue.push(respond(200, { access_token: 'x', token_type: 'Bearer', expires_in: -5 }));
      await expect(tokens.getToken()).rejects.toThrow(/expires_in/);
    });

    it('a timeout is TokenEndpointUnavailable (timeout)', async () => {
      endpoint.queue.push({ kind: 'hang' });
      const error = await provider({ timeoutMs: 100 }).getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenEndpointUnavailable);
      expect(error).toMatchObject({ reason: 'timeout' });
    });

    it('a refused connection is TokenEndpointUnavailable (connection)', async () => {
      const url = await closedPortUrl();
      const error = await provider({ tokenEndpoint: `${url}/oauth/token` }).getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenEndpointUnavailable);
      expect(error).toMatchObject({ reason: 'connection' });
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    });

    it('a dropped connection is TokenEndpointUnavailable, and the endpoint recovering ends the outage by itself', async () => {
      endpoint.queue.push({ kind: 'destroy' });
      const tokens = provider();
      await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointUnavailable);
      clock.advance(30_000);
      await expect(tokens.getToken()).resolves.toBe('tok-1');
    });

    it('does not follow a redirect with the credentials', async () => {
      const elsewhere = await startTokenEndpoint();
      try {
        endpoint.queue.push(respond(307, '', { location: `${elsewhere.url}/oauth/token` }));
        await expect(provider().getToken()).rejects.toMatchObject({ name: 'TokenEndpointError', status: 307 });
        expect(elsewhere.count).toBe(0);
      } finally {
        await elsewhere.close();
      }
    });

    it('keeps serving a still-valid token when its refresh fails, until 5 s before it expires', async () => {
      const tokens = provider();
      await tokens.getToken();
      endpoint.fallback = () => respond(503, { error: 'temporarily_unavailable' });
      clock.advance(820_000); // past refresh-ahead (810 s), 80 s left
      await expect(tokens.getToken()).resolves.toBe('tok-1');
      expect(tokens.stats.failures).toBe(1);
      const during = endpoint.count;
      await expect(tokens.getToken()).resolves.toBe('tok-1'); // in the back-off window: no request
      expect(endpoint.count).toBe(during);
      clock.advance(75_000); // exp − 5 s
      await expect(tokens.getToken()).rejects.toMatchObject({ status: 503 });
    });
  });

  it('never logs the secret or a token', async () => {
    endpoint.queue.push(invalidClient);
    const tokens = provider();
    await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenEndpointError);
    clock.advance(1_000);
    await tokens.getToken();
    await tokens.invalidate('tok-1');
    await tokens.getToken();
    expect(logs.lines.length).toBeGreaterThanOrEqual(4);
    for (const line of logs.lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain(encodeURIComponent(SECRET));
      expect(line).not.toMatch(/tok-\d/);
    }
    expect(logs.lines.some((line) => line.includes('401 invalid_client'))).toBe(true);
  });
});
