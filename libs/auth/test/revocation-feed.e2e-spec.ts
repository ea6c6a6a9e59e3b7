import { AuthModule, Principal, RevocationFeed, RevocationFeedOptions, ServiceOnly } from '@nest-oauth-m2m/auth';
import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, importJWK, jwtVerify } from 'jose';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LocalHttpServer, RecordedRequest } from './support/local-http-servers';
import { TestIssuer } from './support/test-issuer';

@Controller('things')
class ThingsController {
  @Get()
  things(@Principal() caller: Principal) {
    return { sub: caller.subject };
  }

  @Get('service')
  @ServiceOnly()
  service() {
    return { ok: true };
  }
}

const INTERVAL_MS = 200;
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** libs/auth `revocationFeed`: the issuer's "tokens issued before T are void" list, polled with ETag. */
describe('AuthModule revocationFeed', () => {
  const issuer = new TestIssuer();
  let feedBody: Record<string, unknown> = { clients: [], users: [], grants: [] };
  let feedBehaviour: 'ok' | 'fail' | 'down' = 'ok';
  const feed = new LocalHttpServer((request: RecordedRequest) => {
    if (feedBehaviour === 'down') return { kind: 'destroy' };
    if (feedBehaviour === 'fail') return { kind: 'respond', status: 503, body: { error: 'temporarily_unavailable' } };
    // A digest of the whole body: two lists that differ never share a tag.
    const etag = `"${createHash('sha256').update(JSON.stringify(feedBody)).digest('base64url')}"`;
    if (request.headers['if-none-match'] === etag) return { kind: 'respond', status: 304, headers: { etag } };
    return { kind: 'respond', status: 200, body: feedBody, headers: { etag } };
  });
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    await issuer.start();
    await feed.start();
    @Module({
      imports: [
        AuthModule.forRoot({
          issuer: issuer.url,
          audience: 'api://things',
          revocationFeed: { url: `${feed.url}/oauth/revocations`, clientId: 'things-service', clientSecret: 's3cret:+/', intervalMs: INTERVAL_MS },
        }),
      ],
      controllers: [ThingsController],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await feed.close();
    await issuer.close();
  });

  beforeEach(() => {
    feedBehaviour = 'ok';
    feedBody = { clients: [], users: [], grants: [] };
  });

  const get = async (token: string, path = '/things') => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
  };
  /** Waits for two feed reads after the change, so the next request sees it. */
  const nextPolls = async () => {
    const seen = feed.count;
    while (feed.count < seen + 2) await sleep(20);
  };

  it('reads the feed as its own client (client_secret_basic) and revalidates with If-None-Match', async () => {
    await nextPolls();
    const [first, second] = feed.requests.slice(-2);
    expect(first!.basic).toEqual({ clientId: 'things-service', secret: 's3cret:+/' });
    expect(second!.headers['if-none-match']).toMatch(/^".+"$/);
    expect(app.get(RevocationFeed).stats).toMatchObject({ failures: 0, failingSince: 0, lastSuccessAt: expect.any(Number) });
  });

  it("a disabled client's token, verified and cached before, is refused at the next poll with 401 invalid_token; its newer tokens pass", async () => {
    const token = await issuer.token({ aud: 'api://things', client_id: 'billing' });
    expect((await get(token, '/things/service')).status).toBe(200);
    feedBody = { clients: [{ client_id: 'billing', not_before: now() + 1 }], users: [], grants: [] };
    await nextPolls();
    const refused = await get(token, '/things/service');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid_token', error_description: 'the access token has been revoked' });
    expect(refused.challenge).toMatch(/error="invalid_token"/);
    // Another client's token is untouched; a token the client got after the not-before passes.
    expect((await get(await issuer.token({ aud: 'api://things', client_id: 'other' }), '/things/service')).status).toBe(200);
    feedBody = { clients: [{ client_id: 'billing', not_before: now() - 5 }], users: [], grants: [] };
    await nextPolls();
    expect((await get(await issuer.token({ aud: 'api://things', client_id: 'billing' }), '/things/service')).status).toBe(200);
  });

  it("a disabled user's tokens and a revoked grant's tokens are refused", async () => {
    const carol = await issuer.token({ aud: 'api://things', sub: 'carol-id', client_id: 'web', extra: { auth_time: now(), sid: 'grant-1' } });
    const dave = await issuer.token({ aud: 'api://things', sub: 'dave-id', client_id: 'web', extra: { auth_time: now(), sid: 'grant-2' } });
    const erin = await issuer.token({ aud: 'api://things', sub: 'erin-id', client_id: 'web', extra: { auth_time: now(), sid: 'grant-3' } });
    for (const token of [carol, dave, erin]) expect((await get(token)).status).toBe(200);
    feedBody = { clients: [], users: [{ sub: 'carol-id', not_before: now() + 1 }], grants: ['grant-2'] };
    await nextPolls();
    expect((await get(carol)).status).toBe(401);
    expect((await get(dave)).status).toBe(401);
    expect((await get(erin)).status).toBe(200);
  });

  it('fails safe and cheap: while the feed answers 503 or drops connections, the last list stays in force and requests are served', async () => {
    const revoked = await issuer.token({ aud: 'api://things', client_id: 'gone' });
    const fine = await issuer.token({ aud: 'api://things', client_id: 'fine' });
    feedBody = { clients: [{ client_id: 'gone', not_before: now() + 1 }], users: [], grants: [] };
    await nextPolls();
    for (const outage of ['fail', 'down'] as const) {
      feedBehaviour = outage;
      await nextPolls();
      expect(app.get(RevocationFeed).stats.failingSince).toBeGreaterThan(0);
      expect((await get(revoked, '/things/service')).status).toBe(401);
      expect((await get(fine, '/things/service')).status).toBe(200);
    }
    feedBehaviour = 'ok';
    feedBody = { clients: [], users: [], grants: [] };
    await nextPolls();
    expect(app.get(RevocationFeed).stats.failingSince).toBe(0);
    // Lifted at the issuer (the entry aged out): the token passes again.
    expect((await get(revoked, '/things/service')).status).toBe(200);
  });

  it('malformed entries are skipped, not fatal', async () => {
    // The token is issued after the polls, so the not-before is far enough ahead that a slow poll cannot pass it.
    feedBody = { clients: [{ client_id: 7, not_before: 'x' }, null, { client_id: 'bad', not_before: now() + 3600 }], users: 'nope', grants: [1, 'g'] };
    await nextPolls();
    expect((await get(await issuer.token({ aud: 'api://things', client_id: 'bad' }), '/things/service')).status).toBe(401);
    expect((await get(await issuer.token({ aud: 'api://things', client_id: 'good' }), '/things/service')).status).toBe(200);
  });

  it('without the option nothing is polled and nothing refused', async () => {
    const disabled = new RevocationFeed(undefined);
    expect(disabled.enabled).toBe(false);
    expect(disabled.isRevoked({ iss: 'x', sub: 's', aud: 'a', exp: now() + 60, iat: 0, client_id: 'c' })).toBe(false);
  });
});

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A workload-token-shaped JWT (unsigned here: the client only decodes `exp`; the feed server below compares it). */
function workloadToken(serial: number): string {
  const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:platform:things', aud: 'x', serial, exp: now() + 600 };
  return `${segment({ alg: 'RS256', kid: 'k1' })}.${segment(claims)}.c2lnbmF0dXJl`;
}

