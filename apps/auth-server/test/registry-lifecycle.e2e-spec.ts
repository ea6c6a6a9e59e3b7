import { AuditLog } from '../src/audit/audit-log';
import { ClientGrantsService } from '../src/clients/client-grants.service';
import { RegistrationError } from '../src/audit/registration-error';
import { UsersService } from '../src/users/users.service';
import { login, pkcePair } from '../../../scripts/support/login-form';
import {
  basicAuth,
  postForm,
  registerClient,
  requestToken,
  startAuthServer,
  TEST_ACTOR,
  TEST_DEMO_SECRET,
  TEST_USER_SERVICE_SECRET,
  TestAuthServer,
} from './support/auth-server.harness';

/** The service layer of the operator lifecycle (CLI and admin API both call it): clients and users, audited. */
describe('registry lifecycle: the client lifecycle, secrets and grants services, and UsersService', () => {
  let server: TestAuthServer;
  let users: UsersService;
  let audit: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startAuthServer();
    users = server.app.get(UsersService);
    server.app.get(AuditLog).sendTo((line) => void audit.push(line));
  });
  afterAll(async () => server?.close());
  beforeEach(() => {
    audit = [];
  });

  const auditActions = () => audit.map((line) => `${String(line.action)} ${(line.target as { id: string }).id}`);
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a RegistrationError');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(RegistrationError);
        return error as RegistrationError;
      },
    );
  /** Introspection as user-service, the owner of api://user-service. */
  const introspect = async (token: string) =>
    (await postForm(server, '/oauth/introspect', { token }, { headers: { authorization: basicAuth('user-service', TEST_USER_SERVICE_SECRET) } })).body;

  describe('clients', () => {
    it('create records client.create once, with the registration and never the secret', async () => {
      const { secret } = await server.clients.create({ clientId: 'svc-billing', grants: [{ resource: 'api://user-service', scopes: ['users:read'] }] }, TEST_ACTOR);
      expect(audit).toEqual([
        expect.objectContaining({
          event: 'audit',
          action: 'client.create',
          target: { type: 'client', id: 'svc-billing' },
          actor: TEST_ACTOR,
          changes: expect.objectContaining({ grants: [{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }], token_endpoint_auth_method: 'client_secret_basic' }),
        }),
      ]);
      expect(JSON.stringify(audit)).not.toContain(secret!.secret);
    });

    it('show returns the summary with redirect_uris; an unknown id is not_found', async () => {
      await server.clients.create(
        { clientId: 'svc-web', grants: [{ resource: 'api://user-service', scopes: ['users:read'] }], authMethod: 'none', redirectUris: ['http://127.0.0.1/cb'] },
        TEST_ACTOR,
      );
      expect(await server.clientViews.show('svc-web')).toMatchObject({
        client_id: 'svc-web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: ['http://127.0.0.1/cb'],
        secrets: [],
      });
      expect((await rejection(server.clientViews.show('svc-nobody'))).reason).toBe('not_found');
    });

    it('update replaces the given lists, records only what changed; grants change through grant / revoke-grant, and the next token gets them', async () => {
      const { secret } = await server.clients.create({ clientId: 'svc-grow', grants: [{ resource: 'api://user-service', scopes: ['users:read'] }] }, TEST_ACTOR);
      audit = [];
      const updated = await server.clients.update('svc-grow', { name: 'Grown', ownedAudiences: ['api://grow'] }, TEST_ACTOR);
      expect(updated).toMatchObject({ name: 'Grown', owned_audiences: ['api://grow'], grants: [{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }] });
      expect(audit).toEqual([
        expect.objectContaining({ action: 'client.update', target: { type: 'client', id: 'svc-grow' }, changes: { name: 'Grown', owned_audiences: ['api://grow'] } }),
      ]);

      // Granting more: recorded as client.grant; cached before, invalidated, so the server sees it at once.
      audit = [];
      const granted = await server.clientGrants.grant('svc-grow', { resource: 'api://user-service', scopes: ['users:read', 'users:provision'], defaultScopes: ['users:read'] }, TEST_ACTOR);
      expect(granted).toEqual({ resource: 'api://user-service', kind: 'direct', scopes: ['users:read', 'users:provision'], default_scopes: ['users:read'] });
      expect(audit).toEqual([expect.objectContaining({ action: 'client.grant', target: { type: 'client', id: 'svc-grow' }, changes: granted })]);
      const token = await requestToken(server, { clientId: 'svc-grow', secret: secret!.secret }, { scope: 'users:provision' });
      expect(token.status).toBe(200);
      expect(token.body.scope).toBe('users:provision');

      // Narrowed again: the withdrawn scope is refused at once.
      await server.clientGrants.grant('svc-grow', { resource: 'api://user-service', scopes: ['users:read'] }, TEST_ACTOR);
      expect((await server.clientViews.show('svc-grow')).grants).toEqual([{ resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] }]);
      expect((await requestToken(server, { clientId: 'svc-grow', secret: secret!.secret }, { scope: 'users:provision' })).status).toBe(400);

      // Revoked: no grant left, no token.
      audit = [];
      await server.clientGrants.revoke('svc-grow', 'api://user-service', TEST_ACTOR);
      expect(audit).toEqual([expect.objectContaining({ action: 'client.revoke-grant', changes: { resource: 'api://user-service', kind: 'direct' } })]);
      expect((await server.clientViews.show('svc-grow')).grants).toEqual([]);
      expect((await requestToken(server, { clientId: 'svc-grow', secret: secret!.secret }, { scope: 'users:read' })).status).toBe(400);
      expect((await rejection(server.clientGrants.revoke('svc-grow', 'api://user-service', TEST_ACTOR))).reason).toBe('not_found');
      await server.clientGrants.grant('svc-grow', { resource: 'api://user-service', scopes: ['users:read'] }, TEST_ACTOR);

      // A patch that changes nothing records nothing.
      audit = [];
      await server.clients.update('svc-grow', { name: 'Grown' }, TEST_ACTOR);
      expect(audit).toEqual([]);
    });

    it('a grant names a registered resource and only scopes it defines, default scopes among them; refused, it changes nothing', async () => {
      const refusals: [Parameters<typeof server.clientGrants.grant>[1], RegExp][] = [
        [{ resource: 'api://nowhere', scopes: ['users:read'] }, /^no resource "api:\/\/nowhere"/],
        [{ resource: 'api://user-service', scopes: ['orders:read'] }, /^scopes not defined by api:\/\/user-service: orders:read/],
        [{ resource: 'api://user-service', scopes: [] }, /^scopes: a grant at api:\/\/user-service needs at least one scope/],
        [{ resource: 'api://user-service', scopes: ['users:read'], defaultScopes: ['users:provision'] }, /^default_scopes must be among the granted scopes/],
      ];
      for (const [grant, message] of refusals) {
        const before = await server.clientViews.show('svc-grow');
        const error = await rejection(server.clientGrants.grant('svc-grow', grant, TEST_ACTOR));
        expect([error.reason, error.message]).toEqual(['invalid', expect.stringMatching(message)]);
        expect(await server.clientViews.show('svc-grow')).toEqual(before);
      }
      expect((await rejection(server.clientGrants.grant('svc-nobody', { resource: 'api://user-service', scopes: ['users:read'] }, TEST_ACTOR))).reason).toBe('not_found');
      // At creation too: the client is not created.
      const error = await rejection(server.clients.create({ clientId: 'svc-wrong-grant', grants: [{ resource: 'api://order-service', scopes: ['users:read'] }] }, TEST_ACTOR));
      expect(error.message).toMatch(/^scopes not defined by api:\/\/order-service: users:read/);
      expect((await rejection(server.clientViews.show('svc-wrong-grant'))).reason).toBe('not_found');
    });

    it('update validates the resulting client like create, and changes nothing when refused', async () => {
      const refusals: [string, Parameters<typeof server.clients.update>[1]][] = [
        ['svc-web', { redirectUris: [] }], // authorization_code needs a redirect URI
        ['svc-web', { grantTypes: ['client_credentials'] }], // a public client cannot
        ['svc-web', { ownedAudiences: ['api://x'] }],
        ['svc-grow', { ownedAudiences: ['api://with space'] }],
        ['svc-grow', { grantTypes: ['password' as never] }],
        ['svc-grow', { redirectUris: ['not a uri'] }],
      ];
      for (const [clientId, patch] of refusals) {
        const before = await server.clientViews.show(clientId);
        expect((await rejection(server.clients.update(clientId, patch, TEST_ACTOR))).reason).toBe('invalid');
        expect(await server.clientViews.show(clientId)).toEqual(before);
      }
      expect((await rejection(server.clients.update('svc-nobody', { name: 'x' }, TEST_ACTOR))).reason).toBe('not_found');
      expect(audit).toEqual([]);
    });

    it('rotate, revoke, disable and enable are audited by action, without secret values', async () => {
      const { secret } = await server.clients.create({ clientId: 'svc-cycle', grants: [{ resource: 'api://user-service', scopes: ['users:read'] }] }, TEST_ACTOR);
      const rotated = await server.clientSecrets.rotate('svc-cycle', {}, TEST_ACTOR);
      await server.clientSecrets.revoke('svc-cycle', secret!.secretId, TEST_ACTOR);
      await server.clients.setEnabled('svc-cycle', false, TEST_ACTOR);
      await server.clients.setEnabled('svc-cycle', true, TEST_ACTOR);
      expect(auditActions()).toEqual([
        'client.create svc-cycle',
        `client-secret.rotate ${rotated.secretId}`,
        `client-secret.revoke ${secret!.secretId}`,
        'client.disable svc-cycle',
        'client.enable svc-cycle',
      ]);
      const text = JSON.stringify(audit);
      expect(text).not.toContain(secret!.secret);
      expect(text).not.toContain(rotated.secret);
    });

    it('delete: the secret is refused, its tokens introspect inactive, and a namesake does not revive them', async () => {
      const input = { clientId: 'svc-doomed', grants: [{ resource: 'api://user-service', scopes: ['users:read'] }] };
      const { secret } = await server.clients.create(input, TEST_ACTOR);
      const issued = await requestToken(server, { clientId: 'svc-doomed', secret: secret!.secret });
      const oldToken = String(issued.body.access_token);
      expect(await introspect(oldToken)).toMatchObject({ active: true });

      audit = [];
      await server.clients.delete('svc-doomed', TEST_ACTOR);
      expect(auditActions()).toEqual(['client.delete svc-doomed']);
      expect(await introspect(oldToken)).toEqual({ active: false });
      expect((await requestToken(server, { clientId: 'svc-doomed', secret: secret!.secret })).status).toBe(401);
      expect((await rejection(server.clientViews.show('svc-doomed'))).reason).toBe('not_found');
      expect((await rejection(server.clients.delete('svc-doomed', TEST_ACTOR))).reason).toBe('not_found');

      const again = await server.clients.create(input, TEST_ACTOR);
      expect((await requestToken(server, { clientId: 'svc-doomed', secret: secret!.secret })).status).toBe(401);
      const fresh = await requestToken(server, { clientId: 'svc-doomed', secret: again.secret!.secret });
      expect(await introspect(String(fresh.body.access_token))).toMatchObject({ active: true });
      expect(await introspect(oldToken)).toEqual({ active: false });
    });

    it('addRedirectUri and addOwnedAudience (seeding) record a change only when they make one', async () => {
      await server.clients.addRedirectUri('svc-web', 'http://127.0.0.1/second', TEST_ACTOR);
      await server.clients.addRedirectUri('svc-web', 'http://127.0.0.1/second', TEST_ACTOR);
      await server.clients.addOwnedAudience('svc-billing', 'api://billing', TEST_ACTOR);
      await server.clients.addOwnedAudience('svc-billing', 'api://billing', TEST_ACTOR);
      expect(audit).toEqual([
        expect.objectContaining({ action: 'client.update', changes: { redirect_uris: ['http://127.0.0.1/cb', 'http://127.0.0.1/second'] } }),
        expect.objectContaining({ action: 'client.update', changes: { owned_audiences: ['api://billing'] } }),
      ]);
      expect((await server.clientViews.show('svc-web')).redirect_uris).toEqual(['http://127.0.0.1/cb', 'http://127.0.0.1/second']);
    });

    it('create refuses a duplicate id as a conflict', async () => {
      const error = await rejection(server.clients.create({ clientId: 'svc-billing' }, TEST_ACTOR));
      expect(error.reason).toBe('conflict');
    });
  });

  describe('users', () => {
    const password = 'carol-first-password';
    const redirectUri = 'http://127.0.0.1:53999/callback';

    /** Signs in through a public client (demo-app unless told; code + PKCE); the token response. */
    async function signIn(credentials: { username: string; password: string }, clientId = 'demo-app', scope = 'orders:read') {
      const { verifier, challenge } = pkcePair();
      const params = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state: 's', code_challenge: challenge, code_challenge_method: 'S256' };
      const result = await login(server.url, params, credentials);
      const code = result.location?.searchParams.get('code');
      if (!code) return null;
      const exchanged = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier });
      expect(exchanged.status).toBe(200);
      return exchanged.body as { access_token: string; refresh_token: string; scope: string };
    }
    const refresh = (refreshToken: string, clientId = 'demo-app', scope?: string) =>
      postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, ...(scope ? { scope } : {}) });
    const introspectAsOrderService = async (token: string) =>
      (await postForm(server, '/oauth/introspect', { token }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } })).body;

    it('create returns the summary, records user.create without the password, and the user can sign in', async () => {
      const created = await users.create({ username: 'carol', displayName: 'Carol', password }, TEST_ACTOR);
      expect(created).toEqual({ id: expect.any(String), username: 'carol', display_name: 'Carol', status: 'active', created_at: expect.any(String) });
      expect(audit).toEqual([expect.objectContaining({ action: 'user.create', target: { type: 'user', id: created.id }, actor: TEST_ACTOR })]);
      expect(JSON.stringify(audit)).not.toContain(password);
      expect(await signIn({ username: 'carol', password })).not.toBeNull();
      expect((await users.list()).map((user) => user.username)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
    });

    it('refuses a duplicate username (conflict), a bad username or password (invalid), an unknown user (not_found)', async () => {
      expect((await rejection(users.create({ username: 'carol', password }, TEST_ACTOR))).reason).toBe('conflict');
      for (const input of [
        { username: '', password },
        { username: 'with space', password },
        { username: 'bell\u0007', password },
        { username: 'x'.repeat(129), password },
        { username: 'dave', password: 'short' },
        { username: 'dave', password: 'p'.repeat(1025) },
      ]) {
        expect((await rejection(users.create(input, TEST_ACTOR))).reason).toBe('invalid');
      }
      expect((await rejection(users.setPassword('carol', 'short', TEST_ACTOR))).reason).toBe('invalid');
      expect((await rejection(users.setPassword('nobody', password, TEST_ACTOR))).reason).toBe('not_found');
      expect((await rejection(users.setStatus('nobody', 'disabled', TEST_ACTOR))).reason).toBe('not_found');
      expect(audit).toEqual([]);
    });

    it('setPassword: the old password stops working, the new one works; audited without either', async () => {
      const next = 'carol-second-password';
      await users.setPassword('carol', next, TEST_ACTOR);
      expect(auditActions()).toEqual([expect.stringMatching(/^user\.passwd /)]);
      expect(JSON.stringify(audit)).not.toContain(next);
      expect(await users.authenticate('carol', password)).toBeNull();
      expect(await users.authenticate('carol', next)).not.toBeNull();
      await users.setPassword('carol', password, TEST_ACTOR);
    });

    it('setPassword ends the logins started with the old password: refresh refused, access tokens inactive', async () => {
      const tokens = (await signIn({ username: 'carol', password }))!;
      audit = [];
      await users.setPassword('carol', 'carol-third-password', TEST_ACTOR);
      expect(audit).toEqual([expect.objectContaining({ action: 'user.passwd', changes: expect.objectContaining({ logins_ended: 1 }) })]);
      const refused = await refresh(tokens.refresh_token);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');
      expect(await introspectAsOrderService(tokens.access_token)).toEqual({ active: false });
      await users.setPassword('carol', password, TEST_ACTOR);
      expect(await signIn({ username: 'carol', password })).not.toBeNull();
    });

    it("a refresh gets only the scopes the client is still granted at the login's API; none left ends the login for good", async () => {
      await registerClient(server, { clientId: 'web-shrink', authMethod: 'none', redirectUris: [redirectUri] });
      const grants = server.app.get(ClientGrantsService);
      await grants.grant('web-shrink', { resource: 'api://order-service', scopes: ['orders:read', 'orders:write'] }, TEST_ACTOR);
      const tokens = (await signIn({ username: 'carol', password }, 'web-shrink', 'orders:read orders:write'))!;
      expect(tokens.scope).toBe('orders:read orders:write');

      await grants.grant('web-shrink', { resource: 'api://order-service', scopes: ['orders:read'] }, TEST_ACTOR);
      const narrowed = await refresh(tokens.refresh_token, 'web-shrink');
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.scope).toBe('orders:read');
      const asked = await refresh(String(narrowed.body.refresh_token), 'web-shrink', 'orders:write');
      expect(asked.status).toBe(400);
      expect(asked.body).toMatchObject({ error: 'invalid_scope', error_description: expect.stringContaining('no longer granted to this client at api://order-service: orders:write') });

      // Given back while the login lives, it returns: the login's grant is unchanged.
      await grants.grant('web-shrink', { resource: 'api://order-service', scopes: ['orders:read', 'orders:write'] }, TEST_ACTOR);
      const restored = await refresh(String(narrowed.body.refresh_token), 'web-shrink');
      expect(restored.status).toBe(200);
      expect(restored.body.scope).toBe('orders:read orders:write');

      // Granted only at another API: nothing of this login is left.
      await grants.revoke('web-shrink', 'api://order-service', TEST_ACTOR);
      await grants.grant('web-shrink', { resource: 'api://user-service', scopes: ['users:read'] }, TEST_ACTOR);
      const ended = await refresh(String(restored.body.refresh_token), 'web-shrink');
      expect(ended.status).toBe(400);
      expect(ended.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('sign in again') });
      // For good: granted again, the ended login stays ended.
      await grants.grant('web-shrink', { resource: 'api://order-service', scopes: ['orders:read', 'orders:write'] }, TEST_ACTOR);
      expect((await refresh(String(restored.body.refresh_token), 'web-shrink')).body.error).toBe('invalid_grant');
    });

    it('setStatus disabled: sign-in refused, refresh refused, access tokens inactive; enabled: sign-in works again', async () => {
      const tokens = (await signIn({ username: 'carol', password }))!;
      expect(await introspectAsOrderService(tokens.access_token)).toMatchObject({ active: true });

      await users.setStatus('carol', 'disabled', TEST_ACTOR);
      expect(auditActions()).toEqual([expect.stringMatching(/^user\.disable /)]);
      expect(await signIn({ username: 'carol', password })).toBeNull();
      const refused = await refresh(tokens.refresh_token);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');
      expect(await introspectAsOrderService(tokens.access_token)).toEqual({ active: false });
      expect((await users.list()).find((user) => user.username === 'carol')?.status).toBe('disabled');

      await users.setStatus('carol', 'active', TEST_ACTOR);
      expect(auditActions()).toEqual([expect.stringMatching(/^user\.disable /), expect.stringMatching(/^user\.enable /)]);
      expect(await signIn({ username: 'carol', password })).not.toBeNull();
      // A login ended by the disable stays ended.
      expect((await refresh(tokens.refresh_token)).status).toBe(400);
    });
  });
});
