import { randomUUID } from 'node:crypto';
import { requestUserToken } from '../../../scripts/support/user-token';
import { TEST_ACTOR } from '../../auth-server/test/support/auth-server.harness';
import { UsersService } from '../../auth-server/src/users/users.service';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { serviceToken, userToken } from '../../../test/support/tokens';

async function call(url: string, token: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Issue 25 item 1: a user the operator adds (CLI `users create`, POST /admin/users: both are
 * UsersService.create) can use order-service at once. user-service meets them for the first time
 * through order-service, which provisions their profile from their verified token.
 */
describe('a user created by the operator uses order-service at once (just-in-time profile)', () => {
  let platform: TestPlatform;
  let carolId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    const users = platform.auth.app.get(UsersService);
    carolId = (await users.create({ username: 'carol', displayName: 'Carol Example', password: 'carol-test-password' }, TEST_ACTOR)).id;
  });
  afterAll(() => platform.close());

  const profileAtUserService = (id: string) =>
    call(`${platform.users.url}/users/${id}`, serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read'));

  it('carol signs in (code + PKCE), her token says who she is, and she reads and places orders', async () => {
    expect((await profileAtUserService(carolId)).status).toBe(404);
    const { access_token } = await requestUserToken({
      authServerUrl: platform.auth.url,
      clientId: 'demo-app',
      username: 'carol',
      password: 'carol-test-password',
      scope: 'orders:read orders:write',
      resource: 'api://order-service',
    });
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: carolId, preferred_username: 'carol', name: 'Carol Example' });

    const list = await call(`${platform.orders.url}/orders`, access_token);
    expect(list).toEqual({ status: 200, body: { orders: [], owner: { id: carolId, username: 'carol', display_name: 'Carol Example' } } });
    const placed = await call(`${platform.orders.url}/orders`, access_token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'Filter papers', quantity: 1 }),
    });
    expect(placed.status).toBe(201);
    expect((await call(`${platform.orders.url}/orders/${placed.body.order.id}`, access_token)).status).toBe(200);
    // user-service now holds her profile (no email: the auth-server does not know one).
    expect(await profileAtUserService(carolId)).toEqual({
      status: 200,
      body: { id: carolId, username: 'carol', display_name: 'Carol Example', email: null },
    });
  });

  it('a token that does not say who the user is gets 404 for a missing profile, never 503', async () => {
    const stranger = randomUUID();
    const response = await call(`${platform.orders.url}/orders`, userToken(platform.auth, stranger, 'orders:read'));
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', error_description: 'no profile at user-service for this user' });
    expect((await profileAtUserService(stranger)).status).toBe(404);
  });
});
