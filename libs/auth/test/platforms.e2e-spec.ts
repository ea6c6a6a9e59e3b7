import { AuthModule, ClientCredentialsModule, ClientCredentialsTokenProvider, Principal, Public, Scopes, ServiceOnly, UserOnly } from '@nest-oauth-m2m/auth';
import { Controller, Get, INestApplication, NotFoundException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Module } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { closedPortUrl } from './support/local-http-servers';
import { TestIssuer } from './support/test-issuer';

// The package as a newcomer uses it: AuthModule.forRoot and nothing else (no filter, no platform
// helpers), on both HTTP platforms Nest ships. Every denial must be the RFC 6750 answer.

@Controller('things')
class ThingsController {
  constructor(private readonly tokens: ClientCredentialsTokenProvider) {}

  @Get('downstream')
  @Public()
  async downstream() {
    // The token endpoint is down: the package's own error, answered 503 by the module's filter.
    await this.tokens.getToken();
    return { reached: true };
  }

  @Get()
  @Scopes('things:read')
  list(@Principal() caller: Principal) {
    return { kind: caller.kind, subject: caller.subject };
  }

  @Get('users')
  @UserOnly()
  forUsers() {
    return { ok: true };
  }

  @Get('services')
  @ServiceOnly()
  forServices() {
    return { ok: true };
  }

  @Get('broken')
  @Public()
  broken(): never {
    throw new Error('database password is hunter2 at /srv/app/secret.js:12');
  }

  @Get('missing')
  @Public()
  missing(): never {
    throw new NotFoundException();
  }
}

/**
 * GET with two `Authorization` header lines, as a client or proxy may send them: fetch() would fold
 * them into one comma-joined value; node:http sends a flat [name, value, …] list line by line.
 */
function getWithTwoAuthorizations(url: string, first: string, second: string): Promise<{ status: number; challenge?: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    // A raw header list gets no Host added for it: HTTP/1.1 requires one.
    const headers = ['host', new URL(url).host, 'authorization', first, 'authorization', second];
    const req = httpRequest(url, { headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, challenge: response.headers['www-authenticate'], body: JSON.parse(text) }));
    });
    req.on('error', reject).end();
  });
}

describe.each([
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
])('AuthModule.forRoot alone on %s', (_platform, adapter) => {
  const issuer = new TestIssuer();
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    await issuer.start();
    const downAuthServer = await closedPortUrl();
    @Module({
      imports: [
        AuthModule.forRoot({ issuer: issuer.url, audience: 'api://things' }),
        ClientCredentialsModule.forRoot({
          issuer: downAuthServer,
          tokenEndpoint: `${downAuthServer}/token`,
          clientId: 'things',
          clientSecret: 'secret',
          scopes: [],
          logger: { warn: () => undefined, log: () => undefined },
        }),
      ],
      controllers: [ThingsController],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, adapter(), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await issuer.close();
  });

  const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('200 with a valid token carrying the scope, with the caller as a service', async () => {
    const response = await get('/things', await issuer.token({ aud: 'api://things', scope: 'things:read' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'service', subject: 'caller-service' });
  });

  it('401 without a token: a Bearer challenge without error attributes, RFC JSON body, no-store', async () => {
    const response = await get('/things');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'a bearer access token is required' });
  });

  // Issue 24 item 2: Node keeps only the first Authorization line in req.headers, so the second one
  // went unseen and the request was answered as the first token's caller.
  it('400 invalid_request for two Authorization headers, whatever the second holds', async () => {
    const valid = `Bearer ${await issuer.token({ aud: 'api://things', scope: 'things:read' })}`;
    for (const second of [valid, 'Bearer other', 'Basic dXNlcjpwYXNz', '']) {
      const response = await getWithTwoAuthorizations(`${base}/things`, valid, second);
      expect(response.status).toBe(400);
      expect(response.challenge).toBe('Bearer error="invalid_request", error_description="more than one Authorization header"');
      expect(response.body).toEqual({ error: 'invalid_request', error_description: 'more than one Authorization header' });
    }
    // One header with the same token is still accepted.
    expect((await get('/things', valid.slice('Bearer '.length))).status).toBe(200);
  });

  it('401 invalid_token for a bad or expired token', async () => {
    const bad = await get('/things', 'not.a.jwt');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);
    const expired = await get('/things', await issuer.token({ aud: 'api://things', scope: 'things:read', expiresInSeconds: -120 }));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error_description: string }).error_description).toBe('the access token expired');
  });

  it('403 insufficient_scope naming the scope, and for the wrong token kind', async () => {
    const response = await get('/things', await issuer.token({ aud: 'api://things', scope: 'other' }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", error_description="[^"]*", scope="things:read"$/);
    expect(((await response.json()) as { error: string }).error).toBe('insufficient_scope');
    const serviceOnUserRoute = await get('/things/users', await issuer.token({ aud: 'api://things' }));
    expect(serviceOnUserRoute.status).toBe(403);
    const userToken = await issuer.token({ aud: 'api://things', sub: 'alice' });
    expect((await get('/things/users', userToken)).status).toBe(200);
    expect((await get('/things/services', userToken)).status).toBe(403);
  });

  it('503 temporarily_unavailable when the token endpoint is down, without upstream detail', async () => {
    const response = await get('/things/downstream');
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'temporarily_unavailable', error_description: 'a service this one depends on is unavailable, retry shortly' });
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it("leaves the app's own errors to Nest: no stack trace or detail reaches the client", async () => {
    const broken = await get('/things/broken');
    expect(broken.status).toBe(500);
    const text = await broken.text();
    expect(text).not.toMatch(/hunter2|secret\.js|at .*\(/);
    expect((await get('/things/missing')).status).toBe(404);
  });
});
