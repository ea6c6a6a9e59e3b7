import { DataSource } from 'typeorm';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';

interface Readiness {
  status: 'ok' | 'error';
  details: Record<string, { status: 'up' | 'down'; message?: string }>;
}

async function probe(url: string): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('health probes (terminus) on all three apps', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform.close());

  it('live and ready are public and green on every app; every app checks the keys its guard verifies with', async () => {
    for (const url of [platform.auth.url, platform.users.url, platform.orders.url]) {
      const live = await fetch(`${url}/health/live`);
      expect([url, live.status, await live.json()]).toEqual([url, 200, { status: 'ok' }]);
      const ready = await probe(url);
      expect([url, ready.status, ready.body.status, ready.body.details.database?.status]).toEqual([url, 200, 'ok', 'up']);
    }
    expect((await probe(platform.users.url)).body.details.jwks).toMatchObject({ status: 'up', keys: expect.any(Number) });
    expect((await probe(platform.orders.url)).body.details.jwks?.status).toBe('up');
    // The auth-server guards /admin with its own signing keys (in memory, no HTTP fetch).
    expect((await probe(platform.auth.url)).body.details.jwks).toMatchObject({ status: 'up', keys: expect.any(Number) });
  });

  it('ready turns 503 (live stays 200) when the database is unreachable', async () => {
    // Closing the app's connection pool is what a stopped database looks like from inside the app.
    await platform.users.app.get(DataSource).destroy();
    const ready = await probe(platform.users.url);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.details.database.status).toBe('down');
    expect((await fetch(`${platform.users.url}/health/live`)).status).toBe(200);
  });
});

describe('health probes with REDIS_URL configured', () => {
  it('Redis is checked: an unreachable Redis makes ready 503 within the probe timeout', async () => {
    // Nothing listens on port 1.
    const platform = await startPlatform({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const ready = await probe(platform.users.url);
      expect(ready.status).toBe(503);
      expect(ready.body.details.redis?.status).toBe('down');
      expect(ready.body.details.database?.status).toBe('up');
    } finally {
      await platform.close();
    }
  });
});
