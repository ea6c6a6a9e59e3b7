/**
 * `npm run bench`: starts everything it measures, on free ports, and runs all scenarios in one
 * go so that the ratios between them hold on a noisy machine. See bench/README.md.
 */
import { ensureDatabaseExists, startEmbeddedPostgres } from '@app/database';
import { DEMO_USERS, resolvedEnvironment } from '@app/platform';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { promisify } from 'node:util';
import { signInWithPkce } from '../scripts/support/login-form';
import { WorkloadIssuer } from '../scripts/workload-issuer/workload-issuer';
import { LoadResult, LoadSettings, measure, measureAlternating } from './support/load';
import { freePort, peakRssMb, rssMb, RunningProcess, startNode, stopProcess, waitForHttp } from './support/processes';

const root = resolve(__dirname, '../..');
const dist = (path: string) => resolve(root, 'dist', path);
const settings: LoadSettings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  durationSeconds: Number(process.env.BENCH_DURATION ?? 10),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 3),
};
/** Alternating rounds per subject in scenarios 1 and 2 (BENCH_DURATION is split between them). */
const ALTERNATING_ROUNDS = Number(process.env.BENCH_ALTERNATING_ROUNDS ?? 5);
const TOKEN_BODY = 'grant_type=client_credentials&scope=users:read';
const ALICE_ORDER = '0a1b2c3d-0000-4000-8000-a11ce0000101';
const running: RunningProcess[] = [];

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Values as the apps themselves read them: the environment over .env over .env.example, variable by variable. */
function devDefaults(): Record<string, string | undefined> {
  return resolvedEnvironment(root);
}

