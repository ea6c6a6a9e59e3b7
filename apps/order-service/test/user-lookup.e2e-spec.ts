import { DEMO_USERS } from '@app/platform';
import { decodeJwt } from 'jose';
import { basicAuth, postForm, TEST_DEMO_SECRET } from '../../auth-server/test/support/auth-server.harness';
import { requestUserToken, TokenResponse } from '../../../scripts/support/user-token';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { DEMO_ORDERS } from '../src/seed/demo-seed.service';

const alice = DEMO_USERS.alice;
const bob = DEMO_USERS.bob;
const aliceOrder = DEMO_ORDERS[0]!;
const bobOrder = DEMO_ORDERS[2]!;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * order-service → user-service in both USER_LOOKUP modes, with real logins and the real token endpoint:
 * which token user-service receives, and what it lets order-service read with it.
 */
describe.each(['client_credentials', 'token_exchange'] as const)('USER_LOOKUP=%s', (mode) => {
  let platform: TestPlatform;
  /** The claims of every token user-service received, in order. */
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    platform = await startPlatform({
      env: { USER_LOOKUP: mode },
      beforeUsersListen: (app) => {
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('onRequest', async (request) => {
            const authorization = request.headers.authorization;
            if (request.url.startsWith('/users/') && authorization?.startsWith('Bearer ')) received.push(decodeJwt(authorization.slice(7)));
          });
      },
    });
  });
  afterAll(async () => {
    await platform.close();
    delete process.env.USER_LOOKUP;
  });

  /** A user signs in to demo-app: a user token for api://order-service, with its login (`sid`) and refresh token. */
  const signIn = (username: 'alice' | 'bob'): Promise<TokenResponse> =>
    requestUserToken({
      authServerUrl: platform.auth.url,
      clientId: 'demo-app',
      username,
      password: `${username}-test-password`,
      scope: 'orders:read orders:write',
      resource: 'api://order-service',
    });

  const call = async (path: string, token: string) => {
    const response = await fetch(`${platform.orders.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, any>, challenge: response.headers.get('www-authenticate') };
  };

  it('alice reads her order with her profile as its owner', async () => {
    const { access_token } = await signIn('alice');
    const { status, body } = await call(`/orders/${aliceOrder.id}`, access_token);
    expect(status).toBe(200);
    expect(body).toEqual({
      order: expect.objectContaining({ id: aliceOrder.id, user_id: alice.id }),
      owner: { id: alice.id, username: 'alice', display_name: alice.displayName },
    });
  });

  if (mode === 'client_credentials') {
    it("user-service received order-service's own token: no user in it, and it could read anyone", () => {
      expect(received.at(-1)).toMatchObject({ sub: 'order-service', client_id: 'order-service', aud: 'api://user-service' });
      expect(received.at(-1)).not.toHaveProperty('act');
      expect(String(received.at(-1)!.scope).split(' ')).toContain('users:read');
    });
    return;
  }

  it('user-service received a token for alice, acting order-service, users:read only', () => {
    expect(received.at(-1)).toMatchObject({
      sub: alice.id,
      client_id: 'order-service',
      act: { sub: 'order-service' },
      aud: 'api://user-service',
      scope: 'users:read',
    });
  });

  it('the exchanged token is reused for the same user token, and each user gets their own', async () => {
    const aliceLogin = await signIn('alice');
    const bobLogin = await signIn('bob');
    const before = platform.tokenRequests.get('order-service') ?? 0;
    for (let i = 0; i < 3; i++) expect((await call(`/orders/${aliceOrder.id}`, aliceLogin.access_token)).status).toBe(200);
    const bobs = await call(`/orders/${bobOrder.id}`, bobLogin.access_token);
    expect(bobs.status).toBe(200);
    expect(bobs.body.owner).toEqual({ id: bob.id, username: 'bob', display_name: bob.displayName });
    // One exchange for alice's token, one for bob's.
    expect((platform.tokenRequests.get('order-service') ?? 0) - before).toBe(2);
    expect(received.at(-1)).toMatchObject({ sub: bob.id, act: { sub: 'order-service' } });
    // What npm run demo and /metrics show: counters, never a token.
    const stats = (await (await fetch(`${platform.orders.url}/debug/delegated-tokens`)).json()) as Record<string, number>;
    expect(stats).toMatchObject({ failures: 0, cached: expect.any(Number) });
    expect(stats.hits).toBeGreaterThanOrEqual(2);
    expect(stats.fetches).toBeGreaterThanOrEqual(3);
    const metrics = await (await fetch(`${platform.orders.url}/metrics`)).text();
    expect(metrics).toMatch(/^token_exchange_requests_total\{outcome="sent"[^}]*\} [1-9]/m);
  });

  it('while serving alice, order-service cannot read bob: user-service answers her delegated token for her only', async () => {
    const { access_token } = await signIn('alice');
    // What order-service holds while serving alice: the token exchanged for hers.
    const exchanged = await postForm(
      platform.auth,
      '/oauth/token',
      { grant_type: TOKEN_EXCHANGE, subject_token: access_token, subject_token_type: ACCESS_TOKEN_TYPE, resource: 'api://user-service', scope: 'users:read' },
      { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } },
    );
    expect(exchanged.status).toBe(200);
    const read = (userId: string) =>
      fetch(`${platform.users.url}/users/${userId}`, { headers: { authorization: `Bearer ${String(exchanged.body.access_token)}` } });
    expect((await read(alice.id)).status).toBe(200);
    const refused = await read(bob.id);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: 'not_found' });
  });

  it("a login revoked at the auth-server: the exchange is refused, and order-service answers 401 invalid_token", async () => {
    const login = await signIn('alice');
    const revoked = await postForm(platform.auth, '/oauth/revoke', { token: String(login.refresh_token), token_type_hint: 'refresh_token', client_id: 'demo-app' });
    expect(revoked.status).toBe(200);
    // order-service itself does not ask the auth-server here (no introspection), so only the exchange can tell.
    const { status, body, challenge } = await call(`/orders/${aliceOrder.id}`, login.access_token);
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'invalid_token', error_description: 'the authorization server refused to exchange this access token' });
    expect(challenge).toMatch(/^Bearer realm="order-service", error="invalid_token"/);
  });
});
