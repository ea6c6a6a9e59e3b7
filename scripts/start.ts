/**
 * `npm start`: runs every app under apps/ (scripts/support/launcher.ts says how they are found) as
 * child processes on one PostgreSQL — DATABASE_URL when set, otherwise an embedded one under
 * .data/postgres — prints where they listen, and on Ctrl-C stops the apps, then the database.
 */
import { defaultEmbeddedOptions, resolveDatabaseUrl } from '@app/database';
import { envFilePaths, withAppNodeOptions } from '@app/platform';
import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppLauncher, discoverApps } from './support/launcher';

/** The repository: this file runs as dist/scripts/start.js. */
const ROOT = resolve(__dirname, '../..');

let stopping = false;
let launcher: AppLauncher | undefined;
let stopDatabase: () => Promise<void> = async () => undefined;

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nstopping…\n');
    await launcher?.stop();
    await stopDatabase().catch(() => undefined);
    process.stdout.write('stopped.\n');
  }
  process.exit(exitCode);
}

/** The environment as the apps will see it for their ports: the real one over .env over .env.example. */
function environmentWithEnvFiles(): NodeJS.ProcessEnv {
  const files = envFilePaths()
    .map((file) => resolve(ROOT, file))
    .filter((file) => existsSync(file))
    .reverse()
    .map((file) => parse(readFileSync(file)));
  return Object.assign({}, ...files, process.env) as NodeJS.ProcessEnv;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const apps = discoverApps(ROOT, environmentWithEnvFiles());
  if (apps.length === 0) throw new Error(`no apps under ${resolve(ROOT, 'apps')}`);
  const embedded = !process.env.DATABASE_URL;
  const database = await resolveDatabaseUrl();
  stopDatabase = database.stop;
  const stop = (code: number) => void stopAll(code);
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  process.stdout.write(
    embedded
      ? `database: embedded PostgreSQL in ${defaultEmbeddedOptions().dataDir} (127.0.0.1:${defaultEmbeddedOptions().port})\n`
      : 'database: DATABASE_URL\n',
  );

  launcher = new AppLauncher(apps, {
    env: withAppNodeOptions({ ...process.env, DATABASE_URL: database.url }),
    write: (line) => process.stdout.write(line),
    onUnexpectedExit: (app, reason) => {
      process.stderr.write(`${app.name} stopped unexpectedly (${reason}); stopping the others\n`);
      stop(1);
    },
  });
  await launcher.start();

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const width = Math.max(14, ...apps.map((app) => app.name.length + 1));
  const lines = apps.map((app) => `  ${app.name.padEnd(width)} http://localhost:${app.port}  ${app.describe}`.trimEnd());
  const authServer = apps.find((app) => app.name === 'auth-server');
  const tokenHint = authServer
    ? [
        '  get a token for the demo client (secret: ORDER_SERVICE_CLIENT_SECRET in .env / .env.example):',
        `  curl -u order-service:$ORDER_SERVICE_CLIENT_SECRET -d grant_type=client_credentials -d scope=users:read http://localhost:${authServer.port}/oauth/token`,
        '',
      ]
    : [];
  process.stdout.write(
    ['', ...lines, '', ...tokenHint, `ready: all ${apps.length} apps up in ${seconds} s (Ctrl-C stops them and the database)`, ''].join('\n'),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`start failed: ${error.message}\n`);
  void stopAll(1);
});
