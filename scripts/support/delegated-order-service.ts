/**
 * `npm run demo`'s second order-service: the same build, started with USER_LOOKUP=token_exchange, so
 * that one run shows both answers to "whose token does order-service carry to user-service?". Which
 * token it carries is a service's configuration, not something a request may choose, hence a second
 * instance rather than a switch on the running one.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { STOP_WITH_LAUNCHER_IMPORT } from './launcher';
import { stopChild } from './stop-child';

/** Where the demo starts it, and where the flow explorer looks for one by default (EXPLORER_DELEGATED_ORDER_SERVICE_URL). */
export const DELEGATED_ORDER_SERVICE_PORT = 3003;
const READY_TIMEOUT_MS = 60_000;

export interface DelegatedOrderService {
  url: string;
  /** How the demo got it, for its output. */
  origin: 'configured' | 'already running' | 'started by the demo';
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * DEMO_DELEGATED_ORDER_SERVICE_URL when set; else, when the demo talks to the local `npm start` (no
 * DEMO_ORDER_SERVICE_URL), one already answering on port 3003, or one started here for the run on the
 * same environment (.env: the same database, ISSUER and secrets as the apps of `npm start`).
 * Undefined when the platform runs elsewhere (e.g. docker compose): its database is not reachable
 * from here, so an order-service started here could not serve its orders.
 */
export async function delegatedOrderService(urls: { auth: string; users: string }, env: NodeJS.ProcessEnv = process.env): Promise<DelegatedOrderService | undefined> {
  const configured = env.DEMO_DELEGATED_ORDER_SERVICE_URL?.replace(/\/+$/, '');
  if (configured) return { url: configured, origin: 'configured', stop: async () => undefined };
  // A platform elsewhere: whatever answers on this machine's port 3003 is not necessarily its order-service.
  if (env.DEMO_ORDER_SERVICE_URL) return undefined;
  const url = `http://localhost:${DELEGATED_ORDER_SERVICE_PORT}`;
  if (await answers(url)) return { url, origin: 'already running', stop: async () => undefined };

  // This file runs as dist/scripts/support/delegated-order-service.js.
  const entry = join(__dirname, '..', '..', 'apps', 'order-service', 'src', 'main.js');
  const child = spawn(process.execPath, ['--import', STOP_WITH_LAUNCHER_IMPORT, entry], {
    env: {
      ...env,
      ORDER_SERVICE_PORT: String(DELEGATED_ORDER_SERVICE_PORT),
      USER_LOOKUP: 'token_exchange',
      AUTH_SERVER_URL: urls.auth,
      USER_SERVICE_URL: urls.users,
      // The npm start instance has seeded the orders already; only warnings, so the demo's output stays its own.
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
    },
    // The IPC channel: if the demo dies, the instance stops itself (STOP_WITH_LAUNCHER_IMPORT).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const stop = () => stopChild(child);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(url))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      const said = output.join('').trim().split('\n').slice(-5).join('\n');
      throw new Error(`the order-service with USER_LOOKUP=token_exchange did not start on port ${DELEGATED_ORDER_SERVICE_PORT}:\n${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, origin: 'started by the demo', stop };
}
