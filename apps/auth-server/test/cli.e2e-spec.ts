import { CryptoKey, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { WorkloadIssuer } from '../../../scripts/workload-issuer/workload-issuer';
import { runCli } from '../src/cli/cli';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { basicAuth, clientAssertion, postForm, requestToken, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from './support/auth-server.harness';

interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the operator CLI in this process, against the database the test server uses. */
async function cli(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

let lastRun: CliRun = { code: 0, out: '', err: '' };

/** Runs the CLI, expects success, and parses its --json output: stdout is JSON only, progress goes to stderr. */
async function cliJson<T = Record<string, unknown>>(...argv: string[]): Promise<T> {
  const run = await cli(...argv);
  lastRun = run;
  expect(run).toEqual({ code: 0, out: expect.any(String), err: expect.any(String) });
  expect(run.err).not.toMatch(/error/i);
  return JSON.parse(run.out) as T;
}

describe('operator CLI (runCli) against a running auth-server', () => {
  let server: TestAuthServer;
  let db: Client;
  let workDir: string;

  beforeAll(async () => {
    // The CLI works on the same database through its own Nest context; with the client cache off,
    // the server sees each CLI change on its next request.
    server = await startAuthServer({ env: { CLIENT_CACHE_TTL_MS: '0' } });
    db = new Client({ connectionString: server.databaseUrl });
    await db.connect();
    workDir = mkdtempSync(join(tmpdir(), 'auth-cli-test-'));
  });
  afterAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    await db?.end();
    await server?.close();
  });

  const tokenStatus = async (clientId: string, secret: string) => (await requestToken(server, { clientId, secret })).status;

  describe('clients: create, list, rotate-secret, revoke-secret, disable', () => {
    const clientId = 'cli-billing';
    let created: { client_id: string; client_secret: string; secret_id: string } & Record<string, unknown>;
    let rotated: { client_secret: string; secret_id: string } & Record<string, unknown>;

    it('clients create --json prints the client and its secret once; the secret works at the token endpoint', async () => {
      created = await cliJson(
        'clients',
        'create',
        '--id',
        clientId,
        '--grant',
        'api://user-service=users:read,users:provision',
        '--json',
      );
      expect(created).toEqual({
        client_id: clientId,
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
        secret_id: expect.any(String),
        token_endpoint_auth_method: 'client_secret_basic',
        grants: [{ resource: 'api://user-service', scopes: ['users:read', 'users:provision'], default_scopes: ['users:read', 'users:provision'] }],
        owned_audiences: [],
        grant_types: ['client_credentials'],
        redirect_uris: [],
      });

      const { status, body } = await requestToken(server, { clientId, secret: created.client_secret }, { scope: 'users:read' });
      expect(status).toBe(200);
      expect(body.scope).toBe('users:read');
      const aud = JSON.parse(Buffer.from(String(body.access_token).split('.')[1]!, 'base64url').toString()).aud;
      expect(aud).toBe('api://user-service');
      // orders:read is not a scope of api://user-service: no token for that audience carries it (issue 27).
      const leak = await requestToken(server, { clientId, secret: created.client_secret }, { resource: 'api://user-service', scope: 'orders:read users:read' });
      expect(leak.body.error).toBe('invalid_scope');
    });

    it('creating the same id again fails: non-zero exit, a message on stderr, nothing on stdout', async () => {
      const run = await cli('clients', 'create', '--id', clientId, '--grant', 'api://user-service=users:read', '--json');
      expect(run.code).not.toBe(0);
      expect(run.err).toMatch(/already exists/);
      expect(run.out).toBe('');
      // The original secret is untouched.
      expect(await tokenStatus(clientId, created.client_secret)).toBe(200);
    });

    it('clients create --owns-audience registers a resource server: it may introspect tokens for that audience, others may not', async () => {
      const owner = await cliJson<{ client_secret: string; owned_audiences: string[]; grants: unknown[] }>(
        'clients', 'create', '--id', 'cli-user-api', '--owns-audience', 'api://user-service', '--json',
      );
      expect(owner.owned_audiences).toEqual(['api://user-service']);
      expect(owner.grants).toEqual([]);
      const bystander = await cliJson<{ client_secret: string }>('clients', 'create', '--id', 'cli-bystander', '--grant', 'api://user-service=users:read', '--json');

      const issued = await requestToken(server, { clientId: 'order-service', secret: TEST_DEMO_SECRET }, { scope: 'users:read', resource: 'api://user-service' });
      const token = String(issued.body.access_token);
      const introspect = (clientId: string, secret: string) =>
        postForm(server, '/oauth/introspect', { token }, { headers: { authorization: basicAuth(clientId, secret) } });
      expect((await introspect('cli-user-api', owner.client_secret)).body).toMatchObject({ active: true, aud: 'api://user-service' });
      expect((await introspect('cli-bystander', bystander.client_secret)).body).toEqual({ active: false });

      const listed = await cli('clients', 'list');
      expect(listed.out).toMatch(/cli-user-api .*owns: api:\/\/user-service/);
    });

    it('clients list --json lists the client and its secret ids, never a secret value', async () => {
      const run = await cli('clients', 'list', '--json');
      expect(run.code).toBe(0);
      expect(run.err).toBe('');
      expect(run.out).not.toContain(created.client_secret);
      const list = JSON.parse(run.out) as Array<Record<string, unknown> & { secrets: Array<Record<string, unknown>> }>;
      const entry = list.find((candidate) => candidate.client_id === clientId);
      expect(entry).toEqual(
        expect.objectContaining({
          client_id: clientId,
          enabled: true,
          token_endpoint_auth_method: 'client_secret_basic',
          grants: [{ resource: 'api://user-service', scopes: ['users:read', 'users:provision'], default_scopes: ['users:read', 'users:provision'] }],
        }),
      );
      expect(entry!.secrets).toEqual([{ id: created.secret_id, created_at: expect.any(String), expires_at: null, active: true }]);
      for (const listed of list) {
        expect(listed).not.toHaveProperty('client_secret');
        for (const secret of listed.secrets) expect(Object.keys(secret).sort()).toEqual(['active', 'created_at', 'expires_at', 'id']);
      }
      // The demo client is listed too.
      expect(list.map((candidate) => candidate.client_id)).toContain('order-service');
    });

    it('clients list (text) shows ids, not secrets', async () => {
      const run = await cli('clients', 'list');
      expect(run.code).toBe(0);
      expect(run.out).toContain(clientId);
      expect(run.out).toContain(created.secret_id);
      expect(run.out).not.toContain(created.client_secret);
    });

    it('clients rotate-secret --json issues a new secret that works; the old one still works (overlap)', async () => {
      rotated = await cliJson('clients', 'rotate-secret', clientId, '--json');
      expect(rotated).toEqual({
        client_id: clientId,
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
        secret_id: expect.any(String),
        expires_at: null,
      });
      expect(rotated.client_secret).not.toBe(created.client_secret);
      expect(await tokenStatus(clientId, rotated.client_secret)).toBe(200);
      expect(await tokenStatus(clientId, created.client_secret)).toBe(200);
    });

    it('a third secret while two are active is refused with a hint', async () => {
      const run = await cli('clients', 'rotate-secret', clientId, '--json');
      expect(run.code).not.toBe(0);
      expect(run.out).toBe('');
      expect(run.err).toMatch(/revoke-secret/);
    });

    it('clients revoke-secret rejects the old secret at the server; the new one keeps working', async () => {
      const run = await cli('clients', 'revoke-secret', clientId, created.secret_id);
      expect(run.code).toBe(0);
      // stderr holds the audit line only: the action and the secret's id, never a secret.
      expect(run.err.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ event: 'audit', action: 'client-secret.revoke', target: { type: 'client-secret', id: created.secret_id } }),
      ]);
      expect(run.out).toContain(created.secret_id);

      const rejected = await requestToken(server, { clientId, secret: created.client_secret });
      expect(rejected.status).toBe(401);
      expect(rejected.body.error).toBe('invalid_client');
      expect(await tokenStatus(clientId, rotated.client_secret)).toBe(200);
    });

    it('revoking an unknown or already revoked secret fails', async () => {
      const again = await cli('clients', 'revoke-secret', clientId, created.secret_id);
      expect(again.code).not.toBe(0);
      expect(again.err).toMatch(/no active secret/);
      const unknown = await cli('clients', 'revoke-secret', clientId, randomUUID());
      expect(unknown.code).not.toBe(0);
      expect(unknown.out).toBe('');
    });

    it('clients disable makes the server refuse the client (401); enable lets it back in', async () => {
      const disabled = await cliJson('clients', 'disable', clientId, '--json');
      expect(disabled).toEqual({ client_id: clientId, enabled: false });
      const refused = await requestToken(server, { clientId, secret: rotated.client_secret });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');

      const run = await cli('clients', 'enable', clientId);
      expect(run.code).toBe(0);
      expect(await tokenStatus(clientId, rotated.client_secret)).toBe(200);
    });

    it('managing an unknown client fails with a message', async () => {
      for (const argv of [
        ['clients', 'disable', 'no-such-client'],
        ['clients', 'rotate-secret', 'no-such-client'],
      ]) {
        const run = await cli(...argv);
        expect(run.code).not.toBe(0);
        expect(run.err).toMatch(/no client "no-such-client"/);
        expect(run.err).toContain('hint: run `npm run cli -- clients list`');
        expect(run.out).toBe('');
      }
    });
  });

  // Issue 30: a trusted workload issuer and a federated_jwt client bound to it, from the command line.
  describe('trusted-issuers and federated_jwt clients', () => {
    let issuer: WorkloadIssuer;
    const subject = 'system:serviceaccount:platform:cli-fed';

    beforeAll(async () => {
      issuer = await WorkloadIssuer.start();
    });
    afterAll(() => issuer?.close());

    it('trusted-issuers create / list, clients create --auth-method federated_jwt, and the workload token works', async () => {
      const jwksFile = join(workDir, 'cluster.jwks.json');
      writeFileSync(jwksFile, JSON.stringify(issuer.jwks()));
      const created = await cliJson('trusted-issuers', 'create', '--issuer', issuer.issuer, '--kind', 'kubernetes', '--jwks-file', jwksFile, '--max-assertion-lifetime', '900', '--json');
      expect(created).toEqual(expect.objectContaining({ issuer: issuer.issuer, kind: 'kubernetes', key_source: 'jwks', audience: server.issuer, max_assertion_lifetime_seconds: 900 }));
      expect(lastRun.err).toMatch(/trusted-issuer\.create/);

      const client = await cliJson('clients', 'create', '--id', 'cli-fed', '--auth-method', 'federated_jwt', '--federated-issuer', issuer.issuer, '--federated-subject', subject, '--grant', 'api://user-service=users:read', '--json');
      expect(client).toEqual(expect.objectContaining({ client_id: 'cli-fed', token_endpoint_auth_method: 'federated_jwt', federated_issuer: issuer.issuer, federated_subject: subject }));
      expect(client).not.toHaveProperty('client_secret');
      const listed = await cliJson<{ issuer: string; clients: string[] }[]>('trusted-issuers', 'list', '--json');
      expect(listed.find((entry) => entry.issuer === issuer.issuer)?.clients).toEqual(['cli-fed']);

      const assertion = await issuer.kubernetesToken({ namespace: 'platform', serviceAccount: 'cli-fed', audience: server.issuer });
      const answer = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'cli-fed', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      expect(answer.status).toBe(200);
    });

    it('trusted-issuers delete is refused while a client is bound, then works', async () => {
      const refused = await cli('trusted-issuers', 'delete', issuer.issuer);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/still authenticates clients: cli-fed/);
      expect((await cli('clients', 'delete', 'cli-fed')).code).toBe(0);
      expect((await cli('trusted-issuers', 'delete', issuer.issuer)).code).toBe(0);
    });

    it('a federated client without its subject, or with a secret, is a usage error', async () => {
      const missing = await cli('clients', 'create', '--id', 'cli-fed-2', '--auth-method', 'federated_jwt', '--federated-issuer', 'https://unknown.example');
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/federated_subject/);
    });
  });

  describe('private_key_jwt clients', () => {
    const clientId = 'cli-reports';
    let privateKey: CryptoKey;
    let jwksFile: string;

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      privateKey = pair.privateKey;
      jwksFile = join(workDir, 'reports.jwks.json');
      writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'reports-1', alg: 'ES256' }] }));
    });

    it('--auth-method private_key_jwt --jwks-file creates a client with no secret', async () => {
      const created = await cliJson(
        'clients',
        'create',
        '--id',
        clientId,
        '--grant',
        'api://user-service=users:read',
        '--auth-method',
        'private_key_jwt',
        '--jwks-file',
        jwksFile,
        '--json',
      );
      expect(created).toEqual(expect.objectContaining({ client_id: clientId, token_endpoint_auth_method: 'private_key_jwt' }));
      expect(created).not.toHaveProperty('client_secret');
      expect(created).not.toHaveProperty('secret_id');
      const { rows } = await db.query('SELECT id FROM auth.client_secrets WHERE client_id = $1', [clientId]);
      expect(rows).toHaveLength(0);
      const stored = await db.query<{ jwks: { keys: Array<{ kid: string }> } }>('SELECT jwks FROM auth.clients WHERE client_id = $1', [clientId]);
      expect(stored.rows[0]!.jwks.keys.map((key) => key.kid)).toEqual(['reports-1']);
    });

    it('the client gets a token with a signed assertion', async () => {
      const assertion = await clientAssertion(server, clientId, privateKey, 'reports-1');
      const { status, body } = await postForm(server, '/oauth/token', {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      expect(status).toBe(200);
      expect(body.token_type).toBe('Bearer');
    });

    it('rotate-secret is refused for it', async () => {
      const run = await cli('clients', 'rotate-secret', clientId);
      expect(run.code).not.toBe(0);
      expect(run.err).toMatch(/private_key_jwt/);
      expect(run.out).toBe('');
    });

    it('an unreadable --jwks-file fails with a message and creates nothing', async () => {
      const run = await cli(
        'clients',
        'create',
        '--id',
        'cli-missing-jwks',
        '--grant',
        'api://user-service=users:read',
        '--auth-method',
        'private_key_jwt',
        '--jwks-file',
        join(workDir, 'does-not-exist.json'),
      );
      expect(run.code).not.toBe(0);
      expect(run.err).toMatch(/cannot read --jwks-file/);
      expect(run.out).toBe('');
      const { rows } = await db.query(`SELECT 1 FROM auth.clients WHERE client_id = 'cli-missing-jwks'`);
      expect(rows).toHaveLength(0);
    });
  });

  describe('keys rotate', () => {
    const publishedKids = async (): Promise<string[]> => {
      const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      return jwks.keys.map((key) => key.kid);
    };

    it('--activation-delay 0 --json creates a key the server publishes after reload and then signs with', async () => {
      const before = await publishedKids();
      expect(before).toHaveLength(1);

      const result = await cliJson<{ kid: string; activatesAt: string; retired: Array<{ kid: string; publishUntil: string }> }>(
        'keys',
        'rotate',
        '--activation-delay',
        '0',
        '--json',
      );
      expect(result).toEqual({
        kid: expect.any(String),
        activatesAt: expect.any(String),
        retired: [{ kid: before[0], publishUntil: expect.any(String) }],
      });
      expect(before).not.toContain(result.kid);
      // Progress on stderr, with the rotation's audit line (issue 24 #6) before "done".
      expect(lastRun.err).toMatch(/generating and publishing a new signing key…\n.*\ndone: /);
      const auditLine = lastRun.err.split('\n').find((line) => line.includes('"signing-key.rotate"'));
      expect(JSON.parse(auditLine ?? '{}')).toMatchObject({
        event: 'audit',
        action: 'signing-key.rotate',
        target: { type: 'signing-key', id: result.kid },
        actor: { kind: 'cli' },
        changes: { retired: [before[0]] },
      });

      await server.app.get(SigningKeysService).reload();
      const after = await publishedKids();
      expect(after).toEqual(expect.arrayContaining([result.kid, before[0]]));

      const demoToken = await requestToken(server, { clientId: 'order-service', secret: TEST_DEMO_SECRET });
      expect(demoToken.status).toBe(200);
      expect(decodeProtectedHeader(String(demoToken.body.access_token)).kid).toBe(result.kid);
    });

    it('keys list --json shows the published keys', async () => {
      const listed = await cliJson<Array<{ kid: string; alg: string }>>('keys', 'list', '--json');
      expect(listed.map((key) => key.kid).sort()).toEqual((await publishedKids()).sort());
      expect(listed.every((key) => key.alg === 'ES256')).toBe(true);
      expect(JSON.stringify(listed)).not.toMatch(/"d"\s*:/);
    });

    it('a negative --activation-delay is a usage error', async () => {
      const run = await cli('keys', 'rotate', '--activation-delay', '-5');
      expect(run.code).not.toBe(0);
      expect(run.out).toBe('');
      expect(run.err).toMatch(/activation-delay/);
    });
  });

  describe('help and progress', () => {
    it('--help lists every command, nested ones included, with examples', async () => {
      const run = await cli('--help');
      expect(run.code).toBe(0);
      for (const command of [
        'clients create',
        'clients list',
        'clients show <client-id>',
        'clients update <client-id>',
        'clients delete <client-id>',
        'clients rotate-secret <client-id>',
        'clients revoke-secret <client-id> <secret-id>',
        'clients disable <client-id>',
        'clients enable <client-id>',
        'users create',
        'users passwd <username>',
        'users disable <username>',
        'users enable <username>',
        'users list',
        'keys rotate',
        'keys list',
        'migrate',
      ]) {
        expect(run.out).toMatch(new RegExp(`^  ${command.replace(/[<>-]/g, '\\$&')}  `, 'm'));
      }
      expect(run.out).toMatch(/Examples:\n  npm run cli -- clients create --id /);
    });

    it('migrate reports progress on stderr and its result on stdout', async () => {
      const run = await cli('migrate');
      expect(run.code).toBe(0);
      expect(run.err).toMatch(/applying pending migrations…\ndone in \d+ ms\n/);
      expect(run.out).toBe('migrations are up to date\n');
    });
  });

  describe('usage errors', () => {
    it('a missing required option: non-zero exit, the option named on stderr, nothing on stdout', async () => {
      const noScopes = await cli('clients', 'grant', 'cli-billing', '--resource', 'api://user-service');
      expect(noScopes.code).not.toBe(0);
      expect(noScopes.err).toMatch(/--scopes/);
      expect(noScopes.out).toBe('');

      const noId = await cli('clients', 'create', '--grant', 'api://user-service=users:read');
      expect(noId.code).not.toBe(0);
      expect(noId.err).toMatch(/--id/);
      expect(noId.out).toBe('');

      const noScopeList = await cli('clients', 'create', '--id', 'cli-no-scopes', '--grant', 'api://user-service');
      expect(noScopeList.code).toBe(1);
      expect(noScopeList.err).toMatch(/--grant: a grant is <resource>=<scopes>/);

      const { rows } = await db.query(`SELECT 1 FROM auth.clients WHERE client_id = 'cli-no-scopes'`);
      expect(rows).toHaveLength(0);
    });

    it('a missing argument: non-zero exit', async () => {
      const run = await cli('clients', 'revoke-secret', 'cli-billing');
      expect(run.code).not.toBe(0);
      expect(run.err).toMatch(/missing required argument/);
    });

    it('an unknown command: non-zero exit with a message', async () => {
      const top = await cli('frobnicate');
      expect(top.code).not.toBe(0);
      expect(top.err).toMatch(/unknown command/);
      expect(top.out).toBe('');

      const sub = await cli('clients', 'frobnicate');
      expect(sub.code).not.toBe(0);
      expect(sub.err).toMatch(/unknown command/);
    });

    // Issue 24 item 9: Commander echoed unknown options, unknown commands and excess arguments, so a
    // mistyped --password=… or a pasted secret was printed back.
    it('never echoes what it does not know: an unknown option by name only, no unknown command or excess argument', async () => {
      const secret = 'hunter2-NOT-TO-BE-ECHOED';
      const runs = [
        await cli('users', 'create', '--username', 'x', `--passwrd=${secret}`),
        await cli('users', 'create', '--username', 'x', `-p${secret}`),
        await cli(secret),
        await cli('clients', secret),
        await cli('users', 'disable', 'alice', secret),
      ];
      for (const run of runs) {
        expect(run.code).not.toBe(0);
        expect(run.err).toMatch(/^error: /);
        expect(`${run.out}${run.err}`).not.toContain('hunter2');
      }
      expect(runs[0]!.err).toContain("unknown option '--passwrd'");
      expect(runs[2]!.err).toContain('unknown command (not shown');
      expect(runs[4]!.err).toContain('too many arguments');
    });

    it('an auth method that does not exist is refused', async () => {
      const run = await cli('clients', 'create', '--id', 'cli-bad-method', '--grant', 'api://user-service=users:read', '--auth-method', 'bogus');
      expect(run.code).not.toBe(0);
      expect(run.err).toMatch(/auth-method/);
      expect(run.out).toBe('');
    });

    // Issue 24 item 3: the CLI shares the clients service with the admin API; it accepted these too.
    it('a dangerous redirect URI is refused and nothing is created', async () => {
      for (const uri of ['javascript:alert(1)//', 'https://good.example@evil.example/cb', 'http://evil.example/cb', 'https://*.evil.example/cb']) {
        const run = await cli('clients', 'create', '--id', 'cli-dangerous-web', '--auth-method', 'none', '--grant', 'api://order-service=orders:read', '--redirect-uri', uri);
        expect([uri, run.code, run.out]).toEqual([uri, 1, '']);
        expect(run.err).toMatch(/^error: redirect_uris: /);
      }
      const { rows } = await db.query(`SELECT 1 FROM auth.clients WHERE client_id = 'cli-dangerous-web'`);
      expect(rows).toHaveLength(0);
    });

    // Issue 24 item 4: any http(s) jwks_uri was accepted, internal addresses included (a blind SSRF).
    it('a jwks_uri on a loopback, link-local or private address is refused and nothing is created', async () => {
      for (const uri of ['http://127.0.0.1:9/jwks', 'http://169.254.169.254/latest/meta-data/', 'http://192.168.0.10/jwks']) {
        const run = await cli('clients', 'create', '--id', 'cli-ssrf', '--grant', 'api://user-service=users:read', '--auth-method', 'private_key_jwt', '--jwks-uri', uri);
        expect([uri, run.code, run.out]).toEqual([uri, 1, '']);
        expect(run.err).toMatch(/jwks_uri must not point at a loopback, link-local or private address/);
      }
      const { rows } = await db.query(`SELECT 1 FROM auth.clients WHERE client_id = 'cli-ssrf'`);
      expect(rows).toHaveLength(0);
    });

    it('an invalid client id is refused by the service', async () => {
      const run = await cli('clients', 'create', '--id', 'has spaces!', '--grant', 'api://user-service=users:read');
      expect(run.code).not.toBe(0);
      expect(run.out).toBe('');
      expect(run.err.length).toBeGreaterThan(0);
    });
  });
});
