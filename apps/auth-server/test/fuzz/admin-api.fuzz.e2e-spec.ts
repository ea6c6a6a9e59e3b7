import fc from 'fast-check';
import { FUZZ_RUNS, FUZZ_SEED, fuzzTestTimeout, nastyString, rfcShapeViolation, withinTimeout } from '../../../../test/support/fuzz';
import { ADMIN_AUDIENCE } from '../support/admin-api';
import { registerClient, requestToken, startAuthServer, TestAuthServer } from '../support/auth-server.harness';


/** Every admin route, with `:id` where a path id goes (the secret id is fuzzed on its own). */
const ROUTES: [string, string][] = [
  ['GET', '/admin/clients/:id'],
  ['PATCH', '/admin/clients/:id'],
  ['DELETE', '/admin/clients/:id'],
  ['POST', '/admin/clients/:id/secrets'],
  ['DELETE', '/admin/clients/:id/secrets/:secret'],
  ['POST', '/admin/clients/:id/disable'],
  ['POST', '/admin/clients/:id/enable'],
  ['GET', '/admin/clients/:id/grants'],
  ['POST', '/admin/clients/:id/grants'],
  ['DELETE', '/admin/clients/fz-target/grants/:id'],
  ['DELETE', '/admin/clients/fz-target/grants/:id?kind=delegation'],
  ['DELETE', '/admin/clients/fz-target/grants/:id?kind=:kind'],
  ['POST', '/admin/clients'],
  ['POST', '/admin/users'],
  ['POST', '/admin/users/:id/password'],
  ['POST', '/admin/users/:id/disable'],
  ['POST', '/admin/users/:id/enable'],
  ['POST', '/admin/resources'],
  ['GET', '/admin/resources/:id'],
  ['PATCH', '/admin/resources/:id'],
];

const FIELDS = [
  'client_id', 'name', 'grants', 'resource', 'scopes', 'default_scopes', 'kind', 'owned_audiences', 'redirect_uris', 'grant_types',
  'token_endpoint_auth_method', 'jwks', 'jwks_uri', 'expires_in', 'username', 'display_name', 'password', 'uri',
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A path segment: the text percent-encoded (lone surrogates as U+FFFD), or raw bytes as sent (`%FF`, `%zz`). */
const segment = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 5, arbitrary: text.map((value) => encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'))) },
    { weight: 1, arbitrary: fc.constantFrom('a%00b', '%00', '%FF', '%ED%A0%80', '%zz', '%', '..', '%2e%2e', '%2F') },
  );
/** Ids: NUL-bearing, non-UUID, UUID, existing ones (never the fuzzing caller's own), junk. */
const pathId = () => segment(fc.oneof(nastyString(), fc.constantFrom('a\0b', '\0', 'demo-app', 'order-service', 'alice', 'api://order-service', 'fz-target')));
const secretId = () => segment(fc.oneof(fc.uuid(), nastyString(), fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-00000000000\0')));
const fieldValue = () =>
  fc.oneof(
    nastyString(),
    fc.array(nastyString(), { maxLength: 4 }),
    fc.integer(),
    fc.constantFrom(null, true, { keys: [] }, { keys: [{ kty: 'EC', crv: 'P-256\0' }] }, ['https://a.example/\0'], ['api://a\0b'], 'delegation', ['urn:ietf:params:oauth:grant-type:token-exchange']),
    fc.jsonValue({ maxDepth: 2 }),
    // grants: lists of objects, well-formed or not, naming real resources or not.
    fc.array(
      fc.record(
        { resource: fc.oneof(nastyString(), fc.constantFrom('api://user-service', 'api://order-service', 'api://\0')), scopes: fc.oneof(fc.array(nastyString(), { maxLength: 3 }), fc.constantFrom(['users:read'], ['orders:read'])), default_scopes: fc.jsonValue({ maxDepth: 1 }), kind: fc.oneof(fc.constantFrom('direct', 'delegation'), nastyString()) },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
  );

/**
 * Property: any admin call (any route, any path id, any JSON body) by a caller holding `admin` is a
 * 2xx or an RFC-shaped 4xx: never a 5xx, a hang or a crash (issue 24 #8).
 */
describe('fuzzing the admin API: paths and bodies', () => {
  let server: TestAuthServer;
  let token: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    server = await startAuthServer();
    const caller = await registerClient(server, { clientId: 'fz-admin-caller', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
    await registerClient(server, { clientId: 'fz-target' });
    token = (await requestToken(server, caller, { scope: 'admin' })).body.access_token as string;
  });
  afterAll(async () => {
    process.stdout.write(`fuzz admin API: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}\n`);
    await server?.close();
  });

  it(
    `${FUZZ_RUNS} random admin calls: no 5xx, RFC-shaped errors`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES),
          pathId(),
          secretId(),
          fc.option(fc.dictionary(fc.constantFrom(...FIELDS, 'unknown'), fieldValue(), { maxKeys: 4 }), { nil: undefined }),
          async ([method, template], id, secret, body) => {
            const url = template.replace(':id', id).replace(':secret', secret).replace(':kind', id);
            const response = await withinTimeout(
              server.app.inject({
                method: method as 'GET',
                url,
                headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
                ...(body ? { payload: JSON.stringify(body) } : {}),
              }),
              `${method} ${url}`,
            );
            statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
            const violation = rfcShapeViolation({ statusCode: response.statusCode, headers: response.headers, body: response.body });
            if (violation) throw new Error(`${method} ${url} ${JSON.stringify(body)}: ${violation}`);
          },
        ),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      // The caller stayed able to call (the fuzz never disabled it): 4xx were about the input.
      expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).toBe(true);
      expect(statuses.get(401) ?? 0).toBe(0);
    },
    fuzzTestTimeout(),
  );
});
