/**
 * `npm run test:compose`: what a user of `docker compose up` does and sees, with real containers.
 *
 * 0. in a fresh copy of the repository, `npm run new:service -- billing-service --no-register` (which
 *    adds it and its one-shot registration to docker-compose.yml), next to a .env written for
 *    `npm start` on other ports (which must not reach the stack: compose reads COMPOSE_* only),
 * 1. builds the image from the Dockerfile as it is (base images: real ones if they can be pulled,
 *    else stand-ins from test/compose/stand-in-images.sh),
 * 2. `compose up` and waits for every healthcheck (and the registration one-shot to exit 0); a service
 *    that crashes, restarts or stays unhealthy fails the run by name, with its last log lines,
 * 3. runs `npm run demo` from the host against the containers, then billing-service's own checks
 *    (200 with alice's profile, 401, 403) with public clients made by the CLI in the stack, and the
 *    admin API with the `deployer` client made there too,
 * 4. checks the apps run as a non-root user and that no secret reaches the logs,
 * 5. takes the stack down (volumes kept) and up again: the demo passes again, a client created
 *    with the CLI inside the container still gets tokens, the signing key is the same,
 * 6. `compose down -v` leaves no container, network or volume of the project.
 *
 * Published host ports are free ones (3000-3002 may be taken), ISSUER follows the auth-server's.
 * Not part of `npm test`: it needs Docker (CI starts it as root: test/compose/docker-daemon.sh).
 * SKIP_COMPOSE_TEST=1 skips it for contributors without Docker; CI (CI=true) refuses to skip.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
// Plain constant modules only: this Jest config does not transform Nest's ES modules.
import { ADMIN_SCOPE } from '../../apps/auth-server/src/admin/admin-scope';
import { DEMO_USERS } from '../../libs/platform/src/demo-users';
import { CheckoutCopy, copyCheckout } from '../scaffold/support/checkout-copy';
import { findCompose, freeHostPort, must, ROOT, run, runInherited, say, seconds, sleep } from './support/docker';
import { sequentialSteps } from './support/steps';
import { findSecrets } from './support/secrets';

/** The service npm run new:service adds in the copy; its one-shot registration is `${SCAFFOLDED}-registration`. */
const SCAFFOLDED = 'billing-service';
const APP_SERVICES = ['auth-server', 'user-service', 'order-service', SCAFFOLDED] as const;
/** One-shot services: done when they exited 0 (they have no healthcheck). */
const isOneShot = (service: string) => service.endsWith('-registration');
const CLI = ['node', 'dist/apps/auth-server/src/cli/main.js'];
/** ADMIN_AUDIENCE's default (admin-api.config.ts, which loads Nest), as the README's Admin API section registers it. */
const ADMIN_AUDIENCE = 'api://auth-server-admin';
const HEALTHY_WITHIN_MS = Number(process.env.COMPOSE_HEALTHY_TIMEOUT_MS ?? 240_000);
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');
const skip = process.env.SKIP_COMPOSE_TEST === '1' && !inCi;

if (skip) process.stdout.write('compose-check: SKIPPED (SKIP_COMPOSE_TEST=1): docker compose up was not tested here\n');

type Compose = NonNullable<Awaited<ReturnType<typeof findCompose>>>;
interface ServiceState {
  service: string;
  id?: string;
  status: string;
  health: string;
  restarts: number;
  exitCode: number;
}

/** Up as it should be: healthy, or (a one-shot) finished with exit code 0. */
const isReady = (s: ServiceState) => s.health === 'healthy' || (isOneShot(s.service) && s.status === 'exited' && s.exitCode === 0);

const figures: string[] = [];
function figure(text: string): void {
  figures.push(text);
  say(text);
}

