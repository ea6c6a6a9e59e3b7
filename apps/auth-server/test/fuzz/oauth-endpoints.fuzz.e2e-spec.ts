import fc from 'fast-check';
import { decodeJwt, exportJWK, generateKeyPair, JWTPayload, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import {
  authorizationHeader,
  FUZZ_RUNS,
  FUZZ_SEED,
  FuzzResponse,
  fuzzTestTimeout,
  jwtShapedString,
  lengthyString,
  nastyString,
  rfcShapeViolation,
  watchProcessFaults,
  withinTimeout,
} from '../../../../test/support/fuzz';
import { requestUserToken } from '../../../../scripts/support/user-token';
import { mintToken } from '../../../../test/support/tokens';
import { TOKEN_EXCHANGE_GRANT_TYPE as TOKEN_EXCHANGE } from '../../src/clients/client.entity';
import { ACCESS_TOKEN_TYPE } from '../../src/token/grants/token-exchange.grant';
import { basicAuth, registerClient, requestToken, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from '../support/auth-server.harness';

interface FuzzRequest {
  body: string | Buffer;
  contentType: string | undefined;
  authorization: string | undefined;
  duplicateAuthorization: boolean;
  extraHeaders: Record<string, string>;
}

/**
 * Property-based fuzzing of the OAuth endpoints on a real auth-server and PostgreSQL: whatever the
 * body, content type, parameters or Authorization header, the answer is a 2xx or an RFC 6749 §5.2
 * shaped 4xx, never a 5xx, never a hang, and the process stays healthy.
 */
describe('fuzzing /oauth/token, /oauth/introspect, /oauth/revoke and /oauth/revocations', () => {
  let server: TestAuthServer;
  let watch: ReturnType<typeof watchProcessFaults>;
  const valid: { clientId: string; secret: string }[] = [];
  let liveToken = '';
  const statuses = new Map<string, Map<number, number>>();

  beforeAll(async () => {
    // The harness sets throttling limits high: 429s would hide the code behind them from the fuzzer.
    server = await startAuthServer();
    valid.push({ clientId: 'order-service', secret: TEST_DEMO_SECRET });
    valid.push(await registerClient(server, { clientId: 'fuzz-post', authMethod: 'client_secret_post' }));
    valid.push(await registerClient(server, { clientId: 'fuzz-basic' }));
    liveToken = String((await requestToken(server, valid[0]!)).body.access_token);
    watch = watchProcessFaults();
  });

  afterAll(async () => {
    watch?.stop();
    for (const [endpoint, counts] of statuses) {
      process.stdout.write(`fuzz ${endpoint}: ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
    }
    await server?.close();
  });

  const parameterName = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('grant_type', 'scope', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'resource', 'audience', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'token', 'token_type_hint', 'subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'if_none_match') },
    { weight: 1, arbitrary: nastyString() },
  );
  const parameterValue = (endpointValues: fc.Arbitrary<string>) =>
    fc.oneof(
      { weight: 3, arbitrary: endpointValues },
      { weight: 2, arbitrary: fc.constantFrom('client_credentials', 'authorization_code', 'refresh_token', 'users:read', 'users:read orders:read', 'api://user-service', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'access_token', 'order-service', 'fuzz-post', TEST_DEMO_SECRET) },
      { weight: 2, arbitrary: lengthyString() },
      { weight: 1, arbitrary: jwtShapedString() },
    );

  /** A form body built from (possibly repeated) parameters, or something that is not a form at all. */
  const body = (endpointValues: fc.Arbitrary<string>, wellFormed: fc.Arbitrary<Record<string, string>>) =>
    fc.oneof(
      { weight: 4, arbitrary: wellFormed.map((form) => new URLSearchParams(form).toString()) },
      { weight: 6, arbitrary: fc.array(fc.tuple(parameterName, parameterValue(endpointValues)), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString()) },
      { weight: 2, arbitrary: fc.array(fc.tuple(parameterName, nastyString()), { maxLength: 6 }).map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&')) },
      { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
      { weight: 1, arbitrary: fc.constantFrom('', '=', '&&&', '%', 'a=%', 'grant_type', '__proto__[x]=1', 'a[b]=c', 'a=1&a=2&a=3') },
    );

  const contentType = fc.oneof(
    { weight: 10, arbitrary: fc.constant('application/x-www-form-urlencoded') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        undefined,
        'application/json',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded; charset=utf-16',
        'application/x-www-form-urlencoded; charset=latin1',
        'APPLICATION/X-WWW-FORM-URLENCODED',
        'application/octet-stream',
        'application/x-www-form-urlencoded, application/json',
        '',
        ';',
        'application/',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }) },
  );

  /** Mostly valid requests with one thing wrong reach deeper than pure noise. */
  const validAuthorization = () => fc.constantFrom(...valid).map(({ clientId, secret }) => basicAuth(clientId, secret));
  const request = (endpointValues: fc.Arbitrary<string>, wellFormed: fc.Arbitrary<Record<string, string>>) =>
    fc.record({
      body: body(endpointValues, wellFormed),
      contentType,
      authorization: fc.oneof({ weight: 2, arbitrary: validAuthorization() }, { weight: 3, arbitrary: authorizationHeader(valid) }),
      duplicateAuthorization: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      extraHeaders: fc.dictionary(fc.constantFrom('content-length', 'transfer-encoding', 'content-encoding', 'x-forwarded-for', 'accept'), fc.constantFrom('gzip', 'chunked', '0', '1', '99999', 'abc', '*/*'), { maxKeys: 2 }),
    });

  async function send(path: string, input: FuzzRequest): Promise<FuzzResponse> {
    const headers: Record<string, string | string[]> = { ...input.extraHeaders };
    if (input.contentType !== undefined) headers['content-type'] = input.contentType;
    if (input.authorization !== undefined) headers.authorization = input.duplicateAuthorization ? [input.authorization, input.authorization] : input.authorization;
    const response = await withinTimeout(server.app.inject({ method: 'POST', url: path, headers, payload: input.body }), path);
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  const fuzz = (path: string, endpointValues: () => fc.Arbitrary<string>, wellFormed: () => fc.Arbitrary<Record<string, string>>) =>
    it(
      `${path}: ${FUZZ_RUNS} random requests, each a 2xx or an RFC-shaped 4xx`,
      async () => {
        const counts = new Map<number, number>();
        statuses.set(path, counts);
        await fc.assert(
          fc.asyncProperty(request(endpointValues(), wellFormed()), async (input) => {
            const response = await send(path, input);
            counts.set(response.statusCode, (counts.get(response.statusCode) ?? 0) + 1);
            const violation = rfcShapeViolation(response);
            if (violation) throw new Error(violation);
          }),
          { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: false },
        );
        // The property covered failures and successes alike.
        expect([...counts.keys()].some((status) => status >= 400)).toBe(true);
        expect([...counts.keys()].filter((status) => status >= 500)).toEqual([]);
      },
      fuzzTestTimeout(),
    );

  const scope = fc.constantFrom('users:read', 'orders:read', 'users:read users:read', '', ' ', 'users:read\torders:read');
  fuzz(
    '/oauth/token',
    () => fc.constantFrom('client_credentials', 'users:read', 'api://user-service'),
    () => fc.record({ grant_type: fc.constantFrom('client_credentials', 'client_credentials', 'password', 'refresh_token', TOKEN_EXCHANGE), scope, resource: fc.constantFrom('api://user-service', 'http://x') }, { requiredKeys: ['grant_type'] }),
  );

  // Token exchange (RFC 8693): order-service (seeded with the grant) sends mostly well-formed exchanges
  // with one thing wrong, and subject tokens signed by the server's own key carrying hostile claims,
  // which reach past the signature into the subject-token and act checks.
  it(`token exchange: ${FUZZ_RUNS} hostile exchanges, each a 200 or an RFC-shaped 4xx`, async () => {
    const alice = await requestUserToken({ authServerUrl: server.url, clientId: 'demo-app', username: 'alice', password: 'alice-test-password', resource: 'api://order-service' });
    const sid = String(decodeJwt(alice.access_token).sid);
    const hostile = fc.oneof(nastyString(), fc.constantFrom(null, 0, true, [], {}, ['api://order-service'], { sub: 1 }), fc.jsonValue({ maxDepth: 3 }));
    const deepAct = fc.integer({ min: 0, max: 12 }).map((depth) => {
      let act: unknown;
      for (let i = 0; i < depth; i += 1) act = act ? { sub: `svc-${i}`, act } : { sub: `svc-${i}` };
      return act;
    });
    /** Mostly absent: one or two hostile fields per case keep the rest of the exchange valid enough to reach deep. */
    const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
    const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
    const mintedSubject = fc
      .record({
        act: fc.oneof(deepAct, rarely(hostile)),
        aud: rarely(hostile),
        scope: rarely(hostile),
        sub: rarely(hostile),
        sid: rarely(fc.oneof(fc.constant(randomUUID()), hostile)),
        auth_time: rarely(hostile),
        preferred_username: rarely(hostile),
        name: rarely(hostile),
      })
      .map((claims) => mintToken(server, { claims: { client_id: 'demo-app', sub: 'alice-id', aud: 'api://order-service', scope: 'orders:read', sid, ...defined(claims) } }));
    const subjectToken = fc.oneof({ weight: 4, arbitrary: mintedSubject }, { weight: 1, arbitrary: fc.constantFrom(alice.access_token, liveToken) }, { weight: 1, arbitrary: jwtShapedString() }, { weight: 1, arbitrary: nastyString() });
    const tokenType = fc.oneof(fc.constantFrom('urn:ietf:params:oauth:token-type:jwt', 'access_token', ''), nastyString());
    const target = fc.oneof(fc.constantFrom('api://user-service', 'api://order-service', 'api://nowhere', 'not a uri', 'api://user-service#f'), nastyString());
    const exchange = fc
      .record({
        subject_token: subjectToken,
        subject_token_type: fc.oneof({ weight: 5, arbitrary: fc.constant(ACCESS_TOKEN_TYPE) }, { weight: 1, arbitrary: tokenType }),
        requested_token_type: rarely(fc.oneof(fc.constant(ACCESS_TOKEN_TYPE), tokenType)),
        audience: fc.oneof({ weight: 3, arbitrary: fc.constant('api://user-service') }, { weight: 1, arbitrary: target }),
        resource: rarely(target),
        scope: rarely(fc.oneof(scope, fc.constantFrom('users:read users:provision', 'orders:read'), nastyString())),
        actor_token: rarely(fc.oneof(jwtShapedString(), nastyString())),
      })
      .map((form) => defined(form) as Record<string, string>);
    const outcomes = new Map<number, number>();
    statuses.set('token exchange', outcomes);
    await fc.assert(
      fc.asyncProperty(exchange, async (form) => {
        const response = await withinTimeout(
          server.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('order-service', TEST_DEMO_SECRET) },
            payload: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, ...form }).toString(),
          }),
          'token exchange',
        );
        outcomes.set(response.statusCode, (outcomes.get(response.statusCode) ?? 0) + 1);
        const violation = rfcShapeViolation({ statusCode: response.statusCode, headers: response.headers, body: response.body });
        if (violation) throw new Error(violation);
        if (response.statusCode === 200 && !('act' in decodeJwt(response.json().access_token))) throw new Error('an exchanged token without act');
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: false },
    );
    expect([...outcomes.keys()].filter((status) => status >= 500)).toEqual([]);
    // Both sides were reached: exchanges granted, and refused.
    expect([...outcomes.keys()].sort()).toEqual([200, 400]);
    // A well-formed exchange still works after the barrage.
    const ok = await requestToken(server, { clientId: 'order-service', secret: TEST_DEMO_SECRET }, { grant_type: TOKEN_EXCHANGE, subject_token: alice.access_token, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'api://user-service' });
    expect(ok.status).toBe(200);
  }, fuzzTestTimeout());
  fuzz(
    '/oauth/introspect',
    () => fc.oneof(fc.constant(liveToken), fc.constant(randomUUID())),
    () => fc.record({ token: fc.oneof(fc.constant(liveToken), jwtShapedString()), token_type_hint: fc.constantFrom('access_token', 'refresh_token', 'x') }, { requiredKeys: ['token'] }),
  );
  fuzz(
    '/oauth/revoke',
    () => fc.oneof(jwtShapedString(), fc.constant(randomUUID()), fc.constantFrom('access_token', 'refresh_token')),
    () => fc.record({ token: fc.oneof(jwtShapedString(), fc.constant(randomUUID())), token_type_hint: fc.constantFrom('access_token', 'refresh_token', 'x') }, { requiredKeys: ['token'] }),
  );
  // The revocation feed's POST (issue 30: every confidential method, so secretless services poll it).
  fuzz(
    '/oauth/revocations',
    () => fc.constantFrom('"x"', 'if_none_match', '*'),
    () => fc.record({ if_none_match: fc.oneof(fc.constant('"x"'), nastyString(), lengthyString()) }, { requiredKeys: [] }),
  );

  // private_key_jwt (issue 10 finding 6, draft-ietf-oauth-rfc7523bis): correctly signed assertions
  // with random `aud` values. Only a single string naming this server authenticates.
  it(`private_key_jwt: ${FUZZ_RUNS} signed assertions with random aud, accepted only for the issuer or the token endpoint`, async () => {
    const pair = await generateKeyPair('ES256');
    await registerClient(server, { clientId: 'fuzz-jwt', authMethod: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'f1', alg: 'ES256' }] } });
    const issuer = server.issuer;
    const named = fc.constantFrom(issuer, `${issuer}/oauth/token`, `${issuer}/`, `${issuer}/oauth/introspect`, `${issuer}/oauth/token/`, issuer.toUpperCase(), 'https://other-as.example', '');
    const aud = fc.oneof(
      { weight: 4, arbitrary: named },
      { weight: 3, arbitrary: fc.array(named, { maxLength: 3 }) },
      { weight: 1, arbitrary: nastyString() },
      { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, true, {}) },
    );
    const outcomes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(aud, async (value) => {
        const payload: Record<string, unknown> = { jti: randomUUID() };
        if (value !== undefined) payload.aud = value;
        const assertion = await new SignJWT(payload as JWTPayload)
          .setProtectedHeader({ alg: 'ES256', kid: 'f1' })
          .setIssuer('fuzz-jwt')
          .setSubject('fuzz-jwt')
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(pair.privateKey);
        const response = await withinTimeout(
          server.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }).toString(),
          }),
          'private_key_jwt',
        );
        outcomes.set(response.statusCode, (outcomes.get(response.statusCode) ?? 0) + 1);
        const expected = value === issuer || value === `${issuer}/oauth/token` ? 200 : 401;
        if (response.statusCode !== expected) throw new Error(`aud ${JSON.stringify(value)}: ${response.statusCode} ${response.body}`);
        const violation = rfcShapeViolation({ statusCode: response.statusCode, headers: response.headers, body: response.body });
        if (violation) throw new Error(violation);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
    statuses.set('private_key_jwt random aud', outcomes);
    expect([...outcomes.keys()].sort()).toEqual([200, 401]);
  }, fuzzTestTimeout());

  describe('/oauth/authorize', () => {
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    const authorize = (params: Record<string, string>) =>
      withinTimeout(
        server.app.inject({
          method: 'GET',
          url: `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'demo-app', state: 's', code_challenge: challenge, code_challenge_method: 'S256', scope: 'orders:read', ...params }).toString()}`,
        }),
        '/oauth/authorize',
      );

    // Issue 10 finding 6: spellings of the registered `http://127.0.0.1/callback` that a URL parser
    // would normalise to it. Only the port may vary (RFC 8252 §7.3); everything else compares byte for byte.
    it(`redirect_uri: ${FUZZ_RUNS} spellings of the registered loopback URI, a sign-in page only for an exact match but the port`, async () => {
      const port = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 70_000 }).map((n) => `:${n}`), fc.constantFrom(':', ':080', ':00', ':65535', ':+80', ': 80'));
      const spelling = fc.record({
        scheme: fc.constantFrom('http', 'http', 'HTTP', 'https', 'Http'),
        host: fc.constantFrom('127.0.0.1', '127.0.0.1', '2130706433', '127.1', '0x7f000001', '127.0.0.01', 'localhost', '[::1]', '127.0.0.1.', 'user@127.0.0.1'),
        port,
        path: fc.constantFrom('/callback', '/callback', '/x/../callback', '/./callback', '/%63allback', '/Callback', '/callback/', '//callback', '/callback?x=1', '/callback#f', '/callback%2F', ''),
      });
      const outcomes = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(spelling, async ({ scheme, host, port: portPart, path }) => {
          const redirectUri = `${scheme}://${host}${portPart}${path}`;
          const response = await authorize({ redirect_uri: redirectUri });
          outcomes.set(response.statusCode, (outcomes.get(response.statusCode) ?? 0) + 1);
          const portOk = portPart === '' || /^:[1-9][0-9]{0,4}$/.test(portPart) && Number(portPart.slice(1)) <= 65_535;
          const expected = scheme === 'http' && host === '127.0.0.1' && path === '/callback' && portOk ? 200 : 400;
          if (response.statusCode !== expected) throw new Error(`${redirectUri}: ${response.statusCode}, expected ${expected}`);
          if (expected === 400 && !response.body.includes('redirect_uri is not registered')) throw new Error(`${redirectUri}: ${response.body.slice(0, 200)}`);
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      statuses.set('/oauth/authorize redirect_uri spellings', outcomes);
      expect([...outcomes.keys()].sort()).toEqual([200, 400]);
    }, fuzzTestTimeout());

    // Errors sent back to the client's redirect URI quote request values: the description in the
    // Location must still be within the RFC 6749 §4.1.2.1 characters.
    it(`authorization error redirects: ${FUZZ_RUNS} random scopes and response types, error_description always §5.2-clean`, async () => {
      const outcomes = new Map<number, number>();
      statuses.set('/oauth/authorize error redirects', outcomes);
      await fc.assert(
        fc.asyncProperty(nastyString(), fc.constantFrom('code', 'token', 'x"y', ''), async (scope, responseType) => {
          const response = await authorize({ redirect_uri: 'http://127.0.0.1:4000/callback', scope, response_type: responseType });
          outcomes.set(response.statusCode, (outcomes.get(response.statusCode) ?? 0) + 1);
          if (response.statusCode !== 302) return; // a sign-in page (valid scope) or an error page (bad parameters)
          const location = new URL(String(response.headers.location));
          const description = location.searchParams.get('error_description') ?? '';
          if (!/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(description)) throw new Error(`error_description ${JSON.stringify(description)}`);
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      // A scope with a quote reaches the redirect and is cleaned there.
      const quoted = await authorize({ redirect_uri: 'http://127.0.0.1:4000/callback', scope: 'orders:read "evil"\tx' });
      expect(quoted.statusCode).toBe(302);
      expect(new URL(String(quoted.headers.location)).searchParams.get('error_description')).toBe("scope not granted to this client: 'evil' x");
    }, fuzzTestTimeout());
  });

  describe('regressions found by fuzzing', () => {
    const post = (url: string, payload: string, authorization?: string) =>
      server.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        payload,
      });

    // Seed 20261123, case 1718: `Basic ADo=` is "\0:", a NUL client id; PostgreSQL refused the lookup (500).
    it.each(['/oauth/token', '/oauth/introspect', '/oauth/revoke', '/oauth/revocations'])('a NUL byte in the Basic client id is 401 invalid_client, not 500 (%s)', async (url) => {
      const response = await post(url, 'grant_type=client_credentials&token=x', 'Basic ADo=');
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    });

    it('a NUL byte in a client_secret_post or public client_id is 401 invalid_client, not 500', async () => {
      for (const payload of ['grant_type=client_credentials&client_id=a%00b&client_secret=s', 'grant_type=authorization_code&client_id=%00&code=x']) {
        const response = await post('/oauth/token', payload);
        expect(response.statusCode).toBe(401);
        expect(response.json().error).toBe('invalid_client');
      }
    });
  });

  it('the process stayed healthy: no unhandled rejection, and a valid client still gets a token', async () => {
    expect(watch.faults).toEqual([]);
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth('order-service', TEST_DEMO_SECRET) },
      payload: 'grant_type=client_credentials',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(expect.objectContaining({ token_type: 'Bearer' }));
  });
});
