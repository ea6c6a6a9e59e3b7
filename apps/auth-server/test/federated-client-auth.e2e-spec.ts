import { decodeJwt } from 'jose';
import { WorkloadIssuer } from '../../../scripts/workload-issuer/workload-issuer';
import { ClientAuthThrottle } from '../src/client-authentication/throttling/client-auth-throttle';
import { TrustedIssuerRegistry } from '../src/trusted-issuers/trusted-issuer.registry';
import { TrustedIssuersService } from '../src/trusted-issuers/trusted-issuers.service';
import { ADMIN_AUDIENCE, callAdmin } from './support/admin-api';
import { basicAuth, postForm, registerClient, requestToken, startAuthServer, TEST_ACTOR, TestAuthServer } from './support/auth-server.harness';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';
const REFUSED = { error: 'invalid_client', error_description: 'client authentication failed' };
const COOLDOWN_MS = 1_000;

/**
 * Issue 30: federated client authentication. Workloads present the token their platform issued them
 * (a Kubernetes service-account token, a SPIFFE JWT-SVID), checked against a trusted issuer served
 * over real HTTP by scripts/workload-issuer (OIDC metadata, JWKS, SPIFFE bundle).
 */
describe('federated_jwt client authentication (workload identity)', () => {
  let server: TestAuthServer;
  let cluster: WorkloadIssuer;
  let spire: WorkloadIssuer;
  let stranger: WorkloadIssuer;
  const subject = 'system:serviceaccount:platform:order-service';
  const spiffeId = 'spiffe://cluster.local/ns/platform/sa/billing';

  beforeAll(async () => {
    [cluster, spire, stranger] = await Promise.all([WorkloadIssuer.start(), WorkloadIssuer.start({ algorithm: 'ES256' }), WorkloadIssuer.start()]);
    server = await startAuthServer({ env: { FEDERATED_JWKS_COOLDOWN_MS: String(COOLDOWN_MS) } });
    const issuers = server.app.get(TrustedIssuersService);
    await issuers.create({ issuer: cluster.issuer, kind: 'kubernetes', maxAssertionLifetimeSeconds: 3600 }, TEST_ACTOR);
    // SPIFFE: keys from the trust bundle endpoint (use "jwt-svid").
    await issuers.create({ issuer: spire.issuer, kind: 'spiffe', jwksUri: spire.bundleUri, maxAssertionLifetimeSeconds: 600 }, TEST_ACTOR);
    await registerClient(server, { clientId: 'order-service-fed', authMethod: 'federated_jwt', federatedIssuer: cluster.issuer, federatedSubject: subject });
    await registerClient(server, { clientId: 'billing-fed', authMethod: 'federated_jwt', federatedIssuer: spire.issuer, federatedSubject: spiffeId });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([cluster?.close(), spire?.close(), stranger?.close()]);
  });

  const kubernetesToken = (options: Partial<Parameters<WorkloadIssuer['kubernetesToken']>[0]> = {}) =>
    cluster.kubernetesToken({ namespace: 'platform', serviceAccount: 'order-service', audience: server.issuer, pod: { name: 'order-service-7d9f' }, ...options });
  const tokenWith = (clientId: string, assertion: string, assertionType = JWT_BEARER, extra: Record<string, string> = {}) =>
    postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: clientId, client_assertion_type: assertionType, client_assertion: assertion, ...extra });

  it('a valid Kubernetes service-account token gets an access token for the client', async () => {
    const answer = await tokenWith('order-service-fed', await kubernetesToken());
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token as string)).toMatchObject({ client_id: 'order-service-fed', aud: 'api://user-service', scope: 'users:read' });
    // No jti: the same token works again until it expires (the kubelet reuses it); its lifetime bounds it.
    const token = await kubernetesToken();
    expect((await tokenWith('order-service-fed', token)).status).toBe(200);
    expect((await tokenWith('order-service-fed', token)).status).toBe(200);
    // Kubernetes 1.29+ sets a jti naming the token, which the kubelet still hands out until it rotates it.
    const withJti = await kubernetesToken({ jti: true });
    expect((await tokenWith('order-service-fed', withJti)).status).toBe(200);
    expect((await tokenWith('order-service-fed', withJti)).status).toBe(200);
  });

  it.each([
    ['wrong sub', () => cluster.kubernetesToken({ namespace: 'platform', serviceAccount: 'intruder', audience: server.issuer })],
    ['wrong aud', () => kubernetesToken({ audience: 'https://other-server.example' })],
    ['expired', () => kubernetesToken({ issuedAtOffsetSeconds: -7200, lifetimeSeconds: 600 })],
    ['too long a lifetime', () => kubernetesToken({ lifetimeSeconds: 2 * 3600 })],
    ['not yet valid', () => kubernetesToken({ issuedAtOffsetSeconds: 600 })],
    ["another issuer's key", () => kubernetesToken({ signWith: stranger })],
    ["another issuer's key under a known kid", () => kubernetesToken({ signWith: stranger, kid: cluster.kid })],
    ['alg none', () => kubernetesToken({ alg: 'none' })],
    ['HS256 keyed with the issuer URL', () => kubernetesToken({ alg: 'HS256' })],
    ['kubernetes.io claim disagreeing with sub', () => kubernetesToken({ claims: { 'kubernetes.io': { namespace: 'kube-system', serviceaccount: { name: 'order-service' } } } })],
  ])('%s: invalid_client, one text for all', async (_case, mint) => {
    const answer = await tokenWith('order-service-fed', await mint());
    expect([answer.status, answer.body]).toEqual([401, REFUSED]);
  });

  it('an unknown issuer (a token of an untrusted cluster naming the client): invalid_client', async () => {
    const untrusted = await stranger.kubernetesToken({ namespace: 'platform', serviceAccount: 'order-service', audience: server.issuer });
    expect(await tokenWith('order-service-fed', untrusted)).toMatchObject({ status: 401, body: REFUSED });
    // A client bound to an issuer that is not trusted (row removed behind the service's back) is refused too.
    expect(await tokenWith('no-such-client', untrusted)).toMatchObject({ status: 401, body: REFUSED });
  });

  it('each refused workload token counts as a failed authentication of that client (the failure throttle)', async () => {
    const { stats } = server.app.get(ClientAuthThrottle);
    const before = stats.rejected.registered;
    expect((await tokenWith('order-service-fed', await kubernetesToken({ audience: 'https://elsewhere.example' }))).status).toBe(401);
    expect(stats.rejected.registered).toBe(before + 1);
  });

  it('client_id is required: the token names the workload, not the client', async () => {
    const answer = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: await kubernetesToken() });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('a request using two methods (Basic and a workload token) is refused', async () => {
    const answer = await postForm(
      server,
      '/oauth/token',
      { grant_type: 'client_credentials', client_id: 'order-service-fed', client_assertion_type: JWT_BEARER, client_assertion: await kubernetesToken() },
      { headers: { authorization: basicAuth('order-service-fed', 'x') } },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_request', error_description: 'use exactly one client authentication method' });
  });

  it('a client of another method cannot use a workload token, nor a federated client a secret', async () => {
    const secretClient = await registerClient(server, { clientId: 'secret-client' });
    expect(await tokenWith('secret-client', await kubernetesToken())).toMatchObject({ status: 401, body: REFUSED });
    expect((await requestToken(server, { clientId: 'order-service-fed', secret: secretClient.secret })).status).toBe(401);
  });

  it('bound claims: a namespace or pod binding the issuer requires is enforced', async () => {
    const bound = await WorkloadIssuer.start();
    try {
      await server.app.get(TrustedIssuersService).create({ issuer: bound.issuer, kind: 'kubernetes', boundNamespaces: ['platform'], requiredBindings: ['pod'] }, TEST_ACTOR);
      await registerClient(server, { clientId: 'bound-fed', authMethod: 'federated_jwt', federatedIssuer: bound.issuer, federatedSubject: subject });
      const base = { namespace: 'platform', serviceAccount: 'order-service', audience: server.issuer };
      expect((await tokenWith('bound-fed', await bound.kubernetesToken({ ...base, pod: { name: 'p-1' } }))).status).toBe(200);
      expect(await tokenWith('bound-fed', await bound.kubernetesToken(base))).toMatchObject({ status: 401, body: REFUSED });
    } finally {
      await bound.close();
    }
  });

  it('the issuer rotates its key: the next assertion works, and unknown kids refetch at a limited rate', async () => {
    const registry = server.app.get(TrustedIssuerRegistry);
    expect((await tokenWith('order-service-fed', await kubernetesToken())).status).toBe(200);
    const fetchesBefore = registry.fetchesOf(cluster.issuer);
    // A flood of made-up kids: at most one refetch per cooldown, however many arrive.
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
    for (let i = 0; i < 10; i++) {
      const answer = await tokenWith('order-service-fed', await kubernetesToken({ kid: `random-${i}` }));
      expect(answer.status).toBe(401);
    }
    expect(registry.fetchesOf(cluster.issuer) - fetchesBefore).toBe(1);

    await cluster.rotate({ dropPrevious: true });
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
    const answer = await tokenWith('order-service-fed', await kubernetesToken());
    expect(answer.status).toBe(200);
    expect(registry.fetchesOf(cluster.issuer) - fetchesBefore).toBe(2);
  });

  describe('SPIFFE issuer (JWT-SVIDs, keys from the trust bundle)', () => {
    const svid = (options: Partial<Parameters<WorkloadIssuer['svid']>[0]> = {}) => spire.svid({ spiffeId, audience: server.issuer, lifetimeSeconds: 300, jti: true, ...options });

    it('a JWT-SVID authenticates, with the draft jwt-spiffe assertion type or RFC 7523 jwt-bearer', async () => {
      expect((await tokenWith('billing-fed', await svid(), JWT_SPIFFE)).status).toBe(200);
      expect((await tokenWith('billing-fed', await svid(), JWT_BEARER)).status).toBe(200);
    });

    it('a jti is used once until the SVID expires (replay: invalid_client)', async () => {
      const token = await svid();
      expect((await tokenWith('billing-fed', token, JWT_SPIFFE)).status).toBe(200);
      expect(await tokenWith('billing-fed', token, JWT_SPIFFE)).toMatchObject({ status: 401, body: REFUSED });
    });

    it('another SPIFFE ID, a lifetime over the issuer bound, or jwt-spiffe from a Kubernetes issuer: invalid_client', async () => {
      expect(await tokenWith('billing-fed', await svid({ spiffeId: 'spiffe://cluster.local/ns/platform/sa/other' }), JWT_SPIFFE)).toMatchObject({ status: 401 });
      expect(await tokenWith('billing-fed', await svid({ lifetimeSeconds: 1200 }), JWT_SPIFFE)).toMatchObject({ status: 401, body: REFUSED });
      expect(await tokenWith('order-service-fed', await kubernetesToken(), JWT_SPIFFE)).toMatchObject({ status: 401, body: REFUSED });
    });
  });

  it('registration: federated_issuer and federated_subject are required for federated_jwt, and only for it', async () => {
    const create = (input: object) => server.clients.create({ clientId: 'reg-fed', ...input }, TEST_ACTOR);
    await expect(create({ authMethod: 'federated_jwt', federatedSubject: subject })).rejects.toThrow(/federated_issuer/);
    await expect(create({ authMethod: 'federated_jwt', federatedIssuer: cluster.issuer })).rejects.toThrow(/federated_subject/);
    await expect(create({ authMethod: 'federated_jwt', federatedIssuer: 'https://unknown.example', federatedSubject: subject })).rejects.toThrow(/no trusted issuer/);
    await expect(create({ authMethod: 'federated_jwt', federatedIssuer: spire.issuer, federatedSubject: subject })).rejects.toThrow(/SPIFFE ID/);
    await expect(create({ federatedIssuer: cluster.issuer, federatedSubject: subject })).rejects.toThrow(/only apply to federated_jwt/);
    const shown = await server.clientViews.show('order-service-fed');
    expect(shown).toMatchObject({ token_endpoint_auth_method: 'federated_jwt', federated_issuer: cluster.issuer, federated_subject: subject, secrets: [] });
  });

  it('admin API: /admin/trusted-issuers lists, creates, refuses deleting an issuer in use, deletes', async () => {
    const deployer = await registerClient(server, { clientId: 'fed-deployer', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin:clients', 'admin:trusted-issuers'] }] });
    const adminToken = (await requestToken(server, deployer)).body.access_token as string;
    // Trusting an issuer is its own privilege: admin:clients alone does not open it.
    const clientsOnly = await registerClient(server, { clientId: 'fed-clients-admin', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin:clients'] }] });
    const clientsToken = (await requestToken(server, clientsOnly)).body.access_token as string;
    expect((await callAdmin(server, 'GET', '/admin/trusted-issuers', { token: clientsToken })).status).toBe(403);
    const admin = (method: string, path: string, body?: unknown) => callAdmin(server, method, path, { token: adminToken, body });
    const listed = await admin('GET', '/admin/trusted-issuers');
    expect(listed.status).toBe(200);
    expect((listed.body as { issuer: string }[]).find((entry) => entry.issuer === cluster.issuer)).toMatchObject({ kind: 'kubernetes', key_source: 'discovery', audience: server.issuer, clients: ['order-service-fed'] });

    const jwks = { keys: [(stranger.jwks().keys[0] as object)] };
    const created = await admin('POST', '/admin/trusted-issuers', { issuer: 'https://air-gapped.example', kind: 'kubernetes', jwks, max_assertion_lifetime_seconds: 600 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key_source: 'jwks', max_assertion_lifetime_seconds: 600 });
    expect((await admin('POST', '/admin/trusted-issuers', { issuer: 'https://air-gapped.example', kind: 'kubernetes' })).status).toBe(409);
    expect((await admin('POST', '/admin/trusted-issuers', { issuer: 'https://x.example', kind: 'docker' })).status).toBe(400);
    expect((await admin('POST', '/admin/trusted-issuers', { issuer: 'https://x.example', kind: 'oidc', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).status).toBe(400);

    const clientCreated = await admin('POST', '/admin/clients', {
      client_id: 'air-gapped-fed',
      token_endpoint_auth_method: 'federated_jwt',
      federated_issuer: 'https://air-gapped.example',
      federated_subject: 'system:serviceaccount:jobs:report',
    });
    expect(clientCreated.status).toBe(201);
    expect(clientCreated.body.client_secret).toBeUndefined();
    const inUse = await admin('DELETE', `/admin/trusted-issuers/${encodeURIComponent('https://air-gapped.example')}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error_description).toMatch(/air-gapped-fed/);
    expect((await admin('DELETE', '/admin/clients/air-gapped-fed')).status).toBe(204);
    expect((await admin('DELETE', `/admin/trusted-issuers/${encodeURIComponent('https://air-gapped.example')}`)).status).toBe(204);
    expect((await admin('GET', `/admin/trusted-issuers/${encodeURIComponent('https://air-gapped.example')}`)).status).toBe(404);
  });

  it('metadata advertises federated_jwt at each endpoint that accepts it', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, string[]>;
    expect(metadata.token_endpoint_auth_methods_supported).toContain('federated_jwt');
    expect(metadata.introspection_endpoint_auth_methods_supported).toContain('federated_jwt');
    expect(metadata.revocation_endpoint_auth_methods_supported).toContain('federated_jwt');
  });
});
