import { DEMO_USERS } from '@app/platform';
import { decodeJwt } from 'jose';
import { startAuthServer, TestAuthServer, TEST_ACTOR } from '../apps/auth-server/test/support/auth-server.harness';
import { freePort } from '../test/support/ports';
import { runTokenCommand } from './support/user-token';

/** `npm run -s token` against a real auth-server, as the terminal sees it: stdout, stderr, exit code. */
describe('npm run -s token (user tokens from a terminal)', () => {
  let server: TestAuthServer;
  /** What reached the auth-server's endpoints, to check that `resource` is passed through. */
  const seen: { authorizeQuery: Record<string, unknown>[]; tokenBodies: Record<string, unknown>[] } = { authorizeQuery: [], tokenBodies: [] };

  beforeAll(async () => {
    server = await startAuthServer({
      beforeListen: (app) => {
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('preHandler', async (request) => {
            if (request.method === 'GET' && request.url.startsWith('/oauth/authorize')) seen.authorizeQuery.push({ ...(request.query as object) });
            if (request.method === 'POST' && request.url.startsWith('/oauth/token')) seen.tokenBodies.push({ ...(request.body as object) });
          });
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function token(argv: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runTokenCommand(argv, {
      env: { AUTH_SERVER_URL: server.url, ALICE_PASSWORD: 'alice-test-password', BOB_PASSWORD: 'bob-test-password', ...options.env },
      readStdin: async () => options.stdin ?? '',
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    return { code, stdout, stderr };
  }

  it('prints the access token alone on stdout, so TOKEN=$(npm run -s token -- --user alice) works', async () => {
    const result = await token(['--user', 'alice']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = decodeJwt(result.stdout.trim());
    expect(claims).toMatchObject({ sub: DEMO_USERS.alice.id, client_id: 'demo-app', aud: 'api://order-service', iss: server.issuer });
  });

  it('asks for the scopes given with --scope', async () => {
    const result = await token(['--user', 'bob', '--scope', 'orders:read']);
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout.trim())).toMatchObject({ sub: DEMO_USERS.bob.id, scope: 'orders:read' });
  });

  it('--json prints the whole token response', async () => {
    const result = await token(['--user', 'alice', '--scope', 'orders:read orders:write', '--json']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'orders:read orders:write' });
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
  });

  it('sends --resource as RFC 8707 resource to the authorization and the token endpoint', async () => {
    seen.authorizeQuery.length = 0;
    seen.tokenBodies.length = 0;
    const result = await token(['--user', 'alice', '--resource', 'api://order-service', '--scope', 'orders:read']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(decodeJwt(result.stdout.trim()).aud).toBe('api://order-service');
    expect(seen.authorizeQuery).toEqual([expect.objectContaining({ resource: 'api://order-service', client_id: 'demo-app' })]);
    expect(seen.tokenBodies).toEqual([expect.objectContaining({ resource: 'api://order-service', grant_type: 'authorization_code' })]);
  });

  it('reads the password from stdin with --password-stdin (one trailing newline dropped)', async () => {
    const result = await token(['--user', 'bob', '--password-stdin'], { env: { BOB_PASSWORD: '' }, stdin: 'bob-test-password\n' });
    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout.trim()).sub).toBe(DEMO_USERS.bob.id);
  });

  it('a wrong password: exit 1, one line on stderr, nothing on stdout', async () => {
    const result = await token(['--user', 'alice'], { env: { ALICE_PASSWORD: 'not-her-password' } });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'token: sign-in as alice failed: Invalid username or password.\n' });
  });

  it('a user without a password in the environment is told to use --password-stdin', async () => {
    const result = await token(['--user', 'carol']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('token: no password for carol: pipe it in with --password-stdin (only alice and bob have one in the environment)\n');
  });

  it('an unknown client: exit 1 with the reason', async () => {
    const result = await token(['--user', 'alice', '--client', 'no-such-app']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'token: the auth-server refused client no-such-app: unknown client\n' });
  });

  it('a client without the loopback redirect URI: says how to register it', async () => {
    await server.clients.create({
      clientId: 'web-only-app',
      grants: [{ resource: 'api://order-service', scopes: ['orders:read'] }],
      authMethod: 'none',
      redirectUris: ['https://app.example.com/callback'],
    }, TEST_ACTOR);
    const result = await token(['--user', 'alice', '--client', 'web-only-app']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'token: redirect_uri is not registered for this client (web-only-app needs http://127.0.0.1/callback: ' +
        'npm run -s cli -- clients update web-only-app --add-redirect-uri http://127.0.0.1/callback)\n',
    );
  });

  it('a scope the client may not ask for: the invalid_scope error from the redirect', async () => {
    const result = await token(['--user', 'alice', '--scope', 'invoices:read']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('token: invalid_scope: scope not granted to this client: invoices:read (see what demo-app may ask for: npm run -s cli -- clients show demo-app)\n');
  });

  it('the auth-server not running: exit 1, start it with npm start', async () => {
    const port = await freePort();
    const result = await token(['--user', 'alice'], { env: { AUTH_SERVER_URL: `http://127.0.0.1:${port}` } });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `token: the auth-server at http://127.0.0.1:${port} is not reachable: start it with npm start (or set AUTH_SERVER_URL)\n`,
    });
  });

  it('without AUTH_SERVER_URL it uses http://localhost:$AUTH_SERVER_PORT', async () => {
    const port = new URL(server.url).port;
    const result = await token(['--user', 'alice'], { env: { AUTH_SERVER_URL: '', AUTH_SERVER_PORT: port } });
    expect(result.code).toBe(0);
  });

  it('bad usage: exit 2 with the usage text; --help prints it on stdout', async () => {
    const missing = await token([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^token: --user is required\nusage: npm run -s token -- --user <name>/);
    const unknown = await token(['--user', 'alice', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^token: Unknown option '--frobnicate'/);
    const help = await token(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('--password-stdin');
  });
});
