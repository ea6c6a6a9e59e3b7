/**
 * Issue 28's acceptance for the access log (`npm run test:log-flush`, in .ci/run; also part of
 * `npm run test:faults`): the built auth-server as a process, token requests from several concurrent
 * callers, SIGTERM in the middle of the load. Every request that got an answer has its access-log
 * line in what the process wrote before it ended, in both formats: JSON lines (LOG_FORMAT=json, as
 * deployed; written once per turn of the event loop, the rest at exit) and the readable format (`npm start`'s default, formatted in
 * pino-pretty's worker thread, which pino ends after its last line when the closed app calls process.exit).
 */
import { DrillPostgres } from './support/cluster';
import { AppProcess, baseEnv, runCli, sleep } from './support/processes';
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
  // The access log goes to stdout: only its lines count.
  const lines: string[] = [];
  const app = new AppProcess('auth-server', port, env, (line, stream) => stream === 'stdout' && lines.push(line));
  await app.start();
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
  await app.stop('SIGTERM');
  await Promise.all(callers);
  return { answered, stdout: lines.join('\n'), exit: { code: app.child!.exitCode, signal: app.child!.signalCode } };
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
    // A graceful stop: the closed app ends with process.exit (code 0); a re-raised SIGTERM is graceful too.
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
