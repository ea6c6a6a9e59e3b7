import { withAppRuntime } from '@app/platform';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  /** Last lines of output, shown when the process fails. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * Runs `node <entry>` with `env`, keeping its output for error reports only (the benchmark stays
 * quiet). The node flags and malloc settings are the ones npm start, the Dockerfile and deploy/k8s give every app.
 */
export function startNode(name: string, entry: string, env: Record<string, string | undefined>): RunningProcess {
  const child = spawn(process.execPath, [entry], { env: withAppRuntime({ ...process.env, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 40) output.splice(0, output.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    child,
    output,
    stop: () => stopProcess(child, 'SIGTERM'),
  };
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill(signal);
  });
}

/** Polls `url` until it answers 2xx; fails early if the process exits. */
export async function waitForHttp(process: RunningProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null) {
      throw new Error(`${process.name} exited (${process.child.exitCode}):\n${process.output.join('\n')}`);
    }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${process.name} not ready at ${url} within ${timeoutMs} ms:\n${process.output.join('\n')}`);
}

function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export const peakRssMb = (pid: number): number => statusMb(pid, 'VmHWM');

/** Resident set size now (VmRSS), in MB. */
export const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');
