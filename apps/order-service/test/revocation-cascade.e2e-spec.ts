import { DEMO_USERS } from '@app/platform';
import { decodeJwt } from 'jose';
import { basicAuth, postForm, registerClient, requestToken, TEST_DEMO_SECRET, TEST_ENV, TEST_USER_SERVICE_SECRET, TEST_ACTOR } from '../../auth-server/test/support/auth-server.harness';
import { login, pkcePair } from '../../../scripts/support/login-form';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';

type Credentials = { clientId: string; secret: string };

const alice = { username: 'alice', password: TEST_ENV.ALICE_PASSWORD! };
const orderService: Credentials = { clientId: 'order-service', secret: TEST_DEMO_SECRET };
const userService: Credentials = { clientId: 'user-service', secret: TEST_USER_SERVICE_SECRET };
const reportingService: Credentials = { clientId: 'reporting-service', secret: TEST_ENV.REPORTING_SERVICE_CLIENT_SECRET! };
const redirectUri = 'http://127.0.0.1:53999/callback';

/**
 * Revocation reaches access tokens (RFC 6749 §4.1.2, RFC 7009 §2.1, RFC 9700 §4.14.2), and
 * introspection answers least-privilege (RFC 7662 §4): checked at the auth-server's /oauth/introspect
 * and through both resource servers running with INTROSPECTION_ENABLED=true, each asking as its own
 * client (order-service owns api://order-service, user-service owns api://user-service).
 */
