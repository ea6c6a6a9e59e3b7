import { DEMO_ORDERS, DEMO_USERS } from '@app/platform';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { login, pkcePair } from '../../scripts/support/login-form';
import { AppProcess, baseEnv, DRILL_SECRETS, Platform, startPlatform } from '../faults/support/processes';
import { createTestDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { CollectedSpan, OtlpCollector } from './support/otlp-collector';

const REDIRECT_URI = 'http://127.0.0.1:53998/callback';
const ALICE_ORDER = DEMO_ORDERS.find((order) => order.userId === DEMO_USERS.alice.id)!;
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
const SPAN_KIND = { server: 2, client: 3 };

/**
 * Issue 26's acceptance, with the apps as node runs them: `npm run build`'s dist/, one process each,
 * configured by the standard variables alone (OTEL_EXPORTER_OTLP_ENDPOINT and
 * OTEL_EXPORTER_OTLP_PROTOCOL), exporting to an OTLP/HTTP collector in this test. Inside Jest the
 * require-hook instrumentations (http, pg, Fastify) would never see the modules, so only real
 * processes prove them.
 */
describe('distributed tracing: alice reads an order through order-service and user-service (OTLP/HTTP JSON)', () => {
  const collector = new OtlpCollector();
  let database: { url: string; drop(): Promise<void> };
  let platform: Platform;
  /** label → a value no span may hold. */
  const secrets = new Map<string, string>();
  let orderTraceId: string;
  let deniedTraceId: string;

  const inTrace = (traceId: string) => collector.spans.filter((span) => span.traceId === traceId);
  const attribute = (span: CollectedSpan, name: string) => span.attributes[name];

  beforeAll(async () => {
    await collector.start();
    database = await createTestDatabase();
    platform = await startPlatform({
      databaseUrl: database.url,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Batches leave every 100 ms instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LOG_LEVEL: 'log',
        LOG_FORMAT: 'json',
      },
    });
    secrets.set('order-service client secret', DRILL_SECRETS.orderService);
    secrets.set('alice password', DRILL_SECRETS.alice);

    // alice signs in: authorization code + PKCE through the sign-in form.
    const pkce = pkcePair();
    const authorize = { response_type: 'code', client_id: 'demo-app', redirect_uri: REDIRECT_URI, scope: 'orders:read', state: randomBytes(8).toString('hex'), code_challenge: pkce.challenge, code_challenge_method: 'S256' };
    const signedIn = await login(platform.auth.url, authorize, { username: 'alice', password: DRILL_SECRETS.alice });
    const code = signedIn.location?.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    secrets.set('authorization code', code!);
    secrets.set('PKCE verifier', pkce.verifier);
    // The explorer's redirect URI is on the auth-server: a code in a URL the server itself receives.
    expect((await fetch(`${platform.auth.url}/explorer/callback?code=${code}&state=s`)).status).toBe(200);
    const exchanged = await fetch(`${platform.auth.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'demo-app', code: code!, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier }),
    });
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
    expect(exchanged.status).toBe(200);
    secrets.set('alice access token', tokens.access_token);
    secrets.set('alice refresh token', tokens.refresh_token);

    // The one request: GET /orders/:id as alice.
    const order = await fetch(`${platform.orders.url}/orders/${ALICE_ORDER.id}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(order.status).toBe(200);
    orderTraceId = order.headers.get('x-request-id')!;
    // And a refusal, for the guard's reason.
    const denied = await fetch(`${platform.orders.url}/orders/${ALICE_ORDER.id}`);
    expect(denied.status).toBe(401);
    deniedTraceId = denied.headers.get('x-request-id')!;

    await collector.waitFor('user-service spans in the order trace', () =>
      inTrace(orderTraceId).some((span) => span.service === 'user-service' && span.name === 'auth.guard'),
    );
    await collector.waitFor('the token endpoint span', () => collector.spans.some((span) => span.service === 'auth-server' && span.name === 'oauth.token' && attribute(span, 'oauth.grant_type') === 'client_credentials'));
    await collector.waitFor('the denial', () => inTrace(deniedTraceId).some((span) => span.name === 'auth.guard'));
  });

  afterAll(async () => {
    await platform?.stop();
    await collector.stop();
    await database?.drop();
  });

  it('names the request by its trace id: x-request-id is the W3C trace id order-service recorded it under', () => {
    expect(orderTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(inTrace(orderTraceId).some((span) => span.service === 'order-service' && span.kind === SPAN_KIND.server)).toBe(true);
  });

  it('one trace id covers the request in order-service and user-service, traceparent carried across', () => {
    const spans = inTrace(orderTraceId);
    expect(new Set(spans.map((span) => span.service))).toEqual(expect.objectContaining(new Set(['order-service', 'user-service'])));
    const orderSpanIds = new Set(spans.filter((span) => span.service === 'order-service').map((span) => span.spanId));
    const userServer = spans.find((span) => span.service === 'user-service' && span.kind === SPAN_KIND.server)!;
    expect(userServer.attributes['url.path']).toBe(`/users/${DEMO_USERS.alice.id}`);
    // Its parent is order-service's outgoing request (libs/auth sends through node:http): the traceparent order-service sent.
    const parent = spans.find((span) => span.spanId === userServer.parentSpanId)!;
    expect(parent).toMatchObject({ service: 'order-service', kind: SPAN_KIND.client, scope: '@opentelemetry/instrumentation-http' });
    expect(orderSpanIds.has(userServer.parentSpanId!)).toBe(true);
  });

  it('really instruments the apps: http (served and sent), Fastify and pg spans from the built processes', () => {
    const scopes = new Set(inTrace(orderTraceId).map((span) => `${span.service} ${span.scope}`));
    for (const expected of [
      'order-service @opentelemetry/instrumentation-http',
      'order-service @fastify/otel',
      'order-service @opentelemetry/instrumentation-pg',
      'order-service @nest-oauth-m2m/auth',
      'user-service @opentelemetry/instrumentation-http',
      'user-service @fastify/otel',
      'user-service @opentelemetry/instrumentation-pg',
      'user-service @nest-oauth-m2m/auth',
    ]) {
      expect(scopes).toContain(expected);
    }
  });

  it("puts order-service's token request in one trace with the auth-server's token-endpoint span", () => {
    const acquisition = collector.spans.find((span) => span.service === 'order-service' && span.name === 'oauth.token.acquire' && attribute(span, 'oauth.token.source') === 'fetch')!;
    expect(acquisition.attributes).toMatchObject({ 'oauth.client_id': 'order-service', 'oauth.audience': 'api://user-service', 'oauth.scope': ['users:read', 'users:provision'] });
    const endpoint = inTrace(acquisition.traceId).find((span) => span.service === 'auth-server' && span.name === 'oauth.token');
    expect(endpoint?.attributes).toMatchObject({
      'oauth.grant_type': 'client_credentials',
      'oauth.client_id': 'order-service',
      'oauth.token.outcome': 'issued',
      'http.response.status_code': 200,
    });
    // Fetched on first use, inside alice's request: the same trace again.
    expect(acquisition.traceId).toBe(orderTraceId);
  });

  it('records each guard decision: route, required scopes and token kind, outcome, caller; the reason of a denial', () => {
    const guards = inTrace(orderTraceId).filter((span) => span.name === 'auth.guard');
    expect(guards.find((span) => span.service === 'order-service')?.attributes).toMatchObject({
      'http.route': '/orders/:id',
      'http.request.method': 'GET',
      'auth.decision': 'allow',
      'auth.outcome': 'allowed',
      'auth.required_scopes': ['orders:read'],
      'auth.required_token_kind': 'user',
      'auth.token_kind': 'user',
      'oauth.client_id': 'demo-app',
      'user.id': DEMO_USERS.alice.id,
    });
    expect(guards.find((span) => span.service === 'user-service')?.attributes).toMatchObject({
      'http.route': '/users/:id',
      'auth.decision': 'allow',
      'auth.required_scopes': ['users:read'],
      // GET /users/:id takes order-service's own token or one on behalf of the user (issue 29).
      'auth.required_token_kind': 'service or delegated',
      'oauth.client_id': 'order-service',
    });
    const denial = inTrace(deniedTraceId).find((span) => span.name === 'auth.guard')!;
    expect(denial.attributes).toMatchObject({
      'auth.decision': 'deny',
      'auth.outcome': 'missing_token',
      'auth.denial_reason': 'invalid_token: a bearer access token is required',
      'auth.required_scopes': ['orders:read'],
    });
  });

  it('writes trace_id and span_id on every log line of a traced request', () => {
    const lines = platform.orders
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const access = lines.find((line) => line.msg === 'request completed' && line.reqId === orderTraceId);
    expect(access).toMatchObject({ trace_id: orderTraceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('puts no secret, code, password or token in any exported span (attributes, events, links, resource)', () => {
    expect(collector.spans.length).toBeGreaterThan(30);
    const forms = (value: string) => [...new Set([value, encodeURIComponent(value), Buffer.from(value).toString('base64')])];
    for (const span of collector.spans) {
      for (const [label, value] of secrets) {
        for (const form of forms(value)) expect({ span: span.name, label, leaked: span.raw.includes(form) }).toEqual({ span: span.name, label, leaked: false });
      }
      expect({ span: span.name, jwt: JWT.test(span.raw) }).toEqual({ span: span.name, jwt: false });
    }
    // The code the auth-server received in a URL is there, redacted.
    const callback = collector.spans.filter((span) => span.service === 'auth-server' && String(span.attributes['url.path']).startsWith('/explorer/callback'));
    expect(callback.length).toBeGreaterThan(0);
    expect(callback.find((span) => span.kind === SPAN_KIND.server)?.attributes['url.query']).toBe('code=REDACTED&state=REDACTED');
  });
});

describe('the standard variables alone, OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', () => {
  const collector = new OtlpCollector();
  let database: { url: string; drop(): Promise<void> };
  let auth: AppProcess;

  beforeAll(async () => {
    await collector.start();
    database = await createTestDatabase();
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    auth = new AppProcess('auth-server', port, {
      ...baseEnv(database.url),
      ISSUER: issuer,
      AUTH_SERVER_PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await auth.start();
  });

  afterAll(async () => {
    await auth?.stop();
    await collector.stop();
    await database?.drop();
  });

  it('exports protobuf to <endpoint>/v1/traces: the token request and its trace id are there', async () => {
    const response = await fetch(`${auth.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`order-service:${DRILL_SECRETS.orderService}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=users:read',
    });
    expect(response.status).toBe(200);
    const traceId = Buffer.from(response.headers.get('x-request-id')!, 'hex');
    expect(traceId).toHaveLength(16);
    // Protobuf carries strings as UTF-8 and ids as raw bytes: no decoder needed to find them.
    const request = await collector.waitFor('a protobuf export with the token span', () =>
      collector.requests.find((sent) => sent.body.includes('oauth.token') && sent.body.includes(traceId)),
    );
    expect(request).toMatchObject({ path: '/v1/traces', contentType: 'application/x-protobuf' });
    expect(request.body.includes('client_credentials')).toBe(true);
    expect(request.body.includes(DRILL_SECRETS.orderService)).toBe(false);
  });
});

describe('tracing off (no OTEL_* variable): nothing of the SDK is loaded', () => {
  /** The OpenTelemetry modules a built app has loaded once its whole module graph is in (it does not start). */
  const loadedBy = async (env: NodeJS.ProcessEnv): Promise<string[]> => {
    const script = `
      require('./dist/apps/order-service/src/tracing.js');
      require('./dist/apps/order-service/src/bootstrap.js');
      const names = Object.keys(require.cache).map((path) => /node_modules\\/(@opentelemetry\\/[^/]+|@fastify\\/otel)\\//.exec(path)?.[1]).filter(Boolean);
      process.stdout.write(JSON.stringify([...new Set(names)].sort()));
      process.exit(0);`;
    const { execFile } = await import('node:child_process');
    const stdout = await new Promise<string>((done, fail) =>
      execFile(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), env: { PATH: process.env.PATH, ...env } }, (error, out) => (error ? fail(error) : done(out))),
    );
    return JSON.parse(stdout) as string[];
  };

  it('loads no SDK, exporter or instrumentation (only the API prom-client itself requires)', async () => {
    expect(await loadedBy({ NODE_ENV: 'production' })).toEqual(['@opentelemetry/api']);
    // The same app with tracing on does load them: the check above can see them.
    expect(await loadedBy({ NODE_ENV: 'production', OTEL_TRACES_EXPORTER: 'console' })).toEqual(
      expect.arrayContaining(['@opentelemetry/sdk-trace', '@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg', '@fastify/otel']),
    );
  });
});
