import { DEMO_ORDERS, DEMO_USERS } from '@app/platform';
import { FlowTrace } from '@nest-oauth-m2m/auth';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { userToken } from '../../../test/support/tokens';

const JWT_PATTERN = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

describe('flow trace (X-Flow-Trace, development only) and CORS', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform.close());

  const orderUrl = () => `${platform.orders.url}/orders/${DEMO_ORDERS[0].id}`;

  it('returns both guards\' decisions and the service token\'s claims, never a token', async () => {
    const response = await fetch(orderUrl(), {
      headers: { authorization: `Bearer ${userToken(platform.auth, DEMO_USERS.alice.id, 'orders:read')}`, 'x-flow-trace': '1' },
    });
    expect(response.status).toBe(200);
    const header = response.headers.get('x-flow-trace')!;
    const trace = FlowTrace.decode(header)!;
    expect(trace).toMatchObject({
      service: 'order-service',
      status: 200,
      guard: { decision: 'allow', requiredScopes: ['orders:read'], requiredTokenKind: 'user', caller: { kind: 'user', sub: DEMO_USERS.alice.id } },
    });
    expect(trace.downstream).toHaveLength(1);
    expect(trace.downstream[0]).toMatchObject({
      status: 200,
      serviceTokenClaims: { client_id: 'order-service', aud: 'api://user-service', scope: 'users:read users:provision' },
      trace: { service: 'user-service', guard: { decision: 'allow', requiredScopes: ['users:read'], requiredTokenKind: 'service or delegated' } },
    });
    expect(['cache', 'token-endpoint']).toContain(trace.downstream[0].tokenSource);
    expect(Buffer.from(header, 'base64url').toString()).not.toMatch(JWT_PATTERN);
  });

  it('records a denial with the scopes the route required', async () => {
    const response = await fetch(orderUrl(), {
      headers: { authorization: `Bearer ${userToken(platform.auth, DEMO_USERS.alice.id, 'orders:write')}`, 'x-flow-trace': '1' },
    });
    expect(response.status).toBe(403);
    expect(FlowTrace.decode(response.headers.get('x-flow-trace'))).toMatchObject({
      status: 403,
      guard: { decision: 'deny', requiredScopes: ['orders:read'], reason: 'insufficient_scope: missing scope: orders:read' },
      downstream: [],
    });
  });

  it('adds nothing to a request that does not ask for a trace', async () => {
    const response = await fetch(orderUrl(), {
      headers: { authorization: `Bearer ${userToken(platform.auth, DEMO_USERS.alice.id, 'orders:read')}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-flow-trace')).toBeNull();
  });

  it('answers a CORS preflight from the auth-server origin and exposes the headers the explorer reads', async () => {
    const preflight = await fetch(orderUrl(), {
      method: 'OPTIONS',
      headers: { origin: platform.auth.issuer, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-flow-trace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(platform.auth.issuer);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-flow-trace');

    const simple = await fetch(orderUrl(), { headers: { origin: platform.auth.issuer } });
    expect(simple.status).toBe(401);
    expect(simple.headers.get('access-control-expose-headers')).toContain('www-authenticate');
  });

  it('gives no CORS grant to another origin', async () => {
    const preflight = await fetch(orderUrl(), {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
