import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { WorkloadIssuer } from '../../../scripts/workload-issuer/workload-issuer';
import { TrustedIssuersService } from '../src/trusted-issuers/trusted-issuers.service';
import { basicAuth, postForm, registerClient, startAuthServer, TEST_ACTOR, TestAuthServer } from './support/auth-server.harness';

/**
 * RFC 8414 metadata must describe what the server does. For each endpoint that authenticates clients,
 * every client authentication method is tried for real, and the methods that worked must be exactly
 * the ones advertised in `<endpoint>_auth_methods_supported`.
 */
describe('metadata matches behaviour (RFC 8414 §2 endpoint auth methods)', () => {
  let server: TestAuthServer;
  let metadata: Record<string, unknown>;
  let jwtKey: CryptoKey;
  let workloadIssuer: WorkloadIssuer;
  const secrets: Record<string, string> = {};
  const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

  beforeAll(async () => {
    server = await startAuthServer();
    metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    // Each confidential client owns an audience: the revocation feed serves resource servers only.
    secrets.basic = (await registerClient(server, { clientId: 'm-basic', authMethod: 'client_secret_basic', ownedAudiences: ['api://m-basic'] })).secret;
    secrets.post = (await registerClient(server, { clientId: 'm-post', authMethod: 'client_secret_post', ownedAudiences: ['api://m-post'] })).secret;
    const pair = await generateKeyPair('ES256');
    jwtKey = pair.privateKey;
    await registerClient(server, {
      clientId: 'm-jwt',
      authMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'm1', alg: 'ES256' }] },
      ownedAudiences: ['api://m-jwt'],
    });
    await registerClient(server, {
      clientId: 'm-public',
      authMethod: 'none',
      grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }],
      redirectUris: ['http://127.0.0.1/callback'],
    });
    // federated_jwt (issue 30): a workload token of a trusted issuer served over HTTP.
    workloadIssuer = await WorkloadIssuer.start();
    await server.app.get(TrustedIssuersService).create({ issuer: workloadIssuer.issuer, kind: 'kubernetes' }, TEST_ACTOR);
    await registerClient(server, {
      clientId: 'm-fed',
      authMethod: 'federated_jwt',
      federatedIssuer: workloadIssuer.issuer,
      federatedSubject: 'system:serviceaccount:m:fed',
      ownedAudiences: ['api://m-fed'],
    });
  });
  afterAll(async () => {
    await server?.close();
    await workloadIssuer?.close();
  });

  /** The form a request needs to authenticate with `method`; undefined for a method nobody can express. */
  const credentials = async (method: string): Promise<{ form: Record<string, string>; headers: Record<string, string> }> => {
    switch (method) {
      case 'client_secret_basic':
        return { form: {}, headers: { authorization: basicAuth('m-basic', secrets.basic!) } };
      case 'client_secret_post':
        return { form: { client_id: 'm-post', client_secret: secrets.post! }, headers: {} };
      case 'private_key_jwt': {
        const assertion = await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'm1' })
          .setIssuer('m-jwt')
          .setSubject('m-jwt')
          .setAudience(server.issuer)
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(jwtKey);
        return { form: { client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }, headers: {} };
      }
      case 'client_secret_jwt': {
        // An HMAC assertion keyed with a client secret (not supported: must not be advertised).
        const assertion = await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('m-post')
          .setSubject('m-post')
          .setAudience(server.issuer)
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(new TextEncoder().encode(secrets.post));
        return { form: { client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }, headers: {} };
      }
      case 'federated_jwt': {
        const assertion = await workloadIssuer.kubernetesToken({ namespace: 'm', serviceAccount: 'fed', audience: server.issuer });
        return { form: { client_id: 'm-fed', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }, headers: {} };
      }
      case 'none':
        return { form: { client_id: 'm-public' }, headers: {} };
      default:
        throw new Error(`no way to try ${method}`);
    }
  };

  const METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt', 'client_secret_jwt', 'none'];
  const ENDPOINTS: { name: string; path: string; form: (method: string) => Record<string, string> }[] = [
    // A public client has only user-login grants: a refresh with an unknown token gets past
    // authentication (invalid_grant); a confidential one asks for a client_credentials token.
    { name: 'token', path: '/oauth/token', form: (method: string): Record<string, string> =>
        method === 'none' ? { grant_type: 'refresh_token', refresh_token: 'unknown' } : { grant_type: 'client_credentials' } },
    { name: 'introspection', path: '/oauth/introspect', form: () => ({ token: 'unknown' }) },
    { name: 'revocation', path: '/oauth/revoke', form: () => ({ token: 'unknown' }) },
    // Not RFC 8414: the feed resource servers poll, advertised the same way (revocation_feed_endpoint).
    { name: 'revocation_feed', path: '/oauth/revocations', form: () => ({}) },
  ];

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.name}_endpoint_auth_methods_supported lists exactly the methods ${endpoint.path} accepts`, async () => {
      const accepted: string[] = [];
      for (const method of METHODS) {
        const { form, headers } = await credentials(method);
        const response = await postForm(server, endpoint.path, { ...endpoint.form(method), ...form }, { headers });
        expect(response.status).toBeLessThan(500);
        if (response.status === 401 || response.body.error === 'invalid_client') continue;
        // Past authentication: the request itself was served (or refused for its grant, never its client).
        expect([method, response.status === 200 || response.body.error === 'invalid_grant']).toEqual([method, true]);
        accepted.push(method);
      }
      const advertised = metadata[`${endpoint.name}_endpoint_auth_methods_supported`] as string[];
      expect([...advertised].sort()).toEqual(accepted.sort());
      // RFC 8414 §2: with private_key_jwt advertised, its signing algorithms are listed too.
      if (advertised.includes('private_key_jwt')) {
        expect(metadata[`${endpoint.name}_endpoint_auth_signing_alg_values_supported`]).toEqual(expect.arrayContaining(['ES256']));
      }
    });
  }
});
