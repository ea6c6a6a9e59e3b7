import { DEMO_USERS } from '@app/platform';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { AuditLog } from '../src/audit/audit-log';
import { RegistrationError } from '../src/audit/registration-error';
import { runCli } from '../src/cli/cli';
import { DataSource } from 'typeorm';
import { ResourceEntity } from '../src/resources/resource.entity';
import { ResourcesService } from '../src/resources/resources.service';
import { hiddenFields, login, pkcePair } from '../../../scripts/support/login-form';
import { postForm, registerClient, requestToken, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from './support/auth-server.harness';

const alice = { username: 'alice', password: 'alice-test-password' };

/** The operator CLI in this process, against the test server's database. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

const operator = { kind: 'cli', id: 'resources-test' } as const;

/** Polls `read` until it matches `expected` (asymmetric matchers too), for up to the server's cache TTL and a second; returns the last value. */
async function eventually<T>(read: () => Promise<T>, expected: unknown): Promise<T> {
  const deadline = Date.now() + Number(process.env.CLIENT_CACHE_TTL_MS ?? 0) + 1000;
  for (;;) {
    const value = await read();
    if (expect.objectContaining({ value: expected }).asymmetricMatch({ value }) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('resources (APIs) as registrations', () => {
  let server: TestAuthServer;
  let resources: ResourcesService;
  const audit: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startAuthServer();
    resources = server.app.get(ResourcesService);
    server.app.get(AuditLog).sendTo((line) => audit.push(line));
  });
  afterAll(async () => {
    await server?.close();
  });

  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RegistrationError);
    return error as RegistrationError;
  };

  describe('ResourcesService', () => {
    it('create registers a resource, returns its summary and audits it once', async () => {
      audit.length = 0;
      const created = await resources.create({ uri: 'api://billing-service', name: 'Billing', scopes: ['invoices:read', 'invoices:write', 'invoices:read'] }, operator);
      expect(created).toEqual({
        uri: 'api://billing-service',
        name: 'Billing',
        scopes: ['invoices:read', 'invoices:write'],
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(await resources.show('api://billing-service')).toEqual(created);
      expect(audit).toEqual([
        expect.objectContaining({
          event: 'audit',
          action: 'resource.create',
          target: { type: 'resource', id: 'api://billing-service' },
          actor: operator,
          changes: { name: 'Billing', scopes: ['invoices:read', 'invoices:write'] },
        }),
      ]);
    });

    it('a resource without a name is named after its URI', async () => {
      const created = await resources.create({ uri: 'https://api.example.com/reports', scopes: [] }, operator);
      expect(created).toMatchObject({ uri: 'https://api.example.com/reports', name: 'https://api.example.com/reports', scopes: [] });
    });

    it('a duplicate URI is a conflict, and the first registration is left as it was', async () => {
      audit.length = 0;
      const error = await refusal(resources.create({ uri: 'api://billing-service', scopes: ['other'] }, operator));
      expect(error.reason).toBe('conflict');
      expect(error.message).toMatch(/already exists/);
      expect((await resources.show('api://billing-service')).scopes).toEqual(['invoices:read', 'invoices:write']);
      expect(audit).toEqual([]);
    });

    it('concurrent creators of one URI: one wins, the others get a conflict', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => resources.create({ uri: 'api://raced', scopes: ['raced:read'] }, operator)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(result.reason).toBeInstanceOf(RegistrationError);
        expect((result.reason as RegistrationError).reason).toBe('conflict');
      }
    });

    it.each([
      ['a relative URI', 'billing-service'],
      ['a URI with a fragment', 'api://billing-service#v2'],
      ['a URI with a space', 'api://billing service'],
      ['an empty URI', ''],
      ['a NUL character', 'api://bill\0ing'],
    ])('refuses %s as the URI (invalid)', async (_, uri) => {
      const error = await refusal(resources.create({ uri, scopes: ['x'] }, operator));
      expect(error.reason).toBe('invalid');
      expect(error.message).toMatch(/absolute URI without a fragment/);
    });

    it.each([['has space'], ['quote"d'], ['back\\slash'], ['']])('refuses %j as a scope (RFC 6749 scope-token)', async (scope) => {
      const error = await refusal(resources.create({ uri: 'api://bad-scopes', scopes: ['ok', scope] }, operator));
      expect(error.reason).toBe('invalid');
      expect(error.message).toMatch(/not a valid scope token/);
      await expect(resources.show('api://bad-scopes')).rejects.toMatchObject({ reason: 'not_found' });
    });

    it('show of an unknown URI is not_found', async () => {
      const error = await refusal(resources.show('api://nowhere'));
      expect(error.reason).toBe('not_found');
      expect((await refusal(resources.show('api://no\0where'))).reason).toBe('not_found');
    });

    it('update replaces the scopes and/or the name, and audits exactly what changed', async () => {
      audit.length = 0;
      const before = await resources.show('api://billing-service');
      const updated = await resources.update('api://billing-service', { scopes: ['invoices:read', 'invoices:pay'] }, operator);
      expect(updated).toMatchObject({ uri: 'api://billing-service', name: 'Billing', scopes: ['invoices:read', 'invoices:pay'], created_at: before.created_at });
      const renamed = await resources.update('api://billing-service', { name: 'Billing API' }, operator);
      expect(renamed).toMatchObject({ name: 'Billing API', scopes: ['invoices:read', 'invoices:pay'] });
      expect(audit).toEqual([
        expect.objectContaining({ action: 'resource.update', target: { type: 'resource', id: 'api://billing-service' }, actor: operator, changes: { scopes: ['invoices:read', 'invoices:pay'] } }),
        expect.objectContaining({ action: 'resource.update', changes: { name: 'Billing API' } }),
      ]);
    });

    it('update refuses an unknown URI (not_found), an empty patch and bad scopes (invalid)', async () => {
      expect((await refusal(resources.update('api://nowhere', { scopes: ['a'] }, operator))).reason).toBe('not_found');
      expect((await refusal(resources.update('api://billing-service', {}, operator))).reason).toBe('invalid');
      expect((await refusal(resources.update('api://billing-service', { scopes: ['a b'] }, operator))).reason).toBe('invalid');
      expect((await refusal(resources.update('api://billing-service', { name: '  ' }, operator))).reason).toBe('invalid');
    });

    it('list is ordered by URI; scopesOf answers registered URIs only; knownScopes is the union', async () => {
      const listed = (await resources.list()).map((resource) => resource.uri);
      expect(listed).toEqual([...listed].sort());
      expect(listed).toEqual(expect.arrayContaining(['api://billing-service', 'api://raced', 'https://api.example.com/reports']));
      const scopes = await resources.scopesOf(['api://billing-service', 'api://nowhere', 'api://no\0where']);
      expect([...scopes.entries()]).toEqual([['api://billing-service', ['invoices:read', 'invoices:pay']]]);
      expect(await resources.knownScopes()).toEqual(expect.arrayContaining(['invoices:pay', 'invoices:read', 'raced:read']));
    });
  });
  describe('ResourceCatalog: the token path reads the resources from memory (issue 27)', () => {
    it('no database read per token; after a change through the server, one read shared by concurrent requests', async () => {
      const demo = { clientId: 'order-service', secret: TEST_DEMO_SECRET };
      const reads = jest.spyOn(server.app.get(DataSource).getRepository(ResourceEntity), 'find');
      try {
        expect((await requestToken(server, demo, { scope: 'users:read' })).status).toBe(200);
        reads.mockClear();
        for (let i = 0; i < 5; i++) expect((await requestToken(server, demo, { scope: 'users:read' })).status).toBe(200);
        expect(reads).not.toHaveBeenCalled();

        await resources.create({ uri: 'api://catalog-probe', scopes: ['probe:read'] }, operator);
        const answers = await Promise.all(Array.from({ length: 10 }, () => requestToken(server, demo, { scope: 'users:read' })));
        expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
        expect(reads).toHaveBeenCalledTimes(1);
      } finally {
        reads.mockRestore();
      }
    });
  });

  describe('discovery', () => {
    // First metadata request of this server: scopes_supported is cached for 30 s after it.
    it('scopes_supported includes the scopes every registered resource defines, not only those clients are allowed', async () => {
      await resources.create({ uri: 'api://telemetry', scopes: ['telemetry:read'] }, operator);
      const body = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as { scopes_supported: string[] };
      expect(body.scopes_supported).toEqual(expect.arrayContaining(['telemetry:read', 'invoices:pay', 'users:read', 'orders:write']));
      expect(body.scopes_supported).toEqual([...new Set(body.scopes_supported)].sort());
    });
  });

  describe('demo seeding', () => {
    it('registers api://user-service and api://order-service with their scopes, once', async () => {
      expect(await resources.show('api://user-service')).toMatchObject({ scopes: ['users:read', 'users:provision'] });
      expect(await resources.show('api://order-service')).toMatchObject({ scopes: ['orders:read', 'orders:write'] });
    });
  });

  describe('CLI: resources create | list | show | update', () => {
    it('create --json prints the resource as JSON on stdout, its audit event on stderr', async () => {
      const run = await cli('resources', 'create', '--uri', 'api://cli-api', '--scopes', 'cli:read, cli:write', '--name', 'CLI API', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toEqual({
        uri: 'api://cli-api',
        name: 'CLI API',
        scopes: ['cli:read', 'cli:write'],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const events = run.err.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events).toEqual([
        expect.objectContaining({ event: 'audit', action: 'resource.create', target: { type: 'resource', id: 'api://cli-api' }, actor: expect.objectContaining({ kind: 'cli' }) }),
      ]);
    });

    it('create refuses a duplicate URI, a bad URI and a bad scope: exit 1, a message, nothing on stdout', async () => {
      for (const [argv, message] of [
        [['--uri', 'api://cli-api', '--scopes', 'x'], /already exists/],
        [['--uri', 'cli-api', '--scopes', 'x'], /absolute URI without a fragment/],
        [['--uri', 'api://cli-api#frag', '--scopes', 'x'], /absolute URI without a fragment/],
        [['--uri', 'api://cli-other', '--scopes', 'bad"scope'], /not a valid scope token/],
      ] as const) {
        const run = await cli('resources', 'create', ...argv, '--json');
        expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: '' });
        expect(run.err).toMatch(message);
      }
      expect((await cli('resources', 'create', '--uri', 'api://no-scopes')).code).not.toBe(0);
    });

    it('list and show, as text and as JSON', async () => {
      const listed = await cli('resources', 'list', '--json');
      expect(listed.code).toBe(0);
      const all = JSON.parse(listed.out) as { uri: string; scopes: string[] }[];
      expect(all).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ uri: 'api://cli-api', scopes: ['cli:read', 'cli:write'] }),
          expect.objectContaining({ uri: 'api://user-service', scopes: ['users:read', 'users:provision'] }),
        ]),
      );
      expect((await cli('resources', 'list')).out).toMatch(/^api:\/\/cli-api {2}\(CLI API\) {2}scopes: cli:read cli:write$/m);

      const shown = await cli('resources', 'show', 'api://cli-api', '--json');
      expect(JSON.parse(shown.out)).toEqual(all.find((resource) => resource.uri === 'api://cli-api'));
      expect((await cli('resources', 'show', 'api://cli-api')).out).toMatch(/scopes: {2}cli:read cli:write/);
      const missing = await cli('resources', 'show', 'api://nowhere', '--json');
      expect({ code: missing.code, out: missing.out }).toEqual({ code: 1, out: '' });
      expect(missing.err).toMatch(/no resource "api:\/\/nowhere"/);
    });

    it('update replaces the scopes or the name; with neither it is refused', async () => {
      const run = await cli('resources', 'update', 'api://cli-api', '--scopes', 'cli:read cli:admin', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toMatchObject({ uri: 'api://cli-api', name: 'CLI API', scopes: ['cli:read', 'cli:admin'] });
      expect(run.err).toMatch(/"action":"resource.update".*"changes":\{"scopes":\["cli:read","cli:admin"\]\}/);
      expect(JSON.parse((await cli('resources', 'update', 'api://cli-api', '--name', 'Renamed', '--json')).out)).toMatchObject({ name: 'Renamed' });
      const nothing = await cli('resources', 'update', 'api://cli-api');
      expect(nothing.code).toBe(1);
      expect(nothing.err).toMatch(/nothing to update/);
      expect((await cli('resources', 'update', 'api://nowhere', '--name', 'x')).code).toBe(1);
    });
  });

  describe('authorization endpoint: resource (RFC 8707) and the audience of a login', () => {
    const clientId = 'invoice-app';
    const redirectUri = 'http://127.0.0.1:53998/callback';
    const invoices = 'api://invoice-service';

    beforeAll(async () => {
      // A new API registered through the CLI, and a public client allowed some of its scopes next to orders:read.
      expect((await cli('resources', 'create', '--uri', invoices, '--scopes', 'invoices:read invoices:write', '--json')).code).toBe(0);
      // Registered by another app context: the server's ResourceCatalog may hold an older copy for up to CLIENT_CACHE_TTL_MS.
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.CLIENT_CACHE_TTL_MS ?? 0) + 100));
      await registerClient(server, {
        clientId,
        grants: [
          { resource: 'api://order-service', scopes: ['orders:read'] },
          { resource: invoices, scopes: ['invoices:read'], defaultScopes: [] },
        ],
        authMethod: 'none',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['http://127.0.0.1/callback'],
      });
    });

    const authorizeParams = (challenge: string, extra: Record<string, string>) => ({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      state: 'state-r',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    const exchange = (code: string, verifier: string, extra: Record<string, string> = {}) =>
      postForm(server, '/oauth/token', { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier, ...extra });
    const refresh = (refreshToken: unknown, extra: Record<string, string> = {}) =>
      postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(refreshToken), ...extra });

    async function signIn(extra: Record<string, string>) {
      const pkce = pkcePair();
      const result = await login(server.url, authorizeParams(pkce.challenge, extra), alice);
      return { ...result, verifier: pkce.verifier, code: result.location?.searchParams.get('code') ?? undefined };
    }

    async function tokensFor(extra: Record<string, string>, exchangeExtra: Record<string, string> = {}) {
      const { status, code, verifier } = await signIn(extra);
      expect(status).toBe(302);
      const response = await exchange(code!, verifier, exchangeExtra);
      expect(response.status).toBe(200);
      return response.body;
    }

    it('resource names the API: alice gets a token whose aud is that resource, with its scope', async () => {
      const body = await tokensFor({ resource: invoices, scope: 'invoices:read' }, { resource: invoices });
      expect(body.scope).toBe('invoices:read');
      const { payload } = await jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
        issuer: server.issuer,
        audience: invoices,
        typ: 'at+jwt',
      });
      expect(payload).toMatchObject({ sub: DEMO_USERS.alice.id, client_id: clientId, aud: invoices, scope: 'invoices:read' });
    });

    it('resource without scope: the client default scopes that resource defines (none here: invalid_scope)', async () => {
      const result = await signIn({ resource: invoices });
      expect(result.status).toBe(302);
      expect(result.location!.searchParams.get('error')).toBe('invalid_scope');
      const orders = await tokensFor({ resource: 'api://order-service' });
      expect(decodeJwt(String(orders.access_token))).toMatchObject({ aud: 'api://order-service', scope: 'orders:read' });
    });

    it('without resource, the audience is the first of the client APIs that defines every requested scope', async () => {
      expect(decodeJwt(String((await tokensFor({ scope: 'invoices:read' })).access_token)).aud).toBe(invoices);
      expect(decodeJwt(String((await tokensFor({ scope: 'orders:read' })).access_token)).aud).toBe('api://order-service');
      // No scope at all: the default scopes of the first API (by URI) that has any: invoice-service has none, so order-service.
      const defaults = decodeJwt(String((await tokensFor({})).access_token));
      expect(defaults).toMatchObject({ aud: 'api://order-service', scope: 'orders:read' });
    });

    it('the audience stays with the login: refresh keeps it; a token request naming another resource is invalid_target', async () => {
      const first = await tokensFor({ scope: 'invoices:read' });
      const other = await refresh(first.refresh_token, { resource: 'api://order-service' });
      expect(other.status).toBe(400);
      expect(other.body.error).toBe('invalid_target');
      const same = await refresh(first.refresh_token, { resource: invoices });
      expect(same.status).toBe(200);
      expect(decodeJwt(String(same.body.access_token)).aud).toBe(invoices);
      const plain = await refresh(same.body.refresh_token);
      expect(plain.status).toBe(200);
      expect(decodeJwt(String(plain.body.access_token)).aud).toBe(invoices);

      const { code, verifier } = await signIn({ resource: invoices, scope: 'invoices:read' });
      const mismatch = await exchange(code!, verifier, { resource: 'api://order-service' });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.error).toBe('invalid_target');
      // One attempt per code: it is spent.
      expect((await exchange(code!, verifier)).body.error).toBe('invalid_grant');
    });

    it.each([
      ['not among the client audiences', { resource: 'api://user-service', scope: 'orders:read' }],
      ['relative', { resource: 'invoice-service', scope: 'invoices:read' }],
      ['with a fragment', { resource: `${invoices}#x`, scope: 'invoices:read' }],
    ])('a resource %s is invalid_target, redirected to the client with its state', async (_, extra) => {
      const result = await signIn(extra);
      expect(result.status).toBe(302);
      expect(`${result.location!.origin}${result.location!.pathname}`).toBe(redirectUri);
      expect(result.location!.searchParams.get('error')).toBe('invalid_target');
      expect(result.location!.searchParams.get('state')).toBe('state-r');
      expect(result.location!.searchParams.get('code')).toBeNull();
    });

    it('two resources in one request are invalid_target', async () => {
      const query = new URLSearchParams({ ...authorizeParams(pkcePair().challenge, { scope: 'invoices:read' }) });
      query.append('resource', invoices);
      query.append('resource', 'api://order-service');
      const response = await fetch(`${server.url}/oauth/authorize?${query}`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
    });

    it.each([
      ['a scope the resource does not define', { resource: invoices, scope: 'orders:read' }],
      ['a scope the resource defines but the client is not allowed', { resource: invoices, scope: 'invoices:write' }],
      ['scopes no single API of the client defines', { scope: 'orders:read invoices:read' }],
    ])('%s is invalid_scope', async (_, extra) => {
      const result = await signIn(extra);
      expect(result.status).toBe(302);
      expect(result.location!.searchParams.get('error')).toBe('invalid_scope');
    });

    it('a resource update through the server applies to the next authorization request; through the CLI, within CLIENT_CACHE_TTL_MS', async () => {
      // The server keeps the resources' scopes in memory (ResourceCatalog, no database read per request):
      // its own ResourcesService invalidates that copy at once.
      await resources.update(invoices, { scopes: ['invoices:write'] }, operator);
      try {
        expect((await signIn({ scope: 'invoices:read' })).location!.searchParams.get('error')).toBe('invalid_scope');
      } finally {
        await resources.update(invoices, { scopes: ['invoices:read', 'invoices:write'] }, operator);
      }
      expect((await signIn({ scope: 'invoices:read' })).code).toEqual(expect.any(String));
      // The CLI is another process (here another app context): the server sees its change when its copy expires.
      expect((await cli('resources', 'update', invoices, '--scopes', 'invoices:write')).code).toBe(0);
      try {
        expect(await eventually(async () => (await signIn({ scope: 'invoices:read' })).location!.searchParams.get('error'), 'invalid_scope')).toBe('invalid_scope');
      } finally {
        expect((await cli('resources', 'update', invoices, '--scopes', 'invoices:read invoices:write')).code).toBe(0);
      }
      expect(await eventually(async () => (await signIn({ scope: 'invoices:read' })).code ?? null, expect.any(String))).toEqual(expect.any(String));
    });

    it('the sign-in page names the API the scopes are for: its registered name and URI, or the URI alone', async () => {
      const pkce = pkcePair();
      const pageFor = async (extra: Record<string, string>) =>
        (await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(authorizeParams(pkce.challenge, extra))}`)).text();
      // The invoice API was registered without a name, so it is named by its URI.
      expect(await pageFor({ resource: invoices, scope: 'invoices:read' })).toContain(`act for you on <code>${invoices}</code> with:`);
      const orders = await pageFor({ scope: 'orders:read' });
      expect(orders).toMatch(/act for you on <strong>[^<]+<\/strong> \(<code>api:\/\/order-service<\/code>\) with:/);
    });

    it('resource travels through the CSRF-bound sign-in form: changing it in the form is refused', async () => {
      const pkce = pkcePair();
      const page = await fetch(`${server.url}/oauth/authorize?${new URLSearchParams(authorizeParams(pkce.challenge, { resource: invoices, scope: 'invoices:read' }))}`);
      expect(page.status).toBe(200);
      const fields = hiddenFields(await page.text());
      expect(fields.resource).toBe(invoices);
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const submit = (resource: string) =>
        fetch(`${server.url}/oauth/authorize`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: new URLSearchParams({ ...fields, resource, ...alice }).toString(),
        });
      // Without its resource the request is still valid (the scope picks the same API), but not the one the form was made for.
      const tampered = await submit('');
      expect(tampered.status).toBe(400);
      expect(await tampered.text()).toMatch(/start again/);
      expect(tampered.headers.get('location')).toBeNull();
      const honest = await submit(invoices);
      expect(honest.status).toBe(302);
      expect(new URL(honest.headers.get('location')!).searchParams.get('code')).toEqual(expect.any(String));
    });
  });
});
