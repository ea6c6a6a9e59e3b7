import fc from 'fast-check';
import { hiddenFields, pkcePair } from '../../../../scripts/support/login-form';
import { FUZZ_RUNS, FUZZ_SEED, fuzzTestTimeout, lengthyString, nastyString, rfcShapeViolation, watchProcessFaults, withinTimeout } from '../../../../test/support/fuzz';
import { startAuthServer, TestAuthServer } from '../support/auth-server.harness';

/**
 * Property-based fuzzing of the sign-in form's new inputs: the signed CSRF token, the cookie
 * carrying its nonce, and X-Forwarded-For from a trusted proxy (TRUST_PROXY). Whatever they hold,
 * the answer is an HTML page (400 refused or wrong credentials, 429/503 with Retry-After), the 302
 * to the registered redirect URI, or 413 JSON for a body over the limit; never a 5xx, never a hang.
 */
describe('fuzzing POST /oauth/authorize (CSRF token, cookie, forwarded address)', () => {
  let server: TestAuthServer;
  let watch: ReturnType<typeof watchProcessFaults>;
  let form: { fields: Record<string, string>; cookie: string };
  const redirectUri = 'http://127.0.0.1:53997/callback';
  const counts = new Map<number, number>();

  beforeAll(async () => {
    // The harness's inject() peer is 127.0.0.1: trusted, so X-Forwarded-For is parsed on every case.
    server = await startAuthServer({ env: { TRUST_PROXY: '127.0.0.1' } });
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-app',
      redirect_uri: redirectUri,
      scope: 'orders:read',
      state: 'fuzz',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    const page = await server.app.inject({ method: 'GET', url: `/oauth/authorize?${params}` });
    const setCookie = page.headers['set-cookie'];
    form = { fields: hiddenFields(page.body), cookie: String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]! };
    watch = watchProcessFaults();
  });

  afterAll(async () => {
    watch?.stop();
    process.stdout.write(`fuzz POST /oauth/authorize: ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
    await server?.close();
  });

  /** The real token, one of its parts replaced, or anything at all. */
  const csrfToken = () => {
    const real = form.fields.csrf!;
    const [expiry, nonce, mac] = real.split('.');
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant(real) },
      { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.constant(expiry!), nastyString()), fc.oneof(fc.constant(nonce!), nastyString()), fc.oneof(fc.constant(mac!), nastyString())).map((parts) => parts.join('.')) },
      { weight: 2, arbitrary: nastyString() },
      { weight: 1, arbitrary: lengthyString() },
    );
  };
  const cookie = () =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(form.cookie) },
      { weight: 2, arbitrary: nastyString().map((value) => `csrf=${value}`) },
      { weight: 1, arbitrary: fc.tuple(nastyString(), nastyString()).map(([name, value]) => `${name}=${value}; ${form.cookie}`) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, '', ';', '=', 'csrf', `${form.cookie}; ${form.cookie}x`, `__Host-csrf=${form.cookie.split('=')[1]}`) },
    );
  const forwardedFor = fc.oneof(
    fc.constantFrom(undefined, '203.0.113.7', '203.0.113.7, 10.0.0.1', '::1', '[::1]', 'unknown', '', ',', '1.2.3.4.5', '2001:db8::1, 198.51.100.2'),
    nastyString(),
  );
  const credentials = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ username: 'alice', password: 'alice-test-password' }) },
    {
      weight: 2,
      arbitrary: fc.record({
        username: fc.oneof(fc.constantFrom('alice', 'bob', 'nobody'), nastyString()),
        password: fc.oneof(fc.constantFrom('alice-test-password', 'wrong'), nastyString()),
      }),
    },
  );

  it(
    `${FUZZ_RUNS} random submissions, each an HTML page or the redirect, never a 5xx`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.record({ csrf: csrfToken(), cookie: cookie(), forwardedFor, credentials }), async (input) => {
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          if (input.cookie !== undefined) headers.cookie = input.cookie;
          if (input.forwardedFor !== undefined) headers['x-forwarded-for'] = input.forwardedFor;
          const response = await withinTimeout(
            server.app.inject({
              method: 'POST',
              url: '/oauth/authorize',
              headers,
              payload: new URLSearchParams({ ...form.fields, csrf: input.csrf, ...input.credentials }).toString(),
            }),
            'POST /oauth/authorize',
          );
          counts.set(response.statusCode, (counts.get(response.statusCode) ?? 0) + 1);
          if (response.statusCode === 302) {
            const location = new URL(String(response.headers.location));
            if (`${location.origin}${location.pathname}` !== redirectUri) throw new Error(`redirect to ${location}`);
            return;
          }
          // A body past the 32 KiB limit is refused before any route, in the RFC JSON shape of every endpoint.
          if (response.statusCode === 413) {
            const violation = rfcShapeViolation({ statusCode: response.statusCode, headers: response.headers, body: response.body });
            if (violation) throw new Error(violation);
            return;
          }
          if (![400, 429, 503].includes(response.statusCode)) throw new Error(`status ${response.statusCode}: ${response.body.slice(0, 200)}`);
          if (!String(response.headers['content-type']).startsWith('text/html')) throw new Error(`content-type ${response.headers['content-type']}`);
          if (response.statusCode !== 400 && !response.headers['retry-after']) throw new Error(`${response.statusCode} without Retry-After`);
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: false },
      );
      // Both refusals and sign-ins were reached.
      expect(counts.get(400)).toBeGreaterThan(0);
      expect(counts.get(302)).toBeGreaterThan(0);
      expect(watch.faults).toEqual([]);
    },
    fuzzTestTimeout(),
  );
});
