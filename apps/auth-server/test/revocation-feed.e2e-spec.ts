import { RevocationFeed } from '@nest-oauth-m2m/auth';
import { decodeJwt, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestUserToken } from '../../../scripts/support/user-token';
import { WorkloadIssuer } from '../../../scripts/workload-issuer/workload-issuer';
import { TrustedIssuersService } from '../src/trusted-issuers/trusted-issuers.service';
import { UsersService } from '../src/users/users.service';
import {
  basicAuth,
  clientAssertion,
  postForm,
  registerClient,
  startAuthServer,
  TEST_ACTOR,
  TEST_USER_SERVICE_SECRET,
  TestAuthServer,
} from './support/auth-server.harness';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** /oauth/revocations: what resource servers poll so "disable" reaches them (issue 25 item 4). */
describe('auth-server revocation feed (/oauth/revocations)', () => {
  let server: TestAuthServer;
  let cluster: WorkloadIssuer;
  let billingSecret: string;
  let plainSecret: string;
  let postSecret: string;
  let jwtKey: CryptoKey;
  let jwtPrivateJwk: Record<string, unknown>;

  beforeAll(async () => {
    server = await startAuthServer();
    billingSecret = (await registerClient(server, { clientId: 'billing-service', ownedAudiences: ['api://billing-service'] })).secret;
    plainSecret = (await registerClient(server, { clientId: 'plain-service' })).secret;
    await server.app.get(UsersService).create({ username: 'carol', password: 'carol-test-password' }, TEST_ACTOR);
    // Resource servers authenticating by each of the other methods (issue 30: secretless services keep the feed).
    postSecret = (await registerClient(server, { clientId: 'post-service', authMethod: 'client_secret_post', ownedAudiences: ['api://post-service'] })).secret;
    const pair = await generateKeyPair('ES256', { extractable: true });
    jwtKey = pair.privateKey;
    jwtPrivateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'feed-1' };
    await registerClient(server, {
      clientId: 'jwt-service',
      authMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'feed-1', alg: 'ES256' }] },
      ownedAudiences: ['api://jwt-service'],
    });
    cluster = await WorkloadIssuer.start();
    await server.app.get(TrustedIssuersService).create({ issuer: cluster.issuer, kind: 'kubernetes' }, TEST_ACTOR);
    await registerClient(server, {
      clientId: 'fed-service',
      authMethod: 'federated_jwt',
      federatedIssuer: cluster.issuer,
      federatedSubject: 'system:serviceaccount:platform:fed-service',
      ownedAudiences: ['api://fed-service'],
    });
    await registerClient(server, {
      clientId: 'feed-public',
      authMethod: 'none',
      grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }],
      redirectUris: ['http://127.0.0.1/callback'],
    });
  });
  afterAll(async () => {
    await server?.close();
    await cluster?.close();
  });

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

  describe('POST (a form, as introspection): every confidential client authentication method', () => {
    const readByPost = (form: Record<string, string>, headers: Record<string, string> = {}) => postForm(server, '/oauth/revocations', form, { headers });
    const workloadToken = (serviceAccount = 'fed-service') =>
      cluster.kubernetesToken({ namespace: 'platform', serviceAccount, audience: server.issuer });
    const FEED = { issuer: expect.any(String), clients: expect.any(Array), users: expect.any(Array), grants: expect.any(Array) };

    it.each([
      ['client_secret_basic', async () => ({ form: {}, headers: { authorization: basicAuth('billing-service', billingSecret) } })],
      ['client_secret_post', async () => ({ form: { client_id: 'post-service', client_secret: postSecret }, headers: {} })],
      [
        'private_key_jwt',
        async () => ({
          form: { client_id: 'jwt-service', client_assertion_type: JWT_BEARER, client_assertion: await clientAssertion(server, 'jwt-service', jwtKey, 'feed-1') },
          headers: {},
        }),
      ],
      ['federated_jwt', async () => ({ form: { client_id: 'fed-service', client_assertion_type: JWT_BEARER, client_assertion: await workloadToken() }, headers: {} })],
    ])('%s reads the feed: 200, the same body and ETag as the GET', async (_method, credentials) => {
      const { form, headers } = await credentials();
      const answer = await readByPost(form, headers);
      expect([answer.status, answer.body]).toEqual([200, FEED]);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const viaGet = await read(basicAuth('billing-service', billingSecret));
      expect(answer.body).toEqual(viaGet.body);
      expect(answer.headers.get('etag')).toBe(viaGet.headers.get('etag'));
    });

    it('unchanged since if_none_match: 204 without a body, the ETag repeated (a 304 answers GET and HEAD only)', async () => {
      const form = async () => ({ client_id: 'fed-service', client_assertion_type: JWT_BEARER, client_assertion: await workloadToken() });
      const first = await readByPost(await form());
      const etag = first.headers.get('etag')!;
      const again = await readByPost({ ...(await form()), if_none_match: etag });
      expect([again.status, again.body, again.headers.get('etag')]).toEqual([204, {}, etag]);
      expect((await readByPost({ ...(await form()), if_none_match: '"stale"' })).status).toBe(200);
    });

    it('a private_key_jwt assertion is single use here as at the token endpoint: each poll signs a new one', async () => {
      const assertion = await clientAssertion(server, 'jwt-service', jwtKey, 'feed-1');
      const form = { client_id: 'jwt-service', client_assertion_type: JWT_BEARER, client_assertion: assertion };
      expect((await readByPost(form)).status).toBe(200);
      expect(await readByPost(form)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('a public client is refused (invalid_client), as at introspection; a confidential client owning no audience is unauthorized_client', async () => {
      const refused = await readByPost({ client_id: 'feed-public' });
      expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'public clients may not use the revocation_feed endpoint' } });
      expect(await readByPost({}, { authorization: basicAuth('plain-service', plainSecret) })).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
      // Also by GET: no form there, so client_id alone is no authentication at all.
      const viaGet = await fetch(`${server.url}/oauth/revocations?client_id=feed-public`);
      expect(viaGet.status).toBe(401);
    });

    it('failed authentication: 401 invalid_client, WWW-Authenticate Basic when Basic was used or nothing was presented, as at /oauth/introspect', async () => {
      const cases: [string, Record<string, string>, Record<string, string>][] = [
        ['nothing', {}, {}],
        ['a wrong Basic secret', {}, { authorization: basicAuth('billing-service', 'wrong') }],
        ['a wrong posted secret', { client_id: 'post-service', client_secret: 'wrong' }, {}],
        ['another workload\'s token', { client_id: 'fed-service', client_assertion_type: JWT_BEARER, client_assertion: await workloadToken('intruder') }, {}],
      ];
      for (const [what, form, headers] of cases) {
        const feed = await readByPost(form, headers);
        const introspection = await postForm(server, '/oauth/introspect', { token: 'unknown', ...form }, { headers });
        expect([what, feed.status, feed.body.error]).toEqual([what, 401, 'invalid_client']);
        expect([what, feed.headers.get('www-authenticate')]).toEqual([what, introspection.headers.get('www-authenticate')]);
      }
      expect((await readByPost({}, { authorization: basicAuth('billing-service', 'wrong') })).headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await readByPost({})).headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('the GET stays HTTP Basic only (no form to carry other credentials) and keeps its 304', async () => {
      const etag = (await read(basicAuth('billing-service', billingSecret))).headers.get('etag')!;
      expect((await read(basicAuth('billing-service', billingSecret), { 'if-none-match': etag })).status).toBe(304);
      expect((await read(`Bearer ${await workloadToken()}`)).status).toBe(401);
    });

    it('the metadata names the feed and the methods it accepts (the one table behind the guard)', async () => {
      const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      expect(metadata.revocation_feed_endpoint).toBe(`${server.issuer}/oauth/revocations`);
      expect(metadata.revocation_feed_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt']);
    });
  });

  describe("libs/auth's RevocationFeed against this server, without a secret", () => {
    const directory = mkdtempSync(join(tmpdir(), 'feed-e2e-token-'));
    const tokenFile = join(directory, 'auth-server');
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    it('federated_jwt (the workload token file) and private_key_jwt (a new assertion per poll) read it, and a disabled client is revoked', async () => {
      writeFileSync(tokenFile, await cluster.kubernetesToken({ namespace: 'platform', serviceAccount: 'fed-service', audience: server.issuer }));
      const url = `${server.url}/oauth/revocations`;
      const federated = new RevocationFeed({ url, clientId: 'fed-service', assertionFile: tokenFile });
      const signed = new RevocationFeed({ url, issuer: server.issuer, clientId: 'jwt-service', authMethod: 'private_key_jwt', privateKey: jwtPrivateJwk });
      const victim = await registerClient(server, { clientId: 'feed-victim' });
      const token = (await postForm(server, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth(victim.clientId, victim.secret) } }))
        .body.access_token as string;
      const claims = decodeJwt(token) as Parameters<RevocationFeed['isRevoked']>[0];
      // Twice each: the second read is conditional (204), and a private_key_jwt assertion cannot be replayed.
      for (const feed of [federated, signed]) {
        await feed.poll();
        await feed.poll();
        expect(feed.stats).toMatchObject({ polls: 2, failures: 0, failingSince: 0 });
        expect(feed.isRevoked(claims)).toBe(false);
      }
      await server.clients.setEnabled('feed-victim', false, TEST_ACTOR);
      // The platform rewrote the token file meanwhile: the next poll presents the new token.
      writeFileSync(tokenFile, await cluster.kubernetesToken({ namespace: 'platform', serviceAccount: 'fed-service', audience: server.issuer }));
      for (const feed of [federated, signed]) {
        await feed.poll();
        expect(feed.stats).toMatchObject({ polls: 3, failures: 0 });
        expect(feed.isRevoked(claims)).toBe(true);
      }
    });
  });
});
