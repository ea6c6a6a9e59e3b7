/**
 * The launcher's reaper: a detached process (its own session, so no terminal or process-group signal
 * reaches it) that `npm start` starts first and keeps informed over IPC of its apps' pids and of the
 * embedded PostgreSQL it started. If the launcher goes away without saying it stopped them (SIGKILL, a
 * crash), its channel closes and the reaper stops what is left: the apps (SIGTERM, which they already
 * got from their own watch, then SIGKILL) and PostgreSQL, whose postmaster never stops by itself when
 * its parent dies (SIGINT: a fast shutdown, then SIGQUIT). Then it exits.
 */
import { runningPostmaster } from '@app/database/embedded-postgres';

export type ReaperMessage = { apps: number[] } | { postgresDataDir: string } | { done: true };

const APP_GRACE_MS = 15_000;
const POSTGRES_GRACE_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone meanwhile
  }
}

async function waitForExit(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    left = left.filter(alive);
  }
  return left;
}

let apps: number[] = [];
let postgresDataDir: string | undefined;
let done = false;

async function reap(): Promise<void> {
  for (const pid of apps) signal(pid, 'SIGTERM');
  for (const pid of await waitForExit(apps, APP_GRACE_MS)) signal(pid, 'SIGKILL');
  // After the apps, so that they close their connections first.
  const postmaster = postgresDataDir ? runningPostmaster(postgresDataDir) : undefined;
  if (postmaster) {
    signal(postmaster.pid, 'SIGINT');
    for (const pid of await waitForExit([postmaster.pid], POSTGRES_GRACE_MS)) signal(pid, 'SIGQUIT');
  }
  process.stderr.write(`npm start's launcher went away: stopped its ${apps.length} apps${postmaster ? ' and its PostgreSQL' : ''}\n`);
}

process.stderr.on('error', () => undefined);
process.on('message', (message: ReaperMessage) => {
  if ('apps' in message) apps = message.apps;
  else if ('postgresDataDir' in message) postgresDataDir = message.postgresDataDir;
  else done = true;
});
process.once('disconnect', () => {
  if (done) process.exit(0);
  void reap().finally(() => process.exit(0));
});
