/**
 * Soak (`npm run test:soak`): 100 keep-alive connections on GET /orders/:id with alice's token
 * (order-service → user-service with its service token) for SOAK_DURATION_S (default 300 s).
 * Zero non-2xx answers; RSS of every app grows less than 10 % from the end of warm-up to the end.
 */
import { DrillPostgres } from './support/cluster';
import { LoadRunner, report } from './support/load';
import { ALICE_ORDER, aliceToken } from './support/oauth';
import { AppProcess, Platform, sleep, startPlatform } from './support/processes';

const DURATION_S = Number(process.env.SOAK_DURATION_S ?? 300);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 100);
const WARM_UP_S = Math.min(60, Math.max(5, Math.round(DURATION_S * 0.15)));
const SAMPLE_EVERY_MS = 10_000;

const postgres = new DrillPostgres();
let platform: Platform;

beforeAll(async () => {
  await postgres.start();
  platform = await startPlatform({ databaseUrl: await postgres.createDatabase('soak') });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await postgres.dispose();
});

test(`soak: ${CONNECTIONS} connections for ${DURATION_S} s on the order → user flow, zero errors, RSS growth < 10 %`, async () => {
  const apps: AppProcess[] = [platform.auth, platform.users, platform.orders];
  const { token } = await aliceToken(platform.auth.url);
  const load = new LoadRunner(
    () => ({ url: `${platform.orders.url}/orders/${ALICE_ORDER}`, headers: { authorization: `Bearer ${token}` } }),
    CONNECTIONS,
    10_000,
    false,
  ).start();
  const startedAt = Date.now();
  await sleep(WARM_UP_S * 1000);
  const afterWarmUp = apps.map((app) => app.rssKb());
  const requestsAtWarmUp = load.counts.requests;
  const samples: number[][] = [afterWarmUp];
  while (Date.now() - startedAt < DURATION_S * 1000) {
    await sleep(Math.min(SAMPLE_EVERY_MS, DURATION_S * 1000 - (Date.now() - startedAt)));
    samples.push(apps.map((app) => app.rssKb()));
  }
  const atEnd = apps.map((app) => app.rssKb());
  await load.stop();
  const elapsedS = (Date.now() - startedAt) / 1000;
  const rss = Object.fromEntries(
    apps.map((app, i) => [
      app.name,
      {
        after_warm_up_kb: afterWarmUp[i],
        peak_kb: Math.max(...samples.map((s) => s[i]!)),
        end_kb: atEnd[i],
        growth_percent: Number((((atEnd[i]! - afterWarmUp[i]!) / afterWarmUp[i]!) * 100).toFixed(2)),
      },
    ]),
  );
  const errors = Object.entries(load.counts.byStatus)
    .filter(([status]) => !/^2\d\d$/.test(status))
    .reduce((sum, [, count]) => sum + count, 0);
  report('soak', {
    duration_s: Math.round(elapsedS),
    connections: CONNECTIONS,
    warm_up_s: WARM_UP_S,
    requests: load.counts.requests,
    requests_per_s: Math.round(load.counts.requests / elapsedS),
    requests_after_warm_up: load.counts.requests - requestsAtWarmUp,
    by_status: load.counts.byStatus,
    errors,
    max_latency_ms: load.counts.maxLatencyMs,
    rss,
  });
  expect(load.counts.requests).toBeGreaterThan(0);
  expect(errors).toBe(0);
  for (const app of apps) expect(rss[app.name]!.growth_percent).toBeLessThan(10);
}, (Number(process.env.SOAK_DURATION_S ?? 300) + 180) * 1000);
