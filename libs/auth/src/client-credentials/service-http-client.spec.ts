import { Behaviour, captureLogger, closedPortUrl, LocalHttpServer, startTokenEndpoint } from '../../test/support/local-http-servers';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { DownstreamUnavailable, TokenEndpointError } from './errors';
import { ServiceHttpClient } from './service-http-client';

const invalidToken: Behaviour = {
  kind: 'respond',
  status: 401,
  body: { error: 'invalid_token', error_description: 'token expired' },
  headers: { 'www-authenticate': 'Bearer realm="user-service", error="invalid_token", error_description="token expired"' },
};
const ok = (body: unknown = { id: 1 }): Behaviour => ({ kind: 'respond', status: 200, body });

describe('ServiceHttpClient', () => {
  let tokenEndpoint: LocalHttpServer;
  let downstream: LocalHttpServer;
  let tokens: ClientCredentialsTokenProvider;
  let client: ServiceHttpClient;
  let logs: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    tokenEndpoint = await startTokenEndpoint();
    downstream = await new LocalHttpServer(() => ok()).start();
    logs = captureLogger();
    tokens = new ClientCredentialsTokenProvider({
      tokenEndpoint: `${tokenEndpoint.url}/oauth/token`,
      issuer: 'https://issuer.test',
      clientId: 'order-service',
      clientSecret: 'secret',
      scopes: ['users:read'],
      audience: 'api://user-service',
      logger: logs.logger,
      timeoutMs: 10_000,
    });
    client = new ServiceHttpClient(tokens, { baseUrl: downstream.url, timeoutMs: 10_000, logger: logs.logger });
  });
  afterEach(async () => {
    await downstream.close();
    await tokenEndpoint.close();
  });

  const bearer = (index: number) => downstream.requests[index]!.headers.authorization;

  it('sends the bearer token and returns status, headers and the parsed JSON body', async () => {
    const response = await client.request<{ id: number }>('/users/1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: 1 });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(bearer(0)).toBe('Bearer tok-1');
    expect(downstream.requests[0]!.url).toBe('/users/1');
  });

  it('reuses the cached token across requests', async () => {
    await client.request('/a');
    await client.request('/b');
    expect([bearer(0), bearer(1)]).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(tokenEndpoint.count).toBe(1);
  });

  it('returns text bodies as text and an empty body as undefined', async () => {
    downstream.queue.push({ kind: 'respond', status: 200, body: 'plain', headers: { 'content-type': 'text/plain' } });
    downstream.queue.push({ kind: 'respond', status: 204 });
    await expect(client.request('/text')).resolves.toMatchObject({ status: 200, body: 'plain' });
    await expect(client.request('/empty')).resolves.toMatchObject({ status: 204, body: undefined });
  });

  it('on 401 invalid_token evicts the token, gets a new one and retries exactly once (body replayed)', async () => {
    downstream.queue.push(invalidToken);
    const response = await client.request('/users', { method: 'POST', json: { name: 'ada' } });
    expect(response).toMatchObject({ status: 200, body: { id: 1 } });
    expect(downstream.count).toBe(2);
    expect([bearer(0), bearer(1)]).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(downstream.requests.map((r) => r.rawBody)).toEqual(['{"name":"ada"}', '{"name":"ada"}']);
    expect(downstream.requests[1]!.headers['content-type']).toBe('application/json');
    expect(tokenEndpoint.count).toBe(2);
    // The new token is the cached one now.
    await client.request('/again');
    expect(bearer(2)).toBe('Bearer tok-2');
  });

  it('returns the second 401 instead of retrying again, and does not evict a freshly issued token again', async () => {
    downstream.fallback = () => invalidToken;
    const first = await client.request('/users');
    expect(first.status).toBe(401);
    expect(downstream.count).toBe(2);
    // A downstream that rejects even fresh tokens (wrong audience…) must not cost a token request per call.
    await client.request('/users');
    await client.request('/users');
    expect(tokenEndpoint.count).toBe(2);
    expect(downstream.count).toBe(4);
    expect(logs.lines.some((line) => line.includes('rejected a freshly issued token'))).toBe(true);
  });

  it('never retries a 403', async () => {
    downstream.queue.push({
      kind: 'respond',
      status: 403,
      body: { error: 'insufficient_scope' },
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="users:write"' },
    });
    const response = await client.request('/users', { method: 'DELETE' });
    expect(response).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect(downstream.count).toBe(1);
    expect(tokenEndpoint.count).toBe(1);
  });

  it('does not retry a 401 without error="invalid_token", nor a 500', async () => {
    downstream.queue.push({ kind: 'respond', status: 401, headers: { 'www-authenticate': 'Bearer realm="user-service"' } });
    downstream.queue.push({ kind: 'respond', status: 500, body: { error: 'server_error' } });
    await expect(client.request('/a')).resolves.toMatchObject({ status: 401 });
    await expect(client.request('/b')).resolves.toMatchObject({ status: 500 });
    expect(downstream.count).toBe(2);
    expect(tokenEndpoint.count).toBe(1);
  });

  it('does not retry when the body was a one-shot stream', async () => {
    downstream.queue.push(invalidToken);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'));
        controller.close();
      },
    });
    const response = await client.request('/upload', { method: 'POST', body, duplex: 'half' });
    expect(response.status).toBe(401);
    expect(downstream.count).toBe(1);
  });

  it('throws DownstreamUnavailable (timeout) when the downstream does not answer in time', async () => {
    downstream.queue.push({ kind: 'hang' });
    const error = await client.request('/slow?secret=1', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownstreamUnavailable);
    expect(error).toMatchObject({ reason: 'timeout', target: `${downstream.url}/slow` });
  });

  it('throws DownstreamUnavailable (connection) when the downstream is unreachable', async () => {
    const url = await closedPortUrl();
    const error = await client.request(`${url}/users`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownstreamUnavailable);
    expect(error).toMatchObject({ reason: 'connection' });
  });

  it("rethrows the caller's own abort as is", async () => {
    downstream.queue.push({ kind: 'hang' });
    const controller = new AbortController();
    const pending = client.request('/slow', { signal: controller.signal });
    await downstream.received(1);
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('throws DownstreamUnavailable (invalid_response) for malformed JSON', async () => {
    downstream.queue.push({ kind: 'respond', status: 200, body: '{nope', headers: { 'content-type': 'application/json' } });
    await expect(client.request('/bad')).rejects.toMatchObject({ name: 'DownstreamUnavailable', reason: 'invalid_response' });
  });

  it('does not follow redirects by default (the token stays with the target)', async () => {
    downstream.queue.push({ kind: 'respond', status: 302, headers: { location: `${tokenEndpoint.url}/elsewhere` } });
    await expect(client.request('/moved')).resolves.toMatchObject({ status: 302 });
    expect(tokenEndpoint.requests.filter((r) => r.url === '/elsewhere')).toHaveLength(0);
  });

  it('sends through node:http, and through the global fetch only what only fetch can send (a FormData body)', async () => {
    const globalFetch = jest.spyOn(globalThis, 'fetch');
    try {
      await client.request('/json', { method: 'post', json: { a: 1 }, headers: [['X-Request-Id', 'r-1']] });
      await client.request('/form', { method: 'POST', body: new URLSearchParams({ a: '1' }) });
      expect(globalFetch).not.toHaveBeenCalled();
      const multipart = new FormData();
      multipart.set('a', '1');
      await client.request('/multipart', { method: 'POST', body: multipart });
      expect(globalFetch).toHaveBeenCalledTimes(1);
    } finally {
      globalFetch.mockRestore();
    }
    expect(downstream.requests.map(({ method, url, rawBody, headers }) => [method, url, rawBody, headers['content-type']])).toEqual([
      ['POST', '/json', '{"a":1}', 'application/json'],
      ['POST', '/form', 'a=1', 'application/x-www-form-urlencoded;charset=UTF-8'],
      ['POST', '/multipart', expect.stringContaining('name="a"'), expect.stringMatching(/^multipart\/form-data; boundary=/)],
    ]);
    expect(downstream.requests[0]!.headers).toMatchObject({ 'x-request-id': 'r-1', authorization: 'Bearer tok-1' });
    expect(downstream.requests.map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
  });

  it('refuses a GET with a body, and a header no HTTP request can carry, before sending anything', async () => {
    await expect(client.request('/x', { body: 'x' })).rejects.toThrow(/a GET request cannot have a body/);
    await expect(client.request('/x', { headers: { 'x-bad': 'a\r\nb' } })).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_CHAR' });
    expect(downstream.count).toBe(0);
  });

  it('propagates token failures without calling the downstream', async () => {
    tokenEndpoint.queue.push({ kind: 'respond', status: 401, body: { error: 'invalid_client' } });
    await expect(client.request('/users')).rejects.toBeInstanceOf(TokenEndpointError);
    expect(downstream.count).toBe(0);
  });
});
