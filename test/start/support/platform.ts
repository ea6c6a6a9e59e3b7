/**
 * `npm start` / `npm run start:dev` in a copy of this checkout, built (dist/ and libs/auth/dist copied
 * from here, so the copy needs no build), on free ports, and what they leave behind once stopped.
 */
import { isPortOpen } from '@app/database/embedded-postgres';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { copyCheckout, CheckoutCopy } from '../../scaffold/support/checkout-copy';
import { Running, startUntil } from '../../scaffold/support/commands';
import { freePort } from '../../support/ports';

export const APPS = ['auth-server', 'user-service', 'order-service'] as const;

/** A clean copy with this checkout's build output, as if `npm run build` had run in it. */
export function builtCopy(root: string): CheckoutCopy {
  const copy = copyCheckout(root);
  // In the order the build writes them: `npm run start:dev` (scripts/run-built.js) rebuilds when any
  // .ts under apps, libs, scripts, bench (libs/auth's .d.ts too) is newer than its entry.
  cpSync(join(root, 'libs/auth/dist'), join(copy.dir, 'libs/auth/dist'), { recursive: true });
  cpSync(join(root, 'dist'), join(copy.dir, 'dist'), { recursive: true });
  return copy;
}

/** A developer's shell with the apps on free ports, and nothing of this Jest run's own database. */
export async function developerEnv(): Promise<{ env: NodeJS.ProcessEnv; ports: Record<(typeof APPS)[number], number> }> {
  const { DATABASE_URL: _database, TEST_DATABASE_URL: _test, NODE_ENV: _node, EMBEDDED_PG_PORT: _port, EMBEDDED_PG_DIR: _dir, ...developer } = process.env;
  const ports = { 'auth-server': await freePort(), 'user-service': await freePort(), 'order-service': await freePort() };
  const url = (app: (typeof APPS)[number]) => `http://127.0.0.1:${ports[app]}`;
  const env = {
    ...developer,
    AUTH_SERVER_PORT: String(ports['auth-server']),
    USER_SERVICE_PORT: String(ports['user-service']),
    ORDER_SERVICE_PORT: String(ports['order-service']),
    ISSUER: url('auth-server'),
    AUTH_SERVER_URL: url('auth-server'),
    USER_SERVICE_URL: url('user-service'),
  };
  return { env, ports };
}

/** `npm <args>` in `dir`, once its output has a `ready:` line (npm's own process stays in the chain). */
export function startPlatform(dir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<Running> {
  return startUntil('npm', args, { cwd: dir, env, ready: /^ready: all \d+ apps up/m, timeoutMs: 300_000 });
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  args: string;
}

function processTable(): ProcessInfo[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, pid, ppid, state, args]) => ({ pid: Number(pid), ppid: Number(ppid), state: state!, args: args! }));
}

/** Every process under `pid` (npm, its shell, the launcher, the apps, PostgreSQL, the reaper). */
export function processTree(pid: number): ProcessInfo[] {
  const table = processTable();
  const tree: ProcessInfo[] = [];
  const pending = [pid];
  while (pending.length) {
    const parent = pending.pop()!;
    for (const info of table.filter((candidate) => candidate.ppid === parent)) {
      tree.push(info);
      pending.push(info.pid);
    }
  }
  return [...table.filter((info) => info.pid === pid), ...tree];
}

/** Those of `pids` still running (a zombie, exited and waiting for init to reap it, is not). */
export function stillRunning(pids: number[]): ProcessInfo[] {
  return processTable().filter((info) => pids.includes(info.pid) && !info.state.startsWith('Z'));
}

export async function boundPorts(ports: number[]): Promise<number[]> {
  const listening = await Promise.all(ports.map(isPortOpen));
  return ports.filter((_, index) => listening[index]);
}

/** Waits until nothing of `pids` runs and nothing listens on `ports`; returns what is left after `ms`. */
export async function leftBehind(pids: number[], ports: number[], ms: number): Promise<{ processes: string[]; ports: number[] }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const processes = stillRunning(pids).map((info) => `${info.pid} ${info.args}`);
    const bound = await boundPorts(ports);
    if ((processes.length === 0 && bound.length === 0) || Date.now() > deadline) return { processes, ports: bound };
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** After a failed case: nothing of it may outlive the test run. */
export function killAll(pids: number[]): void {
  for (const info of stillRunning(pids)) {
    try {
      process.kill(info.pid, info.args.includes('postgres -D') ? 'SIGQUIT' : 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
