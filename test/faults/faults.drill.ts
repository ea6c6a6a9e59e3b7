/**
 * Fault drills (`npm run test:faults`): the built apps as real child processes on free ports, on a
 * PostgreSQL of their own that the drills stop and start. Each drill logs its figures (DRILL …).
 */
import { DrillPostgres } from './support/cluster';
import { between, LoadRunner, Outcome, report, summarize, withoutOutcomes } from './support/load';
import { ALICE_ID, ALICE_ORDER, aliceToken, basic, clientToken, kidOf, TOKEN_FORM } from './support/oauth';
import { DRILL_SECRETS, Platform, runCli, sleep, startPlatform } from './support/processes';

const CLIENT_CACHE_TTL_MS = 3_000;
const USER_SERVICE_TIMEOUT_MS = 1_000;

const postgres = new DrillPostgres();

beforeAll(async () => {
  await postgres.start();
});

afterAll(async () => {
  await postgres.dispose();
});

function tokenRequest(authUrl: string, clientId = 'order-service', secret = DRILL_SECRETS.orderService, form = TOKEN_FORM) {
  return () => ({
    url: `${authUrl}/oauth/token`,
    method: 'POST' as const,
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}

function orderRequest(platform: Platform, token: () => string) {
  return () => ({ url: `${platform.orders.url}/orders/${ALICE_ORDER}`, headers: { authorization: `Bearer ${token()}` } });
}

/** Polls `probe` until it holds; returns the milliseconds it took. */
async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const startedAt = Date.now();
  while (Date.now() - startedAt < timeoutMs) {
    if (await probe().catch(() => false)) return Date.now() - startedAt;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

function onlyStatuses(outcomes: Outcome[], allowed: string[]): Record<string, number> {
  const unexpected: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.error ? `${o.status} ${o.error}` : String(o.status);
    if (!allowed.includes(key)) unexpected[key] = (unexpected[key] ?? 0) + 1;
  }
  return unexpected;
}

async function tokenStatus(authUrl: string, clientId: string, secret: string, form = TOKEN_FORM): Promise<number> {
  const response = await fetch(`${authUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('fault drills on one platform (default token TTL)', () => {
  let platform: Platform;
  let alice: string;

  beforeAll(async () => {
    platform = await startPlatform({
      databaseUrl: await postgres.createDatabase('drill_platform'),
      env: {
        CLIENT_CACHE_TTL_MS: String(CLIENT_CACHE_TTL_MS),
        USER_SERVICE_TIMEOUT_MS: String(USER_SERVICE_TIMEOUT_MS),
        KEY_ACTIVATION_DELAY: '3',
        KEY_RELOAD_INTERVAL: '1',
        // Must stay below KEY_ACTIVATION_DELAY: a new kid is fetched at most once per cooldown.
        JWKS_COOLDOWN_MS: '2000',
      },
    });
    alice = (await aliceToken(platform.auth.url)).token;
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  test('e. signing-key rotation under load: zero failed requests', async () => {
    // Chain per step: a fresh client token, then user-service verifies it (new keys reach the guard).
    const tokensThenUsers = new LoadRunner(async (send) => {
      const issued = await send(tokenRequest(platform.auth.url)());
      if (issued.status !== 200) return issued;
      const token = (JSON.parse(issued.body) as { access_token: string }).access_token;
      return send({ url: `${platform.users.url}/users/${ALICE_ID}`, headers: { authorization: `Bearer ${token}` } });
    }, 6).start();
    const flow = new LoadRunner(orderRequest(platform, () => alice), 6).start();
    const oldKid = kidOf(await clientToken(platform.auth.url, 'order-service', DRILL_SECRETS.orderService));
    await sleep(2_000);
    const rotatedAt = Date.now();
    const rotation = await runCli<{ kid: string }>(platform.env, ['keys', 'rotate', '--activation-delay', '3']);
    const switchMs = await until(
      async () => kidOf(await clientToken(platform.auth.url, 'order-service', DRILL_SECRETS.orderService)) === rotation.kid,
      30_000,
      'new key signing',
    );
    await sleep(3_000);
    // A user token signed by the new key, through the whole flow.
    const aliceNewKey = (await aliceToken(platform.auth.url)).token;
    const newKeyFlow = await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`, { headers: { authorization: `Bearer ${aliceNewKey}` } });
    await Promise.all([tokensThenUsers.stop(), flow.stop()]);
    const chain = summarize(tokensThenUsers.outcomes);
    const orders = summarize(flow.outcomes);
    report('e. key rotation under load', {
      old_kid: oldKid,
      new_kid: rotation.kid,
      new_key_signing_after_ms: switchMs,
      token_then_user_service: withoutOutcomes(chain),
      order_flow_old_key_user_token: withoutOutcomes(orders),
      new_key_user_token_through_flow: newKeyFlow.status,
      rotated_at: new Date(rotatedAt).toISOString(),
    });
    expect(rotation.kid).not.toBe(oldKid);
    expect(kidOf(aliceNewKey)).toBe(rotation.kid);
    expect(newKeyFlow.status).toBe(200);
    expect(chain.requests).toBeGreaterThan(50);
    expect(onlyStatuses(chain.outcomes, ['200'])).toEqual({});
    expect(onlyStatuses(orders.outcomes, ['200'])).toEqual({});
  }, 120_000);

  test('b. JWKS endpoint unreachable (auth-server stopped): resource servers verify with cached keys', async () => {
    // Tokens never shown to a resource server before, so no verified-token cache can answer for them.
    const fresh = await Promise.all(
      Array.from({ length: 20 }, () => clientToken(platform.auth.url, 'order-service', DRILL_SECRETS.orderService)),
    );
    const freshAlice = (await aliceToken(platform.auth.url)).token;
    await platform.auth.stop();
    const jwksDown = await fetch(`${platform.auth.url}/.well-known/jwks.json`).then(
      (r) => r.status,
      () => 'connection refused',
    );
    let next = 0;
    const users = new LoadRunner(
      () => ({ url: `${platform.users.url}/users/${ALICE_ID}`, headers: { authorization: `Bearer ${fresh[next++ % fresh.length]}` } }),
      8,
    ).start();
    const flow = new LoadRunner(orderRequest(platform, () => freshAlice), 8).start();
    await sleep(5_000);
    await Promise.all([users.stop(), flow.stop()]);
    await platform.auth.start();
    const userService = summarize(users.outcomes);
    const orders = summarize(flow.outcomes);
    report('b. JWKS unreachable', {
      jwks_while_down: jwksDown,
      user_service_fresh_service_tokens: withoutOutcomes(userService),
      order_service_fresh_user_token: withoutOutcomes(orders),
    });
    expect(jwksDown).toBe('connection refused');
    expect(onlyStatuses(userService.outcomes, ['200'])).toEqual({});
    expect(onlyStatuses(orders.outcomes, ['200'])).toEqual({});
    expect(userService.requests).toBeGreaterThan(100);
  }, 120_000);

  test.each([
    ['killed (SIGKILL)', 'SIGKILL'],
    ['frozen (SIGSTOP: accepts, never answers)', 'SIGSTOP'],
  ] as const)('d. user-service %s mid-load: order-service answers 503 within its timeout, recovers', async (label, signal) => {
    const load = new LoadRunner(orderRequest(platform, () => alice), 10).start();
    await sleep(2_000);
    const faultAt = Date.now();
    if (signal === 'SIGKILL') await platform.users.stop('SIGKILL');
    else platform.users.signal('SIGSTOP');
    await sleep(4_000);
    const restoreAt = Date.now();
    if (signal === 'SIGKILL') await platform.users.start();
    else platform.users.signal('SIGCONT');
    const restoredAt = Date.now();
    const recoveryMs = await until(async () => {
      const last = load.outcomes.filter((o) => o.at >= restoredAt);
      return last.some((o) => o.status === 200);
    }, 15_000, 'order-service recovery');
    await sleep(2_000);
    await load.stop();
    // Answered before the fault (requests in flight when it struck are neither before nor during).
    const before = summarize(load.outcomes.filter((o) => o.at + o.latencyMs < faultAt));
    // Requests started after the fault settled and answered before it was lifted (one still waiting
    // on a frozen user-service when SIGCONT arrives is rightly answered 200 once it resumes).
    const during = summarize(between(load.outcomes, faultAt + 100, restoreAt).filter((o) => o.at + o.latencyMs < restoreAt));
    const after = summarize(between(load.outcomes, restoredAt + recoveryMs + 500));
    report(`d. user-service ${label}`, {
      user_service_timeout_ms: USER_SERVICE_TIMEOUT_MS,
      before: withoutOutcomes(before),
      during: withoutOutcomes(during),
      restart_or_resume_ms: restoredAt - restoreAt,
      first_200_after_restore_ms: recoveryMs,
      after_recovery: withoutOutcomes(after),
    });
    expect(onlyStatuses(before.outcomes, ['200'])).toEqual({});
    expect(onlyStatuses(during.outcomes, ['503 temporarily_unavailable'])).toEqual({});
    expect(during.requests).toBeGreaterThan(0);
    // The timeout bounds every answer; a little slack for a busy 2-core machine.
    expect(during.maxLatencyMs).toBeLessThan(USER_SERVICE_TIMEOUT_MS + 750);
    expect(onlyStatuses(after.outcomes, ['200'])).toEqual({});
    expect(after.requests).toBeGreaterThan(0);
  }, 120_000);

  test('a. PostgreSQL stopped under load: 503 temporarily_unavailable fast, recovery without restart', async () => {
    const pid = platform.auth.pid;
    const load = new LoadRunner(tokenRequest(platform.auth.url), 8).start();
    await sleep(2_000);
    const stoppingAt = Date.now();
    await postgres.stop();
    const stoppedAt = Date.now();
    // reporting-service never asked for a token before: it is not in the client cache.
    const uncachedStartedAt = Date.now();
    const uncached = await tokenStatus(platform.auth.url, 'reporting-service', DRILL_SECRETS.reportingService, 'grant_type=client_credentials&scope=orders:read');
    const uncachedMs = Date.now() - uncachedStartedAt;
    await sleep(CLIENT_CACHE_TTL_MS + 3_000);
    const restartingAt = Date.now();
    await postgres.start();
    const restartedAt = Date.now();
    const recoveryMs = await until(
      async () =>
        (await tokenStatus(platform.auth.url, 'reporting-service', DRILL_SECRETS.reportingService, 'grant_type=client_credentials&scope=orders:read')) ===
        200,
      30_000,
      'token endpoint recovery (uncached client)',
    );
    const loadRecoveryMs = await until(
      async () => load.outcomes.some((o) => o.at >= restartedAt && o.status === 200),
      30_000,
      'token endpoint recovery under load',
    );
    await sleep(2_000);
    await load.stop();
    const before = summarize(between(load.outcomes, 0, stoppingAt));
    const cachedWindow = summarize(between(load.outcomes, stoppedAt, stoppedAt + CLIENT_CACHE_TTL_MS));
    const down = summarize(between(load.outcomes, stoppedAt + CLIENT_CACHE_TTL_MS + 500, restartingAt));
    const after = summarize(between(load.outcomes, restartedAt + loadRecoveryMs + 500));
    const resourceServers = await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`, { headers: { authorization: `Bearer ${alice}` } });
    report('a. PostgreSQL stopped under load', {
      client_cache_ttl_ms: CLIENT_CACHE_TTL_MS,
      postgres_stop_ms: stoppedAt - stoppingAt,
      before: withoutOutcomes(before),
      cached_client_first_ttl_after_stop: withoutOutcomes(cachedWindow),
      uncached_client_during_outage: { status: uncached, latency_ms: uncachedMs },
      after_ttl_until_restart: withoutOutcomes(down),
      postgres_start_ms: restartedAt - restartingAt,
      first_200_uncached_client_after_db_back_ms: recoveryMs,
      first_200_under_load_after_db_back_ms: loadRecoveryMs,
      after_recovery: withoutOutcomes(after),
      auth_server_same_process: platform.auth.alive && platform.auth.pid === pid,
      order_flow_after_recovery: resourceServers.status,
    });
    expect(platform.auth.alive).toBe(true);
    expect(platform.auth.pid).toBe(pid);
    expect(onlyStatuses(before.outcomes, ['200'])).toEqual({});
    expect(uncached).toBe(503);
    expect(down.requests).toBeGreaterThan(0);
    expect(onlyStatuses(down.outcomes, ['503 temporarily_unavailable'])).toEqual({});
    expect(down.maxLatencyMs).toBeLessThan(2_000);
    expect(recoveryMs).toBeLessThan(10_000);
    expect(onlyStatuses(after.outcomes, ['200'])).toEqual({});
    expect(resourceServers.status).toBe(200);
  }, 180_000);
});

describe('auth-server down with a short token TTL', () => {
  const TTL_SECONDS = 30;
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      databaseUrl: await postgres.createDatabase('drill_short_ttl'),
      env: { ACCESS_TOKEN_TTL: String(TTL_SECONDS) },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  test('c. order-service serves on its cached service token, then 503, then recovers on its own', async () => {
    const warmUp = (await aliceToken(platform.auth.url)).token;
    // order-service fetches its own service token on this first call.
    const serviceTokenAt = Date.now();
    const first = await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`, { headers: { authorization: `Bearer ${warmUp}` } });
    expect(first.status).toBe(200);
    await sleep(2_000);
    const alice = await aliceToken(platform.auth.url);
    let userToken = alice.token;
    const load = new LoadRunner(orderRequest(platform, () => userToken), 10).start();
    const stoppedAt = Date.now();
    await platform.auth.stop();
    await until(
      async () => load.outcomes.some((o) => o.at >= stoppedAt && o.status >= 500),
      TTL_SECONDS * 1000 + 5_000,
      'order-service 503 once its token is unusable',
    );
    // From the start of the first request that failed.
    const first503 = Math.min(...load.outcomes.filter((o) => o.at >= stoppedAt && o.status >= 500).map((o) => o.at)) - stoppedAt;
    await sleep(1_500);
    const restartingAt = Date.now();
    await platform.auth.start();
    const authBackAt = Date.now();
    // alice's first token may expire meanwhile; recovery is measured with a fresh one.
    userToken = (await aliceToken(platform.auth.url)).token;
    const switchedAt = Date.now();
    const recoveryMs = await until(
      async () => load.outcomes.some((o) => o.at >= switchedAt && o.status === 200),
      45_000,
      'order-service recovery',
    );
    await sleep(2_000);
    await load.stop();
    const served = summarize(between(load.outcomes, stoppedAt, stoppedAt + first503));
    const unavailable = summarize(between(load.outcomes, stoppedAt + first503, Math.min(restartingAt, alice.exp - 1_000)));
    const after = summarize(between(load.outcomes, switchedAt + recoveryMs + 500));
    report('c. auth-server down, short TTL', {
      access_token_ttl_s: TTL_SECONDS,
      service_token_obtained_before_stop_ms: stoppedAt - serviceTokenAt,
      served_while_auth_down_ms: first503,
      served_while_auth_down: withoutOutcomes(served),
      after_token_unusable: withoutOutcomes(unavailable),
      auth_restart_ms: authBackAt - restartingAt,
      first_200_after_auth_back_ms: switchedAt + recoveryMs - authBackAt,
      after_recovery: withoutOutcomes(after),
    });
    expect(served.requests).toBeGreaterThan(0);
    expect(onlyStatuses(served.outcomes, ['200'])).toEqual({});
    // The cached token is used until 5 s before its exp (at most the TTL after it was fetched).
    expect(stoppedAt + first503 - serviceTokenAt).toBeLessThanOrEqual(TTL_SECONDS * 1000 + 1_000);
    expect(onlyStatuses(unavailable.outcomes, ['503 temporarily_unavailable'])).toEqual({});
    expect(onlyStatuses(after.outcomes, ['200'])).toEqual({});
  }, 180_000);
});

