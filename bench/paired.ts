/**
 * `npm run bench:paired -- <baseline checkout>`: this build against another one (both built), at the
 * same time on the same machine, so a noisy VM moves both alike. See bench/README.md, "Paired runs".
 *
 * Both auth-servers run side by side, each on its own fresh database. Short token-load rounds alternate
 * between them; each build's CPU per 1,000 tokens is the median of its rounds. The whole comparison
 * runs twice, each build going first once: on a shared VM the start order alone can move a result.
 * The rounds are spread over several processes of each build (BENCH_PROCESSES pairs, started afresh):
 * one process can stay 10-40 % slower than another of the same build for its whole life, and with one
 * process per build that alone decided the comparison.
 * Then the guard: one resource server per build (its own libs/auth), guarded and @Public rounds
 * alternating in the same process, so the guard's cost is a ratio within one process.
 */
import { ensureDatabaseExists, startEmbeddedPostgres } from '@app/database';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { LoadSettings, measure, median } from './support/load';
import { freePort, RunningProcess, startNode, waitForHttp } from './support/processes';

const here = resolve(__dirname, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
/** Pairs of processes the rounds are spread over, half with each build going first (rounded up to even). */
const PROCESS_PAIRS = Math.max(2, Math.ceil(Number(process.env.BENCH_PROCESSES ?? 4) / 2) * 2);
const round: LoadSettings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  durationSeconds: Number(process.env.BENCH_DURATION ?? 5),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 2),
};
const TOKEN_BODY = 'grant_type=client_credentials&scope=users:read';
const running: RunningProcess[] = [];
const log = (message: string) => process.stderr.write(`bench:paired: ${message}\n`);

interface Build {
  label: string;
  root: string;
  issuer: string;
  auth: RunningProcess;
  authorization: string;
  env: Record<string, string>;
}

