import { DEMO_USERS } from '@app/platform';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { serviceToken, userToken } from '../../../test/support/tokens';
import { DEMO_ORDERS } from '../src/seed/demo-seed.service';

type Caller = 'none' | 'user without scope' | 'user with scope' | 'service without scope' | 'service with scope';

interface RouteCase {
  app: 'users' | 'orders';
  method: 'GET' | 'POST';
  path: string;
  audience: string;
  scope: string;
  /** Which token kind the route serves. */
  kind: 'user' | 'service';
  body?: unknown;
  okStatus: number;
}

const alice = DEMO_USERS.alice;
const ROUTES: RouteCase[] = [
  { app: 'users', method: 'GET', path: `/users/${alice.id}`, audience: 'api://user-service', scope: 'users:read', kind: 'service', okStatus: 200 },
  { app: 'orders', method: 'GET', path: '/orders', audience: 'api://order-service', scope: 'orders:read', kind: 'user', okStatus: 200 },
  { app: 'orders', method: 'GET', path: `/orders/${DEMO_ORDERS[0].id}`, audience: 'api://order-service', scope: 'orders:read', kind: 'user', okStatus: 200 },
  { app: 'orders', method: 'POST', path: '/orders', audience: 'api://order-service', scope: 'orders:write', kind: 'user', body: { item: 'Matrix mug', quantity: 1 }, okStatus: 201 },
];
const CALLERS: Caller[] = ['none', 'user without scope', 'user with scope', 'service without scope', 'service with scope'];

function expectedStatus(route: RouteCase, caller: Caller): number {
  if (caller === 'none') return 401;
  if (!caller.startsWith(route.kind)) return 403; // wrong token kind
  return caller.endsWith('with scope') ? route.okStatus : 403;
}

describe('scope and token-kind matrix for every resource-server route', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform.close());

  function tokenFor(route: RouteCase, caller: Caller): string | undefined {
    // "without scope" still carries an unrelated scope, so only the required one is missing.
    const scope = caller.endsWith('with scope') ? route.scope : 'unrelated:read';
    if (caller.startsWith('user')) return userToken(platform.auth, alice.id, scope, { aud: route.audience });
    if (caller.startsWith('service')) return serviceToken(platform.auth, 'order-service', route.audience, scope);
    return undefined;
  }

  const cases = ROUTES.flatMap((route) => CALLERS.map((caller) => [`${route.method} ${route.path} (${route.app})`, caller, route] as const));

  it.each(cases)('%s with %s', async (_name, caller, route) => {
    const token = tokenFor(route, caller);
    const base = route.app === 'users' ? platform.users.url : platform.orders.url;
    const response = await fetch(`${base}${route.path}`, {
      method: route.method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(route.body ? { 'content-type': 'application/json' } : {}),
      },
      body: route.body ? JSON.stringify(route.body) : undefined,
    });
    const expected = expectedStatus(route, caller);
    expect(response.status).toBe(expected);
    if (expected === 403) {
      expect(response.headers.get('www-authenticate')).toContain(`error="insufficient_scope"`);
      expect(response.headers.get('www-authenticate')).toContain(`scope="${route.scope}"`);
    }
    if (expected === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });
});
