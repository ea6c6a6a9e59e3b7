import { DEMO_USERS } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { registerClient } from '../../../../../apps/auth-server/test/support/auth-server.harness';
import { startPlatform, TestPlatform } from '../../../../../test/support/platform.harness';
import { freePort } from '../../../../../test/support/ports';
import { serviceToken, userToken } from '../../../../../test/support/tokens';
import { create__Name__ } from '../src/bootstrap';

/** A user token for api://__name__, signed by the test auth-server's real key. */
function tokenFor(platform: TestPlatform, userId: string, scope: string, claims: Record<string, unknown> = {}): string {
  return userToken(platform.auth, userId, scope, { aud: 'api://__name__', client_id: '__base__-web', ...claims });
}

interface Running {
  platform: TestPlatform;
  app: NestFastifyApplication;
  url: string;
}

/** The test platform (auth-server, user-service, order-service), and __name__ registered there as `npm run new:service` does it. */
async function start(): Promise<Running> {
  const platform = await startPlatform();
  // users:read and users:provision on user-service, owner of its own audience.
  const { secret } = await registerClient(platform.auth, {
    clientId: '__name__',
    grants: [{ resource: 'api://user-service', scopes: ['users:read', 'users:provision'] }],
    ownedAudiences: ['api://__name__'],
  });
  const port = await freePort();
  Object.assign(process.env, { __NAME___PORT: String(port), __NAME___CLIENT_SECRET: secret, USER_SERVICE_URL: platform.users.url });
  const app = await create__Name__({ logger: ['fatal'] });
  await app.listen(port, '127.0.0.1');
  return { platform, app, url: `http://127.0.0.1:${port}` };
}

describe('__name__: GET /__base__/me', () => {
  let running: Running;
  let platform: TestPlatform;
  beforeAll(async () => {
    running = await start();
    platform = running.platform;
  });
  afterAll(async () => {
    await running?.app.close();
    await running?.platform.close();
  });

  const get = async (serviceUrl: string, token?: string) => {
    const response = await fetch(serviceUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const me = (token?: string) => get(`${running.url}/__base__/me`, token);

  it("200: the caller's profile, fetched from user-service with __name__'s own token", async () => {
    expect(await me(tokenFor(platform, DEMO_USERS.alice.id, '__base__:read'))).toEqual({
      status: 200,
      body: { id: DEMO_USERS.alice.id, username: 'alice', display_name: DEMO_USERS.alice.displayName },
    });
    expect(platform.tokenRequests.get('__name__')).toBe(1);
  });

  it('401 without a token, 403 without __base__:read or with a service token', async () => {
    expect((await me()).status).toBe(401);
    expect((await me(tokenFor(platform, DEMO_USERS.alice.id, '__base__:write'))).status).toBe(403);
    expect((await me(serviceToken(platform.auth, 'order-service', 'api://__name__', '__base__:read'))).status).toBe(403);
  });

  it('a user user-service has not met gets a profile from their token, made with the users:provision scope', async () => {
    const id = randomUUID();
    const newcomer = tokenFor(platform, id, '__base__:read', { preferred_username: `u-${id}`, name: 'New User' });
    expect(await me(newcomer)).toEqual({ status: 200, body: { id, username: `u-${id}`, display_name: 'New User' } });
  });

  it('a profile that cannot be made (the token does not say who the user is) is 404, never 503: the answer order-service gives', async () => {
    const stranger = randomUUID();
    const answer = await me(tokenFor(platform, stranger, '__base__:read'));
    expect(answer).toEqual({ status: 404, body: { error: 'not_found', error_description: 'no profile at user-service for this user' } });
    expect(await get(`${platform.orders.url}/orders`, userToken(platform.auth, stranger, 'orders:read'))).toEqual(answer);
  });
});
