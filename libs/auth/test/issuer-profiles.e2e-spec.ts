import { AuthModule, Principal, ResourceServerAuthOptions, Scopes, ServiceOnly, TokenKinds, UserOnly } from '@nest-oauth-m2m/auth';
import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import passport from 'passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TestIssuer } from './support/test-issuer';

// Issuers that do not follow RFC 9068 everywhere, as their tokens look: the typ policy, the token-kind
// classifiers and the `scp` claim, through a real app and a real JWKS.

@Controller('p')
class ProbeController {
  @Get('read')
  @Scopes('things:read')
  read(@Principal() caller: Principal) {
    return { kind: caller.kind, clientId: caller.clientId, scopes: caller.scopes };
  }

  @Get('service')
  @ServiceOnly()
  service() {
    return { ok: true };
  }

  @Get('user')
  @UserOnly()
  user() {
    return { ok: true };
  }
}

describe('AuthModule with other issuers\' tokens', () => {
  const issuer = new TestIssuer();
  const apps: INestApplication[] = [];
  beforeAll(() => issuer.start());
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await issuer.close();
  });

  async function appWith(options: Partial<ResourceServerAuthOptions>): Promise<(path: string, token: string) => Promise<Response>> {
    @Module({ imports: [AuthModule.forRoot({ issuer: issuer.url, audience: 'api://things', ...options })], controllers: [ProbeController] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return (path, token) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  }

  it('typ policy: strict at+jwt by default; `JWT` accepted only when configured', async () => {
    const token = await issuer.token({ aud: 'api://things', scope: 'things:read', typ: 'JWT' });
    const strict = await appWith({});
    const refused = await strict('/p/read', token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('token type must be at+jwt');
    const lenient = await appWith({ tokenTypes: ['at+jwt', 'JWT'] });
    expect((await lenient('/p/read', token)).status).toBe(200);
    expect((await lenient('/p/read', await issuer.token({ aud: 'api://things', scope: 'things:read', typ: 'application/at+jwt' }))).status).toBe(200);
    expect((await lenient('/p/read', await issuer.token({ aud: 'api://things', scope: 'things:read', typ: 'id_token+jwt' }))).status).toBe(401);
  });

  it('Keycloak: service-account user, azp for the client, scope string', async () => {
    const get = await appWith({ tokenTypes: ['at+jwt', 'JWT'], tokenKind: TokenKinds.keycloak });
    const service = await issuer.token({
      aud: 'api://things',
      typ: 'JWT',
      sub: '3f1c0e9a-5b9e-4c1e-9d7e-1c2b3a4d5e6f',
      scope: 'profile things:read',
      extra: { client_id: undefined, azp: 'billing', preferred_username: 'service-account-billing' },
    });
    const response = await get('/p/read', service);
    expect(await response.json()).toEqual({ kind: 'service', clientId: 'billing', scopes: ['profile', 'things:read'] });
    const user = await issuer.token({ aud: 'api://things', typ: 'JWT', sub: 'u-1', extra: { client_id: undefined, azp: 'web', preferred_username: 'alice' } });
    expect((await get('/p/user', user)).status).toBe(200);
    expect((await get('/p/service', user)).status).toBe(403);
  });

  it('Auth0: gty client-credentials, sub <client>@clients', async () => {
    const get = await appWith({ tokenKind: TokenKinds.auth0 });
    const service = await issuer.token({ aud: 'api://things', sub: 'abc123@clients', scope: 'things:read', extra: { client_id: undefined, azp: 'abc123', gty: 'client-credentials' } });
    expect(await (await get('/p/read', service)).json()).toEqual({ kind: 'service', clientId: 'abc123', scopes: ['things:read'] });
  });

  it('Microsoft Entra: idtyp app, appid, scopes as scp', async () => {
    const get = await appWith({ tokenTypes: ['JWT'], tokenKind: TokenKinds.entra });
    const app = await issuer.token({ aud: 'api://things', typ: 'JWT', sub: 'oid-of-app', scope: undefined, extra: { client_id: undefined, scope: undefined, appid: 'app-guid', idtyp: 'app', scp: 'things:read' } });
    expect(await (await get('/p/read', app)).json()).toEqual({ kind: 'service', clientId: 'app-guid', scopes: ['things:read'] });
    const user = await issuer.token({ aud: 'api://things', typ: 'JWT', sub: 'oid-of-user', extra: { client_id: undefined, scope: undefined, azp: 'spa-guid', scp: ['things:read', 'other'] } });
    expect(await (await get('/p/read', user)).json()).toEqual({ kind: 'user', clientId: 'spa-guid', scopes: ['things:read', 'other'] });
  });

  it('a custom classifier is a function of the verified claims', async () => {
    const get = await appWith({ tokenKind: (claims) => (claims.act === undefined ? 'service' : 'user') });
    expect((await get('/p/service', await issuer.token({ aud: 'api://things', sub: 'someone' }))).status).toBe(200);
  });

  it('each AuthModule runs its own passport strategy; the name `jwt` stays free for the app', async () => {
    // The apps above were built with different options in this one process: each kept its own.
    expect(apps.length).toBeGreaterThan(3);
    expect((passport as unknown as { _strategy(name: string): unknown })._strategy('jwt')).toBeUndefined();
  });

  it('a token naming no client at all is invalid_token', async () => {
    const get = await appWith({});
    const response = await get('/p/read', await issuer.token({ aud: 'api://things', scope: 'things:read', extra: { client_id: undefined } }));
    expect(response.status).toBe(401);
  });
});
