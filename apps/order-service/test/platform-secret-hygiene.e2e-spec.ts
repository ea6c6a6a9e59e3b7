import { ClientCredentialsTokenProvider } from '@nest-oauth-m2m/auth';
import { LogLevel } from '@nestjs/common';
import { Client } from 'pg';
import { basicAuth, postForm, TEST_DEMO_SECRET, TEST_ENV } from '../../auth-server/test/support/auth-server.harness';
import { login, pkcePair } from '../../../scripts/support/login-form';
import { OutputCapture } from '../../auth-server/test/support/output-capture';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const ALL_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const REDIRECT_URI = 'http://127.0.0.1:53999/callback';

/**
 * All three apps at debug level (and SQL query logging) run the demo flow: end-user login with
 * authorization code + PKCE, a refresh, an order placed and read (order-service then calls user-service
 * with its own client-credentials token), service tokens. No credential may appear in any captured
 * log line, nor in any text column of any table of any app's schema, nor in any span the apps export
 * with tracing on (an in-memory exporter here: the auth spans of libs/auth, the token endpoint's and
 * this test's fetches; the apps' calls to each other go through node:http, whose require-hook
 * instrumentation cannot see modules jest loads: test/tracing runs the built apps with every
 * instrumentation, those calls' spans included).
 */