async function start(name: string, entry: string, env: Record<string, string>, readyUrl: string): Promise<RunningProcess> {
  const process = startNode(name, entry, env);
  running.push(process);
  await waitForHttp(process, readyUrl);
  return process;
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** One real token request first: a server that answers errors or opaque tokens must not be measured. */
async function checkIssuesJwt(name: string, url: string, authorization: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: TOKEN_BODY,
  });
  const body = (await response.json()) as { access_token?: string };
  const header = body.access_token ? JSON.parse(Buffer.from(body.access_token.split('.')[0]!, 'base64url').toString()) : {};
  if (response.status !== 200 || header.alg !== 'ES256') {
    throw new Error(`${name} did not issue an ES256 JWT: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.access_token!;
}

/**
 * The same client_credentials request authenticated by private_key_jwt (an ES256 assertion, a fresh
 * `jti` each, pre-signed) and by federated_jwt (a Kubernetes-shaped token of a trusted issuer served by
 * scripts/workload-issuer, reused as the kubelet reuses it): registered through the CLI like any client.
 */
async function authMethodRequests(issuer: string, env: Record<string, string>) {
  const cli = (...args: string[]) => promisify(execFile)(process.execPath, [dist('apps/auth-server/src/cli/main.js'), ...args], { env: { ...process.env, ...env } });
  const workDir = mkdtempSync(join(tmpdir(), 'oauth-m2m-bench-methods-'));
  // RS256, as Kubernetes signs its service-account tokens.
  const workloads = await WorkloadIssuer.start();
  try {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwksFile = join(workDir, 'bench-jwt.jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'bench-jwt-1', alg: 'ES256' }] }));
    await cli('clients', 'create', '--id', 'bench-jwt', '--grant', 'api://user-service=users:read', '--auth-method', 'private_key_jwt', '--jwks-file', jwksFile, '--json');
    await cli('trusted-issuers', 'create', '--issuer', workloads.issuer, '--kind', 'kubernetes', '--json');
    const subject = 'system:serviceaccount:bench:bench-workload';
    await cli('clients', 'create', '--id', 'bench-fed', '--grant', 'api://user-service=users:read', '--auth-method', 'federated_jwt', '--federated-issuer', workloads.issuer, '--federated-subject', subject, '--json');

    // Enough single-use assertions for the warm-up and the run at a generous rate; a shortfall shows as failures.
    const count = Number(process.env.BENCH_ASSERTIONS ?? 4_000 * (settings.warmupSeconds + settings.durationSeconds));
    const assertions: string[] = [];
    for (let i = 0; i < count; i++) {
      assertions.push(
        await new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'bench-jwt-1' })
          .setIssuer('bench-jwt')
          .setSubject('bench-jwt')
          .setAudience(issuer)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(pair.privateKey),
      );
    }
    const form = (fields: Record<string, string>) => `${TOKEN_BODY}&${new URLSearchParams(fields).toString()}`;
    const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    let next = 0;
    const privateKeyJwt = { url: `${issuer}/oauth/token`, method: 'POST' as const, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    const workloadToken = await workloads.kubernetesToken({ namespace: 'bench', serviceAccount: 'bench-workload', audience: issuer, lifetimeSeconds: 3600, pod: { name: 'bench-0' } });
    const federated = { ...privateKeyJwt, body: form({ client_id: 'bench-fed', client_assertion_type: jwtBearer, client_assertion: workloadToken }) };
    const probe = await fetch(federated.url, { method: 'POST', headers: federated.headers, body: federated.body });
    if (probe.status !== 200) throw new Error(`federated_jwt token request answered ${probe.status}: ${await probe.text()}`);
    return {
      requests: {
        private_key_jwt: { ...privateKeyJwt, nextBody: () => form({ client_assertion_type: jwtBearer, client_assertion: assertions[next++ % assertions.length]! }) },
        'federated_jwt (k8s token)': federated,
      },
      close: async () => {
        await workloads.close();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await workloads.close();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

// ── 4. cold start ────────────────────────────────────────────────────────────────────────────────
async function timeStart(dataDir: string): Promise<number> {
  const [pgPort, authPort, usersPort, ordersPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    AUTH_SERVER_PORT: String(authPort),
    USER_SERVICE_PORT: String(usersPort),
    ORDER_SERVICE_PORT: String(ordersPort),
    ISSUER: `http://127.0.0.1:${authPort}`,
    USER_SERVICE_URL: `http://127.0.0.1:${usersPort}`,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  const startedAt = performance.now();
  const launcher = startNode('npm start', dist('scripts/start.js'), env as Record<string, string>);
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`npm start not ready in 60 s:\n${launcher.output.join('\n')}`)), 60_000);
      launcher.child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready:')) {
          clearTimeout(timer);
          ready();
        }
      });
      launcher.child.once('exit', (code) => fail(new Error(`npm start exited (${code}):\n${launcher.output.join('\n')}`)));
    });
    return performance.now() - startedAt;
  } finally {
    await stopProcess(launcher.child, 'SIGINT');
  }
}

