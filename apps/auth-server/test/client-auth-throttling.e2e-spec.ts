import { randomUUID } from 'node:crypto';
import { getRepositoryToken } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ClientSecretHasher } from '../src/clients/client-secret.hasher';
import { ClientEntity } from '../src/clients/client.entity';
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
        TRUST_PROXY: '10.0.0.0/8',
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

  it('per client id: wrong secrets past the limit get 429 slow_down with a growing Retry-After, from any address', async () => {
    const victim = await registerClient(server, { clientId: `guessed-${randomUUID().slice(0, 8)}` });
    for (let i = 0; i < LIMIT_PER_CLIENT; i++) {
      expect((await token(victim.clientId, `wrong-${i}`, `203.0.113.${10 + i}`)).statusCode).toBe(401);
    }
    // Counted per client id: spreading the guesses over addresses gains nothing.
    const retryAfters: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await token(victim.clientId, 'wrong-again', `203.0.113.${20 + i}`);
      expectSlowDown(response);
      retryAfters.push(Number(response.headers['retry-after']));
    }
    expect(retryAfters).toEqual([1, 2, 4, 8]);
    // The other OAuth endpoints share the throttle.
    expectSlowDown(await token(victim.clientId, 'wrong', '203.0.113.30', '/oauth/introspect'));
    // And the right secret is accepted all along, from the guessers' addresses too.
    expect((await token(victim.clientId, victim.secret, '203.0.113.20')).statusCode).toBe(200);
  });

  it("10 wrong secrets under order-service's id do not lock out the real order-service", async () => {
    const shared = '203.0.113.50';
    for (let i = 0; i < 10; i++) {
      expect([401, 429]).toContain((await token('order-service', `wrong-${i}`, shared)).statusCode);
    }
    expectSlowDown(await token('order-service', 'wrong-once-more', shared));
    // The real order-service, from the attacker's address (a shared NAT) and from its own.
    for (const address of [shared, '198.51.100.7']) {
      for (let i = 0; i < 3; i++) expect((await token('order-service', TEST_DEMO_SECRET, address)).statusCode).toBe(200);
    }
  });

  it('successes never count: a client far over the limit in successful requests keeps getting 200', async () => {
    for (let i = 0; i < 4 * LIMIT_PER_ADDRESS; i++) {
      expect((await token('order-service', TEST_DEMO_SECRET, '198.51.100.8')).statusCode).toBe(200);
    }
  });

  it('50 failed authentications with made-up ids from one address do not stop a valid client from that address', async () => {
    const attacker = '203.0.113.60';
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await token(`made-up-${randomUUID()}`, 'wrong', attacker)).statusCode);
    // The flood itself is slowed past the address limit…
    expect(statuses.slice(0, LIMIT_PER_ADDRESS)).toEqual(Array(LIMIT_PER_ADDRESS).fill(401));
    expect(new Set(statuses.slice(LIMIT_PER_ADDRESS))).toEqual(new Set([429]));
    // …and a valid client at that address is not.
    expect((await token('order-service', TEST_DEMO_SECRET, attacker)).statusCode).toBe(200);
    expect((await token(reporting.clientId, reporting.secret, attacker)).statusCode).toBe(200);
  });

  it('a valid client behind the same proxy address as a flooder still gets tokens', async () => {
    // An ingress, NAT or mesh: every caller arrives from one address, nothing forwarded is trusted.
    const proxy = '192.0.2.99';
    const flood = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? token(`made-up-${i}`, 'wrong', proxy) : token('order-service', `wrong-${i}`, proxy),
    );
    const valid = Array.from({ length: 10 }, () => token('order-service', TEST_DEMO_SECRET, proxy));
    const [flooded, served] = await Promise.all([Promise.all(flood), Promise.all(valid)]);
    expect(flooded.filter((response) => response.statusCode === 429).length).toBeGreaterThan(0);
    expect(served.map((response) => response.statusCode)).toEqual(Array(10).fill(200));
    // After the flood too.
    expect((await token('order-service', TEST_DEMO_SECRET, proxy)).statusCode).toBe(200);
  });

  it('a flood of made-up client ids costs no database read per request', async () => {
    const repository = server.app.get<Repository<ClientEntity>>(getRepositoryToken(ClientEntity));
    const reads = jest.spyOn(repository, 'findOne');
    const knownIdReads = jest.spyOn(repository, 'createQueryBuilder');
    try {
      for (let i = 0; i < 200; i++) await token(`flood-${randomUUID()}`, 'wrong', `203.0.113.${100 + (i % 50)}`);
      process.stdout.write(`200 made-up client ids: ${reads.mock.calls.length} client reads, ${knownIdReads.mock.calls.length} reads of the registered-id set\n`);
      // A few reads before the set of registered ids is in memory, then none.
      expect(reads.mock.calls.length).toBeLessThanOrEqual(5);
      expect(knownIdReads.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      jest.restoreAllMocks();
    }
    // A client created afterwards works at once through this process (and within CLIENT_CACHE_TTL_MS elsewhere).
    const created = await registerClient(server, { clientId: `flood-${randomUUID()}` });
    expect((await token(created.clientId, created.secret, '198.51.100.11')).statusCode).toBe(200);
  });

  it('failures from different addresses are counted apart: failures from one address do not slow failures from another', async () => {
    const attacker = '203.0.113.70';
    for (let i = 0; i < LIMIT_PER_ADDRESS; i++) {
      expect((await token(`guess-${i}`, 'wrong', attacker)).statusCode).toBe(401);
    }
    expectSlowDown(await token('guess-new', 'wrong', attacker));
    expect((await token('guess-new', 'wrong', '198.51.100.9')).statusCode).toBe(401);
  });

  it('client_secret_post failures count too (per registered client id, from any address)', async () => {
    const attacker = '203.0.113.30';
    const postClient = await registerClient(server, { clientId: `post-${randomUUID().slice(0, 8)}`, authMethod: 'client_secret_post' });
    const post = (secret: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: attacker,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: postClient.clientId, client_secret: secret }).toString(),
      });
    for (let i = 0; i < LIMIT_PER_CLIENT; i++) expect((await post(`wrong-${i}`)).statusCode).toBe(401);
    expectSlowDown(await post('wrong'));
    expect((await post(postClient.secret)).statusCode).toBe(200);
  });

  it('malformed requests are answered without counting as failed authentications', async () => {
    const address = '203.0.113.40';
    for (let i = 0; i < 2 * LIMIT_PER_ADDRESS; i++) {
      const response = await server.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: address, headers: { 'content-type': 'text/plain' }, payload: 'x' });
      expect(response.statusCode).toBe(400);
    }
    // Not counted: the address's next wrong secret is an ordinary 401, not 429.
    expect((await token(`guess-${randomUUID()}`, 'wrong', address)).statusCode).toBe(401);
  });

  it('X-Forwarded-For is honoured only from a trusted proxy (TRUST_PROXY)', async () => {
    const viaProxy = (clientAddress: string, peer: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress: peer,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(`guess-${randomUUID()}`, 'wrong'), 'x-forwarded-for': clientAddress },
        payload: 'grant_type=client_credentials',
      });
    // Through the trusted proxy (10.0.0.0/8): each forwarded address is counted on its own.
    for (let i = 0; i < LIMIT_PER_ADDRESS; i++) expect((await viaProxy('203.0.113.80', '10.1.2.3')).statusCode).toBe(401);
    expectSlowDown(await viaProxy('203.0.113.80', '10.9.9.9'));
    expect((await viaProxy('203.0.113.81', '10.1.2.3')).statusCode).toBe(401);
    // From an untrusted peer the header is ignored: a new forwarded address each time changes nothing.
    for (let i = 0; i < LIMIT_PER_ADDRESS; i++) expect((await viaProxy(`198.18.0.${i}`, '192.0.2.50')).statusCode).toBe(401);
    expectSlowDown(await viaProxy('198.18.0.200', '192.0.2.50'));
  });

  it('failures are counted in /metrics by outcome and registered-or-not, never by the id a caller sent', async () => {
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (client: string, outcome: string) => {
      const line = metrics.split('\n').find((l) => l.startsWith('oauth_client_auth_failures_total{') && l.includes(`client="${client}"`) && l.includes(`outcome="${outcome}"`));
      return Number(line?.split(' ').pop());
    };
    expect(value('unknown', 'slowed')).toBeGreaterThan(0);
    expect(value('unknown', 'rejected')).toBeGreaterThan(0);
    expect(value('registered', 'slowed')).toBeGreaterThan(0);
    expect(metrics).not.toMatch(/oauth_client_auth_failures_total\{[^}]*made-up/);
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
      // matchingIndex: the one comparison, which also tells which secret matched (-1: none).
      const matches = jest.spyOn(hasher, 'matchingIndex');
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
      expect(existing.comparisonResults).toEqual([-1]);
      expect(unknown.comparisonResults).toEqual([-1]);
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

    const attempt = (server: TestAuthServer, clientId: string, secret: string, remoteAddress: string) =>
      server.app.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, secret) },
        payload: 'grant_type=client_credentials',
      });

    it("failures on one replica slow the same client id's failures on the other, never its right secret", async () => {
      // A fresh client and address per run: the Redis counters outlive the test servers.
      const victim = await registerClient(first, { clientId: `redis-${randomUUID().slice(0, 8)}` });
      const attacker = `192.0.2.${1 + (Date.now() % 250)}`;
      for (let i = 0; i < LIMIT_PER_CLIENT; i++) expect((await attempt(first, victim.clientId, `wrong-${i}`, attacker)).statusCode).toBe(401);
      const slowed = await attempt(second, victim.clientId, 'wrong', '198.51.100.251');
      expect(slowed.statusCode).toBe(429);
      expect(slowed.json().error).toBe('slow_down');
      expect((await attempt(second, victim.clientId, victim.secret, attacker)).statusCode).toBe(200);
    });
  },
);