describe('secret hygiene across the platform: logs and database after the demo flow', () => {
  const capture = new OutputCapture();
  let platform: TestPlatform;
  let db: Client;
  /** label → value that must never be seen in plaintext. */
  const secrets = new Map<string, string>();

  const api = async (url: string, token: string, init: RequestInit = {}) => {
    const response = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const spans = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  let instrumentation: () => void = () => undefined;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    instrumentation = registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
    capture.start();
    try {
      const debugEnv = { LOG_LEVEL: 'debug', DATABASE_LOG_QUERIES: 'true' };
      platform = await startPlatform({ auth: { logger: ALL_LEVELS, env: debugEnv }, env: debugEnv, serviceLogger: ALL_LEVELS });
      db = new Client({ connectionString: platform.auth.databaseUrl });
      await db.connect();
      secrets.set('order-service client secret', TEST_DEMO_SECRET);
      secrets.set('reporting-service client secret', TEST_ENV.REPORTING_SERVICE_CLIENT_SECRET!);
      secrets.set('user-service client secret', TEST_ENV.USER_SERVICE_CLIENT_SECRET!);
      secrets.set('alice password', TEST_ENV.ALICE_PASSWORD!);
      secrets.set('bob password', TEST_ENV.BOB_PASSWORD!);

      // End-user login: a wrong password first, then the real one.
      const pkce = pkcePair();
      const authorize = { response_type: 'code', client_id: 'demo-app', redirect_uri: REDIRECT_URI, scope: 'orders:read orders:write', state: 's1', code_challenge: pkce.challenge, code_challenge_method: 'S256' };
      await login(platform.auth.url, authorize, { username: 'bob', password: TEST_ENV.BOB_PASSWORD!.split('').reverse().join('') });
      const signedIn = await login(platform.auth.url, authorize, { username: 'alice', password: TEST_ENV.ALICE_PASSWORD! });
      const code = signedIn.location?.searchParams.get('code');
      expect(code).toEqual(expect.any(String));
      secrets.set('authorization code', code!);
      const exchanged = await postForm(platform.auth, '/oauth/token', { grant_type: 'authorization_code', client_id: 'demo-app', code: code!, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier });
      expect(exchanged.status).toBe(200);
      secrets.set('PKCE verifier', pkce.verifier);
      secrets.set('refresh token 1', String(exchanged.body.refresh_token));
      secrets.set('user access token 1', String(exchanged.body.access_token));
      const refreshed = await postForm(platform.auth, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: String(exchanged.body.refresh_token) });
      expect(refreshed.status).toBe(200);
      secrets.set('refresh token 2', String(refreshed.body.refresh_token));
      const userToken = String(refreshed.body.access_token);
      secrets.set('user access token 2', userToken);
      // A replayed (rotated) refresh token: refused, and must not be logged either.
      expect((await postForm(platform.auth, '/oauth/token', { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: String(exchanged.body.refresh_token) })).status).toBe(400);

      // The order flow: order-service verifies alice's token and calls user-service with its own token.
      const placed = await api(`${platform.orders.url}/orders`, userToken, { method: 'POST', body: JSON.stringify({ item: 'hygiene teapot', quantity: 2 }) });
      expect(placed.status).toBe(201);
      expect((await api(`${platform.orders.url}/orders`, userToken)).status).toBe(200);
      const internal = await platform.orders.app.get(ClientCredentialsTokenProvider, { strict: false }).getToken();
      secrets.set('order-service internal service token', internal);

      // Service tokens by the client-credentials grant, a wrong secret, and introspection/revocation.
      const service = await postForm(platform.auth, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } });
      expect(service.status).toBe(200);
      secrets.set('service access token', String(service.body.access_token));
      expect((await api(`${platform.users.url}/users/${String(placed.body.owner && (placed.body.owner as { id: string }).id)}`, String(service.body.access_token))).status).toBe(200);
      const wrong = await postForm(platform.auth, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: basicAuth('order-service', 'wrong-secret-for-hygiene-check') } });
      expect(wrong.status).toBe(401);
      secrets.set('wrong client secret', 'wrong-secret-for-hygiene-check');
      const introspected = await postForm(platform.auth, '/oauth/introspect', { token: String(service.body.access_token) }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } });
      expect(introspected.body.active).toBe(true);
      // The refresh-token replay above revoked alice's login, and with it the access tokens it issued.
      const revokedLogin = await postForm(platform.auth, '/oauth/introspect', { token: userToken }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } });
      expect(revokedLogin.body).toEqual({ active: false });
      expect((await postForm(platform.auth, '/oauth/revoke', { token: String(service.body.access_token) }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } })).status).toBe(200);
      // A revoked token presented to a resource server is still a token: it must not be logged.
      await api(`${platform.users.url}/users/00000000-0000-4000-8000-000000000000`, 'x.' + String(service.body.access_token).split('.')[1] + '.y');
    } finally {
      capture.stop();
    }
  });

  afterAll(async () => {
    capture.stop();
    await db?.end();
    await platform?.close();
    instrumentation();
    trace.disable();
    context.disable();
  });

  /** The forms a value takes on the wire and in logs: raw, form-encoded, and a token's signature alone. */
  const formsOf = (value: string) => {
    const forms = new Set([value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')]);
    if (value.split('.').length === 3) forms.add(value.split('.')[2]!);
    return [...forms].filter((form) => form.length >= 8);
  };

  it('captured debug output of all three apps, SQL included', () => {
    const text = capture.lines().join('\n');
    expect(capture.lines().length).toBeGreaterThan(100);
    expect(text).toMatch(/Mapped \{\/oauth\/token, POST\}/);
    expect(text).toMatch(/Mapped \{\/users\/:id, GET\}/);
    expect(text).toMatch(/Mapped \{\/orders, POST\}/);
    expect(text).toContain('INSERT INTO');
    expect(text).toMatch(/refresh_tokens/);
    expect(secrets.size).toBeGreaterThanOrEqual(13);
  });

  it('no log line holds a client secret, password, authorization code, refresh token or full access token', () => {
    for (const [label, value] of secrets) {
      for (const form of formsOf(value)) {
        expect({ label, form, lines: capture.linesContaining(form) }).toEqual({ label, form, lines: [] });
      }
    }
  });

  it('no exported span holds one either (names, attributes, events, links)', () => {
    const finished = spans.getFinishedSpans();
    const names = new Set(finished.map((span) => span.name));
    // The spans really were recorded: every kind of auth span, and this test's fetches.
    for (const name of ['auth.guard', 'oauth.token.acquire', 'oauth.token', 'GET', 'POST']) expect(names).toContain(name);
    const texts = finished.map((span) => JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, links: span.links, status: span.status }));
    for (const [label, value] of secrets) {
      for (const form of formsOf(value)) {
        expect({ label, form, spans: texts.filter((text) => text.includes(form)) }).toEqual({ label, form, spans: [] });
      }
    }
  });

  it('no text column of any table in the auth, users or orders schema holds one either', async () => {
    const { rows: columns } = await db.query<{ table_schema: string; table_name: string; column_name: string }>(
      `SELECT c.table_schema, c.table_name, c.column_name
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema IN ('auth', 'users', 'orders') AND t.table_type = 'BASE TABLE'`,
    );
    const schemas = new Set(columns.map((column) => column.table_schema));
    expect([...schemas].sort()).toEqual(['auth', 'orders', 'users']);
    const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
    const values: string[] = [];
    for (const { table_schema, table_name, column_name } of columns) {
      const { rows } = await db.query<{ text: string | null }>(`SELECT ${quote(column_name)}::text AS text FROM ${quote(table_schema)}.${quote(table_name)}`);
      for (const row of rows) if (row.text !== null) values.push(row.text);
    }
    // Rows really were read: the order just placed, alice, the seeded clients.
    expect(values).toEqual(expect.arrayContaining(['hygiene teapot', 'alice', 'order-service']));
    for (const [label, value] of secrets) {
      for (const form of formsOf(value)) {
        expect({ label, hits: values.filter((stored) => stored.includes(form)).length }).toEqual({ label, hits: 0 });
      }
    }
    process.stdout.write(
      `secret hygiene: ${secrets.size} credentials (${[...secrets.values()].flatMap(formsOf).length} forms) checked against ${capture.lines().length} log lines and ${values.length} values in ${columns.length} columns\n`,
    );
  });
});
