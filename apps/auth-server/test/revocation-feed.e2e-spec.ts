import { requestUserToken } from '../../../scripts/support/user-token';
import { UsersService } from '../src/users/users.service';
import { basicAuth, registerClient, startAuthServer, TEST_ACTOR, TEST_USER_SERVICE_SECRET, TestAuthServer } from './support/auth-server.harness';

/** GET /oauth/revocations: what resource servers poll so "disable" reaches them (issue 25 item 4). */
describe('auth-server revocation feed (GET /oauth/revocations)', () => {
  let server: TestAuthServer;
  let billingSecret: string;
  let plainSecret: string;

  beforeAll(async () => {
    server = await startAuthServer();
    billingSecret = (await registerClient(server, { clientId: 'billing-service', ownedAudiences: ['api://billing-service'] })).secret;
    plainSecret = (await registerClient(server, { clientId: 'plain-service' })).secret;
    await server.app.get(UsersService).create({ username: 'carol', password: 'carol-test-password' }, TEST_ACTOR);
  });
  afterAll(() => server.close());

  const read = async (authorization?: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/oauth/revocations`, { headers: { ...(authorization ? { authorization } : {}), ...headers } });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const asUserService = () => read(basicAuth('user-service', TEST_USER_SERVICE_SECRET));

  it('is for resource servers only: anonymous and wrong secrets 401 invalid_client, a client owning no audience 400 unauthorized_client', async () => {
    expect(await read()).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await read(basicAuth('billing-service', 'wrong'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await read(basicAuth('plain-service', plainSecret))).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    const ok = await read(basicAuth('billing-service', billingSecret));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ issuer: server.issuer, clients: [], users: [], grants: [] });
    expect(ok.headers.get('cache-control')).toBe('private, no-cache');
  });

  it('lists a disabled client and a disabled user with a not-before, and the grants the disable revoked; 304 while unchanged', async () => {
    const before = await asUserService();
    expect((await asUserService()).headers.get('etag')).toBe(before.headers.get('etag'));
    expect((await read(basicAuth('user-service', TEST_USER_SERVICE_SECRET), { 'if-none-match': before.headers.get('etag')! })).status).toBe(304);

    const { access_token } = await requestUserToken({ authServerUrl: server.url, clientId: 'demo-app', username: 'carol', password: 'carol-test-password' });
    const { sub, sid } = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string };
    const disabledAt = Math.floor(Date.now() / 1000);
    await server.clients.setEnabled('plain-service', false, TEST_ACTOR);
    await server.app.get(UsersService).setStatus('carol', 'disabled', TEST_ACTOR);

    const after = await read(basicAuth('user-service', TEST_USER_SERVICE_SECRET), { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const body = after.body as { clients: { client_id: string; not_before: number }[]; users: { sub: string; not_before: number }[]; grants: string[] };
    expect(body.clients).toEqual([{ client_id: 'plain-service', not_before: expect.any(Number) }]);
    expect(body.users).toEqual([{ sub, not_before: expect.any(Number) }]);
    expect(body.grants).toEqual([sid]);
    // Tokens issued in the second of the disable or before it are void (iat < not_before).
    for (const notBefore of [body.clients[0]!.not_before, body.users[0]!.not_before]) {
      expect(notBefore).toBeGreaterThan(disabledAt);
      expect(notBefore).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    }
    // Enabled again: the user leaves the list (her revoked grant stays), the client's not-before stays.
    await server.app.get(UsersService).setStatus('carol', 'active', TEST_ACTOR);
    await server.clients.setEnabled('plain-service', true, TEST_ACTOR);
    expect((await asUserService()).body).toMatchObject({ clients: [{ client_id: 'plain-service' }], users: [], grants: [sid] });
  });
});