/**
 * Secretless resource servers (issue 30): the feed read with the service's federated_jwt workload token
 * or a private_key_jwt assertion, POSTed as a form (a GET has none), `if_none_match` → 204 when unchanged.
 * The feed server here authenticates as the auth-server does: the current workload token of the client,
 * or a signed assertion whose jti it has not seen (single use).
 */
describe('AuthModule revocationFeed without a client secret', () => {
  const issuer = new TestIssuer();
  const directory = mkdtempSync(join(tmpdir(), 'feed-workload-token-'));
  const tokenFile = join(directory, 'auth-server');
  let currentWorkloadToken = workloadToken(1);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const seenJtis = new Set<string>();
  let feedBody: Record<string, unknown> = { clients: [], users: [], grants: [] };
  const refused = { kind: 'respond' as const, status: 401, body: { error: 'invalid_client' } };

  const authenticated = async (request: RecordedRequest): Promise<boolean> => {
    if (request.method !== 'POST' || request.form.get('client_assertion_type') !== JWT_BEARER) return false;
    const assertion = request.form.get('client_assertion') ?? '';
    if (request.form.get('client_id') === 'things-fed') return assertion === currentWorkloadToken;
    if (request.form.get('client_id') !== 'things-jwt') return false;
    try {
      const { payload } = await jwtVerify(assertion, await importJWK(publicKey.export({ format: 'jwk' }), 'ES256'), { issuer: 'things-jwt', audience: issuer.url });
      if (typeof payload.jti !== 'string' || seenJtis.has(payload.jti)) return false;
      seenJtis.add(payload.jti);
      return true;
    } catch {
      return false;
    }
  };
  const feed = new LocalHttpServer(async (request: RecordedRequest) => {
    if (!(await authenticated(request))) return refused;
    const etag = `"${createHash('sha256').update(JSON.stringify(feedBody)).digest('base64url')}"`;
    if (request.form.get('if_none_match') === etag) return { kind: 'respond', status: 204, headers: { etag } };
    return { kind: 'respond', status: 200, body: feedBody, headers: { etag } };
  });
  const apps: INestApplication[] = [];

  const startResourceServer = async (revocationFeed: RevocationFeedOptions) => {
    @Module({
      imports: [AuthModule.forRoot({ issuer: issuer.url, audience: 'api://things', revocationFeed: { url: `${feed.url}/oauth/revocations`, intervalMs: INTERVAL_MS, ...revocationFeed } })],
      controllers: [ThingsController],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  };
  const get = async (base: string, token: string) =>
    (await fetch(`${base}/things/service`, { headers: { authorization: `Bearer ${token}` } })).status;
  const pollsOf = (clientId: string) => feed.requests.filter((request) => request.form.get('client_id') === clientId);
  /** Waits for `count` more feed reads by this client, so the next request sees what the feed said. */
  const pollsFrom = async (clientId: string, count: number) => {
    const target = pollsOf(clientId).length + count;
    while (pollsOf(clientId).length < target) await sleep(20);
  };

  beforeAll(async () => {
    writeFileSync(tokenFile, currentWorkloadToken);
    await issuer.start();
    await feed.start();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await feed.close();
    await issuer.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('federated_jwt: each poll POSTs the token in the file now (rewritten by the platform), and a disabled client is refused', async () => {
    const { app, base } = await startResourceServer({ clientId: 'things-fed', assertionFile: tokenFile });
    await pollsFrom('things-fed', 2);
    const polls = pollsOf('things-fed');
    expect(polls.every((request) => request.method === 'POST' && request.headers.authorization === undefined)).toBe(true);
    expect(polls.at(-1)!.form.get('if_none_match')).toMatch(/^".+"$/);
    expect(app.get(RevocationFeed).stats).toMatchObject({ failures: 0, failingSince: 0 });

    const token = await issuer.token({ aud: 'api://things', client_id: 'billing' });
    expect(await get(base, token)).toBe(200);
    // The kubelet rotates the token: the feed server accepts only the new one from now on.
    currentWorkloadToken = workloadToken(2);
    writeFileSync(tokenFile, currentWorkloadToken);
    feedBody = { clients: [{ client_id: 'billing', not_before: now() + 1 }], users: [], grants: [] };
    await pollsFrom('things-fed', 2);
    expect(decodeJwt(pollsOf('things-fed').at(-1)!.form.get('client_assertion')!).serial).toBe(2);
    expect(await get(base, token)).toBe(401);
    expect(app.get(RevocationFeed).stats.failingSince).toBe(0);
  });

  it('private_key_jwt: a new single-use assertion for every poll', async () => {
    feedBody = { clients: [], users: [], grants: [] };
    const { app, base } = await startResourceServer({
      clientId: 'things-jwt',
      authMethod: 'private_key_jwt',
      privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    const token = await issuer.token({ aud: 'api://things', client_id: 'reporting' });
    await pollsFrom('things-jwt', 3);
    const jtis = pollsOf('things-jwt').map((request) => decodeJwt(request.form.get('client_assertion')!).jti);
    expect(new Set(jtis).size).toBe(jtis.length);
    expect(app.get(RevocationFeed).stats.failures).toBe(0);
    expect(await get(base, token)).toBe(200);
    feedBody = { clients: [{ client_id: 'reporting', not_before: now() + 1 }], users: [], grants: [] };
    await pollsFrom('things-jwt', 2);
    expect(await get(base, token)).toBe(401);
  });
});
