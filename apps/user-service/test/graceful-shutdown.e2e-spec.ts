import { DEMO_USERS } from '@app/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { serviceToken } from '../../../test/support/tokens';

const HELD_MS = 400;

describe('graceful shutdown', () => {
  let platform: TestPlatform;
  let entered: () => void;
  const requestEntered = new Promise<void>((resolve) => {
    entered = resolve;
  });

  beforeAll(async () => {
    platform = await startPlatform({
      // Holds marked requests after routing, before the guard and handler run, to keep them in flight.
      beforeUsersListen: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('preHandler', async (request) => {
            if (request.headers['x-test-hold'] !== 'yes') return;
            entered();
            await sleep(HELD_MS);
          }),
    });
  });
  afterAll(() => platform.close());

  it('an in-flight request completes (database included) while the app closes; then the pool is closed', async () => {
    const token = serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read');
    const inFlight = fetch(`${platform.users.url}/users/${DEMO_USERS.alice.id}`, {
      headers: { authorization: `Bearer ${token}`, 'x-test-hold': 'yes' },
    });
    await requestEntered;
    const dataSource = platform.users.app.get(DataSource);
    const closing = platform.users.app.close();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { username: string }).username).toBe('alice');
    await closing;
    expect(dataSource.isInitialized).toBe(false);
    // New connections are refused once closed.
    await expect(fetch(`${platform.users.url}/health/live`)).rejects.toThrow();
  });
});

describe('graceful shutdown with a request that outlives the grace period', () => {
  it('close still ends: the stalled request is cut after SHUTDOWN_GRACE_MS', async () => {
    let entered!: () => void;
    const requestEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const release = new AbortController();
    const platform = await startPlatform({
      env: { SHUTDOWN_GRACE_MS: '200' },
      beforeUsersListen: (app) =>
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('preHandler', async (request) => {
            if (request.headers['x-test-hold'] !== 'forever') return;
            entered();
            // Held until the test ends: far longer than the grace period.
            await sleep(60_000, undefined, { signal: release.signal }).catch(() => undefined);
          }),
    });
    try {
      const stalled = fetch(`${platform.users.url}/health/live`, { headers: { 'x-test-hold': 'forever' } });
      await requestEntered;
      await platform.users.app.close();
      await expect(stalled).rejects.toThrow();
    } finally {
      release.abort();
      delete process.env.SHUTDOWN_GRACE_MS;
      await platform.close();
    }
  });
});
