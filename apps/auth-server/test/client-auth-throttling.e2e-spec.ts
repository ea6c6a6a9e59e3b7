import { randomUUID } from 'node:crypto';
import { ClientSecretHasher } from '../src/clients/client-secret.hasher';
import { basicAuth, registerClient, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from './support/auth-server.harness';

const LIMIT_PER_CLIENT = 3;
const LIMIT_PER_ADDRESS = 6;

describe('brute force and abuse at the OAuth endpoints', () => {
  let server: TestAuthServer;
  let reporting: { clientId: string; secret: string };

  beforeAll(async () => {
    server = await startAuthServer({
      env: {
        CLIENT_AUTH_FAILURE_LIMIT: String(LIMIT_PER_CLIENT),
        CLIENT_AUTH_ADDRESS_FAILURE_LIMIT: String(LIMIT_PER_ADDRESS),
        CLIENT_AUTH_FAILURE_WINDOW_SECONDS: '60',
      },
    });
    reporting = await registerClient(server, { clientId: `victim-${randomUUID().slice(0, 8)}` });
  });
  afterAll(() => server?.close());

  /** A token request with Basic credentials from a given source address. */
  const token = (clientId: string, secret: string, remoteAddress: string, path = '/oauth/token') =>
    server.app.inject({
      method: 'POST',
      url: path,
      remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, secret) },
      payload: path === '/oauth/token' ? 'grant_type=client_credentials' : 'token=x',
    });

  const expectSlowDown = (response: Awaited<ReturnType<typeof token>>) => {
    expect(response.statusCode).toBe(429);
    expect(response.json()).toEqual({ error: 'slow_down', error_description: expect.any(String) });
    const retryAfter = Number(response.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(response.headers['cache-control']).toBe('no-store');
  };

  it('per client id: after the limit of wrong secrets from one address, that address gets 429 slow_down for that client', async () => {
    const attacker = '203.0.113.10';
    for (let i = 0; i < LIMIT_PER_CLIENT; i++) {
      expect((await token(reporting.clientId, `wrong-${i}`, attacker)).statusCode).toBe(401);
    }
    expectSlowDown(await token(reporting.clientId, 'wrong-again', attacker));
    // Blocked before any credential check: even the right secret gets no answer about it from there.
    expectSlowDown(await token(reporting.clientId, reporting.secret, attacker));
    // The other OAuth endpoints share the throttle.
    expectSlowDown(await token(reporting.clientId, 'wrong', attacker, '/oauth/introspect'));
  });

  it('the real client on its own address is not slowed by the attacker’s failures under its id', async () => {
    for (let i = 0; i < 3 * LIMIT_PER_CLIENT; i++) {
      const response = await token(reporting.clientId, reporting.secret, '198.51.100.7');
      expect(response.statusCode).toBe(200);
    }
  });

  it('successes never count: a client far over the limit in successful requests keeps getting 200', async () => {
    for (let i = 0; i < 4 * LIMIT_PER_ADDRESS; i++) {
      expect((await token('order-service', TEST_DEMO_SECRET, '198.51.100.8')).statusCode).toBe(200);
    }
  });

  it('per source address: failures spread over many client ids block that address for every client, and no other address', async () => {
    const attacker = '203.0.113.20';
    for (let i = 0; i < LIMIT_PER_ADDRESS; i++) {
      expect((await token(`guess-${i}`, 'wrong', attacker)).statusCode).toBe(401);
    }
    expectSlowDown(await token('guess-new', 'wrong', attacker));
    expectSlowDown(await token('order-service', TEST_DEMO_SECRET, attacker));
    expect((await token('order-service', TEST_DEMO_SECRET, '198.51.100.9')).statusCode).toBe(200);
  });

  it('client_secret_post failures count too', async () => {
    const attacker = '203.0.113.30';
    const post = (secret: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: attacker,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'some-post-client', client_secret: secret }).toString(),
      });
    for (let i = 0; i < LIMIT_PER_CLIENT; i++) expect((await post(`wrong-${i}`)).statusCode).toBe(401);
    expectSlowDown(await post('wrong'));
  });

  it('malformed requests are answered without counting as failed authentications', async () => {
    const address = '203.0.113.40';
    for (let i = 0; i < 2 * LIMIT_PER_ADDRESS; i++) {
      const response = await server.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: address, headers: { 'content-type': 'text/plain' }, payload: 'x' });
      expect(response.statusCode).toBe(400);
    }
    expect((await token('order-service', TEST_DEMO_SECRET, address)).statusCode).toBe(200);
  });

  it('a body over the 32 KiB limit is 413 with an RFC-shaped JSON error, not 500', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress: '198.51.100.10',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('order-service', TEST_DEMO_SECRET) },
      payload: `grant_type=client_credentials&scope=${'a'.repeat(40_000)}`,
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'request body too large' });
  });

  describe('a wrong secret for an existing client and any secret for an unknown client run the same code path', () => {
    afterEach(() => jest.restoreAllMocks());

    let nextAddress = 20;
    const observe = async (clientId: string, secret: string) => {
      const hasher = server.app.get(ClientSecretHasher);
      const hash = jest.spyOn(hasher, 'hash');
      const matches = jest.spyOn(hasher, 'matches');
      const response = await token(clientId, secret, `198.51.100.${nextAddress++}`);
      const observed = {
        status: response.statusCode,
        body: response.body,
        challenge: response.headers['www-authenticate'],
        hashedSecrets: hash.mock.calls.map(([value]) => value),
        comparisons: matches.mock.calls.map(([presented, stored, slots]) => ({ presentedLength: presented.length, storedCount: stored.length, slots })),
        comparisonResults: matches.mock.results.map((result) => result.value),
      };
      jest.restoreAllMocks();
      return observed;
    };

    it('both hash the presented secret once and run one constant-time comparison over the same slots', async () => {
      const secret = `guess-${randomUUID()}`;
      const existing = await observe(reporting.clientId, secret);
      const unknown = await observe(`no-such-client-${randomUUID()}`, secret);
      expect(existing.hashedSecrets).toEqual([secret]);
      expect(unknown.hashedSecrets).toEqual([secret]);
      expect(existing.comparisons).toHaveLength(1);
      expect(unknown.comparisons).toHaveLength(1);
      // The unknown client compares against no stored hash, padded to the same slot count as a real one.
      expect(existing.comparisons[0]!.presentedLength).toBe(unknown.comparisons[0]!.presentedLength);
      expect(existing.comparisons[0]!.slots ?? 2).toBe(unknown.comparisons[0]!.slots ?? 2);
      expect(existing.comparisonResults).toEqual([false]);
      expect(unknown.comparisonResults).toEqual([false]);
      // And the same answer, byte for byte.
      expect(unknown.status).toBe(401);
      expect({ status: unknown.status, body: unknown.body, challenge: unknown.challenge }).toEqual({
        status: existing.status,
        body: existing.body,
        challenge: existing.challenge,
      });
    });

    it('an oversized secret is hashed as an empty one for either, and still answers the same', async () => {
      const secret = 'x'.repeat(5_000);
      const existing = await observe(reporting.clientId, secret);
      const unknown = await observe(`no-such-client-${randomUUID()}`, secret);
      expect(existing.hashedSecrets).toEqual(unknown.hashedSecrets);
      expect(existing.comparisons.length).toBe(unknown.comparisons.length);
      expect(existing.body).toBe(unknown.body);
    });
  });
});

