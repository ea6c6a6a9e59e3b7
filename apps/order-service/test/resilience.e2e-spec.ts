import { DEMO_USERS } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { userToken } from '../../../test/support/tokens';
import { DEMO_ORDERS } from '../src/seed/demo-seed.service';

const alice = DEMO_USERS.alice;
const orderUrl = (platform: TestPlatform) => `${platform.orders.url}/orders/${DEMO_ORDERS[0].id}`;

async function getOrder(platform: TestPlatform) {
  const response = await fetch(orderUrl(platform), {
    headers: { authorization: `Bearer ${userToken(platform.auth, alice.id, 'orders:read')}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('order-service when its neighbours misbehave', () => {
  describe('user-service answers 401 invalid_token once', () => {
    let platform: TestPlatform;
    let forcedRejections = 0;
    const seenTokens: string[] = [];

    beforeAll(async () => {
      platform = await startPlatform({
        beforeUsersListen: (app: NestFastifyApplication) => {
          app
            .getHttpAdapter()
            .getInstance()
            .addHook('onRequest', async (request, reply) => {
              if (!request.url.startsWith('/users/')) return;
              seenTokens.push(String(request.headers.authorization));
              if (forcedRejections > 0) {
                forcedRejections--;
                await reply
                  .status(401)
                  .header('www-authenticate', 'Bearer realm="user-service", error="invalid_token", error_description="forced"')
                  .send({ error: 'invalid_token', error_description: 'forced' });
              }
            });
        },
      });
    });
    afterAll(() => platform.close());

    it('order-service evicts its token, fetches a new one and retries once', async () => {
      expect((await getOrder(platform)).status).toBe(200);
      expect(platform.tokenRequests.get('order-service')).toBe(1);
      forcedRejections = 1;
      seenTokens.length = 0;
      expect((await getOrder(platform)).status).toBe(200);
      expect(platform.tokenRequests.get('order-service')).toBe(2);
      expect(seenTokens).toHaveLength(2);
      expect(seenTokens[0]).not.toBe(seenTokens[1]);
    });

    it('only once: a second 401 is not retried again', async () => {
      forcedRejections = 2;
      seenTokens.length = 0;
      const { status, body } = await getOrder(platform);
      expect(seenTokens).toHaveLength(2);
      expect(status).toBe(503);
      expect(body.error).toBe('temporarily_unavailable');
      forcedRejections = 0;
    });
  });

  describe('outages', () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      platform = await startPlatform();
    });
    afterAll(() => platform.close());

    it('auth-server stopped: order-service keeps working on its cached token and keys', async () => {
      expect((await getOrder(platform)).status).toBe(200);
      const tokenForLater = userToken(platform.auth, alice.id, 'orders:read');
      await platform.auth.app.close();
      for (let i = 0; i < 5; i++) {
        const response = await fetch(orderUrl(platform), { headers: { authorization: `Bearer ${tokenForLater}` } });
        expect(response.status).toBe(200);
      }
    });

    it('user-service stopped: order-service answers 503 within its timeout, not 500 or a hang', async () => {
      await platform.users.close();
      const started = Date.now();
      const response = await fetch(orderUrl(platform), {
        headers: { authorization: `Bearer ${userToken(platform.auth, alice.id, 'orders:read')}` },
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringContaining('user-service') });
      // USER_SERVICE_TIMEOUT_MS is 1 s in the test platform; a refused connection fails faster still.
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  describe('user-service slow', () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      platform = await startPlatform({
        beforeUsersListen: (app) => {
          app
            .getHttpAdapter()
            .getInstance()
            .addHook('onRequest', async (request) => {
              if (request.url.startsWith('/users/')) await new Promise((done) => setTimeout(done, 3_000));
            });
        },
      });
    });
    afterAll(() => platform.close());

    it('answers 503 temporarily_unavailable after its downstream timeout', async () => {
      const { status, body } = await getOrder(platform);
      expect(status).toBe(503);
      expect(body.error).toBe('temporarily_unavailable');
    });
  });
});
