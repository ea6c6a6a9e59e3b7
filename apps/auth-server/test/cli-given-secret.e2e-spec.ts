import { runCli } from '../src/cli/cli';
import { requestToken, startAuthServer, TestAuthServer } from './support/auth-server.harness';

/**
 * `clients create --secret-stdin`: a client whose secret the operator already holds (a secret manager,
 * or the compose file's development placeholder that `npm run new:service` writes). The secret comes
 * from stdin, never the command line, is never echoed, and works at the token endpoint.
 */
describe('operator CLI: clients create --secret-stdin', () => {
  let server: TestAuthServer;
  let stderrSeen = '';

  async function cli(argv: string[], stdin = '') {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (text) => void (out += text), err: (text) => void (err += text), stdin: async () => stdin });
    stderrSeen += err;
    return { code, out, err };
  }

  beforeAll(async () => {
    server = await startAuthServer({ env: { CLIENT_CACHE_TTL_MS: '0' } });
  });
  afterAll(async () => server?.close());

  const given = 'a-secret-from-the-secret-manager-0123456789';
  const create = ['clients', 'create', '--id', 'given-secret-svc', '--grant', 'api://user-service=users:read', '--secret-stdin'];

  it('registers the client with the secret read from stdin (one trailing newline dropped), without printing it', async () => {
    const run = await cli([...create, '--json'], `${given}\n`);
    expect(run).toMatchObject({ code: 0 });
    const result = JSON.parse(run.out) as Record<string, unknown>;
    expect(result).toMatchObject({ client_id: 'given-secret-svc', secret_id: expect.any(String), token_endpoint_auth_method: 'client_secret_basic' });
    expect(result.client_secret).toBeUndefined();
    expect(run.out + run.err).not.toContain(given);

    expect((await requestToken(server, { clientId: 'given-secret-svc', secret: given }, { scope: 'users:read' })).status).toBe(200);
    expect((await requestToken(server, { clientId: 'given-secret-svc', secret: `${given}\n` })).status).toBe(401);
  });

  it('says so in its text output, still without the secret', async () => {
    const run = await cli(['clients', 'create', '--id', 'given-secret-text', '--grant', 'api://user-service=users:read', '--secret-stdin'], given);
    expect(run.code).toBe(0);
    expect(run.out).toContain('the one read from stdin');
    expect(run.out).not.toContain(given);
  });

  it('refuses a short or multi-line secret, and a client without a shared secret, creating nothing', async () => {
    for (const stdin of ['too-short', `${given}\nsecond-line-of-the-secret-000000000`]) {
      const run = await cli(['clients', 'create', '--id', 'refused-svc', '--grant', 'api://user-service=users:read', '--secret-stdin'], stdin);
      expect({ code: run.code, out: run.out }).toEqual({ code: 1, out: '' });
      expect(run.err).toMatch(/one line of at least 32 characters/);
    }
    const publicClient = await cli(
      ['clients', 'create', '--id', 'refused-svc', '--grant', 'api://user-service=users:read', '--auth-method', 'none', '--redirect-uri', 'http://127.0.0.1/cb', '--secret-stdin'],
      given,
    );
    expect(publicClient.code).toBe(1);
    expect(publicClient.err).toMatch(/--secret-stdin is for client_secret_basic or client_secret_post clients, not none/);
    expect((await cli(['clients', 'show', 'refused-svc'])).code).toBe(1);
  });

  it('refuses a placeholder secret in production', async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const run = await cli(['clients', 'create', '--id', 'placeholder-svc', '--grant', 'api://user-service=users:read', '--secret-stdin'], 'dev-placeholder-svc-secret-change-me');
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/refusing a placeholder secret/);
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('never wrote a given secret to stderr (audit lines included)', () => {
    expect(stderrSeen).not.toContain(given);
    expect(stderrSeen).toContain('client.create');
  });
});