const REDIS_URL = process.env.REDIS_URL;
const describeRedis = REDIS_URL ? describe : describe.skip;

describeRedis(
  REDIS_URL ? `failed-authentication counters shared by two replicas through ${REDIS_URL}` : 'failed-authentication counters shared through Redis — SKIPPED: REDIS_URL is not set',
  () => {
    let first: TestAuthServer;
    let second: TestAuthServer;

    beforeAll(async () => {
      const env = { REDIS_URL: REDIS_URL!, CLIENT_AUTH_FAILURE_LIMIT: String(LIMIT_PER_CLIENT), CLIENT_AUTH_ADDRESS_FAILURE_LIMIT: '1000' };
      first = await startAuthServer({ env });
      second = await startAuthServer({ env, databaseUrl: first.databaseUrl });
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    const attempt = (server: TestAuthServer, secret: string, remoteAddress: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('order-service', secret) },
        payload: 'grant_type=client_credentials',
      });

    it('failures on one replica block the same client id and address on the other', async () => {
      // A fresh address per run: the Redis counters outlive the test servers.
      const attacker = `192.0.2.${1 + (Date.now() % 250)}`;
      for (let i = 0; i < LIMIT_PER_CLIENT; i++) expect((await attempt(first, `wrong-${i}`, attacker)).statusCode).toBe(401);
      const blocked = await attempt(second, 'wrong', attacker);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error).toBe('slow_down');
      expect((await attempt(second, TEST_DEMO_SECRET, '198.51.100.250')).statusCode).toBe(200);
    });
  },
);
