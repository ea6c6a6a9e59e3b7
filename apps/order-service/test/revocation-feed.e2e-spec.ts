import { DEMO_USERS } from '@app/platform';
import { requestUserToken } from '../../../scripts/support/user-token';
import { UsersService } from '../../auth-server/src/users/users.service';
import { registerClient, requestToken, TEST_ACTOR } from '../../auth-server/test/support/auth-server.harness';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { userToken } from '../../../test/support/tokens';

const INTERVAL_MS = 300;

/**
 * Issue 25 item 4 through the real services (in this process): user-service and order-service read
 * the auth-server's revocation feed as their own clients (REVOCATION_FEED_INTERVAL_MS), so a disabled
 * user or client is refused without introspection. The real-process measurement of the default bound
 * is in test/scaffold/new-service.scaffold.ts.
 */
describe('disable reaches user-service and order-service through the revocation feed', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startPlatform({ env: { REVOCATION_FEED_INTERVAL_MS: String(INTERVAL_MS), INTROSPECTION_ENABLED: 'false' } });
    await platform.auth.app.get(UsersService).create({ username: 'carol', password: 'carol-test-password' }, TEST_ACTOR);
  });
  afterAll(() => platform.close());

  const status = async (url: string, token: string) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
  /** Milliseconds until `url` answers 401 to the token (polled every 50 ms, at most 5 s). */
  const refusedAfter = async (url: string, token: string, since: number) => {
    while (Date.now() - since < 5_000) {
      const answer = await status(url, token);
      if (answer === 401) return Date.now() - since;
      expect(answer).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${url} still accepts the token 5 s after the revocation`);
  };

  it('a disabled user is refused by order-service within the poll interval plus a request; others are not', async () => {
    const { access_token } = await requestUserToken({
      authServerUrl: platform.auth.url,
      clientId: 'demo-app',
      username: 'carol',
      password: 'carol-test-password',
      resource: 'api://order-service',
      scope: 'orders:read',
    });
    const orders = `${platform.orders.url}/orders`;
    expect(await status(orders, access_token)).toBe(200);
    const disabledAt = Date.now();
    await platform.auth.app.get(UsersService).setStatus('carol', 'disabled', TEST_ACTOR);
    expect(await refusedAfter(orders, access_token, disabledAt)).toBeLessThanOrEqual(INTERVAL_MS + 2_000);
    expect(await status(orders, userToken(platform.auth, DEMO_USERS.alice.id, 'orders:read'))).toBe(200);
  });

  it("a disabled client's service token is refused by user-service; a client enabled again needs new tokens", async () => {
    const billing = await registerClient(platform.auth, { clientId: 'billing-service' });
    const issue = async () => String((await requestToken(platform.auth, billing, { scope: 'users:read' })).body.access_token);
    const profile = `${platform.users.url}/users/${DEMO_USERS.alice.id}`;
    const before = await issue();
    expect(await status(profile, before)).toBe(200);
    const disabledAt = Date.now();
    await platform.auth.clients.setEnabled('billing-service', false, TEST_ACTOR);
    expect(await refusedAfter(profile, before, disabledAt)).toBeLessThanOrEqual(INTERVAL_MS + 2_000);
    await platform.auth.clients.setEnabled('billing-service', true, TEST_ACTOR);
    // A token from the second after the disable on passes; the old one stays refused.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await status(profile, await issue())).toBe(200);
    expect(await status(profile, before)).toBe(401);
  });
});
