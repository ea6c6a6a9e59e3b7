import fc from 'fast-check';
import { WorkloadIssuer } from '../../../../scripts/workload-issuer/workload-issuer';
import { TrustedIssuersService } from '../../src/trusted-issuers/trusted-issuers.service';
import { FUZZ_RUNS, FUZZ_SEED, fuzzTestTimeout, jwtShapedString, nastyString, rfcShapeViolation, watchProcessFaults, withinTimeout } from '../../../../test/support/fuzz';
import { registerClient, startAuthServer, TEST_ACTOR, TestAuthServer } from '../support/auth-server.harness';

/**
 * Issue 30: hostile workload tokens at the token endpoint. Assertions from a real (test) trusted
 * issuer, signed with its key, another issuer's, none or HS256, whose claims and header take hostile
 * values and types (iss, sub, aud, exp, iat, nbf, jti, kubernetes.io, kid, alg): never a 5xx, never a
 * hang, and a token only for the one exactly right combination.
 */
describe('fuzzing federated_jwt assertions at /oauth/token', () => {
  let server: TestAuthServer;
  let issuer: WorkloadIssuer;
  let other: WorkloadIssuer;
  let watch: ReturnType<typeof watchProcessFaults>;
  const subject = 'system:serviceaccount:platform:fuzz-workload';

  beforeAll(async () => {
    [issuer, other] = await Promise.all([WorkloadIssuer.start({ algorithm: 'ES256' }), WorkloadIssuer.start({ algorithm: 'ES256' })]);
    server = await startAuthServer();
    await server.app.get(TrustedIssuersService).create({ issuer: issuer.issuer, kind: 'kubernetes', requiredBindings: [] }, TEST_ACTOR);
    await registerClient(server, { clientId: 'fuzz-fed', authMethod: 'federated_jwt', federatedIssuer: issuer.issuer, federatedSubject: subject });
    watch = watchProcessFaults();
  });
  afterAll(async () => {
    watch?.stop();
    await server?.close();
    await Promise.all([issuer?.close(), other?.close()]);
  });

  it(`${FUZZ_RUNS} hostile workload tokens: a 2xx or an RFC-shaped 4xx, never a 5xx`, async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const hostile = fc.oneof(nastyString(), fc.constantFrom(undefined, null, 0, -1, 1e308, true, {}, [], ['x'], '1', 'NaN'));
    const claim = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: hostile });
    const token = fc.record({
      sub: claim(fc.constantFrom(subject, 'system:serviceaccount:platform:other', `${subject} `)),
      aud: claim(fc.constantFrom([server.issuer], server.issuer, [server.issuer, 'https://other'], ['https://other'], [])),
      iss: claim(fc.constantFrom(issuer.issuer, `${issuer.issuer}/`, other.issuer)),
      exp: claim(fc.integer({ min: -7200, max: 7200 }).map((offset) => now() + offset)),
      iat: claim(fc.integer({ min: -7200, max: 600 }).map((offset) => now() + offset)),
      nbf: claim(fc.integer({ min: -600, max: 600 }).map((offset) => now() + offset)),
      jti: fc.option(claim(fc.uuid()), { nil: undefined }),
      kubernetesIo: claim(fc.constantFrom({ namespace: 'platform', serviceaccount: { name: 'fuzz-workload' } }, { namespace: 'kube-system', serviceaccount: { name: 'fuzz-workload' } }, { namespace: 'platform' })),
      alg: fc.constantFrom(undefined, undefined, 'none', 'HS256', 'RS256', 'ES256', 'ES512', 'EdDSA', 'nOnE'),
      kid: fc.oneof(fc.constant(undefined), fc.constant(null), nastyString()),
      signWith: fc.constantFrom('issuer', 'issuer', 'other'),
    });
    const request = fc.record({
      assertion: fc.oneof({ weight: 6, arbitrary: token.map((value) => ({ token: value })) }, { weight: 1, arbitrary: jwtShapedString().map((raw) => ({ raw })) }),
      clientId: fc.oneof({ weight: 4, arbitrary: fc.constant('fuzz-fed') }, { weight: 1, arbitrary: fc.constantFrom('order-service', 'unknown') }, { weight: 1, arbitrary: nastyString() }, { weight: 1, arbitrary: fc.constant(undefined) }),
      assertionType: fc.constantFrom('urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe', 'x'),
    });
    const outcomes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ assertion, clientId, assertionType }) => {
        let jwt: string;
        if ('raw' in assertion) jwt = assertion.raw;
        else {
          const { sub, aud, iss, exp, iat, nbf, jti, kubernetesIo, alg, kid, signWith } = assertion.token;
          const claims: Record<string, unknown> = { iss, exp, iat, nbf, 'kubernetes.io': kubernetesIo };
          if (jti !== undefined) claims.jti = jti;
          jwt = await issuer.mint(typeof sub === 'string' ? sub : '', {
            audience: aud as string[],
            claims: typeof sub === 'string' ? claims : { ...claims, sub },
            alg: alg as 'ES256' | undefined,
            kid: typeof kid === 'string' || kid === null ? kid : undefined,
            signWith: signWith === 'other' ? other : undefined,
          }).catch(() => issuer.mint(subject, { audience: [server.issuer], alg: 'none' }));
        }
        const form: Record<string, string> = { grant_type: 'client_credentials', client_assertion_type: assertionType, client_assertion: jwt };
        if (clientId !== undefined) form.client_id = clientId;
        const response = await withinTimeout(
          server.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() }),
          'federated_jwt',
        );
        outcomes.set(response.statusCode, (outcomes.get(response.statusCode) ?? 0) + 1);
        const violation = rfcShapeViolation({ statusCode: response.statusCode, headers: response.headers, body: response.body });
        if (violation) throw new Error(violation);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
    process.stdout.write(`fuzz federated_jwt: ${[...outcomes].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
    expect([...outcomes.keys()].filter((status) => status >= 500)).toEqual([]);
    expect(outcomes.get(401)).toBeGreaterThan(0);
    expect(watch.faults).toEqual([]);
  }, fuzzTestTimeout());
});