describe('two auth-server replicas on one database', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      databaseUrl: await postgres.createDatabase('drill_replicas'),
      authReplicas: 1,
      env: { CLIENT_CACHE_TTL_MS: String(CLIENT_CACHE_TTL_MS), KEY_RELOAD_INTERVAL: '1' },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  test('f. tokens from either replica verify everywhere; a CLI secret rotation reaches both within CLIENT_CACHE_TTL_MS', async () => {
    const replicas = [platform.auth, platform.authReplicas[0]!];
    const verified: Record<string, number> = {};
    for (const [index, replica] of replicas.entries()) {
      const service = await clientToken(replica.url, 'order-service', DRILL_SECRETS.orderService);
      const user = (await aliceToken(replica.url)).token;
      verified[`replica${index}_service_token_at_user_service`] = (
        await fetch(`${platform.users.url}/users/${ALICE_ID}`, { headers: { authorization: `Bearer ${service}` } })
      ).status;
      verified[`replica${index}_user_token_at_order_service`] = (
        await fetch(`${platform.orders.url}/orders/${ALICE_ORDER}`, { headers: { authorization: `Bearer ${user}` } })
      ).status;
    }

    // Both replicas cache order-service with its current secret.
    const load = replicas.map((replica) => new LoadRunner(tokenRequest(replica.url), 3).start());
    await sleep(1_000);
    const [listed] = await runCli<{ client_id: string; secrets: { id: string }[] }[]>(platform.env, ['clients', 'list']).then((all) =>
      all.filter((c) => c.client_id === 'order-service'),
    );
    const oldSecretId = listed!.secrets[0]!.id;
    const rotated = await runCli<{ client_secret: string }>(platform.env, ['clients', 'rotate-secret', 'order-service']);
    const newSecretAccepted = await Promise.all(
      replicas.map((replica) =>
        until(async () => (await tokenStatus(replica.url, 'order-service', rotated.client_secret)) === 200, 30_000, 'new secret'),
      ),
    );
    const newSecretMs = newSecretAccepted;
    await runCli(platform.env, ['clients', 'revoke-secret', 'order-service', oldSecretId]);
    const revokedAt = Date.now();
    const oldSecretRefused = await Promise.all(
      replicas.map((replica) =>
        until(async () => (await tokenStatus(replica.url, 'order-service', DRILL_SECRETS.orderService)) === 401, 30_000, 'old secret refused'),
      ),
    );
    await Promise.all(load.map((runner) => runner.stop()));
    const beforeRevoke = summarize(load.flatMap((runner) => between(runner.outcomes, 0, revokedAt)));
    report('f. two replicas', {
      verified,
      client_cache_ttl_ms: CLIENT_CACHE_TTL_MS,
      new_secret_accepted_after_ms: newSecretMs,
      old_secret_refused_after_revoke_ms: oldSecretRefused,
      old_secret_load_until_revoke: withoutOutcomes(beforeRevoke),
    });
    expect(Object.values(verified)).toEqual([200, 200, 200, 200]);
    // The CLI is a third process: each replica sees the change when its cache entry expires.
    for (const ms of [...newSecretMs, ...oldSecretRefused]) expect(ms).toBeLessThanOrEqual(CLIENT_CACHE_TTL_MS + 1_000);
    expect(onlyStatuses(beforeRevoke.outcomes, ['200'])).toEqual({});
  }, 180_000);
});
