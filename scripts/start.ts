/**
 * `npm start`: runs the three apps as child processes on one PostgreSQL — DATABASE_URL when set,
 * otherwise an embedded one under .data/postgres — prints where they listen, and on Ctrl-C stops
 * the apps, then the database.
 */
import { defaultEmbeddedOptions, resolveDatabaseUrl } from '@app/database';
import { withAppNodeOptions } from '@app/platform';
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

interface AppSpec {
  name: string;
  port: number;
  readyPath: string;
  describe: string;
}

const APPS: AppSpec[] = [
  {
    name: 'auth-server',
    port: Number(process.env.AUTH_SERVER_PORT ?? 3000),
    readyPath: '/health/live',
    describe: 'POST /oauth/token · /.well-known/oauth-authorization-server',
  },
  { name: 'user-service', port: Number(process.env.USER_SERVICE_PORT ?? 3001), readyPath: '/health/live', describe: 'resource server' },
  { name: 'order-service', port: Number(process.env.ORDER_SERVICE_PORT ?? 3002), readyPath: '/health/live', describe: 'resource server, calls user-service' },
];
const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m'];
const RESET = '\x1b[0m';
const READY_TIMEOUT_MS = 60_000;

const children = new Map<string, ChildProcess>();
let stopping = false;
let stopDatabase: () => Promise<void> = async () => undefined;

function prefixOutput(child: ChildProcess, label: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${label} ${line}\n`));
  }
}

async function waitUntilReady(app: AppSpec, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${app.name} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}${app.readyPath}`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${app.name} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nstopping…\n');
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await stopDatabase().catch(() => undefined);
    process.stdout.write('stopped.\n');
  }
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
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

  await Promise.all(
    APPS.map(async (app, index) => {
      const child = spawn(process.execPath, [resolve(__dirname, `../apps/${app.name}/src/main.js`)], {
        env: withAppNodeOptions({ ...process.env, DATABASE_URL: database.url }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.set(app.name, child);
      prefixOutput(child, `${COLORS[index]}[${app.name}]${RESET}`);
      child.once('exit', (code, signal) => {
        if (!stopping) {
          process.stderr.write(`${app.name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping the others\n`);
          stop(1);
        }
      });
      await waitUntilReady(app, child);
    }),
  );

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const lines = APPS.map((app) => `  ${app.name.padEnd(14)} http://localhost:${app.port}  ${app.describe}`);
  process.stdout.write(
    [
      '',
      ...lines,
      '',
      '  get a token for the demo client (secret: ORDER_SERVICE_CLIENT_SECRET in .env / .env.example):',
      `  curl -u order-service:$ORDER_SERVICE_CLIENT_SECRET -d grant_type=client_credentials -d scope=users:read http://localhost:${APPS[0]!.port}/oauth/token`,
      '',
      `ready: all ${APPS.length} apps up in ${seconds} s (Ctrl-C stops them and the database)`,
      '',
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`start failed: ${error.message}\n`);
  void stopAll(1);
});