(skip ? describe.skip : describe)('docker compose up, as a user runs it', () => {
  const project = `m2m-check-${process.pid}-${randomBytes(3).toString('hex')}`;
  let compose: Compose;
  let env: NodeJS.ProcessEnv;
  let checkout: CheckoutCopy;
  let urls: { auth: string; users: string; orders: string; billing: string };
  let services: string[] = [];
  /** Values that must never appear in a log: the stack's secrets by variable name. */
  const secrets: Record<string, string> = {};

  const composeArgs = (...args: string[]) => [...compose.prefix, '-p', project, ...args];
  // Compose runs in the copy, where billing-service was scaffolded (its docker-compose.yml, its build context).
  const composeRun = (args: string[], timeoutMs?: number, signal?: AbortSignal) => run(compose.command, composeArgs(...args), { env, timeoutMs, signal, cwd: checkout.dir });
  const composeMust = (args: string[], timeoutMs?: number) => must(compose.command, composeArgs(...args), { env, timeoutMs, cwd: checkout.dir });
  /** The operator CLI inside the stack, as the README shows it: `docker compose exec auth-server node …/cli/main.js …`. */
  const stackCli = (...args: string[]) => composeMust(['exec', '-T', 'auth-server', ...CLI, ...args]);

  /**
   * Each service's container and its state, from the labels compose (v1 and v2) puts on containers:
   * two docker calls per poll, however many services (cheap on a 2-core machine during start-up).
   */
  async function states(): Promise<ServiceState[]> {
    const listed = await must('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
    const ids = listed.trim().split('\n').filter(Boolean);
    const byService = new Map<string, Omit<ServiceState, 'service'>>();
    if (ids.length) {
      const format = '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.State.Status}} {{if index .State "Health"}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}} {{.State.ExitCode}}';
      // A container removed between the two calls is simply missing from this poll.
      // `index`, not `.State.Health`: a container without a healthcheck (the one-shots) has no Health key,
      // which Docker 20.10's template refuses (and then prints no row for it).
      const inspected = await run('docker', ['inspect', '--format', format, ...ids]);
      for (const row of inspected.stdout.trim().split('\n').filter(Boolean)) {
        const [service, id, status, health, restarts, exitCode] = row.split(' ');
        byService.set(service, { id, status, health, restarts: Number(restarts), exitCode: Number(exitCode) });
      }
    }
    return services.map((service) => ({ service, status: 'not created', health: 'none', restarts: 0, exitCode: 0, ...byService.get(service) }));
  }

  async function lastLogLines(state: ServiceState, lines = 25): Promise<string> {
    if (!state.id) return '   (no container)';
    const logs = await run('docker', ['logs', '--tail', String(lines), state.id]);
    const text = `${logs.stdout}${logs.stderr}`.trim();
    return text ? text.split('\n').map((l) => `   | ${l}`).join('\n') : '   (no output)';
  }

  async function logsOf(state: ServiceState): Promise<string> {
    const logs = await run('docker', ['logs', state.id!]);
    return `${logs.stdout}\n${logs.stderr}`;
  }

  /** Crashed, crash-looping or unhealthy. (Crash loops never turn "unhealthy": each restart resets it.) */
  const isBroken = (s: ServiceState) => !isReady(s) && (s.restarts >= 1 || s.health === 'unhealthy' || ['exited', 'dead'].includes(s.status));

  /** Why the stack is not up, naming each failing service with its last log lines. */
  async function diagnose(reason: string): Promise<Error> {
    const current = await states();
    const failing = current.filter((s) => !isReady(s));
    const created = failing.filter((s) => s.status !== 'not created');
    const broken = created.filter(isBroken);
    const parts = [`${reason}. Not healthy: ${failing.map((s) => s.service).join(', ') || 'none'}`];
    // Broken services are the cause; if none is (a timeout), the ones still starting are the suspects.
    for (const state of broken.length ? broken : created) {
      parts.push(`service ${state.service}: ${state.status}, health ${state.health}, ${state.restarts} restart(s); its last log lines:\n${await lastLogLines(state)}`);
    }
    const starting = broken.length ? created.filter((s) => !isBroken(s)).map((s) => s.service) : [];
    if (starting.length) parts.push(`still starting: ${starting.join(', ')}`);
    const waiting = failing.filter((s) => s.status === 'not created').map((s) => s.service);
    if (waiting.length) parts.push(`not started (waiting on the above): ${waiting.join(', ')}`);
    return new Error(parts.join('\n\n'));
  }

  /** `compose up -d`, then every service healthy; returns the milliseconds to healthy. */
  async function up(): Promise<number> {
    const startedAt = Date.now();
    let upResult: Awaited<ReturnType<typeof run>> | undefined;
    const stopWaiting = new AbortController();
    const upCall = composeRun(['up', '-d', '--no-build'], HEALTHY_WITHIN_MS + 30_000, stopWaiting.signal).then((r) => (upResult = r));
    try {
      for (;;) {
        const current = await states();
        if (current.every(isReady) && upResult?.code === 0) return Date.now() - startedAt;
        // Two restarts: a container that died once may be racing a dependency; twice is a crash loop.
        const broken = current.find((s) => !isReady(s) && (s.restarts >= 2 || s.health === 'unhealthy' || ['exited', 'dead'].includes(s.status)));
        if (broken) throw await diagnose(`service ${broken.service} failed to start`);
        if (upResult && upResult.code !== 0) throw await diagnose(`compose up exited ${upResult.code}: ${upResult.stderr.trim().split('\n').slice(-3).join(' / ')}`);
        if (Date.now() - startedAt > HEALTHY_WITHIN_MS) throw await diagnose(`not healthy within ${seconds(HEALTHY_WITHIN_MS)}`);
        await sleep(1000);
      }
    } finally {
      // compose 1.x waits forever on a dependency that crash-loops: stop waiting for it.
      if (!upResult) stopWaiting.abort();
      await upCall;
    }
  }

  /** `npm run demo` against the containers; returns its verdict counts. */
  async function demo(): Promise<string> {
    const result = await run('node', ['scripts/run-built.js', 'dist/scripts/demo.js'], {
      env: { ...env, DEMO_AUTH_SERVER_URL: urls.auth, DEMO_USER_SERVICE_URL: urls.users, DEMO_ORDER_SERVICE_URL: urls.orders },
      timeoutMs: 120_000,
    });
    const passed = (result.stdout.match(/✓ as expected|\(reused ✓\)/g) ?? []).length;
    const failed = (result.stdout.match(/✗/g) ?? []).length;
    if (result.code !== 0 || failed > 0 || passed === 0) {
      throw new Error(`npm run demo against the containers: exit ${result.code}, ${passed} as expected, ${failed} not:\n${result.stdout}${result.stderr}`);
    }
    return `${passed}/${passed + failed} checks as expected`;
  }

  async function clientToken(clientId: string, secret: string, form = 'grant_type=client_credentials&scope=users%3Aread'): Promise<string> {
    const response = await fetch(`${urls.auth}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200 || !body.access_token) throw new Error(`token for ${clientId}: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  const step = sequentialSteps(120_000);

  const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
  let createdClient: { id: string; secret: string };
  let kidBefore: string;

  beforeAll(async () => {
    if (process.env.SKIP_COMPOSE_TEST === '1') {
      throw new Error('SKIP_COMPOSE_TEST=1 is refused in CI (CI=true): the compose test always runs there');
    }
    const info = await run('docker', ['info', '--format', '{{.ServerVersion}} {{.Driver}}']);
    if (info.code !== 0) {
      throw new Error(
        `docker does not answer (${info.stderr.trim().split('\n').pop()}). As root, test/compose/docker-daemon.sh installs and starts it; ` +
          'without Docker, skip this test with SKIP_COMPOSE_TEST=1 (never in CI).',
      );
    }
    // The repository as a team has it, plus a service they added; and their .env for `npm start` on
    // shifted ports, which docker compose also reads and which must change nothing in the stack.
    checkout = copyCheckout(ROOT);
    const scaffolded = await run('npm', ['run', '-s', 'new:service', '--', SCAFFOLDED, '--no-register'], { cwd: checkout.dir, timeoutMs: 600_000 });
    if (scaffolded.code !== 0) throw new Error(`npm run new:service in the copy failed:\n${scaffolded.stdout}${scaffolded.stderr}`);
    writeFileSync(
      join(checkout.dir, '.env'),
      'ISSUER=http://localhost:3200\nAUTH_SERVER_PORT=3200\nCLIENT_SECRET_PEPPER=a-pepper-for-npm-start-only-0000000000000\nPOSTGRES_PASSWORD=not-the-stack-password\n',
      { mode: 0o600 },
    );
    const found = await findCompose();
    if (!found) throw new Error('neither `docker compose` nor docker-compose is installed (apt-get install docker-compose)');
    compose = found;
    const [serverVersion, driver] = info.stdout.trim().split(' ');
    say(`project ${project} in ${checkout.dir} (with ${SCAFFOLDED}); Docker ${serverVersion} (storage driver ${driver}); ${compose.version}; a .env for npm start`);

    const [auth, users, orders, billing] = [await freeHostPort(), await freeHostPort(), await freeHostPort(), await freeHostPort()];
    urls = { auth: `http://localhost:${auth}`, users: `http://localhost:${users}`, orders: `http://localhost:${orders}`, billing: `http://localhost:${billing}` };
    // Only COMPOSE_* variables configure the stack (docker-compose.yml's header).
    const { ISSUER: _issuer, ...shell } = process.env;
    env = {
      ...shell,
      COMPOSE_AUTH_SERVER_HOST_PORT: String(auth),
      COMPOSE_USER_SERVICE_HOST_PORT: String(users),
      COMPOSE_ORDER_SERVICE_HOST_PORT: String(orders),
      COMPOSE_BILLING_SERVICE_HOST_PORT: String(billing),
      // The issuer must be the URL the demo on the host uses.
      COMPOSE_ISSUER: urls.auth,
      // A fresh database password, so a leak of it is detectable (the default equals the user name).
      COMPOSE_POSTGRES_PASSWORD: randomBytes(18).toString('base64url'),
      // billing-service's own secret in the stack, fresh (its registration one-shot registers it).
      COMPOSE_BILLING_SERVICE_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    };
    // The services `up` starts: not the ones behind a profile (jaeger, `--profile tracing`), which
    // docker-compose 1.29 still lists under `config --services`.
    const resolved = await composeMust(['config']);
    const profiled = Object.entries((parse(resolved) as { services: Record<string, { profiles?: string[] }> }).services)
      .filter(([, definition]) => definition.profiles?.length)
      .map(([name]) => name);
    services = (await composeMust(['config', '--services'])).trim().split('\n').filter((service) => !profiled.includes(service));

    // The stack's secrets as compose resolves them (compose defaults, or the caller's .env).
    for (const match of resolved.matchAll(/^\s+([A-Z0-9_]*(?:SECRET|PASSWORD|PEPPER|ENCRYPTION_KEY)[A-Z0-9_]*):\s*(.+)$/gm)) {
      secrets[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
    }
  }, 15 * 60_000);

  afterAll(async () => {
    if (!compose) {
      checkout?.remove();
      return;
    }
    // Whatever happened, leave nothing behind (the last test checks this on the success path).
    await composeRun(['down', '-v', '--remove-orphans', '--timeout', '20']);
    checkout?.remove();
    if (figures.length) process.stdout.write(`\ncompose-check summary:\n${figures.map((f) => `  ${f}`).join('\n')}\n\n`);
  }, 120_000);

  step('gets its base images (pulled, kept, or built as stand-ins)', async () => {
    const startedAt = Date.now();
    expect(await runInherited('bash', ['test/compose/stand-in-images.sh'])).toBe(0);
    figure(`base images ready in ${seconds(Date.now() - startedAt)}`);
  }, 20 * 60_000);

  step('builds the image from the Dockerfile as it is', async () => {
    const startedAt = Date.now();
    // One build: the three app services share the image (compose `build: .` and one `image:` tag).
    const built = await composeRun(['build', APP_SERVICES[0]], 20 * 60_000);
    if (built.code !== 0) throw new Error(`compose build failed (exit ${built.code}):\n${`${built.stdout}${built.stderr}`.trim().split('\n').slice(-40).join('\n')}`);
    const image = (await composeMust(['config'])).match(/^\s+image:\s*(nest-oauth-m2m\S*)$/m)?.[1] ?? 'nest-oauth-m2m:local';
    const size = Number((await must('docker', ['image', 'inspect', '--format', '{{.Size}}', image])).trim());
    figure(`build ${seconds(Date.now() - startedAt)}; image ${image} ${(size / 1e6).toFixed(0)} MB`);
  }, 20 * 60_000);

  step('starts: every service healthy', async () => {
    figure(`start-up to healthy ${seconds(await up())} (${services.join(', ')})`);
  }, HEALTHY_WITHIN_MS + 60_000);

  step('passes the demo from the host', async () => {
    figure(`demo: ${await demo()}`);
  }, 180_000);

  step(`${SCAFFOLDED}, added by new:service and registered by its one-shot: 200 with the caller's profile, 401, 403`, async () => {
    const registration = (await states()).find((s) => s.service === `${SCAFFOLDED}-registration`)!;
    expect({ status: registration.status, exitCode: registration.exitCode }).toEqual({ status: 'exited', exitCode: 0 });
    expect(await logsOf(registration)).toContain(`client ${SCAFFOLDED}: registered`);
    // Public clients for it, made with the CLI in the stack, as README "Adding a service" does on the host.
    for (const [id, scope] of [['billing-web', 'billing:read'], ['billing-writer-web', 'billing:write']]) {
      await stackCli('clients', 'create', '--id', id, '--auth-method', 'none', '--redirect-uri', 'http://127.0.0.1/callback', '--grant', `api://billing-service=${scope}`, '--json');
    }
    const userToken = async (client: string, scope: string): Promise<string> => {
      const issued = await run('node', ['scripts/run-built.js', 'dist/scripts/token.js', '--user', 'alice', '--client', client, '--resource', 'api://billing-service', '--scope', scope], {
        env: { ...process.env, AUTH_SERVER_URL: urls.auth },
        timeoutMs: 60_000,
      });
      if (issued.code !== 0) throw new Error(`npm run token for ${client}: exit ${issued.code}: ${issued.stderr}`);
      return issued.stdout.trim();
    };
    const me = (token?: string) => fetch(`${urls.billing}/billing/me`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
    const ok = await me(await userToken('billing-web', 'billing:read'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: DEMO_USERS.alice.id, username: 'alice', display_name: DEMO_USERS.alice.displayName });
    expect((await me()).status).toBe(401);
    expect((await me(await userToken('billing-writer-web', 'billing:write'))).status).toBe(403);
    figure(`${SCAFFOLDED} (scaffolded, registered by its one-shot): 200 with alice's profile via user-service, 401 without a token, 403 without billing:read`);
  });

  step('the CLI in the stack makes the admin automation client, whose token works at the admin API', async () => {
    const created = JSON.parse(await stackCli('clients', 'create', '--id', 'deployer', '--grant', `${ADMIN_AUDIENCE}=${ADMIN_SCOPE}`, '--json')) as { client_secret: string };
    secrets.DEPLOYER_SECRET = created.client_secret;
    const token = await clientToken('deployer', created.client_secret, `grant_type=client_credentials&scope=${encodeURIComponent(ADMIN_SCOPE)}`);
    const listed = await fetch(`${urls.auth}/admin/clients`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    expect(listed.status).toBe(200);
    const clientIds = ((await listed.json()) as { client_id: string }[]).map((c) => c.client_id);
    expect(clientIds).toEqual(expect.arrayContaining(['deployer', SCAFFOLDED, 'billing-web']));
    figure(`deployer (made by the CLI in the stack) lists ${clientIds.length} clients at /admin/clients`);
  });

  step('runs the apps as a non-root user', async () => {
    for (const state of (await states()).filter((s) => (APP_SERVICES as readonly string[]).includes(s.service))) {
      // Every process of the container, init included (ps columns: uid, pid, command).
      const table = (await must('docker', ['top', state.id!, '-o', 'uid,pid,args'])).trim().split('\n').slice(1);
      expect(table.length).toBeGreaterThan(0);
      for (const row of table) expect({ service: state.service, process: row.trim(), root: row.trim().split(/\s+/)[0] === '0' }).toMatchObject({ root: false });
      expect({ service: state.service, user: (await must('docker', ['inspect', '--format', '{{.Config.User}}', state.id!])).trim() }).toEqual({ service: state.service, user: 'node' });
    }
  });

  step('keeps its data when the stack goes down and up again (volumes kept)', async () => {
    const id = `compose-check-${randomBytes(3).toString('hex')}`;
    const created = await stackCli('clients', 'create', '--id', id, '--grant', 'api://user-service=users:read', '--json');
    const secret = (JSON.parse(created) as { client_secret?: string }).client_secret;
    expect(secret).toEqual(expect.any(String));
    createdClient = { id, secret: secret! };
    secrets.CLI_CREATED_CLIENT_SECRET = createdClient.secret;
    kidBefore = kidOf(await clientToken(createdClient.id, createdClient.secret));

    const stoppedAt = Date.now();
    await composeMust(['down', '--timeout', '20'], 120_000);
    figure(`down (SIGTERM to exit, volumes kept) ${seconds(Date.now() - stoppedAt)}`);
    figure(`start-up to healthy again ${seconds(await up())}`);
    figure(`demo after restart: ${await demo()}`);

    const token = await clientToken(createdClient.id, createdClient.secret);
    expect({ client: createdClient.id, kid: kidOf(token) }).toEqual({ client: createdClient.id, kid: kidBefore });
    figure(`client ${createdClient.id} (created by the CLI in the container) still gets tokens; signing key ${kidBefore} unchanged`);
    // The registration one-shot ran again and found billing-service registered; billing-service is up with it.
    const registration = (await states()).find((s) => s.service === `${SCAFFOLDED}-registration`)!;
    expect(await logsOf(registration)).toContain(`client ${SCAFFOLDED}: already registered`);
  }, HEALTHY_WITHIN_MS + 300_000);

  step('writes no secret to any log', async () => {
    const names = Object.keys(secrets);
    expect(names).toEqual(
      expect.arrayContaining(['KEY_ENCRYPTION_KEY', 'CLIENT_SECRET_PEPPER', 'ORDER_SERVICE_CLIENT_SECRET', 'POSTGRES_PASSWORD', 'BILLING_SERVICE_CLIENT_SECRET', 'CLI_CREATED_CLIENT_SECRET', 'DEPLOYER_SECRET']),
    );
    const leaks = [];
    for (const state of await states()) {
      const text = await logsOf(state);
      expect(text.trim().length).toBeGreaterThan(0);
      for (const leak of findSecrets(text, secrets)) leaks.push({ service: state.service, ...leak });
      // Access tokens are credentials too (the demo's and order-service's went through these apps).
      const jwt = text.match(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/);
      if (jwt) leaks.push({ service: state.service, name: 'a JWT', form: `${jwt[0].slice(0, 20)}…`, line: '' });
    }
    expect(leaks).toEqual([]);
    figure(`logs of ${services.length} containers hold none of ${names.length} secrets (${names.join(', ')}) in plain, URL, JSON, hex or base64 form, and no JWT`);
  });

  step('`compose down -v` leaves no container, network or volume of the project', async () => {
    await composeMust(['down', '-v', '--remove-orphans', '--timeout', '20'], 120_000);
    const label = `label=com.docker.compose.project=${project}`;
    const left = {
      containers: (await must('docker', ['ps', '-aq', '--filter', label])).trim(),
      networks: (await must('docker', ['network', 'ls', '-q', '--filter', label])).trim(),
      volumes: (await must('docker', ['volume', 'ls', '-q', '--filter', label])).trim(),
    };
    expect(left).toEqual({ containers: '', networks: '', volumes: '' });
    figure('down -v: no container, network or volume of the project left');
  }, 180_000);
});
