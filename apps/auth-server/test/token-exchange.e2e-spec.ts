import { DEMO_USERS } from '@app/platform';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { requestUserToken } from '../../../scripts/support/user-token';
import { mintToken } from '../../../test/support/tokens';
import { TOKEN_EXCHANGE_GRANT_TYPE } from '../src/clients/client.entity';
import { DemoSeedService } from '../src/seed/demo-seed.service';
import { ACCESS_TOKEN_TYPE } from '../src/token/grants/token-exchange.grant';
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

const ORDER_API = 'api://order-service';
const USER_API = 'api://user-service';
const orderService = { clientId: 'order-service', secret: TEST_DEMO_SECRET };
const userService = { clientId: 'user-service', secret: TEST_USER_SERVICE_SECRET };

type Credentials = { clientId: string; secret: string };

/** RFC 8693 token exchange (delegation) at POST /oauth/token, against the seeded demo data. */
describe('token exchange (RFC 8693): a service acting on behalf of the user whose token it received', () => {
  let server: TestAuthServer;
  /** Acts on behalf of users at api://order-service and api://user-service; serves api://order-service. */
  let ordersWorker: Credentials;
  /** Serves api://user-service; may act on behalf of users at api://order-service (the second hop of a chain). */
  let profileWorker: Credentials;
  /** May use the grant and serves api://order-service, but holds no delegation grant. */
  let undelegated: Credentials;

  beforeAll(async () => {
    server = await startAuthServer();
    ordersWorker = await registerClient(server, {
      clientId: 'orders-worker',
      grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE],
      ownedAudiences: [ORDER_API],
      grants: [
        { resource: ORDER_API, scopes: ['orders:read', 'orders:write'], kind: 'delegation' },
        { resource: USER_API, scopes: ['users:read'], kind: 'delegation' },
      ],
    });
    profileWorker = await registerClient(server, {
      clientId: 'profile-worker',
      grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE],
      ownedAudiences: [USER_API],
      grants: [{ resource: ORDER_API, scopes: ['orders:read'], kind: 'delegation' }],
    });
    undelegated = await registerClient(server, { clientId: 'undelegated', grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE], ownedAudiences: [ORDER_API] });
  });
  afterAll(() => server.close());

  /** alice (or bob) signs in to demo-app: a user token for api://order-service, with its refresh token. */
  const signIn = (scope = 'orders:read orders:write', username: 'alice' | 'bob' = 'alice') =>
    requestUserToken({ authServerUrl: server.url, clientId: 'demo-app', username, password: `${username}-test-password`, scope, resource: ORDER_API });

  const exchange = (credentials: Credentials, form: Record<string, string>) =>
    postForm(server, '/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT_TYPE, subject_token_type: ACCESS_TOKEN_TYPE, ...form }, { headers: { authorization: basicAuth(credentials.clientId, credentials.secret) } });

  const introspect = (credentials: Credentials, token: string) =>
    postForm(server, '/oauth/introspect', { token }, { headers: { authorization: basicAuth(credentials.clientId, credentials.secret) } });

  const expectError = (response: { status: number; body: Record<string, unknown> }, error: string, description?: RegExp) => {
    expect({ status: response.status, error: response.body.error }).toEqual({ status: error === 'invalid_client' ? 401 : 400, error });
    if (description) expect(String(response.body.error_description)).toMatch(description);
  };

  describe('the grant', () => {
    it("order-service exchanges alice's token for api://order-service for one at api://user-service: sub alice, act order-service, users:read", async () => {
      const subject = await signIn();
      const response = await exchange(orderService, { subject_token: subject.access_token, audience: USER_API, scope: 'users:read' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({ access_token: expect.any(String), issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: expect.any(Number), scope: 'users:read' });

      const { payload, protectedHeader } = await jwtVerify(String(response.body.access_token), createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
        issuer: server.issuer,
        audience: USER_API,
        typ: 'at+jwt',
      });
      expect(protectedHeader.typ).toBe('at+jwt');
      const original = decodeJwt(subject.access_token);
      expect(payload).toEqual({
        iss: server.issuer,
        sub: DEMO_USERS.alice.id,
        aud: USER_API,
        client_id: 'order-service',
        act: { sub: 'order-service' },
        scope: 'users:read',
        sid: original.sid,
        auth_time: original.auth_time,
        preferred_username: original.preferred_username,
        name: original.name,
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.any(String),
      });
      expect(payload.jti).not.toBe(original.jti);
      expect(payload.exp).toBeLessThanOrEqual(original.exp!);
      expect(response.body.expires_in).toBe(payload.exp! - payload.iat!);
    });

    it('the target API sees the delegation at introspection (act), and the acting client may introspect its token too', async () => {
      const subject = await signIn();
      const { body } = await exchange(orderService, { subject_token: subject.access_token, resource: USER_API });
      expect(body.scope).toBe('users:read');
      for (const caller of [userService, orderService]) {
        expect((await introspect(caller, String(body.access_token))).body).toMatchObject({
          active: true,
          sub: DEMO_USERS.alice.id,
          client_id: 'order-service',
          aud: USER_API,
          scope: 'users:read',
          act: { sub: 'order-service' },
        });
      }
    });

    it("lives no longer than the subject token has left", async () => {
      const sid = (decodeJwt((await signIn()).access_token).sid as string);
      const now = Math.floor(Date.now() / 1000);
      const shortLived = mintToken(server, { claims: { sub: DEMO_USERS.alice.id, client_id: 'demo-app', aud: ORDER_API, scope: 'orders:read', sid, iat: now, exp: now + 60 } });
      const response = await exchange(orderService, { subject_token: shortLived, audience: USER_API });
      expect(response.status).toBe(200);
      expect(response.body.expires_in).toBeLessThanOrEqual(60);
      expect(decodeJwt(String(response.body.access_token)).exp).toBeLessThanOrEqual(now + 60);
    });

    it('requested_token_type access_token is accepted; the response never carries a refresh token', async () => {
      const subject = await signIn();
      const response = await exchange(orderService, { subject_token: subject.access_token, audience: USER_API, requested_token_type: ACCESS_TOKEN_TYPE });
      expect(response.status).toBe(200);
      expect(response.body).not.toHaveProperty('refresh_token');
    });
  });

  describe('errors (RFC 8693 §2.2.2)', () => {
    let subjectToken: string;
    beforeAll(async () => {
      subjectToken = (await signIn()).access_token;
    });

    it.each([
      ['no subject_token', { subject_token: '' }, /subject_token/],
      ['no subject_token_type', { subject_token_type: '' }, /subject_token_type/],
      ['a subject_token_type other than an access token', { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, /subject_token_type must be/],
      ['a requested_token_type other than an access token', { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, /requested_token_type must be/],
      ['an actor_token (the authenticated client is the actor)', { actor_token: 'x', actor_token_type: ACCESS_TOKEN_TYPE }, /actor_token/],
      ['an actor_token_type alone', { actor_token_type: ACCESS_TOKEN_TYPE }, /actor_token/],
      ['both resource and audience', { resource: USER_API }, /either resource or audience/],
      ['no target at all', { audience: '' }, /resource or audience/],
    ])('invalid_request: %s', async (_case, overrides, description) => {
      expectError(await exchange(orderService, { subject_token: subjectToken, audience: USER_API, ...overrides }), 'invalid_request', description);
    });

    describe('invalid_grant: the subject token', () => {
      const now = () => Math.floor(Date.now() / 1000);
      const aliceToken = (claims: Record<string, unknown>) =>
        mintToken(server, { claims: { sub: DEMO_USERS.alice.id, client_id: 'demo-app', aud: ORDER_API, scope: 'orders:read', sid: randomUUID(), ...claims } });

      it.each([
        ['garbage', () => 'not-a-jwt'],
        ['signed for another issuer', () => aliceToken({ iss: 'https://elsewhere.example' })],
        ['expired', () => aliceToken({ iat: now() - 120, exp: now() - 60 })],
      ])('%s', async (_case, token) => {
        expectError(await exchange(orderService, { subject_token: token(), audience: USER_API }), 'invalid_grant', /not an active access token/);
      });

      it('revoked by itself (RFC 7009, its jti)', async () => {
        const { access_token } = await signIn();
        const revoked = await postForm(server, '/oauth/revoke', { token: access_token, client_id: 'demo-app' });
        expect(revoked.status).toBe(200);
        expectError(await exchange(orderService, { subject_token: access_token, audience: USER_API }), 'invalid_grant', /not an active access token/);
      });

      it("its client disabled (the client's tokens revoked)", async () => {
        const { clientId } = await registerClient(server, { clientId: 'short-lived-app', authMethod: 'none', grants: [{ resource: ORDER_API, scopes: ['orders:read'] }], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['http://127.0.0.1/callback'] });
        const { access_token } = await requestUserToken({ authServerUrl: server.url, clientId, username: 'alice', password: 'alice-test-password', resource: ORDER_API });
        expect((await exchange(orderService, { subject_token: access_token, audience: USER_API })).status).toBe(200);
        await server.clients.setEnabled(clientId, false, TEST_ACTOR);
        expectError(await exchange(orderService, { subject_token: access_token, audience: USER_API }), 'invalid_grant', /not an active access token/);
      });

      it("issued for an API the acting client does not serve: a user token meant for user-service, presented by order-service", async () => {
        const forUserService = aliceToken({ aud: USER_API, scope: 'users:read' });
        expectError(await exchange(orderService, { subject_token: forUserService, audience: USER_API }), 'invalid_grant', /not issued for an API this client serves/);
      });

      it("a service's own client-credentials token is not a user's token", async () => {
        const reporting = await requestToken(server, { clientId: 'reporting-service', secret: 'test-reporting-service-secret' }, { resource: ORDER_API });
        expect(reporting.status).toBe(200);
        expectError(await exchange(orderService, { subject_token: String(reporting.body.access_token), audience: USER_API }), 'invalid_grant', /not a user's token/);
      });

      it('a delegated token already exchanged the maximum number of times', async () => {
        let act: Record<string, unknown> | undefined;
        for (let hop = 0; hop < 5; hop += 1) act = act ? { sub: `svc-${hop}`, act } : { sub: `svc-${hop}` };
        expectError(await exchange(orderService, { subject_token: aliceToken({ act }), audience: USER_API }), 'invalid_grant', /already delegated 5 times/);
        expect((await exchange(orderService, { subject_token: aliceToken({ act: (act as { act: unknown }).act }), audience: USER_API })).status).toBe(200);
      });
    });

    it("invalid_target: an API the client may not act at on behalf of users (even one it is granted directly), or no API", async () => {
      // order-service gets users:provision at user-service for itself, not on behalf of users; nothing at billing.
      expectError(await exchange(orderService, { subject_token: subjectToken, audience: ORDER_API }), 'invalid_target', /may not act on behalf of users at api:\/\/order-service/);
      expectError(await exchange(orderService, { subject_token: subjectToken, audience: 'api://billing-service' }), 'invalid_target');
      expectError(await exchange(orderService, { subject_token: subjectToken, resource: 'not a uri' }), 'invalid_target');
    });

    it('invalid_scope: a scope granted only directly, one the API does not define, an empty one', async () => {
      expectError(await exchange(orderService, { subject_token: subjectToken, audience: USER_API, scope: 'users:provision' }), 'invalid_scope', /not granted to this client on behalf of users/);
      expectError(await exchange(orderService, { subject_token: subjectToken, audience: USER_API, scope: 'users:read users:delete' }), 'invalid_scope');
      expectError(await exchange(orderService, { subject_token: subjectToken, audience: USER_API, scope: ' ' }), 'invalid_scope', /scope is empty/);
    });
  });

  describe('who may exchange', () => {
    it('a client without a delegation grant: invalid_target, whatever it is granted directly', async () => {
      const { access_token } = await signIn();
      expectError(await exchange(undelegated, { subject_token: access_token, audience: USER_API }), 'invalid_target');
    });

    it('a client whose registration does not allow the grant type: unauthorized_client', async () => {
      const { access_token } = await signIn();
      const plain = await registerClient(server, { clientId: 'plain-owner', ownedAudiences: [ORDER_API] });
      expectError(await exchange(plain, { subject_token: access_token, audience: USER_API }), 'unauthorized_client', /not allowed to use/);
    });

    it('a public client may neither use the grant nor be registered for it', async () => {
      const { access_token } = await signIn();
      const response = await postForm(server, '/oauth/token', { grant_type: TOKEN_EXCHANGE_GRANT_TYPE, client_id: 'demo-app', subject_token: access_token, subject_token_type: ACCESS_TOKEN_TYPE, audience: ORDER_API });
      expectError(response, 'unauthorized_client', /public client/);
      await expect(
        server.clients.create({ clientId: 'public-exchanger', authMethod: 'none', grantTypes: ['authorization_code', TOKEN_EXCHANGE_GRANT_TYPE], redirectUris: ['http://127.0.0.1/callback'] }, TEST_ACTOR),
      ).rejects.toThrow(/public client .* cannot use urn:ietf:params:oauth:grant-type:token-exchange/);
    });

    it('wrong client credentials: invalid_client, before anything about the subject token', async () => {
      expectError(await exchange({ clientId: 'order-service', secret: 'wrong' }, { subject_token: 'garbage', audience: USER_API }), 'invalid_client');
    });
  });

  describe('scope narrowing at the same audience, never widening', () => {
    it("exchanging for the subject token's own API keeps at most its scopes", async () => {
      const { access_token } = await signIn('orders:read');
      const narrow = await exchange(ordersWorker, { subject_token: access_token, audience: ORDER_API, scope: 'orders:read' });
      expect(narrow).toMatchObject({ status: 200, body: { scope: 'orders:read' } });
      // No scope asked: the delegation grant's defaults (orders:read orders:write) cut to the subject's.
      expect((await exchange(ordersWorker, { subject_token: access_token, audience: ORDER_API })).body.scope).toBe('orders:read');
      expectError(await exchange(ordersWorker, { subject_token: access_token, audience: ORDER_API, scope: 'orders:read orders:write' }), 'invalid_scope', /only narrow/);
    });

    it('a wider subject token may be narrowed to one of its scopes', async () => {
      const { access_token } = await signIn('orders:read orders:write');
      expect((await exchange(ordersWorker, { subject_token: access_token, audience: ORDER_API, scope: 'orders:write' })).body.scope).toBe('orders:write');
      expect((await exchange(ordersWorker, { subject_token: access_token, audience: ORDER_API })).body.scope).toBe('orders:read orders:write');
    });
  });

  describe('nested act: a delegated token exchanged again', () => {
    it('order-service → user-service, then user-service\'s worker → order-service: act names both, the latest outermost', async () => {
      const { access_token } = await signIn();
      const first = await exchange(ordersWorker, { subject_token: access_token, audience: USER_API, scope: 'users:read' });
      expect(first.status).toBe(200);
      const second = await exchange(profileWorker, { subject_token: String(first.body.access_token), audience: ORDER_API, scope: 'orders:read' });
      expect(second.status).toBe(200);
      const claims = decodeJwt(String(second.body.access_token));
      expect(claims).toMatchObject({ sub: DEMO_USERS.alice.id, client_id: 'profile-worker', aud: ORDER_API, scope: 'orders:read', act: { sub: 'profile-worker', act: { sub: 'orders-worker' } } });
      expect(claims.sid).toBe(decodeJwt(access_token).sid);
      expect((await introspect(profileWorker, String(second.body.access_token))).body).toMatchObject({ active: true, act: { sub: 'profile-worker', act: { sub: 'orders-worker' } } });
      // The first actor cannot present its own delegated token for user-service: it does not serve that API.
      expectError(await exchange(ordersWorker, { subject_token: String(first.body.access_token), audience: ORDER_API }), 'invalid_grant', /not issued for an API this client serves/);
    });
  });

  describe('revocation: the subject grant (sid) takes the exchanged tokens with it', () => {
    it("alice's login revoked (refresh token, RFC 7009): her exchanged tokens introspect inactive and are in the revocation feed", async () => {
      const subject = await signIn();
      const { sid } = decodeJwt(subject.access_token) as { sid: string };
      const exchanged = String((await exchange(orderService, { subject_token: subject.access_token, audience: USER_API })).body.access_token);
      const chained = String((await exchange(profileWorker, { subject_token: exchanged, audience: ORDER_API })).body.access_token);
      expect((await introspect(userService, exchanged)).body.active).toBe(true);
      expect((await introspect(profileWorker, chained)).body.active).toBe(true);

      const revoked = await postForm(server, '/oauth/revoke', { token: String(subject.refresh_token), client_id: 'demo-app' });
      expect(revoked.status).toBe(200);

      expect((await introspect(userService, exchanged)).body).toEqual({ active: false });
      expect((await introspect(orderService, exchanged)).body).toEqual({ active: false });
      expect((await introspect(profileWorker, chained)).body).toEqual({ active: false });
      const feed = await fetch(`${server.url}/oauth/revocations`, { headers: { authorization: basicAuth(userService.clientId, userService.secret) } });
      expect(((await feed.json()) as { grants: string[] }).grants).toContain(sid);
      expect(decodeJwt(exchanged).sid).toBe(sid);
      // Nor can the dead subject token, or the dead exchanged one, be exchanged again.
      expectError(await exchange(orderService, { subject_token: subject.access_token, audience: USER_API }), 'invalid_grant');
      expectError(await exchange(profileWorker, { subject_token: exchanged, audience: ORDER_API }), 'invalid_grant');
    });

    it("bob's login is not touched by the revocation of alice's", async () => {
      const bob = await signIn('orders:read', 'bob');
      const exchanged = await exchange(orderService, { subject_token: bob.access_token, audience: USER_API });
      expect((await introspect(userService, String(exchanged.body.access_token))).body).toMatchObject({ active: true, sub: DEMO_USERS.bob.id });
    });
  });

  it('demo seed: order-service may exchange for users:read at api://user-service, also in a database seeded before token exchange existed', async () => {
    const seeded = await server.clientViews.show('order-service');
    expect(seeded.grant_types).toContain(TOKEN_EXCHANGE_GRANT_TYPE);
    expect(seeded.grants.filter((grant) => grant.kind === 'delegation')).toEqual([{ resource: USER_API, kind: 'delegation', scopes: ['users:read'], default_scopes: ['users:read'] }]);
    // As the database of an earlier release: neither the grant type nor the delegation grant.
    await server.clientGrants.revoke('order-service', USER_API, TEST_ACTOR, 'delegation');
    await server.clients.update('order-service', { grantTypes: ['client_credentials'] }, TEST_ACTOR);
    await server.app.get(DemoSeedService).onApplicationBootstrap();
    const reseeded = await server.clientViews.show('order-service');
    expect(reseeded.grant_types).toEqual(['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE]);
    expect(reseeded.grants).toEqual(seeded.grants);
    // An operator's change to the delegation grant is kept on the next start.
    await server.clientGrants.grant('order-service', { resource: USER_API, scopes: ['users:read', 'users:provision'], kind: 'delegation' }, TEST_ACTOR);
    await server.app.get(DemoSeedService).onApplicationBootstrap();
    expect((await server.clientViews.show('order-service')).grants.find((grant) => grant.kind === 'delegation')?.scopes).toEqual(['users:read', 'users:provision']);
    await server.clientGrants.grant('order-service', { resource: USER_API, scopes: ['users:read'], kind: 'delegation' }, TEST_ACTOR);
  });

  it('the metadata lists the grant (RFC 8414)', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT_TYPE);
  });
});
