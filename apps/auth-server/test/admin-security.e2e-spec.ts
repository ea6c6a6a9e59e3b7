import { generateKeyPairSync } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLog } from '../src/audit/audit-log';
import { ClientGrantsService } from '../src/clients/client-grants.service';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { UsersService } from '../src/users/users.service';
import { ADMIN_AUDIENCE, callAdmin } from './support/admin-api';
import { registerClient, requestToken, startAuthServer, TEST_ACTOR, TestAuthServer } from './support/auth-server.harness';
import { OutputCapture } from './support/output-capture';

/** Security round 3 (issue 24) on the admin API: what made an admin token, what operators see, bad ids. */
describe('admin API security (issue 24)', () => {
  let server: TestAuthServer;
  let adminToken: string;
  let audit: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startAuthServer();
    server.app.get(AuditLog).sendTo((line) => void audit.push(line));
    const deployer = await registerClient(server, { clientId: 'sec-deployer', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
    adminToken = (await requestToken(server, deployer, { scope: 'admin' })).body.access_token as string;
  });
  afterAll(async () => server?.close());
  beforeEach(() => {
    audit = [];
  });

  const call = (method: string, path: string, token: string | undefined, body?: unknown) => callAdmin(server, method, path, { token, body });
  const admin = (method: string, path: string, body?: unknown) => call(method, path, adminToken, body);
  const tokenOf = async (credentials: { clientId: string; secret: string }, scope = 'admin') =>
    (await requestToken(server, credentials, { scope })).body.access_token as string;

  it('#5: an admin token ends when the secret it was obtained with is revoked (rotate, then delete the old secret)', async () => {
    const automation = await registerClient(server, { clientId: 'sec-rotating', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin'] }] });
    const withOld = await tokenOf(automation);
    expect((await call('GET', '/admin/users', withOld)).status).toBe(200);
    const oldSecretId = ((await admin('GET', '/admin/clients/sec-rotating')).body.secrets as { id: string }[])[0]!.id;
    const rotated = await admin('POST', '/admin/clients/sec-rotating/secrets');
    const withNew = await tokenOf({ clientId: 'sec-rotating', secret: rotated.body.client_secret as string });
    // The token records the secret's id, never the secret.
    const claims = JSON.parse(Buffer.from(withNew.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims.client_secret_id).toBe(rotated.body.secret_id);
    expect(withNew).not.toContain(rotated.body.client_secret as string);
    expect((await admin('DELETE', `/admin/clients/sec-rotating/secrets/${oldSecretId}`)).status).toBe(204);
    expect(await call('GET', '/admin/users', withOld)).toMatchObject({
      status: 401,
      body: { error: 'invalid_token', error_description: 'the client secret this token was obtained with was revoked' },
    });
    expect((await call('GET', '/admin/users', withNew)).status).toBe(200);
  });

  it("#5: an admin token ends when the client's grant at the admin audience is revoked", async () => {
    const automation = await registerClient(server, {
      clientId: 'sec-audience',
      grants: [
        { resource: ADMIN_AUDIENCE, scopes: ['admin'] },
        { resource: 'api://user-service', scopes: ['users:read'] },
      ],
    });
    const token = await tokenOf(automation);
    expect((await call('GET', '/admin/users', token)).status).toBe(200);
    expect((await admin('DELETE', `/admin/clients/sec-audience/grants/${encodeURIComponent(ADMIN_AUDIENCE)}`)).status).toBe(204);
    expect(await call('GET', '/admin/users', token)).toMatchObject({
      status: 401,
      body: { error: 'invalid_token', error_description: 'the calling client is no longer granted the admin audience' },
    });
  });

  it('#6: a private_key_jwt client shows its public keys or its JWKS URL in client.create, clients show and GET /admin/clients/:id', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };
    const inline = await admin('POST', '/admin/clients', { client_id: 'sec-jwks', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
    expect(inline.status).toBe(201);
    expect(inline.body.jwks).toEqual({ keys: [jwk] });
    const byUri = await admin('POST', '/admin/clients', {
      client_id: 'sec-jwks-uri',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://keys.partner.example/jwks.json',
    });
    expect(byUri.status).toBe(201);
    expect((await admin('GET', '/admin/clients/sec-jwks-uri')).body.jwks_uri).toBe('https://keys.partner.example/jwks.json');
    expect((await admin('GET', '/admin/clients/sec-jwks')).body.jwks).toEqual({ keys: [jwk] });
    const created = audit.filter((line) => line.action === 'client.create').map((line) => line.changes as Record<string, unknown>);
    expect(created).toEqual([
      expect.objectContaining({ jwks: { keys: [jwk] } }),
      expect.objectContaining({ jwks_uri: 'https://keys.partner.example/jwks.json' }),
    ]);
    // A client secret is never key material: confidential clients show neither field.
    expect(Object.keys((await admin('GET', '/admin/clients/sec-deployer')).body)).not.toEqual(expect.arrayContaining(['jwks']));
  });

  it('#6: keys rotate writes a signing-key audit event naming who rotated', async () => {
    const rotation = await server.app.get(SigningKeysService).rotate({ activationDelaySeconds: 3600 }, TEST_ACTOR);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'signing-key.rotate', target: { type: 'signing-key', id: rotation.kid }, actor: TEST_ACTOR }),
    ]);
  });

  it('#6: refused admin calls are audit events with their outcome (revoked/disabled caller, missing scope, unknown client)', async () => {
    const caller = await registerClient(server, { clientId: 'sec-refused', grants: [{ resource: ADMIN_AUDIENCE, scopes: ['admin', 'admin:users'] }] });
    const narrow = await tokenOf(caller, 'admin:users');
    expect((await call('GET', '/admin/clients', narrow)).status).toBe(403);
    expect((await admin('GET', '/admin/clients/nobody')).status).toBe(404);
    const broad = await tokenOf(caller);
    expect((await admin('POST', '/admin/clients/sec-refused/disable')).status).toBe(204);
    expect((await call('GET', '/admin/users', broad)).status).toBe(401);
    const refused = audit.filter((line) => line.action === 'admin.refused');
    expect(refused).toEqual([
      expect.objectContaining({
        target: { type: 'admin-api', id: 'GET /admin/clients' },
        actor: { kind: 'admin-api', id: 'sec-refused' },
        changes: expect.objectContaining({ outcome: 'refused', status: 403, error: 'insufficient_scope' }),
      }),
      expect.objectContaining({
        target: { type: 'admin-api', id: 'GET /admin/clients/:clientId' },
        actor: { kind: 'admin-api', id: 'sec-deployer' },
        changes: expect.objectContaining({ status: 404, error: 'not_found' }),
      }),
      expect.objectContaining({
        target: { type: 'admin-api', id: 'GET /admin/users' },
        actor: { kind: 'admin-api', id: 'sec-refused' },
        changes: expect.objectContaining({ status: 401, error: 'invalid_token' }),
      }),
    ]);
  });

  it('#8: a NUL in a path id or a body field, or a non-UUID secret id, is 400 invalid_request, never 500', async () => {
    await registerClient(server, { clientId: 'sec-nul' });
    const cases: [string, string, unknown?][] = [
      ['GET', '/admin/clients/a%00b'],
      ['PATCH', '/admin/clients/a%00b', { name: 'x' }],
      ['DELETE', '/admin/clients/a%00b'],
      ['POST', '/admin/clients/a%00b/disable'],
      ['POST', '/admin/clients/a%00b/secrets'],
      ['DELETE', '/admin/clients/a%00b/secrets/00000000-0000-0000-0000-000000000000'],
      ['DELETE', '/admin/clients/sec-nul/secrets/not-a-uuid'],
      ['PATCH', '/admin/resources/a%00b', { name: 'x' }],
      ['GET', '/admin/resources/a%00b'],
      ['POST', '/admin/users/a%00b/disable'],
      ['PATCH', '/admin/clients/sec-nul', { owned_audiences: ['api://a\0b'] }],
      ['POST', '/admin/clients/sec-nul/grants', { resource: 'api://user-service', scopes: ['users:read\0'] }],
      ['PATCH', '/admin/clients/sec-nul', { redirect_uris: ['https://a.example/\0'] }],
      ['POST', '/admin/clients', { client_id: 'sec-nul-jwks', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256\0' }] } }],
      ['POST', '/admin/resources', { uri: 'api://x', name: 'a\0b', scopes: ['a'] }],
    ];
    for (const [method, path, body] of cases) {
      const answer = await admin(method, path, body);
      expect([method, path, answer.status, answer.body.error]).toEqual([method, path, 400, 'invalid_request']);
    }
  });

  it('#8: a failed query is logged through the app logger without its parameters (no raw TypeORM "PARAMETERS" on stdout)', async () => {
    const capture = new OutputCapture();
    capture.start();
    try {
      await expect(server.app.get(DataSource).query('SELECT $1::int', ['query-parameter-value-0123'])).rejects.toThrow();
    } finally {
      capture.stop();
    }
    const output = capture.chunks.join('');
    expect(output).not.toContain('query-parameter-value-0123');
    expect(output).not.toContain('PARAMETERS');
  });

  it('#11: POST /admin/clients/<public client>/secrets is refused: a public client gets no secret', async () => {
    const answer = await admin('POST', '/admin/clients/demo-app/secrets');
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.stringMatching(/public client/) } });
    expect(((await admin('GET', '/admin/clients/demo-app')).body.secrets as unknown[]).length).toBe(0);
  });

  it('#11: display and resource names refuse U+202E (bidi controls) and control characters', async () => {
    const names = ['Pay\u202Eevil', 'a\u2066b', 'tab\there', 'bell\u0007'];
    for (const name of names) {
      expect([name, (await admin('POST', '/admin/clients', { client_id: 'sec-name', name })).status]).toEqual([name, 400]);
      expect([name, (await admin('POST', '/admin/resources', { uri: 'api://sec-name', name, scopes: ['a'] })).status]).toEqual([name, 400]);
      expect([name, (await admin('POST', '/admin/users', { username: 'sec-name', display_name: name })).status]).toEqual([name, 400]);
    }
  });

  it('#11: usernames are NFC-normalised (NFC and NFD josé are one user) and a mixed-script look-alike is refused', async () => {
    const users = server.app.get(UsersService);
    const nfc = 'jos\u00e9';
    const nfd = 'jose\u0301';
    expect((await admin('POST', '/admin/users', { username: nfc, password: 'a-long-enough-password' })).status).toBe(201);
    expect((await admin('POST', '/admin/users', { username: nfd, password: 'a-long-enough-password' })).status).toBe(409);
    expect((await users.authenticate(nfd, 'a-long-enough-password'))?.username).toBe(nfc);
    const cyrillicA = await admin('POST', '/admin/users', { username: '\u0430lice', password: 'a-long-enough-password' });
    expect(cyrillicA).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.stringMatching(/mix scripts/) } });
    expect((await admin('POST', '/admin/users', { username: '\u0430\u043b\u0438\u0441\u0430', password: 'a-long-enough-password' })).status).toBe(201);
  });

  it('#11: admin:clients / admin:users / admin:resources each open their area only; admin opens all three', async () => {
    const areas = ['clients', 'users', 'resources'];
    const tokens = new Map<string, string>();
    for (const area of areas) {
      const client = await registerClient(server, { clientId: `sec-only-${area}`, grants: [{ resource: ADMIN_AUDIENCE, scopes: [`admin:${area}`] }] });
      tokens.set(area, await tokenOf(client, `admin:${area}`));
      for (const other of areas) {
        const answer = await call('GET', `/admin/${other}`, tokens.get(area));
        expect([area, other, answer.status]).toEqual([area, other, other === area ? 200 : 403]);
      }
    }
    for (const area of areas) expect((await admin('GET', `/admin/${area}`)).status).toBe(200);
    // Taken away from the client, the area scope stops working at once.
    expect((await admin('POST', '/admin/clients/sec-only-users/grants', { resource: ADMIN_AUDIENCE, scopes: ['admin:clients'] })).status).toBe(200);
    expect((await call('GET', '/admin/users', tokens.get('users'))).status).toBe(403);
  });
});
