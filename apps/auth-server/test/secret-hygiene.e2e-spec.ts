import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { OutputCapture } from './support/output-capture';
import { basicAuth, postForm, requestToken, startAuthServer, TEST_DEMO_SECRET, TestAuthServer, TEST_ACTOR } from './support/auth-server.harness';

/** The forms a secret takes on the wire: raw, form-encoded, and inside a Basic header. */
function wireForms(clientId: string, secret: string): string[] {
  const formEncoded = encodeURIComponent(secret).replace(/%20/g, '+');
  return [...new Set([secret, formEncoded, encodeURIComponent(secret), basicAuth(clientId, secret).slice('Basic '.length)])];
}

describe('secret hygiene: no plaintext secret in the database or in any log line at any log level', () => {
  const capture = new OutputCapture();
  let server: TestAuthServer;
  let db: Client;

  const wrongSecret = `wrong-${randomBytes(24).toString('base64url')}`;
  const secrets = new Map<string, { clientId: string; secret: string }>();
  const tokens: string[] = [];

  const issue = async (clientId: string, secret: string, method: 'basic' | 'post'): Promise<string> => {
    const response =
      method === 'basic'
        ? await requestToken(server, { clientId, secret })
        : await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect(response.status).toBe(200);
    const token = String(response.body.access_token);
    tokens.push(token);
    return token;
  };

  const expectInvalidClient = async (response: Promise<{ status: number; body: Record<string, unknown> }>) => {
    const { status, body } = await response;
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  };

  beforeAll(async () => {
    capture.start();
    try {
      server = await startAuthServer({
        logger: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
        env: { DATABASE_LOG_QUERIES: 'true' },
      });
      db = new Client({ connectionString: server.databaseUrl });
      await db.connect();

      // A client_secret_basic client (S), then a rotation (S2). Both clients own api://user-service, so
      // they may introspect the tokens issued for it (least privilege).
      const created = await server.clients.create({
        clientId: 'hygiene-basic',
        grants: [{ resource: 'api://user-service', scopes: ['users:read'] }],
        ownedAudiences: ['api://user-service'],
      }, TEST_ACTOR);
      secrets.set('S', { clientId: 'hygiene-basic', secret: created.secret!.secret });
      const rotated = await server.clientSecrets.rotate('hygiene-basic', {}, TEST_ACTOR);
      secrets.set('S2', { clientId: 'hygiene-basic', secret: rotated.secret });
      // A client_secret_post client (P).
      const post = await server.clients.create({
        clientId: 'hygiene-post',
        grants: [{ resource: 'api://user-service', scopes: ['users:read'] }],
        ownedAudiences: ['api://user-service'],
        authMethod: 'client_secret_post',
      }, TEST_ACTOR);
      secrets.set('P', { clientId: 'hygiene-post', secret: post.secret!.secret });
      secrets.set('demo', { clientId: 'order-service', secret: TEST_DEMO_SECRET });

      // Tokens with Basic (S, S2, demo) and with client_secret_post (P).
      const s = secrets.get('S')!;
      const s2 = secrets.get('S2')!;
      const p = secrets.get('P')!;
      const withS = await issue(s.clientId, s.secret, 'basic');
      const withS2 = await issue(s2.clientId, s2.secret, 'basic');
      const withP = await issue(p.clientId, p.secret, 'post');
      const withDemo = await issue('order-service', TEST_DEMO_SECRET, 'basic');

      // Failed attempts with a wrong secret, by every method and for an unknown client.
      await expectInvalidClient(requestToken(server, { clientId: 'hygiene-basic', secret: wrongSecret }));
      await expectInvalidClient(requestToken(server, { clientId: 'order-service', secret: wrongSecret }));
      await expectInvalidClient(requestToken(server, { clientId: 'nobody', secret: wrongSecret }));
      await expectInvalidClient(
        postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'hygiene-post', client_secret: wrongSecret }),
      );
      // A client using the wrong method with its real secret.
      await expectInvalidClient(
        postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'order-service', client_secret: TEST_DEMO_SECRET }),
      );
      // Two methods at once (invalid_request) carrying real secrets.
      const both = await postForm(
        server,
        '/oauth/token',
        { grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.secret },
        { headers: { authorization: basicAuth(s2.clientId, s2.secret) } },
      );
      expect(both.status).toBe(400);

      // Introspection, by Basic and by client_secret_post callers.
      const introspectBasic = await postForm(
        server,
        '/oauth/introspect',
        { token: withDemo },
        { headers: { authorization: basicAuth(s2.clientId, s2.secret) } },
      );
      expect(introspectBasic.body).toEqual(expect.objectContaining({ active: true, client_id: 'order-service' }));
      const introspectPost = await postForm(server, '/oauth/introspect', { token: withS, client_id: p.clientId, client_secret: p.secret });
      expect(introspectPost.body).toEqual(expect.objectContaining({ active: true, client_id: 'hygiene-basic' }));
      await expectInvalidClient(
        postForm(server, '/oauth/introspect', { token: withS }, { headers: { authorization: basicAuth('hygiene-basic', wrongSecret) } }),
      );

      // Revocation of tokens, then of the old secret.
      const revoked = await postForm(
        server,
        '/oauth/revoke',
        { token: withS2 },
        { headers: { authorization: basicAuth(s.clientId, s.secret) } },
      );
      expect(revoked.status).toBe(200);
      const revokedPost = await postForm(server, '/oauth/revoke', { token: withP, client_id: p.clientId, client_secret: p.secret });
      expect(revokedPost.status).toBe(200);
      const afterRevoke = await postForm(server, '/oauth/introspect', { token: withS2, client_id: p.clientId, client_secret: p.secret });
      expect(afterRevoke.body).toEqual({ active: false });

      await server.clientSecrets.revoke('hygiene-basic', created.secret!.secretId, TEST_ACTOR);
      await expectInvalidClient(requestToken(server, s));
      expect((await requestToken(server, s2)).status).toBe(200);
    } finally {
      capture.stop();
    }
  });

  afterAll(async () => {
    capture.stop();
    await db?.end();
    await server?.close();
  });

  it('really captured the logs: SQL at query level and Nest lines at every level', () => {
    const text = capture.lines().join('\n');
    expect(capture.lines().length).toBeGreaterThan(50);
    expect(text).toContain('SELECT');
    expect(text).toContain('client_secrets');
    expect(text).toContain('INSERT INTO');
    expect(text).toContain('revoked_tokens');
    // Nest's own lines (bootstrap at 'log' level) went through the captured streams too.
    expect(text).toMatch(/Mapped \{\/oauth\/token, POST\}/);
    expect(text).toContain('seeded demo client');
  });

  it('no log line holds any client secret (in any wire form) or the wrong secret', () => {
    expect(secrets.size).toBe(4);
    for (const [label, { clientId, secret }] of secrets) {
      for (const form of wireForms(clientId, secret)) {
        expect({ label, form, lines: capture.linesContaining(form) }).toEqual({ label, form, lines: [] });
      }
    }
    for (const form of wireForms('hygiene-basic', wrongSecret)) {
      expect({ label: 'wrong secret', form, lines: capture.linesContaining(form) }).toEqual({ label: 'wrong secret', form, lines: [] });
    }
  });

  it('no log line holds a full access token (nor its signature)', () => {
    expect(tokens.length).toBeGreaterThanOrEqual(4);
    for (const token of tokens) {
      expect(token.split('.')).toHaveLength(3);
      expect(capture.linesContaining(token)).toEqual([]);
      expect(capture.linesContaining(token.split('.')[2]!)).toEqual([]);
    }
  });

  it('no column of any table in schema auth holds S, S2, the post secret or the demo secret', async () => {
    const { rows: columns } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'auth' AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
    );
    const dumped = new Set(columns.map((column) => `${column.table_name}.${column.column_name}`));
    // The dump covers the tables that matter (so it cannot pass on an empty schema).
    for (const expected of ['clients.client_id', 'clients.jwks', 'client_secrets.secret_hash', 'signing_keys.private_key_encrypted', 'revoked_tokens.jti']) {
      expect(dumped).toContain(expected);
    }
    expect(columns.some((column) => column.data_type === 'bytea')).toBe(true);
    expect(columns.some((column) => column.data_type === 'jsonb')).toBe(true);

    const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
    const values: string[] = [];
    const bytes: Buffer[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows } = await db.query<{ text: string | null; raw: unknown }>(
        `SELECT ${quote(column_name)}::text AS text, ${quote(column_name)} AS raw FROM auth.${quote(table_name)}`,
      );
      for (const row of rows) {
        if (row.text !== null) values.push(row.text);
        if (Buffer.isBuffer(row.raw)) bytes.push(row.raw);
      }
    }
    // Rows were really read: the clients, the 4 secrets rows, the revoked token.
    expect(values).toEqual(expect.arrayContaining(['hygiene-basic', 'hygiene-post', 'order-service']));
    expect(bytes.length).toBeGreaterThanOrEqual(4);

    for (const [label, { secret }] of secrets) {
      const hits = values.filter((value) => value.includes(secret) || value.includes(encodeURIComponent(secret)));
      expect({ label, hits }).toEqual({ label, hits: [] });
      expect({ label, rawHits: bytes.filter((buffer) => buffer.includes(Buffer.from(secret, 'utf8'))).length }).toEqual({ label, rawHits: 0 });
    }
    for (const token of tokens) {
      expect(values.filter((value) => value.includes(token))).toEqual([]);
    }
  });
});