/** A fresh database per build on one PostgreSQL server (DATABASE_URL's, or an embedded one). */
async function postgres(): Promise<{ database(name: string): Promise<string>; stop(): Promise<void> }> {
  const created: string[] = [];
  let serverUrl = process.env.DATABASE_URL;
  let cluster: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  let dataDir: string | undefined;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'oauth-m2m-bench-paired-'));
    cluster = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench_paired', persistent: false });
    serverUrl = cluster.url;
  }
  return {
    async database(name) {
      await ensureDatabaseExists(serverUrl!, name);
      created.push(name);
      const url = new URL(serverUrl!);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (cluster) {
        await cluster.stop();
        rmSync(dataDir!, { recursive: true, force: true });
        return;
      }
      const admin = new Client({ connectionString: serverUrl });
      await admin.connect();
      for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function startBuild(label: string, root: string, databaseUrl: string): Promise<Build> {
  const entry = join(root, 'dist/apps/auth-server/src/main.js');
  if (!existsSync(entry)) throw new Error(`${label}: ${entry} is missing; run npm run build in ${root}`);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // As a deployment runs: the access log on, JSON lines.
  const env = { DATABASE_URL: databaseUrl, ISSUER: issuer, AUTH_SERVER_URL: issuer, LOG_LEVEL: 'log', LOG_FORMAT: 'json', REDIS_URL: '' };
  const auth = startNode(`${label} auth-server`, entry, { ...env, AUTH_SERVER_PORT: String(port) });
  running.push(auth);
  await waitForHttp(auth, `${issuer}/health/live`);
  const client = await registerBenchClient(join(root, 'dist/apps/auth-server/src/cli/main.js'), { ...process.env, ...env });
  const authorization = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  return { label, root, issuer, auth, authorization, env };
}

/**
 * The bench client, users:read at api://user-service, through the build's own CLI. A build from
 * before per-resource grants (issue 27) has no --grant: it is given the flat lists it knew.
 */
async function registerBenchClient(cli: string, env: NodeJS.ProcessEnv): Promise<{ client_id: string; client_secret: string }> {
  const create = (flags: string[]) => promisify(execFile)(process.execPath, [cli, 'clients', 'create', '--id', 'bench-client', ...flags, '--json'], { env });
  try {
    return JSON.parse((await create(['--grant', 'api://user-service=users:read'])).stdout);
  } catch (error) {
    if (!/unknown option '--grant'|required option '--scopes/.test(String((error as { stderr?: string }).stderr))) throw error;
    return JSON.parse((await create(['--scopes', 'users:read', '--audience', 'api://user-service'])).stdout);
  }
}

function tokenRequest(build: Build) {
  return {
    url: `${build.issuer}/oauth/token`,
    method: 'POST' as const,
    headers: { authorization: build.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: TOKEN_BODY,
  };
}

/** Alternating token-load rounds; adds each build's CPU-ms per 1,000 tokens to `samples`. */
async function tokenRounds(order: Build[], rounds: number, samples: Record<string, number[]>): Promise<void> {
  const own: Record<string, number[]> = Object.fromEntries(order.map((build) => [build.label, []]));
  for (let i = 0; i < rounds; i++) {
    for (const build of order) {
      const result = await measure(tokenRequest(build), round, build.auth.child.pid);
      if (result.failures) throw new Error(`${build.label}: ${result.failures} failed token requests`);
      own[build.label]!.push(result.cpuMsPer1000!);
    }
  }
  log(`token rounds of one pair of processes (${order.map((b) => b.label).join(' first, then ')}): ${JSON.stringify(own)}`);
  for (const [label, values] of Object.entries(own)) samples[label]!.push(...values);
}

/** Guarded vs @Public in one resource-server process of this build: the guard's CPU cost as a ratio. */
async function guardRatio(build: Build): Promise<{ guarded: number; public: number; ratio: number }> {
  const port = await freePort();
  const rs = startNode(`${build.label} resource server`, join(build.root, 'dist/bench/servers/resource-server.js'), {
    ...build.env,
    BENCH_PORT: String(port),
  });
  running.push(rs);
  await waitForHttp(rs, `http://127.0.0.1:${port}/bench/public`);
  const answer = await fetch(tokenRequest(build).url, { method: 'POST', headers: tokenRequest(build).headers, body: TOKEN_BODY });
  const token = ((await answer.json()) as { access_token: string }).access_token;
  const headers = { authorization: `Bearer ${token}` };
  const guarded: number[] = [];
  const unguarded: number[] = [];
  for (let i = 0; i < Math.max(4, Math.round(ROUNDS * 0.75)); i++) {
    guarded.push((await measure({ url: `http://127.0.0.1:${port}/bench/guarded`, headers }, round, rs.child.pid)).cpuMsPer1000!);
    unguarded.push((await measure({ url: `http://127.0.0.1:${port}/bench/public`, headers }, round, rs.child.pid)).cpuMsPer1000!);
  }
  await rs.stop();
  const g = median(guarded);
  const p = median(unguarded);
  return { guarded: g, public: p, ratio: Math.round((g / p) * 100) };
}

async function main(): Promise<void> {
  const baselineRoot = process.argv[2] ? resolve(process.argv[2]) : undefined;
  if (!baselineRoot) throw new Error('usage: npm run bench:paired -- <path of a built baseline checkout>');
  const pg = await postgres();
  try {
    const stamp = Date.now();
    const roundsPerPair = Math.ceil(ROUNDS / (PROCESS_PAIRS / 2));
    const roundsPerOrder = roundsPerPair * (PROCESS_PAIRS / 2);
    log(
      `${roundsPerOrder} rounds of ${round.durationSeconds} s (+${round.warmupSeconds} s warm-up) per build and order, ` +
        `over ${PROCESS_PAIRS} pairs of processes, ${round.connections} connections`,
    );
    const baselineFirstSamples: Record<string, number[]> = { baseline: [], this: [] };
    const thisFirstSamples: Record<string, number[]> = { baseline: [], this: [] };
    let last: { current: Build; baseline: Build } | undefined;
    for (let pair = 0; pair < PROCESS_PAIRS; pair++) {
      if (last) await Promise.all([last.current.auth.stop(), last.baseline.auth.stop()]);
      const baselineGoesFirst = pair % 2 === 0;
      // Started in the order they are measured in, each on a fresh database.
      const startThis = async () => startBuild('this', here, await pg.database(`bench_paired_this_${stamp}_${pair}`));
      const startBaseline = async () => startBuild('baseline', baselineRoot, await pg.database(`bench_paired_baseline_${stamp}_${pair}`));
      const first = baselineGoesFirst ? await startBaseline() : await startThis();
      const second = baselineGoesFirst ? await startThis() : await startBaseline();
      last = baselineGoesFirst ? { baseline: first, current: second } : { current: first, baseline: second };
      await tokenRounds([first, second], roundsPerPair, baselineGoesFirst ? baselineFirstSamples : thisFirstSamples);
    }
    const medians = (samples: Record<string, number[]>) => ({ baseline: median(samples.baseline!), this: median(samples.this!) });
    const baselineFirst = medians(baselineFirstSamples);
    const thisFirst = medians(thisFirstSamples);
    const guards = { baseline: await guardRatio(last!.baseline), this: await guardRatio(last!.current) };
    const out = [
      '',
      `token endpoint, CPU-ms per 1,000 tokens (median of ${roundsPerOrder} rounds):`,
      `  baseline first: baseline ${baselineFirst.baseline}, this ${baselineFirst.this}`,
      `  this first:     baseline ${thisFirst.baseline}, this ${thisFirst.this}`,
      `  change: ${(((baselineFirst.this! + thisFirst.this!) / (baselineFirst.baseline! + thisFirst.baseline!) - 1) * 100).toFixed(1)} %`,
      'guarded route, CPU vs @Public in the same process (lower is better):',
      `  baseline ${guards.baseline.ratio} % (${guards.baseline.guarded} vs ${guards.baseline.public}), this ${guards.this.ratio} % (${guards.this.guarded} vs ${guards.this.public})`,
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await Promise.all(running.map((process) => process.stop()));
    await pg.stop().catch((error: Error) => log(`could not clean up PostgreSQL: ${error.message}`));
  }
}

void main().catch(async (error: Error) => {
  process.stderr.write(`bench:paired failed: ${error.stack ?? error.message}\n`);
  await Promise.all(running.map((process) => process.stop()));
  process.exit(1);
});
