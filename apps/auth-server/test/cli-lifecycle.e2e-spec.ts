import { decodeJwt } from 'jose';
import { runCli } from '../src/cli/cli';
import { login, pkcePair } from '../../../scripts/support/login-form';
import {
  basicAuth,
  postForm,
  requestToken,
  startAuthServer,
  TEST_DEMO_SECRET,
  TEST_USER_SERVICE_SECRET,
  TestAuthServer,
} from './support/auth-server.harness';

interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Everything any run wrote to stderr: audit lines must never carry a secret or a password. */
let stderrSeen = '';

/** The operator CLI in this process; `stdin` is what a pipe would feed it. */
async function cli(argv: string[], stdin = ''): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (text) => void (out += text), err: (text) => void (err += text), stdin: async () => stdin });
  stderrSeen += err;
  return { code, out, err };
}

async function cliJson<T = Record<string, unknown>>(argv: string[], stdin = ''): Promise<{ result: T; audit: Record<string, unknown>[] }> {
  const run = await cli([...argv, '--json'], stdin);
  expect(run).toEqual({ code: 0, out: expect.any(String), err: expect.any(String) });
  const audit = run.err
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { result: JSON.parse(run.out) as T, audit };
}

/** The CLI fails as an operator expects: exit 1, the reason on stderr, nothing on stdout. */
async function expectRefused(argv: string[], message: RegExp, stdin = ''): Promise<CliRun> {
  const run = await cli(argv, stdin);
  expect(run.code).toBe(1);
  expect(run.out).toBe('');
  expect(run.err).toMatch(message);
  return run;
}

const redirectUri = 'http://127.0.0.1:53999/callback';

