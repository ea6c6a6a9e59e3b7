import { APP_GLIBC_TUNABLES, APP_NODE_OPTIONS } from '@app/platform';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { freePort } from '../../support/ports';

export type AppName = 'auth-server' | 'user-service' | 'order-service';

const ROOT = resolve(__dirname, '../../..');
const READY_TIMEOUT_MS = 60_000;

export function builtEntry(app: AppName | 'cli'): string {
  const path =
    app === 'cli' ? resolve(ROOT, 'dist/apps/auth-server/src/cli/main.js') : resolve(ROOT, `dist/apps/${app}/src/main.js`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first (npm run test:faults does)`);
  return path;
}

/** Settings every drill process shares; per-app ports and URLs are added by the platform. */
export function baseEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    // The node flags every app runs with (npm start, Dockerfile); DRILL_NODE_OPTIONS replaces them.
    NODE_OPTIONS: process.env.DRILL_NODE_OPTIONS ?? APP_NODE_OPTIONS,
    GLIBC_TUNABLES: APP_GLIBC_TUNABLES,
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'warn',
    SEED_DEMO_DATA: 'true',
    // The dev defaults of .env.example, passed explicitly so the drill does not depend on a local .env.
    KEY_ENCRYPTION_KEY: 'dev-key-encryption-key-change-me-in-production',
    CLIENT_SECRET_PEPPER: 'dev-client-secret-pepper-change-me-in-production',
    ORDER_SERVICE_CLIENT_SECRET: DRILL_SECRETS.orderService,
    REPORTING_SERVICE_CLIENT_SECRET: DRILL_SECRETS.reportingService,
    ALICE_PASSWORD: DRILL_SECRETS.alice,
    BOB_PASSWORD: 'bob-dev-password-change-me',
    // Drill f polls a replica with a secret it has not seen yet, many times a second, from one
    // address: the failed-authentication throttle (tested in npm test) would hold it off for its
    // whole window. The drills are about faults, not abuse.
    CLIENT_AUTH_FAILURE_LIMIT: '1000000',
    CLIENT_AUTH_ADDRESS_FAILURE_LIMIT: '1000000',
  };
}

export const DRILL_SECRETS = {
  orderService: 'dev-order-service-secret-change-me',
  reportingService: 'dev-reporting-service-secret-change-me',
  alice: 'alice-dev-password-change-me',
};

/** One built app running as a child process on a free port. */
export class AppProcess {
  child?: ChildProcess;
  private readonly tail: string[] = [];

  constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    /** Every line the app writes, and where, for a drill that needs more than the last 200. */
    private readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [builtEntry(this.name)], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      createInterface({ input: stream! }).on('line', (line) => {
        this.onLine?.(line, name);
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
        if (process.env.DRILL_ECHO) process.stdout.write(`[${this.name}] ${line}\n`);
      });
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.name} exited at start:\n${this.logs()}`);
      try {
        const response = await fetch(`${this.url}/health/live`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} not ready within ${READY_TIMEOUT_MS} ms:\n${this.logs()}`);
  }

  /** SIGTERM (graceful) or SIGKILL (crash); resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const gone = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Resident set size in kB from /proc (Linux). */
  rssKb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!match) throw new Error('no VmRSS in /proc status');
    return Number(match[1]);
  }

  logs(): string {
    return this.tail.join('\n');
  }
}

export interface PlatformOptions {
  databaseUrl: string;
  /** Extra settings for every app, e.g. ACCESS_TOKEN_TTL. */
  env?: NodeJS.ProcessEnv;
  /** Extra auth-server replicas on the same database. */
  authReplicas?: number;
  apps?: AppName[];
}

export interface Platform {
  auth: AppProcess;
  authReplicas: AppProcess[];
  users: AppProcess;
  orders: AppProcess;
  issuer: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** auth-server first (it seeds the clients and keys), then the two resource servers. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const [authPort, usersPort, ordersPort] = [await freePort(), await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${authPort}`;
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(options.databaseUrl),
    ISSUER: issuer,
    AUTH_SERVER_URL: issuer,
    AUTH_SERVER_PORT: String(authPort),
    USER_SERVICE_PORT: String(usersPort),
    ORDER_SERVICE_PORT: String(ordersPort),
    USER_SERVICE_URL: `http://127.0.0.1:${usersPort}`,
    ...options.env,
  };
  const auth = new AppProcess('auth-server', authPort, env);
  await auth.start();
  const authReplicas: AppProcess[] = [];
  for (let i = 0; i < (options.authReplicas ?? 0); i++) {
    const port = await freePort();
    // Same issuer (the public URL a load balancer would front), its own listening port.
    const replica = new AppProcess('auth-server', port, { ...env, AUTH_SERVER_PORT: String(port) });
    await replica.start();
    authReplicas.push(replica);
  }
  const users = new AppProcess('user-service', usersPort, env);
  const orders = new AppProcess('order-service', ordersPort, env);
  await Promise.all([users.start(), orders.start()]);
  return {
    auth,
    authReplicas,
    users,
    orders,
    issuer,
    env,
    stop: async () => {
      await Promise.all([auth, ...authReplicas, users, orders].map((app) => app.stop()));
    },
  };
}

/** Runs the operator CLI (a separate process, as an operator would) and parses its --json output. */
export async function runCli<T>(env: NodeJS.ProcessEnv, args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [builtEntry('cli'), ...args, '--json'], {
    env,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as T;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
