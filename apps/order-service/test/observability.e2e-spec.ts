import { DEMO_USERS } from '@app/platform';
import { LogLevel } from '@nestjs/common';
import { basicAuth, postForm, TEST_DEMO_SECRET } from '../../auth-server/test/support/auth-server.harness';
import { OutputCapture } from '../../auth-server/test/support/output-capture';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { userToken } from '../../../test/support/tokens';

const INFO: LogLevel[] = ['fatal', 'error', 'warn', 'log'];
const ALICE_ORDER = '0a1b2c3d-0000-4000-8000-a11ce0000101';

async function metric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Logs (nestjs-pino) and metrics (prom-client) across the three apps, for one flow request. */
describe('observability: request ids across services, /metrics', () => {
  const capture = new OutputCapture();
  let platform: TestPlatform;

  beforeAll(async () => {
    capture.start();
    try {
      platform = await startPlatform({ auth: { logger: INFO, env: { LOG_FORMAT: 'json' } }, env: { LOG_FORMAT: 'json' }, serviceLogger: INFO });
    } catch (error) {
      capture.stop();
      throw error;
    }
  });
  afterAll(async () => {
    capture.stop();
    await platform?.close();
  });

  it('one request id, given by the caller, shows in all three apps and comes back in the response', async () => {
    const requestId = `flow-${Date.now()}`;
    const token = userToken(platform.auth, DEMO_USERS.alice.id, 'orders:read');
    const response = await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);

    const lines = capture
      .lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } });
    // Routes, not the `service` field: in this one-process harness nestjs-pino's first logger serves
    // all three apps (it keeps its root logger statically); as separate processes each names itself.
    const seen = lines.filter((line) => line.reqId === requestId).map((line) => line.req?.url?.replace(/[0-9a-f-]{36}$/, ':id'));
    expect(new Set(seen)).toEqual(new Set(['/orders/:id', '/users/:id', '/oauth/token']));
    expect(capture.lines().join('\n')).not.toContain(token);
  });

  it('keeps the id across a request body (POST /orders calls user-service after parsing it)', async () => {
    const requestId = `post-${Date.now()}`;
    const token = userToken(platform.auth, DEMO_USERS.alice.id, 'orders:write');
    const response = await fetch(`${platform.orders.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ item: 'Tea', quantity: 1 }),
    });
    expect(response.status).toBe(201);
    const profileLookup = capture
      .lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { reqId?: string; req?: { method?: string; url?: string } })
      .find((line) => line.reqId === requestId && line.req?.url?.startsWith('/users/'));
    expect(profileLookup).toBeDefined();
  });

  it('makes up an id when none (or an unusable one) is given, and takes a traceparent trace id', async () => {
    const generated = await fetch(`${platform.users.url}/health/live`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unusable = await fetch(`${platform.users.url}/health/live`, { headers: { 'x-request-id': 'a b\tc' } });
    expect(unusable.headers.get('x-request-id')).not.toBe('a b\tc');
    const traced = await fetch(`${platform.users.url}/health/live`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    expect(traced.headers.get('x-request-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('counts issued tokens and token errors by client and code at the auth-server', async () => {
    const issuedBefore = await metric(platform.auth.url, 'oauth_tokens_issued_total', { client_id: 'order-service', grant_type: 'client_credentials' });
    const failedBefore = await metric(platform.auth.url, 'oauth_token_errors_total', { client_id: 'unknown', error: 'invalid_client' });
    const good = await postForm(platform.auth, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } });
    expect(good.status).toBe(200);
    const bad = await postForm(platform.auth, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth('order-service', 'wrong') } });
    expect(bad.status).toBe(401);
    expect(await metric(platform.auth.url, 'oauth_tokens_issued_total', { client_id: 'order-service', grant_type: 'client_credentials' })).toBe(issuedBefore + 1);
    expect(await metric(platform.auth.url, 'oauth_token_errors_total', { client_id: 'unknown', error: 'invalid_client' })).toBe(failedBefore + 1);
    expect(await metric(platform.auth.url, 'oauth_token_request_duration_seconds_count', { outcome: 'issued' })).toBeGreaterThan(0);
  });

  it('counts guard decisions by route and outcome, and the token provider and JWKS at order-service', async () => {
    const route = { method: 'GET', route: '/orders/:id' };
    const allowedBefore = await metric(platform.orders.url, 'resource_server_guard_decisions_total', { ...route, outcome: 'allowed' });
    const missingBefore = await metric(platform.orders.url, 'resource_server_guard_decisions_total', { ...route, outcome: 'missing_token' });
    const hitsBefore = await metric(platform.orders.url, 'client_credentials_token_cache_total', { result: 'hit' });
    const token = userToken(platform.auth, DEMO_USERS.alice.id, 'orders:read');
    expect((await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`)).status).toBe(401);
    expect(await metric(platform.orders.url, 'resource_server_guard_decisions_total', { ...route, outcome: 'allowed' })).toBe(allowedBefore + 1);
    expect(await metric(platform.orders.url, 'resource_server_guard_decisions_total', { ...route, outcome: 'missing_token' })).toBe(missingBefore + 1);
    expect(await metric(platform.orders.url, 'client_credentials_token_cache_total', { result: 'hit' })).toBeGreaterThan(hitsBefore);
    expect(await metric(platform.orders.url, 'client_credentials_token_requests_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(await metric(platform.orders.url, 'jwks_fetches_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(await metric(platform.users.url, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });
});
