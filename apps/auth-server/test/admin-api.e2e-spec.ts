import { listRoutes } from '@app/platform';
import { readRouteAuthRequirements } from '@nest-oauth-m2m/auth';
import { Reflector } from '@nestjs/core';
import { AuditLog } from '../src/audit/audit-log';
import { userToken, serviceToken } from '../../../test/support/tokens';
import { ADMIN_AUDIENCE, callAdmin } from './support/admin-api';
import { ClientGrantsService } from '../src/clients/client-grants.service';
import { basicAuth, postForm, registerClient, requestToken, startAuthServer, TEST_ACTOR, TestAuthServer } from './support/auth-server.harness';

/**
 * The admin HTTP API on a real auth-server: libs/auth's guards with the server's own keys, the
 * registry services behind it, the services' audit events naming the calling client.
 */
describe('admin API (/admin/...)', () => {
  let server: TestAuthServer;
  let adminToken: string;
  let audit: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startAuthServer();
    server.app.get(AuditLog).sendTo((line) => void audit.push(line));
    // The automation client an operator registers once at the CLI (README, "Admin API").
    const deployer = await registerClient(server, { clientId: 'deployer', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
    const token = await requestToken(server, deployer, { scope: 'admin' });
    expect(token.status).toBe(200);
    adminToken = token.body.access_token as string;
  });
  afterAll(async () => server?.close());
  beforeEach(() => {
    audit = [];
  });

  const call = (method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}) => callAdmin(server, method, path, options);
  const admin = (method: string, path: string, body?: unknown) => call(method, path, { token: adminToken, body });

  describe('who may call it', () => {
    it('no token: 401 with a bare Bearer challenge', async () => {
      const answer = await call('GET', '/admin/clients');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="auth-server"');
    });

    it('a client_credentials token without the admin scope: 403 insufficient_scope naming it', async () => {
      // Granted at the admin API, but only the users area: the clients routes answer 403.
      const reader = await registerClient(server, { clientId: 'ci-reader', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin:users'] }] });
      const token = await requestToken(server, reader);
      expect(token.status).toBe(200);
      const answer = await call('GET', '/admin/clients', { token: token.body.access_token as string });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('insufficient_scope');
      // The challenge names the narrowest scope that opens the route.
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope".*scope="admin:clients"/);
    });

    it('an end-user token, even with the admin scope and audience: 403 (client_credentials only)', async () => {
      const token = userToken(server, 'alice-id', 'admin', { aud: ADMIN_AUDIENCE });
      const answer = await call('GET', '/admin/clients', { token });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: 'insufficient_scope', error_description: expect.stringMatching(/service tokens only/) });
    });

    it('a token for another audience: 401 invalid_token', async () => {
      const answer = await call('GET', '/admin/clients', { token: serviceToken(server, 'deployer', 'api://user-service', 'admin') });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'the access token is not for this audience' });
    });

    it('a token of a client since revoked, disabled or stripped of admin is refused at once, not at its expiry', async () => {
      const automation = await registerClient(server, { clientId: 'ci-deployer', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
      const tokenOf = async () => (await requestToken(server, automation, { scope: 'admin' })).body.access_token as string;
      const revoked = await tokenOf();
      expect((await call('GET', '/admin/users', { token: revoked })).status).toBe(200);
      const revocation = await postForm(server, '/oauth/revoke', { token: revoked }, { headers: { authorization: basicAuth(automation.clientId, automation.secret) } });
      expect(revocation.status).toBe(200);
      expect(await call('GET', '/admin/users', { token: revoked })).toMatchObject({ status: 401, body: { error: 'invalid_token', error_description: 'the access token was revoked' } });

      const beforeDisable = await tokenOf();
      expect((await admin('POST', '/admin/clients/ci-deployer/disable')).status).toBe(204);
      expect((await call('GET', '/admin/users', { token: beforeDisable })).status).toBe(401);
      // Enabled again: tokens from before the disable stay dead.
      expect((await admin('POST', '/admin/clients/ci-deployer/enable')).status).toBe(204);
      expect((await call('GET', '/admin/users', { token: beforeDisable })).status).toBe(401);

      const stripped = await registerClient(server, { clientId: 'ci-stripped', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
      const beforeUpdate = (await requestToken(server, stripped, { scope: 'admin' })).body.access_token as string;
      expect((await admin('POST', '/admin/clients/ci-stripped/grants', { resource: ADMIN_AUDIENCE, scopes: ['admin:clients'] })).status).toBe(200);
      expect(await call('GET', '/admin/users', { token: beforeUpdate })).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
      // Its grant there withdrawn: the client no longer has the admin audience at all.
      await server.app.get(ClientGrantsService).revoke('ci-stripped', ADMIN_AUDIENCE, TEST_ACTOR);
      expect(await call('GET', '/admin/clients', { token: beforeUpdate })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    });

    it('every route decides explicitly (deny by default): /admin/<area> needs admin:<area> or admin on a service token, every other route is @Public()', () => {
      const reflector = new Reflector();
      const decisions = listRoutes(server.app).map((route) => {
        const required = readRouteAuthRequirements(reflector, route.handler, route.controller);
        const decision = route.path.startsWith('/admin/') ? 'admin' : 'other';
        return { route: `${route.method.toUpperCase()} ${route.path}`, decision, required };
      });
      expect(decisions.filter((entry) => entry.decision === 'admin').length).toBeGreaterThan(15);
      for (const { route, decision, required } of decisions) {
        const area = `admin:${route.split(' ')[1]!.split('/')[2]}`;
        const expected =
          decision === 'admin'
            ? { isPublic: false, scopes: [], anyScopes: [area, 'admin'], tokenKind: 'service' }
            : { isPublic: true, scopes: [], anyScopes: [], tokenKind: undefined };
        expect([route, required]).toEqual([route, expected]);
      }
    });

    it('the rest of the server stays public: discovery, JWKS and health need no bearer token', async () => {
      expect((await call('GET', '/.well-known/oauth-authorization-server')).status).toBe(200);
      expect((await call('GET', '/.well-known/jwks.json')).status).toBe(200);
      expect((await call('GET', '/health/live')).status).toBe(200);
    });
  });

  describe('/admin/clients', () => {
    it('creates a client over HTTP (secret shown once, no-store), which then gets a token; audited with actor admin-api:deployer', async () => {
      const created = await admin('POST', '/admin/clients', {
        client_id: 'billing-service',
        grants: [{ resource: 'api://user-service', scopes: ['users:read'] }],
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      expect(created.body).toMatchObject({ client_id: 'billing-service', enabled: true, grants: [{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }] });
      const secret = created.body.client_secret as string;
      expect(secret).toEqual(expect.any(String));
      const token = await requestToken(server, { clientId: 'billing-service', secret });
      expect(token.status).toBe(200);
      expect(audit).toEqual([
        expect.objectContaining({ action: 'client.create', target: { type: 'client', id: 'billing-service' }, actor: { kind: 'admin-api', id: 'deployer' } }),
      ]);
      expect(JSON.stringify(audit)).not.toContain(secret);
      // Shown once: never in a listing.
      const listed = await admin('GET', '/admin/clients');
      expect(listed.status).toBe(200);
      expect(listed.body.map((client) => (client as { client_id: string }).client_id)).toContain('billing-service');
      expect(JSON.stringify(listed.body)).not.toContain(secret);
    });

    it('a public client with redirect URIs and grant types', async () => {
      const created = await admin('POST', '/admin/clients', {
        client_id: 'billing-web',
        token_endpoint_auth_method: 'none',
        grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }],
        redirect_uris: ['http://localhost:5173/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:5173/callback'] });
      expect(created.body.client_secret).toBeUndefined();
    });

    // Issue 24 item 3: all of these were registered, and a sign-in then redirected the code to them.
    it('dangerous redirect URIs are refused at create and update: 400 invalid_request, nothing stored', async () => {
      const dangerous = [
        'javascript:alert(document.cookie)//',
        'data:text/html,<script>alert(1)</script>',
        'vbscript:msgbox',
        'file:///etc/passwd',
        'x:',
        'https://*.evil.example/cb',
        'https://good.example@evil.example/cb',
        'http://evil.example/cb',
      ];
      for (const uri of dangerous) {
        const created = await admin('POST', '/admin/clients', {
          client_id: 'dangerous-web',
          token_endpoint_auth_method: 'none',
          grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }],
          redirect_uris: [uri],
          grant_types: ['authorization_code'],
        });
        expect([uri, created.status, created.body.error]).toEqual([uri, 400, 'invalid_request']);
        expect(created.body.error_description).toMatch(/^redirect_uris: /);
        const updated = await admin('PATCH', '/admin/clients/billing-web', { redirect_uris: ['http://127.0.0.1/callback', uri] });
        expect([uri, updated.status, updated.body.error]).toEqual([uri, 400, 'invalid_request']);
      }
      expect((await admin('GET', '/admin/clients/dangerous-web')).status).toBe(404);
      expect((await admin('GET', '/admin/clients/billing-web')).body.redirect_uris).toEqual(['http://localhost:5173/callback']);
    });

    // Issue 24 item 4: the admin API registered internal jwks_uri values, which the server then fetched.
    it('a jwks_uri on a loopback, link-local or private address is refused: 400 invalid_request', async () => {
      for (const uri of ['http://127.0.0.1:9/jwks', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/jwks']) {
        const created = await admin('POST', '/admin/clients', {
          client_id: 'ssrf-client',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: uri,
        });
        expect([uri, created.status, created.body.error]).toEqual([uri, 400, 'invalid_request']);
        expect(created.body.error_description).toMatch(/jwks_uri must not point at a loopback, link-local or private address/);
      }
    });

    it('bad bodies are 400 invalid_request naming the problem, never 500', async () => {
      const cases: [unknown, RegExp][] = [
        [{ name: 'a' }, /^client_id is required$/],
        [{ client_id: 'x1', grants: 'api://user-service=users:read' }, /^grants must be an array of objects$/],
        [{ client_id: 'x1', grants: [{ resource: 'api://user-service' }] }, /^grants\.0\.scopes is required$/],
        [{ client_id: 'x1', grants: [{ resource: 'api://user-service', scopes: 'users:read' }] }, /^grants\.0\.scopes must be an array of non-empty strings$/],
        [{ client_id: 'x1', grants: [{ resource: 'api://user-service', scopes: ['users:read'], scope: 'x' }] }, /grants\.0\.property scope should not exist|grants\.0\.scope/],
        [{ client_id: 'x1', scopes: ['a'] }, /unknown field\(s\): scopes \(allowed: client_id, name, grants,/],
        [{ client_id: 'x1', audiences: ['api://user-service'] }, /unknown field\(s\): audiences/],
        [['client_id'], /must be a JSON object/],
        [{ client_id: 'not valid!' }, /^client_id must be 1-128 characters/],
        [{ client_id: 'x1', token_endpoint_auth_method: 'magic' }, /^token_endpoint_auth_method must be one of/],
        [{ client_id: 'x1', grants: [{ resource: 'api://nowhere', scopes: ['a'] }] }, /^no resource 'api:\/\/nowhere'/],
        [{ client_id: 'x1', grants: [{ resource: 'api://user-service', scopes: ['orders:read'] }] }, /^scopes not defined by api:\/\/user-service: orders:read/],
        [{ client_id: 'x1', token_endpoint_auth_method: 'private_key_jwt' }, /^private_key_jwt needs exactly one of jwks or jwks_uri$/],
      ];
      for (const [body, description] of cases) {
        const answer = await admin('POST', '/admin/clients', body);
        expect([body, answer.status, answer.body.error]).toEqual([body, 400, 'invalid_request']);
        expect(answer.body.error_description).toMatch(description);
      }
      const malformed = await call('POST', '/admin/clients', { token: adminToken, rawBody: '{"client_id": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toBe('invalid_request');
      // Nothing changed; each refusal is recorded as such (issue 24 #6).
      expect(audit.filter((line) => line.action !== 'admin.refused')).toEqual([]);
      expect(audit.filter((line) => line.action === 'admin.refused').length).toBeGreaterThanOrEqual(cases.length);
    });

    it('a duplicate id is 409 conflict; an unknown one 404 not_found', async () => {
      const duplicate = await admin('POST', '/admin/clients', { client_id: 'billing-service' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toEqual({ error: 'conflict', error_description: "client 'billing-service' already exists" });
      for (const [method, path] of [
        ['GET', '/admin/clients/nobody'],
        ['PATCH', '/admin/clients/nobody'],
        ['DELETE', '/admin/clients/nobody'],
        ['POST', '/admin/clients/nobody/disable'],
        ['POST', '/admin/clients/nobody/secrets'],
        ['GET', '/admin/clients/nobody/grants'],
        ['POST', '/admin/clients/nobody/grants'],
        ['DELETE', `/admin/clients/nobody/grants/${encodeURIComponent('api://user-service')}`],
        ['DELETE', `/admin/clients/billing-service/grants/${encodeURIComponent('api://order-service')}`],
        ['DELETE', '/admin/clients/billing-service/secrets/00000000-0000-0000-0000-000000000000'],
      ]) {
        const body = method === 'PATCH' ? { name: 'x' } : path!.endsWith('/grants') && method === 'POST' ? { resource: 'api://user-service', scopes: ['users:read'] } : undefined;
        const answer = await admin(method!, path!, body);
        expect([method, path, answer.status, answer.body.error]).toEqual([method, path, 404, 'not_found']);
      }
    });

    it('show, update, rotate and revoke a secret, disable and enable, delete', async () => {
      const { secret } = await registerClient(server, { clientId: 'svc-lifecycle' });
      const shown = await admin('GET', '/admin/clients/svc-lifecycle');
      expect(shown.body).toMatchObject({ client_id: 'svc-lifecycle', grants: [{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }] });
      expect(shown.body).not.toHaveProperty('scopes');
      expect(shown.body).not.toHaveProperty('audiences');

      const updated = await admin('PATCH', '/admin/clients/svc-lifecycle', { name: 'Lifecycle', owned_audiences: ['api://lifecycle'] });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: 'Lifecycle', owned_audiences: ['api://lifecycle'] });

      const granted = await admin('POST', '/admin/clients/svc-lifecycle/grants', { resource: 'api://order-service', kind: 'direct', scopes: ['orders:read', 'orders:write'], default_scopes: ['orders:read'] });
      expect(granted).toMatchObject({ status: 200, body: { resource: 'api://order-service', kind: 'direct', scopes: ['orders:read', 'orders:write'], default_scopes: ['orders:read'] } });
      expect((await admin('GET', '/admin/clients/svc-lifecycle/grants')).body).toEqual([
        { resource: 'api://order-service', kind: 'direct', scopes: ['orders:read', 'orders:write'], default_scopes: ['orders:read'] },
        { resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] },
      ]);
      const undefinedScope = await admin('POST', '/admin/clients/svc-lifecycle/grants', { resource: 'api://order-service', scopes: ['users:read'] });
      expect(undefinedScope).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'scopes not defined by api://order-service: users:read' } });
      expect((await admin('DELETE', `/admin/clients/svc-lifecycle/grants/${encodeURIComponent('api://order-service')}`)).status).toBe(204);
      expect((await admin('GET', '/admin/clients/svc-lifecycle')).body.grants).toEqual([{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }]);

      const rotated = await admin('POST', '/admin/clients/svc-lifecycle/secrets', { expires_in: 3600 });
      expect(rotated.status).toBe(201);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      expect(rotated.body).toMatchObject({ client_id: 'svc-lifecycle', client_secret: expect.any(String), expires_at: expect.any(String) });
      expect((await requestToken(server, { clientId: 'svc-lifecycle', secret: rotated.body.client_secret as string })).status).toBe(200);
      const oldSecretId = (shown.body.secrets as { id: string }[])[0]!.id;
      expect((await admin('DELETE', `/admin/clients/svc-lifecycle/secrets/${oldSecretId}`)).status).toBe(204);
      expect((await requestToken(server, { clientId: 'svc-lifecycle', secret })).status).toBe(401);

      expect((await admin('POST', '/admin/clients/svc-lifecycle/disable')).status).toBe(204);
      expect((await admin('GET', '/admin/clients/svc-lifecycle')).body.enabled).toBe(false);
      expect((await admin('POST', '/admin/clients/svc-lifecycle/enable')).status).toBe(204);
      expect((await admin('DELETE', '/admin/clients/svc-lifecycle')).status).toBe(204);
      expect((await admin('GET', '/admin/clients/svc-lifecycle')).status).toBe(404);

      // Each change recorded once, by the service, naming the calling client (the controller records nothing).
      const byAdmin = audit.filter((line) => (line.actor as { kind: string }).kind === 'admin-api');
      expect(byAdmin.map((line) => `${String(line.action)} ${(line.actor as { id: string }).id}`)).toEqual([
        'client.update deployer',
        'client.grant deployer',
        'admin.refused deployer',
        'client.revoke-grant deployer',
        'client-secret.rotate deployer',
        'client-secret.revoke deployer',
        'client.disable deployer',
        'client.enable deployer',
        'client.delete deployer',
        // The GET after the delete: 404, recorded as a refused call.
        'admin.refused deployer',
      ]);
      expect(JSON.stringify(audit)).not.toContain(rotated.body.client_secret as string);
    });

    it('delegation grants (token exchange): POST with kind delegation beside the direct grant, listed with their kind, DELETE ?kind=delegation; audited', async () => {
      await registerClient(server, { clientId: 'svc-delegate', ownedAudiences: ['api://order-service'], grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'] });
      audit = [];
      const granted = await admin('POST', '/admin/clients/svc-delegate/grants', { resource: 'api://user-service', scopes: ['users:read'], kind: 'delegation' });
      expect(granted).toMatchObject({ status: 200, body: { resource: 'api://user-service', kind: 'delegation', scopes: ['users:read'], default_scopes: ['users:read'] } });
      expect((await admin('GET', '/admin/clients/svc-delegate')).body.grants).toEqual([
        { resource: 'api://user-service', kind: 'delegation', scopes: ['users:read'], default_scopes: ['users:read'] },
        { resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] },
      ]);
      expect(await admin('POST', '/admin/clients/svc-delegate/grants', { resource: 'api://user-service', scopes: ['users:read'], kind: 'impersonation' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', error_description: 'kind must be one of direct, delegation' },
      });
      const resource = encodeURIComponent('api://user-service');
      expect(await admin('DELETE', `/admin/clients/svc-delegate/grants/${resource}?kind=bogus`)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect((await admin('DELETE', `/admin/clients/svc-delegate/grants/${resource}?kind=delegation`)).status).toBe(204);
      expect(await admin('DELETE', `/admin/clients/svc-delegate/grants/${resource}?kind=delegation`)).toMatchObject({ status: 404, body: { error_description: expect.stringMatching(/has no delegation grant at api:\/\/user-service$/) } });
      // The direct grant there is untouched.
      expect((await admin('GET', '/admin/clients/svc-delegate/grants')).body).toEqual([{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }]);
      const changes = audit.filter((line) => String(line.action).startsWith('client.')).map((line) => [line.action, line.changes]);
      expect(changes).toEqual([
        ['client.grant', { resource: 'api://user-service', kind: 'delegation', scopes: ['users:read'], default_scopes: ['users:read'] }],
        ['client.revoke-grant', { resource: 'api://user-service', kind: 'delegation' }],
      ]);
      // Creation takes delegation grants among `grants`; a public client may not use the grant.
      const created = await admin('POST', '/admin/clients', {
        client_id: 'svc-delegate-2',
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
        grants: [{ resource: 'api://user-service', scopes: ['users:read'], kind: 'delegation' }],
      });
      expect(created).toMatchObject({ status: 201, body: { grants: [{ resource: 'api://user-service', kind: 'delegation', scopes: ['users:read'] }] } });
      const publicExchanger = await admin('POST', '/admin/clients', {
        client_id: 'app-delegate',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      });
      expect(publicExchanger).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.stringMatching(/public client .* cannot use urn:ietf:params:oauth:grant-type:token-exchange/) } });
    });
  });

  describe('/admin/users', () => {
    it('creates a user with a generated password shown once; duplicates 409; passwd, disable, enable; 404 for nobody', async () => {
      const created = await admin('POST', '/admin/users', { username: 'carol', display_name: 'Carol' });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      expect(created.body).toMatchObject({ username: 'carol', display_name: 'Carol', status: 'active', password: expect.any(String) });
      expect(JSON.stringify(audit)).not.toContain(created.body.password as string);
      expect(audit).toEqual([expect.objectContaining({ action: 'user.create', actor: { kind: 'admin-api', id: 'deployer' } })]);

      const given = await admin('POST', '/admin/users', { username: 'dave', password: 'a-long-enough-password' });
      expect(given.status).toBe(201);
      expect(given.body.password).toBeUndefined();

      expect((await admin('POST', '/admin/users', { username: 'carol' })).status).toBe(409);
      expect((await admin('POST', '/admin/users', { username: 'erin', password: 7 })).status).toBe(400);
      expect((await admin('GET', '/admin/users')).body.map((user) => (user as { username: string }).username)).toEqual(
        expect.arrayContaining(['carol', 'dave']),
      );
      const passwd = await admin('POST', '/admin/users/carol/password', { password: 'another-long-password' });
      expect([passwd.status, passwd.body]).toEqual([200, {}]);
      expect((await admin('POST', '/admin/users/carol/disable')).status).toBe(204);
      expect((await admin('POST', '/admin/users/carol/enable')).status).toBe(204);
      expect((await admin('POST', '/admin/users/nobody/disable')).status).toBe(404);
    });
  });

  describe('/admin/resources', () => {
    it('registers, shows (URL-encoded URI), updates and lists a resource; 409 for a duplicate, 404 for an unknown one, 400 for a bad body', async () => {
      const created = await admin('POST', '/admin/resources', { uri: 'api://billing-service', name: 'Billing', scopes: ['invoices:read'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ uri: 'api://billing-service', name: 'Billing', scopes: ['invoices:read'] });
      expect(audit).toEqual([expect.objectContaining({ action: 'resource.create', actor: { kind: 'admin-api', id: 'deployer' } })]);
      const path = `/admin/resources/${encodeURIComponent('api://billing-service')}`;
      expect((await admin('GET', path)).body).toMatchObject({ uri: 'api://billing-service' });
      const updated = await admin('PATCH', path, { scopes: ['invoices:read', 'invoices:write'] });
      expect([updated.status, updated.body.scopes]).toEqual([200, ['invoices:read', 'invoices:write']]);
      expect((await admin('GET', '/admin/resources')).body.map((r) => (r as { uri: string }).uri)).toContain('api://billing-service');
      expect((await admin('POST', '/admin/resources', { uri: 'api://billing-service', scopes: ['x'] })).status).toBe(409);
      expect((await admin('GET', `/admin/resources/${encodeURIComponent('api://nothing')}`)).status).toBe(404);
      expect((await admin('PATCH', path, { scopes: [1] })).status).toBe(400);
    });
  });
});

describe('admin API turned off (ADMIN_API_ENABLED=false, the production default)', () => {
  let server: TestAuthServer;
  beforeAll(async () => {
    server = await startAuthServer({ env: { ADMIN_API_ENABLED: 'false' } });
  });
  afterAll(async () => {
    delete process.env.ADMIN_API_ENABLED;
    await server?.close();
  });

  it('serves no /admin route and documents none; the rest of the server is unchanged', async () => {
    const deployer = await registerClient(server, { clientId: 'deployer', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
    const token = await requestToken(server, deployer, { scope: 'admin' });
    expect(token.status).toBe(200);
    const answer = await fetch(`${server.url}/admin/clients`, { headers: { authorization: `Bearer ${token.body.access_token as string}` } });
    expect(answer.status).toBe(404);
    const document = (await (await fetch(`${server.url}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
    expect(Object.keys(document.paths)).toContain('/oauth/token');
  });
});