describe('revocation cascades to access tokens; introspection answers least-privilege', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    // No answer cache: each request asks the auth-server, so a revocation shows on the next one.
    platform = await startPlatform({ env: { INTROSPECTION_ENABLED: 'true', INTROSPECTION_CACHE_TTL_MS: '0' } });
  });
  afterAll(() => platform.close());

  const introspect = async (token: string, caller: Credentials) => {
    const { status, body } = await postForm(platform.auth, '/oauth/introspect', { token }, { headers: { authorization: basicAuth(caller.clientId, caller.secret) } });
    expect(status).toBe(200);
    return body;
  };
  /** What the owner of the token's audience (the resource server it is meant for) is told. */
  const activeForOwner = async (token: string) => (await introspect(token, decodeJwt(token).aud === 'api://order-service' ? orderService : userService)).active;

  /** order-service's GET /orders (user tokens, orders:read): 200, or 401 once the token is revoked. */
  const listOrders = async (token: string) => {
    const response = await fetch(`${platform.orders.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
  };
  const expectRefusedByOrderService = async (token: string) => {
    const refused = await listOrders(token);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid_token', error_description: 'the access token is no longer active' });
    expect(refused.challenge).toMatch(/^Bearer realm="order-service", error="invalid_token"/);
  };

  const exchange = (code: string, verifier: string) =>
    postForm(platform.auth, '/oauth/token', { grant_type: 'authorization_code', client_id: 'demo-app', code, redirect_uri: redirectUri, code_verifier: verifier });
  const refresh = (refreshToken: string) =>
    postForm(platform.auth, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: refreshToken });

  /** alice logs in through demo-app (authorization code + PKCE); returns the code and what it was exchanged for. */
  async function signIn() {
    const { verifier, challenge } = pkcePair();
    const result = await login(
      platform.auth.url,
      { response_type: 'code', client_id: 'demo-app', redirect_uri: redirectUri, scope: 'orders:read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' },
      alice,
    );
    expect(result.status).toBe(302);
    const code = result.location!.searchParams.get('code')!;
    const exchanged = await exchange(code, verifier);
    expect(exchanged.status).toBe(200);
    const tokens = { access: String(exchanged.body.access_token), refresh: String(exchanged.body.refresh_token) };
    // The control: the token works until its grant is revoked.
    expect(await activeForOwner(tokens.access)).toBe(true);
    expect((await listOrders(tokens.access)).status).toBe(200);
    return { code, verifier, ...tokens };
  }

  async function rotate(refreshToken: string) {
    const response = await refresh(refreshToken);
    expect(response.status).toBe(200);
    return { access: String(response.body.access_token), refresh: String(response.body.refresh_token) };
  }

  describe('revocation cascades', () => {
    it('user tokens carry their grant id (sid); service tokens do not', async () => {
      const grant = await signIn();
      const rotated = await rotate(grant.refresh);
      expect(decodeJwt(grant.access).sid).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      // One login, one grant: the refreshed token belongs to the same one.
      expect(decodeJwt(rotated.access).sid).toBe(decodeJwt(grant.access).sid);
      const service = await requestToken(platform.auth, orderService, { scope: 'users:read' });
      expect(decodeJwt(String(service.body.access_token))).not.toHaveProperty('sid');
    });

    it('replayed authorization code revokes the access token issued from it', async () => {
      const grant = await signIn();
      const other = await signIn();
      const replay = await exchange(grant.code, grant.verifier);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      expect(await introspect(grant.access, orderService)).toEqual({ active: false });
      await expectRefusedByOrderService(grant.access);
      expect((await refresh(grant.refresh)).body.error).toBe('invalid_grant');
      // Only that grant: alice's other login is untouched.
      expect(await activeForOwner(other.access)).toBe(true);
      expect((await listOrders(other.access)).status).toBe(200);
    });

    it('replayed authorization code also revokes the grant after a refresh: the rotated refresh token and its access token', async () => {
      const grant = await signIn();
      const rotated = await rotate(grant.refresh);
      expect((await exchange(grant.code, grant.verifier)).status).toBe(400);
      for (const token of [grant.access, rotated.access]) {
        expect(await activeForOwner(token)).toBe(false);
        await expectRefusedByOrderService(token);
      }
      expect((await refresh(rotated.refresh)).body.error).toBe('invalid_grant');
    });

    it("refresh token reuse revokes the family's access tokens", async () => {
      const grant = await signIn();
      const rotated = await rotate(grant.refresh);
      expect(await activeForOwner(rotated.access)).toBe(true);
      // The first refresh token, already rotated, comes back: someone holds a copy.
      const reuse = await refresh(grant.refresh);
      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      for (const token of [grant.access, rotated.access]) {
        expect(await introspect(token, orderService)).toEqual({ active: false });
        await expectRefusedByOrderService(token);
      }
      expect((await refresh(rotated.refresh)).body.error).toBe('invalid_grant');
    });

    it('refresh token revoked at /oauth/revoke revokes its access tokens', async () => {
      const grant = await signIn();
      const rotated = await rotate(grant.refresh);
      const other = await signIn();
      const revoked = await postForm(platform.auth, '/oauth/revoke', { token: rotated.refresh, token_type_hint: 'refresh_token', client_id: 'demo-app' });
      expect(revoked.status).toBe(200);
      for (const token of [grant.access, rotated.access]) {
        expect(await introspect(token, orderService)).toEqual({ active: false });
        await expectRefusedByOrderService(token);
      }
      expect(await activeForOwner(other.access)).toBe(true);
    });

    it("disabled client's tokens introspect inactive and are refused by a resource server using introspection", async () => {
      const billing = await registerClient(platform.auth, { clientId: 'billing-service' });
      const issue = async () => String((await requestToken(platform.auth, billing, { scope: 'users:read' })).body.access_token);
      const getAlice = async (token: string) =>
        (await fetch(`${platform.users.url}/users/${DEMO_USERS.alice.id}`, { headers: { authorization: `Bearer ${token}` } })).status;
      const token = await issue();
      expect(await introspect(token, userService)).toMatchObject({ active: true, client_id: 'billing-service' });
      expect(await getAlice(token)).toBe(200);

      await platform.auth.clients.setEnabled(billing.clientId, false, TEST_ACTOR);
      expect(await introspect(token, userService)).toEqual({ active: false });
      expect(await getAlice(token)).toBe(401);

      // Enabling the client again does not bring back the tokens it held when it was disabled.
      await platform.auth.clients.setEnabled(billing.clientId, true, TEST_ACTOR);
      expect(await introspect(token, userService)).toEqual({ active: false });
      expect(await introspect(token, billing)).toEqual({ active: false });
      expect(await getAlice(token)).toBe(401);
      // `iat` has whole seconds: a token from the second of the disable counts as older. Tokens issued later work.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const fresh = await issue();
      expect(await introspect(fresh, userService)).toMatchObject({ active: true });
      expect(await getAlice(fresh)).toBe(200);
    });
  });

  describe('introspection least privilege', () => {
    it("reporting-service cannot introspect order-service's token", async () => {
      const service = String((await requestToken(platform.auth, orderService, { scope: 'users:read', resource: 'api://user-service' })).body.access_token);
      const user = (await signIn()).access;
      // A client that is neither the token's own nor the owner of its audience learns nothing: not the
      // claims, not alice's id, not even whether the token is valid.
      expect(await introspect(service, reportingService)).toEqual({ active: false });
      expect(await introspect(user, reportingService)).toEqual({ active: false });
      // user-service owns api://user-service only: alice's token for order-service is none of its business.
      expect(await introspect(user, userService)).toEqual({ active: false });
      // reporting-service still sees its own tokens.
      const own = String((await requestToken(platform.auth, reportingService, { scope: 'orders:read' })).body.access_token);
      expect(await introspect(own, reportingService)).toMatchObject({ active: true, client_id: 'reporting-service' });
    });

    it('the owning resource server can introspect', async () => {
      const service = String((await requestToken(platform.auth, orderService, { scope: 'users:read', resource: 'api://user-service' })).body.access_token);
      expect(await introspect(service, userService)).toMatchObject({ active: true, client_id: 'order-service', aud: 'api://user-service' });
      const user = (await signIn()).access;
      expect(await introspect(user, orderService)).toMatchObject({ active: true, client_id: 'demo-app', aud: 'api://order-service', sub: DEMO_USERS.alice.id });
      // And the resource servers, introspecting as their own clients, accept live tokens.
      expect((await listOrders(user)).status).toBe(200);
      const order = await fetch(`${platform.orders.url}/orders/0a1b2c3d-0000-4000-8000-a11ce0000101`, { headers: { authorization: `Bearer ${user}` } });
      // order → user: user-service introspects order-service's service token as user-service.
      expect(order.status).toBe(200);
    });
  });
  // Last: it disables demo-app, the client every other test here logs in with.
  describe('disabling a public client', () => {
    it('ends its logins: access tokens inactive, refresh tokens and codes from before refused after it is enabled again', async () => {
      const grant = await signIn();
      const { verifier, challenge } = pkcePair();
      const pending = await login(
        platform.auth.url,
        { response_type: 'code', client_id: 'demo-app', redirect_uri: redirectUri, scope: 'orders:read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' },
        alice,
      );
      const code = pending.location!.searchParams.get('code')!;
      await platform.auth.clients.setEnabled('demo-app', false, TEST_ACTOR);
      await platform.auth.clients.setEnabled('demo-app', true, TEST_ACTOR);
      expect(await introspect(grant.access, orderService)).toEqual({ active: false });
      await expectRefusedByOrderService(grant.access);
      const refreshed = await refresh(grant.refresh);
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_grant');
      const exchanged = await exchange(code, verifier);
      expect(exchanged.status).toBe(400);
      expect(exchanged.body.error).toBe('invalid_grant');
    });
  });
});