async function coldStart(): Promise<{ firstStartMs: number; restartMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oauth-m2m-bench-start-'));
  try {
    const firstStartMs = await timeStart(dataDir); // initdb included
    const restartMs = await timeStart(dataDir); // the everyday case: a stopped cluster
    return { firstStartMs, restartMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ── the database for scenarios 1-3 ───────────────────────────────────────────────────────────────
async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `oauth_m2m_bench_${Date.now()}`;
  if (process.env.DATABASE_URL) {
    await ensureDatabaseExists(process.env.DATABASE_URL, name);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        const admin = new Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'oauth-m2m-bench-pg-'));
  const cluster = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: name, persistent: false });
  return {
    url: cluster.url,
    drop: async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Row {
  scenario: string;
  subject: string;
  result: LoadResult;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const row = (scenario: string, subject: string, result: LoadResult) => {
    rows.push({ scenario, subject, result });
    const cpu = result.cpuMsPer1000 === undefined ? '' : `, ${result.cpuMsPer1000} CPU-ms per 1,000`;
    log(`${scenario} ${subject}: ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, failures ${result.failures}${cpu}`);
    return result;
  };
  const defaults = devDefaults();

  log('4. cold start: npm start (embedded PostgreSQL, three apps) until ready');
  const startup = await coldStart();

  const database = await benchDatabase();
  try {
    const [authPort, oidcPort, barePort, rsPort, usersPort, ordersPort, usersTracedPort, ordersTracedPort, sinkPort, ordersDelegatedPort] =
      await Promise.all(Array.from({ length: 10 }, () => freePort()));
    const issuer = `http://127.0.0.1:${authPort}`;
    // As a deployment runs: the access log on (one JSON line per request, to a pipe the bench drains).
    const common = { DATABASE_URL: database.url, ISSUER: issuer, AUTH_SERVER_URL: issuer, LOG_LEVEL: 'log', LOG_FORMAT: 'json', REDIS_URL: '' };

    // ── 1. token endpoint ──
    const auth = await start('auth-server', dist('apps/auth-server/src/main.js'), { ...common, AUTH_SERVER_PORT: String(authPort) }, `${issuer}/health/live`);
    // The auth-server's peak, moment by moment: its start (on a fresh database the demo seed hashes
    // two passwords, scrypt 16 MiB each), the client_secret_basic token load, scenario 1b (assertions
    // verified, its first JWKS fetched), and the flow's sign-in (one more hash).
    const authPeakAfterStartMb = peakRssMb(auth.child.pid!);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [dist('apps/auth-server/src/cli/main.js'), 'clients', 'create', '--id', 'bench-client', '--grant', 'api://user-service=users:read', '--json'],
      { env: { ...process.env, ...common } },
    );
    const client = JSON.parse(stdout) as { client_id: string; client_secret: string };
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreignEnv = {
      BENCH_ISSUER: '',
      BENCH_CLIENT_ID: client.client_id,
      BENCH_CLIENT_SECRET: client.client_secret,
      BENCH_JWK: JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'bench-es256', alg: 'ES256', use: 'sig' }),
    };
    const oidc = await start(
      'oidc-provider',
      resolve(root, 'bench/servers/oidc-provider.mjs'),
      { ...foreignEnv, BENCH_PORT: String(oidcPort), BENCH_ISSUER: `http://127.0.0.1:${oidcPort}` },
      `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
    );
    const bare = startNode('bare node:http', resolve(root, 'bench/servers/bare-sign.mjs'), {
      ...foreignEnv,
      BENCH_PORT: String(barePort),
      BENCH_ISSUER: `http://127.0.0.1:${barePort}`,
    });
    running.push(bare);
    await new Promise<void>((ready) => bare.child.stdout?.once('data', () => ready()));

    const authorization = basic(client.client_id, client.client_secret);
    const tokenTargets = [
      { subject: 'auth-server (ours)', url: `${issuer}/oauth/token`, pid: auth.child.pid },
      { subject: 'node-oidc-provider', url: `http://127.0.0.1:${oidcPort}/token`, pid: oidc.child.pid },
      { subject: 'bare node:http + ES256', url: `http://127.0.0.1:${barePort}/`, pid: bare.child.pid },
    ];
    for (const target of tokenTargets) await checkIssuesJwt(target.subject, target.url, authorization);
    log(`1. token endpoint, client_credentials + client_secret_basic, ES256, ${settings.connections} connections`);
    const tokenRequest = (url: string) => ({ url, method: 'POST' as const, headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: TOKEN_BODY });
    // The three in alternating rounds: the headline is their ratios, which must come from the same minutes.
    const tokenResults = await measureAlternating(
      tokenTargets.map((target) => ({ request: tokenRequest(target.url), pid: target.pid })),
      settings,
      ALTERNATING_ROUNDS,
    );
    tokenTargets.forEach((target, index) => row('1 token endpoint', target.subject, tokenResults[index]!));
    const [ours, oidcResult, bareResult] = tokenResults as [LoadResult, LoadResult, LoadResult];
    const authPeakAfterTokenLoadMb = peakRssMb(auth.child.pid!);
    await oidc.stop();
    await bare.stop();

    // ── 1b. token endpoint by client authentication method (issue 30): CPU per token of each ──
    const authMethods = await authMethodRequests(issuer, common);
    log('1b. token endpoint by client authentication method: client_secret_basic, private_key_jwt, federated_jwt (Kubernetes token)');
    row('1b token by method', 'client_secret_basic', ours);
    for (const [method, request] of Object.entries(authMethods.requests)) row('1b token by method', method, await measure(request, settings, auth.child.pid));
    await authMethods.close();

    // ── 2. guard overhead ──
    const serviceToken = await checkIssuesJwt('auth-server', `${issuer}/oauth/token`, authorization);
    const rs = await start('bench resource server', dist('bench/servers/resource-server.js'), { ...common, BENCH_PORT: String(rsPort) }, `http://127.0.0.1:${rsPort}/bench/public`);
    const probe = await fetch(`http://127.0.0.1:${rsPort}/bench/guarded`, { headers: { authorization: `Bearer ${serviceToken}` } });
    if (probe.status !== 200) throw new Error(`guarded route answered ${probe.status}`);
    log('2. resource server: @Scopes-guarded route vs the same handler @Public()');
    const bearer = { authorization: `Bearer ${serviceToken}` };
    const [guarded, unguarded] = (await measureAlternating(
      ['guarded', 'public'].map((route) => ({ request: { url: `http://127.0.0.1:${rsPort}/bench/${route}`, headers: bearer }, pid: rs.child.pid })),
      settings,
      ALTERNATING_ROUNDS,
    )) as [LoadResult, LoadResult];
    row('2 resource server', '@Scopes guarded', guarded);
    row('2 resource server', '@Public', unguarded);
    await rs.stop();

    // ── 3. the flow ──
    const callingUsersAt = (port: number) => ({ ...common, USER_SERVICE_URL: `http://127.0.0.1:${port}` });
    const users = await start('user-service', dist('apps/user-service/src/main.js'), { ...common, USER_SERVICE_PORT: String(usersPort) }, `http://127.0.0.1:${usersPort}/health/live`);
    const orders = await start('order-service', dist('apps/order-service/src/main.js'), { ...callingUsersAt(usersPort), ORDER_SERVICE_PORT: String(ordersPort) }, `http://127.0.0.1:${ordersPort}/health/live`);
    // The same order-service with USER_LOOKUP=token_exchange (issue 29), on the same user-service: it
    // carries a token exchanged for alice's to user-service instead of its own.
    const ordersDelegated = await start(
      'order-service (token exchange)',
      dist('apps/order-service/src/main.js'),
      { ...callingUsersAt(usersPort), ORDER_SERVICE_PORT: String(ordersDelegatedPort), USER_LOOKUP: 'token_exchange' },
      `http://127.0.0.1:${ordersDelegatedPort}/health/live`,
    );

    // The same two apps with tracing on (issue 26): every span exported over OTLP/HTTP to a sink.
    const sink = startNode('OTLP sink', resolve(root, 'bench/servers/otlp-sink.mjs'), { BENCH_PORT: String(sinkPort) });
    running.push(sink);
    await new Promise<void>((ready) => sink.child.stdout?.once('data', () => ready()));
    const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}` };
    const usersTraced = await start('user-service (tracing on)', dist('apps/user-service/src/main.js'), { ...common, ...traced, USER_SERVICE_PORT: String(usersTracedPort) }, `http://127.0.0.1:${usersTracedPort}/health/live`);
    const ordersTraced = await start('order-service (tracing on)', dist('apps/order-service/src/main.js'), { ...callingUsersAt(usersTracedPort), ...traced, ORDER_SERVICE_PORT: String(ordersTracedPort) }, `http://127.0.0.1:${ordersTracedPort}/health/live`);

    const authPeakBeforeSignInMb = peakRssMb(auth.child.pid!);
    const aliceToken = await signInWithPkce(issuer, { username: DEMO_USERS.alice.username, password: defaults.ALICE_PASSWORD ?? '' }, 'orders:read');
    const withAuth = { url: `http://127.0.0.1:${ordersPort}/orders/${ALICE_ORDER}`, headers: { authorization: `Bearer ${aliceToken}` } };
    const withTracing = { ...withAuth, url: `http://127.0.0.1:${ordersTracedPort}/orders/${ALICE_ORDER}` };
    const withTokenExchange = { ...withAuth, url: `http://127.0.0.1:${ordersDelegatedPort}/orders/${ALICE_ORDER}` };
    for (const request of [withAuth, withTracing, withTokenExchange]) {
      const answer = await fetch(request.url, { headers: request.headers });
      if (answer.status !== 200) throw new Error(`GET ${request.url} answered ${answer.status}: ${await answer.text()}`);
    }
    const tokenFetches = async () => ((await (await fetch(`http://127.0.0.1:${ordersPort}/debug/service-token`)).json()) as { fetches: number }).fetches;
    // The guard's own cost is scenario 2's ratio (guarded vs @Public in one app); the apps have no "auth off" mode.
    log('3. the flow: GET /orders/:id through order-service → user-service, tracing off vs on');
    // CPU of order-service alone (the pid given), so tracing's cost per request is comparable.
    const flowOn = row('3 flow', 'with auth', await measure(withAuth, settings, orders.child.pid));
    // Right after its client-credentials twin, under the same conditions. One user token for the whole
    // run: one exchange, then cache hits, so this is the steady-state cost per request (the per-user
    // exchange is one token request per user per token lifetime; scenario 1 says what one costs).
    log('3. the flow with USER_LOOKUP=token_exchange: a token exchanged for alice\'s instead of its own');
    const flowDelegated = row('3 flow', 'token exchange', await measure(withTokenExchange, settings, ordersDelegated.child.pid));
    const flowTraced = row('3 flow', 'with auth, tracing on', await measure(withTracing, settings, ordersTraced.child.pid));
    const spanExports = ((await (await fetch(`http://127.0.0.1:${sinkPort}/count`)).json()) as { exports: number }).exports;
    if (spanExports === 0) throw new Error('the traced apps exported no spans: tracing was not on');
    // Everything order-service did since it started (probe, warm-up, run) is well within one token lifetime.
    const tokenRequestsDuringRun = await tokenFetches();
    const exchangesDuringRun = ((await (await fetch(`http://127.0.0.1:${ordersDelegatedPort}/debug/delegated-tokens`)).json()) as { fetches: number }).fetches;

    // ── 5. memory ──
    const apps = { 'auth-server': auth, 'user-service': users, 'order-service': orders, 'order-service (token exchange)': ordersDelegated };
    const rss = Object.fromEntries(Object.entries(apps).map(([app, process]) => [app, peakRssMb(process.child.pid!)]));
    const tracedRss = { 'user-service': peakRssMb(usersTraced.child.pid!), 'order-service': peakRssMb(ordersTraced.child.pid!) };
    const rssAfterLoad = Object.fromEntries(Object.entries(apps).map(([app, process]) => [app, rssMb(process.child.pid!)]));

    // CPU-ms per 1,000 tokens of scenario 1's three servers (NaN where /proc gave none).
    const tokenCpu = { ours: ours.cpuMsPer1000 ?? Number.NaN, oidc: oidcResult.cpuMsPer1000 ?? Number.NaN, bare: bareResult.cpuMsPer1000 ?? Number.NaN };
    const ratios = {
      oursVsOidcProvider: ours.requestsPerSecond / oidcResult.requestsPerSecond,
      oursVsBare: ours.requestsPerSecond / bareResult.requestsPerSecond,
      // Issue 28's third target is tokens per CPU-second, i.e. the bare server's CPU per token over ours.
      tokensPerCpuSecondOursVsBare: tokenCpu.bare / tokenCpu.ours,
      guardedVsPublic: guarded.requestsPerSecond / unguarded.requestsPerSecond,
      flowTracingOnVsOff: flowTraced.requestsPerSecond / flowOn.requestsPerSecond,
      flowTokenExchangeVsClientCredentials: flowDelegated.requestsPerSecond / flowOn.requestsPerSecond,
      tokenCpuOursVsOidcProvider: tokenCpu.ours / tokenCpu.oidc,
      // What "≤ ½ of node-oidc-provider's CPU" asks for, in units of the bare ceiling's CPU per token:
      // 1.37× at the issue's anchor (oidc 181, bare 66), 1.06-1.30× on Node 24 on a 2-vCPU VM
      // (bench/README.md, "Is ½ of node-oidc-provider's CPU within reach on Node 24?").
      halfOidcProviderCpuVsBare: tokenCpu.oidc / 2 / tokenCpu.bare,
    };
    const targets = [
      { target: 'token endpoint ≥ 2.0× node-oidc-provider', met: ratios.oursVsOidcProvider >= 2, value: `${ratios.oursVsOidcProvider.toFixed(2)}×` },
      { target: 'token endpoint CPU per token ≤ ½ of node-oidc-provider', met: ratios.tokenCpuOursVsOidcProvider <= 0.5, value: `${ours.cpuMsPer1000} vs ${oidcResult.cpuMsPer1000} ms per 1,000 (${(ratios.tokenCpuOursVsOidcProvider * 100).toFixed(0)} %); ½ of it, ${Math.round(tokenCpu.oidc / 2)}, is ${ratios.halfOidcProviderCpuVsBare.toFixed(2)}× the bare ceiling's ${bareResult.cpuMsPer1000}` },
      {
        target: 'tokens per CPU-second ≥ 70 % of bare node:http + sign',
        met: ratios.tokensPerCpuSecondOursVsBare >= 0.7,
        value: `${(ratios.tokensPerCpuSecondOursVsBare * 100).toFixed(0)} % (${ours.cpuMsPer1000} vs ${bareResult.cpuMsPer1000} CPU-ms per 1,000; ${(ratios.oursVsBare * 100).toFixed(0)} % of its tokens/s)`,
      },
      { target: 'token endpoint p99 ≤ 25 ms', met: ours.p99Ms <= 25, value: `${ours.p99Ms} ms` },
      { target: 'guarded route ≥ 90 % of unguarded', met: ratios.guardedVsPublic >= 0.9, value: `${(ratios.guardedVsPublic * 100).toFixed(0)} %` },
      {
        target: 'tracing on costs the flow ≤ 25 % of its throughput (overhead stated)',
        met: ratios.flowTracingOnVsOff >= 0.75,
        value: `${((1 - ratios.flowTracingOnVsOff) * 100).toFixed(0)} % fewer req/s; order-service ${flowTraced.cpuMsPer1000 ?? '?'} vs ${flowOn.cpuMsPer1000 ?? '?'} CPU-ms/1k`,
      },
      { target: 'token requests by order-service since its start ≤ 1', met: tokenRequestsDuringRun <= 1, value: `${tokenRequestsDuringRun}` },
      {
        // One user token for the run: one exchange, then the cache. The ratio is stated, not a target.
        target: 'token exchange mode: exchanges for the one user token ≤ 1',
        met: exchangesDuringRun <= 1,
        value: `${exchangesDuringRun}; flow ${(ratios.flowTokenExchangeVsClientCredentials * 100).toFixed(0)} % of client-credentials req/s, order-service ${flowDelegated.cpuMsPer1000 ?? '?'} vs ${flowOn.cpuMsPer1000 ?? '?'} CPU-ms/1k`,
      },
      { target: 'cold start (first start, initdb included) ≤ 10 s', met: startup.firstStartMs <= 10_000, value: `${(startup.firstStartMs / 1000).toFixed(1)} s` },
      { target: 'restart from stop ≤ 10 s', met: startup.restartMs <= 10_000, value: `${(startup.restartMs / 1000).toFixed(1)} s` },
      ...Object.entries(rss).map(([app, mb]) => ({ target: `${app} peak RSS ≤ 150 MB`, met: mb <= 150, value: `${mb} MB` })),
      ...Object.entries(tracedRss).map(([app, mb]) => ({ target: `${app} peak RSS ≤ 150 MB, tracing on`, met: mb <= 150, value: `${mb} MB` })),
    ];
    const failures = rows.filter(({ result }) => result.failures > 0);
    if (failures.length) targets.push({ target: 'no failed requests under load', met: false, value: failures.map((f) => f.subject).join(', ') });

    const report = {
      takenAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: process.platform },
      settings,
      scenarios: rows,
      tokenRequestsDuringFlowRun: tokenRequestsDuringRun,
      tokenExchangesDuringFlowRun: exchangesDuringRun,
      coldStart: startup,
      peakRssMb: rss,
      authServerPeakRssMb: { afterStart: authPeakAfterStartMb, afterTokenLoad: authPeakAfterTokenLoadMb, beforeSignIn: authPeakBeforeSignInMb, afterFlow: rss['auth-server']! },
      peakRssTracingOnMb: tracedRss,
      spanExportsDuringFlowRun: spanExports,
      rssAfterLoadMb: rssAfterLoad,
      ratios,
      targets,
    };
    const resultsDir = resolve(root, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    printReport(report);
  } finally {
    await Promise.all(running.map((process) => process.stop()));
    await database.drop().catch((error: Error) => log(`could not drop the bench database: ${error.message}`));
  }
}

