import { DEMO_USERS } from '@app/platform';
import { SigningKeysService } from '../../auth-server/src/keys/signing-keys.service';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { serviceToken, userToken } from '../../../test/support/tokens';
import { DEMO_ORDERS } from '../src/seed/demo-seed.service';

const alice = DEMO_USERS.alice;
const bob = DEMO_USERS.bob;
const aliceOrder = DEMO_ORDERS[0];
const bobOrder = DEMO_ORDERS[2];

async function call(url: string, token?: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('order → user flow', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startPlatform({ env: { JWKS_COOLDOWN_MS: '1000' } });
  });
  afterAll(() => platform.close());

  it('100 concurrent calls through a cold order-service produce exactly one token request', async () => {
    const token = userToken(platform.auth, alice.id, 'orders:read');
    const results = await Promise.all(
      Array.from({ length: 100 }, () => call(`${platform.orders.url}/orders/${aliceOrder.id}`, token)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(platform.tokenRequests.get('order-service')).toBe(1);
  });

  it("alice reads her order: order-service verifies her token, then calls user-service with its own token", async () => {
    const token = userToken(platform.auth, alice.id, 'orders:read');
    const { status, body } = await call(`${platform.orders.url}/orders/${aliceOrder.id}`, token);
    expect(status).toBe(200);
    expect(body).toEqual({
      order: expect.objectContaining({ id: aliceOrder.id, user_id: alice.id, item: aliceOrder.item }),
      owner: { id: alice.id, username: 'alice', display_name: alice.displayName },
    });
    // order-service used its own client (order-service), not alice's token, towards user-service,
    // and reused the token it got for the first burst.
    expect(platform.tokenRequests.get('order-service')).toBe(1);
  });

  it('lists only the caller’s orders, and creates orders owned by the token subject only', async () => {
    const reader = userToken(platform.auth, alice.id, 'orders:read orders:write');
    const list = await call(`${platform.orders.url}/orders`, reader);
    expect(list.status).toBe(200);
    expect(list.body.orders.map((o: { user_id: string }) => o.user_id)).toEqual(expect.arrayContaining([alice.id]));
    expect(list.body.orders.every((o: { user_id: string }) => o.user_id === alice.id)).toBe(true);

    const created = await call(`${platform.orders.url}/orders`, reader, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': bob.id },
      body: JSON.stringify({ item: 'Teapot', quantity: 1, user_id: bob.id }),
    });
    expect(created.status).toBe(201);
    expect(created.body.order.user_id).toBe(alice.id);
    expect(created.body.owner.username).toBe('alice');
  });

  it("another user's order is 404, like a missing one", async () => {
    const token = userToken(platform.auth, alice.id, 'orders:read');
    const other = await call(`${platform.orders.url}/orders/${bobOrder.id}`, token);
    const missing = await call(`${platform.orders.url}/orders/0a1b2c3d-0000-4000-8000-000000000000`, token);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body.error).toBe(missing.body.error);
  });

  it('rejects bad order bodies with 400 invalid_request', async () => {
    const token = userToken(platform.auth, alice.id, 'orders:write');
    for (const body of [{}, { item: '', quantity: 1 }, { item: 'x', quantity: 0 }, { item: 'x', quantity: 1.5 }, { item: 'x'.repeat(201), quantity: 1 }]) {
      const response = await call(`${platform.orders.url}/orders`, token, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    }
    const malformed = await call(`${platform.orders.url}/orders`, token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"item":',
    });
    expect(malformed.status).toBe(400);
  });

  it('key rotation at the auth-server while order-service is serving: no failed request', async () => {
    // As in production: the new key is published first and signs only after the activation delay,
    // which is longer than the resource servers' unknown-kid cooldown (JWKS_COOLDOWN_MS, 1 s here).
    const keys = platform.auth.app.get(SigningKeysService);
    const oldKid = keys.signingKey()!.kid;
    const statuses: number[] = [];
    const kids = new Set<string>();
    const { kid: newKid, activatesAt } = await keys.rotate({ activationDelaySeconds: 2 });
    while (Date.now() < activatesAt.getTime() + 1_500) {
      const token = userToken(platform.auth, alice.id, 'orders:read');
      kids.add(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid);
      statuses.push((await call(`${platform.orders.url}/orders/${aliceOrder.id}`, token)).status);
    }
    expect([...kids].sort()).toEqual([oldKid, newKid].sort());
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('a service token is refused on order-service (403 insufficient_scope), a user token on user-service', async () => {
    const service = serviceToken(platform.auth, 'order-service', 'api://order-service', 'orders:read');
    const onOrders = await call(`${platform.orders.url}/orders`, service);
    expect(onOrders.status).toBe(403);
    expect(onOrders.headers.get('www-authenticate')).toMatch(/^Bearer realm="order-service", error="insufficient_scope"/);

    const user = userToken(platform.auth, alice.id, 'users:read', { aud: 'api://user-service' });
    const onUsers = await call(`${platform.users.url}/users/${alice.id}`, user);
    expect(onUsers.status).toBe(403);
    expect(onUsers.body.error).toBe('insufficient_scope');
  });
});
