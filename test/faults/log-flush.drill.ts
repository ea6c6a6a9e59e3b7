/**
 * Issue 28's acceptance for the access log (`npm run test:log-flush`, in .ci/run; also part of
 * `npm run test:faults`): the built auth-server as a process, token requests from several concurrent
 * callers, SIGTERM in the middle of the load. Every request that got an answer has its access-log
 * line in what the process wrote before it ended, in both formats: JSON lines (LOG_FORMAT=json, as
 * deployed; written synchronously) and the readable format (`npm start`'s default, formatted in pino-pretty's worker
 * thread, which the app's close flushes before Nest re-raises the signal).
 */
import { spawn } from 'node:child_process';
import { DrillPostgres } from './support/cluster';
import { baseEnv, builtEntry, runCli, sleep } from './support/processes';
import { freePort } from '../support/ports';

const CALLERS = 16;
/** Load before the signal: enough for requests to be in flight on every caller when it arrives. */
const LOAD_BEFORE_SIGNAL_MS = 1_500;

const postgres = new DrillPostgres();
let databaseUrl: string;

beforeAll(async () => {
  await postgres.start();
  databaseUrl = await postgres.createDatabase('drill_log_flush');
});

afterAll(async () => {
  await postgres.dispose();
});

interface Run {
  answered: string[];
  stdout: string;
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/** One auth-server under token load, SIGTERM after LOAD_BEFORE_SIGNAL_MS; what it answered and wrote. */
async function tokenLoadUntilSigterm(label: string, formatEnv: NodeJS.ProcessEnv): Promise<Run> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = { ...baseEnv(databaseUrl), ISSUER: issuer, AUTH_SERVER_URL: issuer, AUTH_SERVER_PORT: String(port), LOG_LEVEL: 'log', ...formatEnv };
  const child = spawn(process.execPath, [builtEntry('auth-server')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.resume();
  const exited = new Promise<Run['exit']>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label}: auth-server exited at start:\n${Buffer.concat(chunks).toString()}`);
    if (Date.now() > deadline) throw new Error(`${label}: auth-server not ready in 60 s`);
    const live = await fetch(`${issuer}/health/live`).then((response) => response.ok, () => false);
    if (live) break;
    await sleep(100);
  }
  const client = await runCli<{ client_id: string; client_secret: string }>(env, [
    ...['clients', 'create', '--id', `flush-${label}`, '--grant', 'api://user-service=users:read'],
  ]);
  const authorization = `Basic ${Buffer.from(`${client.client_id}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`;

  const answered: string[] = [];
  let sent = 0;
  // Each caller sends until its request is refused or cut (the server closed): an HTTP answer of any
  // status counts as answered, and needs its line.
  const caller = async () => {
    for (;;) {
      const requestId = `flush-${label}-${String(++sent).padStart(7, '0')}`;
      try {
        const response = await fetch(`${issuer}/oauth/token`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': requestId },
          body: 'grant_type=client_credentials&scope=users:read',
        });
        await response.arrayBuffer();
        answered.push(requestId);
      } catch {
        return;
      }
    }
  };
  const callers = Array.from({ length: CALLERS }, caller);
  await sleep(LOAD_BEFORE_SIGNAL_MS);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exit = await exited;
  clearTimeout(timer);
  await Promise.all(callers);
  return { answered, stdout: Buffer.concat(chunks).toString('utf8'), exit };
}

/** The request ids of the access-log lines ("request completed") in the output, either format. */
function loggedRequestIds(stdout: string, label: string): Set<string> {
  const ids = new Set<string>();
  const id = new RegExp(`flush-${label}-\\d{7}`);
  for (const line of stdout.split('\n')) {
    if (!line.includes('request completed')) continue;
    const match = id.exec(line);
    if (match) ids.add(match[0]);
  }
  return ids;
}

describe('the access log loses no line when the app is stopped under load (real process, SIGTERM)', () => {
  it.each([
    ['json', { LOG_FORMAT: 'json' }],
    ['readable', {}],
  ] as const)('%s lines: one per answered token request', async (label, formatEnv) => {
    const run = await tokenLoadUntilSigterm(label, formatEnv);
    // A graceful stop: Nest re-raises SIGTERM once the app is closed (or the process exits 0).
    expect(run.exit.signal === 'SIGTERM' || run.exit.code === 0).toBe(true);
    expect(run.answered.length).toBeGreaterThan(CALLERS);
    const logged = loggedRequestIds(run.stdout, label);
    const missing = run.answered.filter((requestId) => !logged.has(requestId));
    expect({ answered: run.answered.length, missing }).toEqual({ answered: run.answered.length, missing: [] });
    if (label === 'json') {
      const line = run.stdout.split('\n').find((text) => text.includes(run.answered[0]!) && text.includes('request completed'))!;
      expect(JSON.parse(line)).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/oauth/token' }, res: { statusCode: 200 } });
    }
  });
});