function printReport(report: {
  machine: { cpus: number; cpuModel?: string; node: string };
  settings: LoadSettings;
  scenarios: Row[];
  coldStart: { firstStartMs: number; restartMs: number };
  peakRssMb: Record<string, number>;
  authServerPeakRssMb: { afterStart: number; afterTokenLoad: number; beforeSignIn: number; afterFlow: number };
  rssAfterLoadMb: Record<string, number>;
  targets: { target: string; met: boolean; value: string }[];
}): void {
  const out: string[] = [];
  out.push('', `machine: ${report.machine.cpus} × ${report.machine.cpuModel ?? '?'}, Node ${report.machine.node}; ${report.settings.connections} connections, ${report.settings.durationSeconds} s per run after ${report.settings.warmupSeconds} s warm-up`, '');
  out.push(`${'scenario'.padEnd(20)}${'subject'.padEnd(26)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'failed'.padStart(8)}${'CPU-ms/1k'.padStart(11)}`);
  for (const { scenario, subject, result } of report.scenarios) {
    out.push(`${scenario.padEnd(20)}${subject.padEnd(26)}${String(result.requestsPerSecond).padStart(9)}${String(result.p50Ms).padStart(9)}${String(result.p99Ms).padStart(9)}${String(result.failures).padStart(8)}${String(result.cpuMsPer1000 ?? '—').padStart(11)}`);
  }
  out.push('', `4 cold start: first start ${(report.coldStart.firstStartMs / 1000).toFixed(1)} s (initdb included), restart from stop ${(report.coldStart.restartMs / 1000).toFixed(1)} s`);
  const mb = (values: Record<string, number>) => Object.entries(values).map(([app, value]) => `${app} ${value} MB`).join(', ');
  const auth = report.authServerPeakRssMb;
  out.push(
    `5 peak RSS during 1-3: ${mb(report.peakRssMb)}`,
    `  RSS after the load: ${mb(report.rssAfterLoadMb)}`,
    `  auth-server peak: ${auth.afterStart} MB after its start (the demo seed's password hashes), ${auth.afterTokenLoad} MB after scenario 1, ` +
      `${auth.beforeSignIn} MB before the flow's sign-in (after 1b: private_key_jwt and federated clients), ${auth.afterFlow} MB after it`,
    '',
  );
  for (const { target, met, value } of report.targets) out.push(`${met ? 'PASS' : 'MISS'}  ${target.padEnd(58)} ${value}`);
  out.push('', 'written to bench/results/latest.json', '');
  process.stdout.write(out.join('\n'));
}

void main().catch(async (error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  await Promise.all(running.map((process) => process.stop()));
  process.exit(1);
});
