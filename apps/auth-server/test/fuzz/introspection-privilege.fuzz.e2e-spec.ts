import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { FUZZ_RUNS, FUZZ_SEED, fuzzTestTimeout, withinTimeout } from '../../../../test/support/fuzz';
import { basicAuth, registerClient, requestToken, startAuthServer, TestAuthServer } from '../support/auth-server.harness';

interface Caller {
  clientId: string;
  secret: string;
  owns: string[];
}

/**
 * Property: for any token and any confidential caller, introspection says `active: true` exactly when
 * the caller is the token's own client or a registered owner of its audience (RFC 7662 §4), and then
 * hands out the claims; otherwise the body is `{"active": false}` and nothing else.
 */
describe('fuzzing introspection privileges: active only to the token\'s client or its audience\'s owner', () => {
  let server: TestAuthServer;
  const callers: Caller[] = [];
  const tokens: { token: string; clientId: string; audience: string }[] = [];
  const answers = new Map<string, number>();

  beforeAll(async () => {
    server = await startAuthServer();
    const audiences = ['api://alpha', 'api://beta', 'api://gamma'];
    // Issuers with several audiences, owners of one or two, and clients owning nothing.
    const issuers = [
      await registerClient(server, { clientId: 'fz-issuer-1', grants: audiences.map((resource) => ({ resource, scopes: ['users:read'] })) }),
      await registerClient(server, {
        clientId: 'fz-issuer-2',
        grants: ['api://beta', 'api://gamma'].map((resource) => ({ resource, scopes: ['users:read'] })),
        ownedAudiences: ['api://alpha'],
      }),
    ];
    callers.push({ ...issuers[0]!, owns: [] }, { ...issuers[1]!, owns: ['api://alpha'] });
    callers.push({ ...(await registerClient(server, { clientId: 'fz-owner-beta', ownedAudiences: ['api://beta'] })), owns: ['api://beta'] });
    callers.push({ ...(await registerClient(server, { clientId: 'fz-owner-2', ownedAudiences: ['api://gamma', 'api://alpha'] })), owns: ['api://gamma', 'api://alpha'] });
    callers.push({ ...(await registerClient(server, { clientId: 'fz-nobody' })), owns: [] });
    for (const issuer of issuers) {
      for (const audience of issuer.clientId === 'fz-issuer-1' ? audiences : ['api://beta', 'api://gamma']) {
        const { status, body } = await requestToken(server, issuer, { scope: 'users:read', resource: audience });
        expect(status).toBe(200);
        tokens.push({ token: String(body.access_token), clientId: issuer.clientId, audience });
      }
    }
  });

  afterAll(async () => {
    process.stdout.write(`fuzz introspection privileges: ${[...answers].map(([answer, n]) => `${answer}×${n}`).join(' ')}\n`);
    await server?.close();
  });

  it(
    `${FUZZ_RUNS} random (token, caller) pairs: active exactly for its own client or its audience's owner`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...tokens), fc.constantFrom(...callers), async (issued, caller) => {
          const response = await withinTimeout(
            server.app.inject({
              method: 'POST',
              url: '/oauth/introspect',
              headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(caller.clientId, caller.secret) },
              payload: new URLSearchParams({ token: issued.token }).toString(),
            }),
            '/oauth/introspect',
          );
          expect(response.statusCode).toBe(200);
          const body = JSON.parse(response.body) as Record<string, unknown>;
          const entitled = caller.clientId === issued.clientId || caller.owns.includes(issued.audience);
          answers.set(entitled ? 'active' : 'inactive', (answers.get(entitled ? 'active' : 'inactive') ?? 0) + 1);
          if (entitled) expect(body).toMatchObject({ active: true, client_id: issued.clientId, aud: issued.audience, jti: decodeJwt(issued.token).jti });
          else expect(body).toEqual({ active: false });
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      // Both sides of the property were exercised.
      expect(answers.get('active')).toBeGreaterThan(0);
      expect(answers.get('inactive')).toBeGreaterThan(0);
    },
    fuzzTestTimeout(),
  );
});
