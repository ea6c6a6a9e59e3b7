/**
 * What `npm start` runs: every app folder under apps/, found by convention rather than a list, so a
 * new service is started by adding its folder.
 *
 * An app is a folder `apps/<name>` with `src/main.ts`; it runs from its build output
 * `dist/apps/<name>/src/main.js` (the layout of both `npm run build` and `nest build <name>`). An
 * optional `apps/<name>/app.json` gives the launcher its default port and what to print:
 *
 *   { "port": 3001, "readyPath": "/health/live", "describe": "resource server" }
 *
 * The port is `<NAME>_PORT` from the environment (AUTH_SERVER_PORT for auth-server), else app.json's
 * `port`; the launcher passes it to the app in that same variable, which is where every app reads
 * its port. `readyPath` defaults to /health/live, the liveness route every app gets from libs/platform.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './stop-child';

export interface AppSpec {
  name: string;
  port: number;
  readyPath: string;
  describe: string;
  /** The built entry point to run with node. */
  entry: string;
}

interface AppDescriptor {
  port?: number;
  readyPath?: string;
  describe?: string;
}

const DEFAULT_READY_PATH = '/health/live';

/** `auth-server` → `AUTH_SERVER_PORT`. */
export function portVariable(appName: string): string {
  return `${appName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}

/** The apps under `<root>/apps` in port order (then name), each with its port and ready path resolved. */
export function discoverApps(root: string, env: NodeJS.ProcessEnv = process.env): AppSpec[] {
  const appsDir = join(root, 'apps');
  return readdirSync(appsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(appsDir, entry.name, 'src', 'main.ts')))
    .map((entry) => entry.name)
    .map((name): AppSpec => {
      const descriptor = readDescriptor(join(appsDir, name, 'app.json'));
      const variable = portVariable(name);
      const port = env[variable] !== undefined && env[variable] !== '' ? Number(env[variable]) : descriptor.port;
      if (port === undefined) throw new Error(`${name}: no port; set ${variable} or "port" in apps/${name}/app.json`);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}: port must be 1-65535, got ${String(port)}`);
      return {
        name,
        port,
        readyPath: descriptor.readyPath ?? DEFAULT_READY_PATH,
        describe: descriptor.describe ?? '',
        entry: join(root, 'dist', 'apps', name, 'src', 'main.js'),
      };
    })
    .sort((a, b) => a.port - b.port || a.name.localeCompare(b.name));
}