describe('operator CLI: the lifecycle of clients and users, end to end', () => {
  let server: TestAuthServer;
  const secrets: string[] = [];

  beforeAll(async () => {
    // The CLI changes the registry through its own Nest context: no client cache, so the server sees each change.
    server = await startAuthServer({ env: { CLIENT_CACHE_TTL_MS: '0' } });
  });
  afterAll(async () => server?.close());

  /** Signs in through the login form as a browser would (code + PKCE); the token response, or null when refused. */
  async function signIn(clientId: string, credentials: { username: string; password: string }, scope: string) {
    const { verifier, challenge } = pkcePair();
    const params = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state: 'st', code_challenge: challenge, code_challenge_method: 'S256' };
    const result = await login(server.url, params, credentials);
    const code = result.location?.searchParams.get('code');
    if (!code) return { refused: result };
    const exchanged = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(exchanged.status).toBe(200);
    return { tokens: exchanged.body as { access_token: string; refresh_token: string; scope: string } };
  }

  const introspect = async (token: string, owner: { clientId: string; secret: string }) =>
    (await postForm(server, '/oauth/introspect', { token }, { headers: { authorization: basicAuth(owner.clientId, owner.secret) } })).body;
  const orderServiceOwner = { clientId: 'order-service', secret: TEST_DEMO_SECRET };
  const userServiceOwner = { clientId: 'user-service', secret: TEST_USER_SERVICE_SECRET };

  describe('users and a public client', () => {
    const dora = { username: 'dora', password: 'dora-first-password' };

    it('users create --password-stdin: the user, an audit line without the password', async () => {
      secrets.push(dora.password);
      const { result, audit } = await cliJson(['users', 'create', '--username', 'dora', '--name', 'Dora Example', '--password-stdin'], `${dora.password}\n`);
      expect(result).toEqual({ id: expect.any(String), username: 'dora', display_name: 'Dora Example', status: 'active', created_at: expect.any(String) });
      expect(audit).toEqual([
        expect.objectContaining({ event: 'audit', action: 'user.create', target: { type: 'user', id: result.id }, actor: expect.objectContaining({ kind: 'cli' }) }),
      ]);
    });

    it('clients create --auth-method none --redirect-uri: a public client that signs dora in', async () => {
      const { result, audit } = await cliJson([
        'clients', 'create', '--id', 'cli-web', '--auth-method', 'none', '--grant', 'api://order-service=orders:read,orders:write',
        '--redirect-uri', 'http://127.0.0.1/callback',
      ]);
      expect(result).toEqual(
        expect.objectContaining({
          client_id: 'cli-web',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: ['http://127.0.0.1/callback'],
        }),
      );
      expect(result).not.toHaveProperty('client_secret');
      expect(audit.map((line) => line.action)).toEqual(['client.create']);

      const { tokens } = await signIn('cli-web', dora, 'orders:read orders:write');
      expect(tokens!.scope).toBe('orders:read orders:write');
      expect(decodeJwt(tokens!.access_token)).toMatchObject({ aud: 'api://order-service', client_id: 'cli-web' });
      expect(await introspect(tokens!.access_token, orderServiceOwner)).toMatchObject({ active: true, client_id: 'cli-web' });
    });

    it('clients show --json: the registration, grants and redirect URIs included', async () => {
      const { result, audit } = await cliJson(['clients', 'show', 'cli-web']);
      expect(result).toMatchObject({
        client_id: 'cli-web',
        grants: [{ resource: 'api://order-service', kind: 'direct', scopes: ['orders:read', 'orders:write'], default_scopes: ['orders:read', 'orders:write'] }],
        redirect_uris: ['http://127.0.0.1/callback'], secrets: [],
      });
      expect(result).not.toHaveProperty('scopes');
      expect(audit).toEqual([]);
      await expectRefused(['clients', 'show', 'cli-nobody'], /no client "cli-nobody"[\s\S]*hint: run `npm run cli -- clients list`/);
    });

    it('clients grant narrows what the next sign-in may ask for', async () => {
      const { result, audit } = await cliJson(['clients', 'grant', 'cli-web', '--resource', 'api://order-service', '--scopes', 'orders:read']);
      expect(result).toEqual({ client_id: 'cli-web', resource: 'api://order-service', kind: 'direct', scopes: ['orders:read'], default_scopes: ['orders:read'] });
      expect(audit).toEqual([
        expect.objectContaining({ action: 'client.grant', changes: { resource: 'api://order-service', kind: 'direct', scopes: ['orders:read'], default_scopes: ['orders:read'] } }),
      ]);

      const { refused } = await signIn('cli-web', dora, 'orders:read orders:write');
      expect(refused!.location?.searchParams.get('error')).toBe('invalid_scope');
      const { tokens } = await signIn('cli-web', dora, 'orders:read');
      expect(tokens!.scope).toBe('orders:read');
    });

    it('clients update refuses what would make the client invalid, and an empty update', async () => {
      await expectRefused(['clients', 'update', 'cli-web', '--redirect-uri', ''], /need at least one redirect URI[\s\S]*hint: give one with --redirect-uri/);
      await expectRefused(['clients', 'update', 'cli-web', '--grant-types', 'client_credentials'], /public client/);
      await expectRefused(['clients', 'update', 'cli-web'], /nothing to update/);
      await expectRefused(['clients', 'grant', 'cli-web', '--resource', 'api://order-service', '--scopes', 'users:read'], /scopes not defined by api:\/\/order-service: users:read/);
      await expectRefused(['clients', 'grant', 'cli-web', '--resource', 'api://nowhere', '--scopes', 'a'], /no resource "api:\/\/nowhere"[\s\S]*hint: run `npm run cli -- resources list`/);
      await expectRefused(['clients', 'revoke-grant', 'cli-web', '--resource', 'api://user-service'], /has no grant at api:\/\/user-service/);
      const { result } = await cliJson(['clients', 'show', 'cli-web']);
      expect(result).toMatchObject({ grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://127.0.0.1/callback'] });
    });

    it('users disable refuses the sign-in and ends the current login; users enable lets dora back in', async () => {
      const { tokens } = await signIn('cli-web', dora, 'orders:read');
      const { result, audit } = await cliJson(['users', 'disable', 'dora']);
      expect(result).toEqual({ username: 'dora', status: 'disabled' });
      expect(audit.map((line) => line.action)).toEqual(['user.disable']);

      const { refused } = await signIn('cli-web', dora, 'orders:read');
      expect(refused!.status).toBe(400);
      expect(refused!.html).toContain('Invalid username or password.');
      const refreshed = await postForm(server, '/oauth/token', { grant_type: 'refresh_token', client_id: 'cli-web', refresh_token: tokens!.refresh_token });
      expect(refreshed.body.error).toBe('invalid_grant');
      expect(await introspect(tokens!.access_token, orderServiceOwner)).toEqual({ active: false });

      const listed = await cliJson<{ username: string; status: string }[]>(['users', 'list']);
      expect(listed.result.find((user) => user.username === 'dora')?.status).toBe('disabled');

      await cliJson(['users', 'enable', 'dora']);
      expect((await signIn('cli-web', dora, 'orders:read')).tokens).toBeDefined();
    });

    it('users passwd --password-stdin: the new password signs in, the old one no longer does', async () => {
      const next = 'dora-second-password';
      secrets.push(next);
      const { result, audit } = await cliJson(['users', 'passwd', 'dora', '--password-stdin'], `${next}\r\n`);
      expect(result).toEqual({ username: 'dora', password_changed: true });
      expect(audit.map((line) => line.action)).toEqual(['user.passwd']);
      expect((await signIn('cli-web', dora, 'orders:read')).refused).toBeDefined();
      expect((await signIn('cli-web', { username: 'dora', password: next }, 'orders:read')).tokens).toBeDefined();
    });

    it('users create without --password-stdin prints a generated password once, and it signs in', async () => {
      const { result } = await cliJson<{ username: string; password: string }>(['users', 'create', '--username', 'erin']);
      expect(result.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      secrets.push(result.password);
      expect((await signIn('cli-web', { username: 'erin', password: result.password }, 'orders:read')).tokens).toBeDefined();
      const text = await cli(['users', 'list']);
      expect(text.out).toMatch(/^erin {2}"erin"/m);
      expect(text.out).not.toContain(result.password);
    });

    it('users: a taken username, a short password, an unknown user are refused with exit 1', async () => {
      await expectRefused(['users', 'create', '--username', 'dora', '--password-stdin'], /already exists[\s\S]*users passwd/, 'another-long-password');
      await expectRefused(['users', 'passwd', 'dora', '--password-stdin'], /8-1024 characters[\s\S]*--password-stdin/, 'short\n');
      await expectRefused(['users', 'disable', 'nobody'], /no user "nobody"[\s\S]*users list/);
      await expectRefused(['users', 'create', '--username', 'has space', '--password-stdin'], /username/, 'long-enough-password');
    });
  });

  describe('a confidential client: update, then delete', () => {
    let secret = '';

    it('clients grant / revoke-grant change what the next token request gets', async () => {
      const { result } = await cliJson<{ client_secret: string }>(['clients', 'create', '--id', 'cli-svc', '--grant', 'api://user-service=users:read']);
      secret = result.client_secret;
      secrets.push(secret);
      const before = await requestToken(server, { clientId: 'cli-svc', secret });
      expect(decodeJwt(String(before.body.access_token))).toMatchObject({ aud: 'api://user-service', scope: 'users:read' });

      await cliJson(['clients', 'grant', 'cli-svc', '--resource', 'api://order-service', '--scopes', 'orders:read orders:write', '--default-scopes', 'orders:read']);
      expect((await cliJson(['clients', 'show', 'cli-svc'])).result).toMatchObject({
        grants: [
          { resource: 'api://order-service', kind: 'direct', scopes: ['orders:read', 'orders:write'], default_scopes: ['orders:read'] },
          { resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] },
        ],
      });
      const after = await requestToken(server, { clientId: 'cli-svc', secret }, { resource: 'api://order-service', scope: 'orders:write' });
      expect(after.status).toBe(200);
      expect(decodeJwt(String(after.body.access_token))).toMatchObject({ aud: 'api://order-service', scope: 'orders:write' });

      const { result: revoked, audit } = await cliJson(['clients', 'revoke-grant', 'cli-svc', '--resource', 'api://user-service']);
      expect(revoked).toEqual({ client_id: 'cli-svc', resource: 'api://user-service', kind: 'direct', revoked: true });
      expect(audit).toEqual([expect.objectContaining({ action: 'client.revoke-grant', changes: { resource: 'api://user-service', kind: 'direct' } })]);
      expect((await requestToken(server, { clientId: 'cli-svc', secret }, { resource: 'api://user-service', scope: 'users:read' })).status).toBe(400);
      await cliJson(['clients', 'grant', 'cli-svc', '--resource', 'api://user-service', '--scopes', 'users:read']);
    });

    it('delegation grants: clients create --delegation-grant, clients grant --delegation, revoke-grant --delegation; the exchange follows them', async () => {
      const exchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
      const { result: created, audit } = await cliJson<{ client_secret: string; grants: unknown[]; grant_types: string[] }>([
        'clients', 'create', '--id', 'cli-delegate', '--grant-types', `client_credentials,${exchange}`, '--owns-audience', 'api://order-service',
        '--grant', 'api://user-service=users:read', '--delegation-grant', 'api://user-service=users:read',
      ]);
      secrets.push(created.client_secret);
      expect(created.grant_types).toEqual(['client_credentials', exchange]);
      expect(created.grants).toEqual([
        { resource: 'api://user-service', kind: 'delegation', scopes: ['users:read'], default_scopes: ['users:read'] },
        { resource: 'api://user-service', kind: 'direct', scopes: ['users:read'], default_scopes: ['users:read'] },
      ]);
      expect(audit).toEqual([expect.objectContaining({ action: 'client.create', changes: expect.objectContaining({ grants: expect.arrayContaining([expect.objectContaining({ kind: 'delegation' })]) }) })]);
      const { result: granted } = await cliJson(['clients', 'grant', 'cli-delegate', '--resource', 'api://order-service', '--scopes', 'orders:read', '--delegation']);
      expect(granted).toEqual({ client_id: 'cli-delegate', resource: 'api://order-service', kind: 'delegation', scopes: ['orders:read'], default_scopes: ['orders:read'] });
      expect((await cli(['clients', 'show', 'cli-delegate'])).out).toMatch(/grant +api:\/\/order-service \(on behalf of users\): orders:read/);

      // The exchange follows the CLI's grants: alice's token for api://order-service, exchanged for user-service.
      const pkce = pkcePair();
      const signIn = await login(server.url, { response_type: 'code', client_id: 'demo-app', redirect_uri: redirectUri, scope: 'orders:read', resource: 'api://order-service', code_challenge: pkce.challenge, code_challenge_method: 'S256' }, { username: 'alice', password: 'alice-test-password' });
      const code = signIn.location!.searchParams.get('code')!;
      const user = await postForm(server, '/oauth/token', { grant_type: 'authorization_code', client_id: 'demo-app', code, redirect_uri: redirectUri, code_verifier: pkce.verifier });
      const exchangeFor = () =>
        postForm(
          server,
          '/oauth/token',
          { grant_type: exchange, subject_token: String(user.body.access_token), subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: 'api://user-service' },
          { headers: { authorization: basicAuth('cli-delegate', created.client_secret) } },
        );
      const exchanged = await exchangeFor();
      expect(exchanged.status).toBe(200);
      expect(decodeJwt(String(exchanged.body.access_token))).toMatchObject({ act: { sub: 'cli-delegate' }, aud: 'api://user-service', scope: 'users:read' });

      const { result: revoked } = await cliJson(['clients', 'revoke-grant', 'cli-delegate', '--resource', 'api://user-service', '--delegation']);
      expect(revoked).toEqual({ client_id: 'cli-delegate', resource: 'api://user-service', kind: 'delegation', revoked: true });
      expect((await exchangeFor()).body.error).toBe('invalid_target');
      // Its direct grant there still gets it a token of its own.
      expect((await requestToken(server, { clientId: 'cli-delegate', secret: created.client_secret }, { resource: 'api://user-service' })).status).toBe(200);
      await expectRefused(['clients', 'revoke-grant', 'cli-delegate', '--resource', 'api://user-service', '--delegation'], /has no delegation grant at api:\/\/user-service/);
    });

    it('clients delete: its token is inactive at introspection, its secret refused, a namesake does not revive them', async () => {
      const issued = await requestToken(server, { clientId: 'cli-svc', secret }, { resource: 'api://user-service', scope: 'users:read' });
      const token = String(issued.body.access_token);
      expect(await introspect(token, userServiceOwner)).toMatchObject({ active: true });

      const { result, audit } = await cliJson(['clients', 'delete', 'cli-svc']);
      expect(result).toEqual({ client_id: 'cli-svc', deleted: true });
      expect(audit).toEqual([expect.objectContaining({ action: 'client.delete', target: { type: 'client', id: 'cli-svc' } })]);
      expect(await introspect(token, userServiceOwner)).toEqual({ active: false });
      const refused = await requestToken(server, { clientId: 'cli-svc', secret });
      expect(refused.status).toBe(401);
      await expectRefused(['clients', 'show', 'cli-svc'], /no client "cli-svc"/);

      const again = await cliJson<{ client_secret: string }>(['clients', 'create', '--id', 'cli-svc', '--grant', 'api://user-service=users:read']);
      secrets.push(again.result.client_secret);
      expect(await introspect(token, userServiceOwner)).toEqual({ active: false });
      expect((await requestToken(server, { clientId: 'cli-svc', secret })).status).toBe(401);
    });
  });

  describe('help and audit hygiene', () => {
    it('every new command has --help with an example', async () => {
      for (const argv of [
        ['clients', 'show'],
        ['clients', 'update'],
        ['clients', 'grant'],
        ['clients', 'revoke-grant'],
        ['clients', 'delete'],
        ['users', 'create'],
        ['users', 'passwd'],
        ['users', 'disable'],
        ['users', 'enable'],
        ['users', 'list'],
      ]) {
        const run = await cli([...argv, '--help']);
        expect(run.code).toBe(0);
        expect(run.out).toMatch(/--json/);
        expect(run.out).toMatch(new RegExp(`Examples?:\\n  .*${argv.join(' ')}`));
      }
      const create = await cli(['clients', 'create', '--help']);
      expect(create.out).toMatch(/--redirect-uri/);
      expect(create.out).toMatch(/--grant-types/);
      expect(create.out).toMatch(/"none"/);
    });

    it('no stderr line of any run carried a secret or a password', () => {
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      for (const value of secrets) expect(stderrSeen).not.toContain(value);
      expect(stderrSeen).toMatch(/"action":"client\.delete"/);
    });
  });
});