function readDescriptor(path: string): AppDescriptor {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const descriptor = (parsed ?? {}) as Record<string, unknown>;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: must be a JSON object`);
  if (descriptor.port !== undefined && typeof descriptor.port !== 'number') throw new Error(`${path}: "port" must be a number`);
  if (descriptor.readyPath !== undefined && (typeof descriptor.readyPath !== 'string' || !descriptor.readyPath.startsWith('/'))) {
    throw new Error(`${path}: "readyPath" must be a path starting with /`);
  }
  if (descriptor.describe !== undefined && typeof descriptor.describe !== 'string') throw new Error(`${path}: "describe" must be a string`);
  return descriptor as AppDescriptor;
}

/**
 * The first six are the basic ANSI colours (the three apps keep the colours they always had); after
 * them, the 120 non-grey colours of the 256-colour cube with r, g, b in 1..5, taken with a stride of 7
 * (coprime with 120, so each is used once per lap) so that neighbours differ.
 */
const BASIC = [36, 35, 33, 32, 34, 31].map((code) => `\x1b[${code}m`);
const CUBE_CODES: number[] = [];
for (let r = 1; r <= 5; r++) for (let g = 1; g <= 5; g++) for (let b = 1; b <= 5; b++) if (!(r === g && g === b)) CUBE_CODES.push(16 + 36 * r + 6 * g + b);
const PALETTE = [...BASIC, ...CUBE_CODES.map((_, i) => `\x1b[38;5;${CUBE_CODES[(i * 7) % CUBE_CODES.length]}m`)];
export const RESET = '\x1b[0m';

/** A colour for the app at `index`, whatever the number of apps (the palette repeats after its length). */
export function appColour(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}
export const PALETTE_SIZE = PALETTE.length;

const READY_TIMEOUT_MS = 60_000;

/**
 * Preloaded into every app (`node --import`): when the launcher goes away, even by SIGKILL, its IPC
 * channel closes and the app stops itself as on SIGTERM (graceful shutdown). The channel is unref'd
 * so that it never keeps an app alive; an app started any other way has no channel and no watch.
 */
const STOP_WITH_LAUNCHER =
  "if (process.channel) { process.once('disconnect', () => process.kill(process.pid, 'SIGTERM')); process.channel.unref(); }";
export const STOP_WITH_LAUNCHER_IMPORT = `data:text/javascript,${encodeURIComponent(STOP_WITH_LAUNCHER)}`;

/** Runs the apps as child processes with prefixed, coloured output; stops them together. */
export class AppLauncher {
  private readonly children = new Map<string, ChildProcess>();
  /** Children stopped on purpose (stop, restart): their exit is not "unexpected". */
  private readonly stoppedOnPurpose = new WeakSet<ChildProcess>();
  private stopping = false;

  constructor(
    private readonly apps: AppSpec[],
    private readonly options: {
      env: NodeJS.ProcessEnv;
      write: (line: string) => void;
      /** An app exited while the launcher was not stopping. */
      onUnexpectedExit: (app: AppSpec, reason: string) => void;
      readyTimeoutMs?: number;
      /** Colour the `[app]` prefixes (default true; `npm start` passes colourEnabled(stdout)). */
      colour?: boolean;
      /** An app process was started (at start and at each restart). */
      onSpawn?: (app: AppSpec) => void;
    },
  ) {}

  /** Starts every app and resolves once each answers its ready path. */
  async start(): Promise<void> {
    for (const app of this.apps) {
      if (!existsSync(app.entry)) throw new Error(`${app.name}: ${app.entry} not found; run npm run build`);
    }
    await Promise.all(this.apps.map((app) => this.run(app)));
  }

  /** The running apps' process ids (for the reaper that stops them if the launcher dies). */
  pids(): number[] {
    return [...this.children.values()].flatMap((child) => (child.pid !== undefined && child.exitCode === null && child.signalCode === null ? [child.pid] : []));
  }

  /** Stops one app (if it runs) and starts it again from its (rebuilt) entry; resolves once it is ready. */
  async restart(name: string): Promise<void> {
    const app = this.apps.find((candidate) => candidate.name === name);
    if (!app) throw new Error(`no app ${name}`);
    const child = this.children.get(name);
    if (child) await this.stopApp(child);
    await this.run(app);
  }

  /** SIGTERM to every app (SIGKILL after 10 s); resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children.values()].map((child) => this.stopApp(child)));
  }

  private async run(app: AppSpec): Promise<void> {
    const child = spawn(process.execPath, ['--import', STOP_WITH_LAUNCHER_IMPORT, app.entry], {
      env: { ...this.options.env, [portVariable(app.name)]: String(app.port) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.children.set(app.name, child);
    this.options.onSpawn?.(app);
    const index = this.apps.indexOf(app);
    const label = this.options.colour === false ? `[${app.name}]` : `${appColour(index)}[${app.name}]${RESET}`;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.options.write(`${label} ${line}\n`));
    }
    child.once('exit', (code, signal) => {
      if (!this.stopping && !this.stoppedOnPurpose.has(child)) this.options.onUnexpectedExit(app, signal ?? `exit code ${code}`);
    });
    await this.waitUntilReady(app, child);
  }

  private stopApp(child: ChildProcess): Promise<void> {
    this.stoppedOnPurpose.add(child);
    return stopChild(child);
  }

  private async waitUntilReady(app: AppSpec, child: ChildProcess): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${app.name} exited with ${child.signalCode ?? `code ${child.exitCode}`}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${app.port}${app.readyPath}`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`${app.name} was not ready within ${timeoutMs / 1000} s`);
  }
}
