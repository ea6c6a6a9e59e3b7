import { ChildProcess, spawn } from 'node:child_process';

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end in `cwd`, with `input` on stdin; never throws on a non-zero exit. */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(options.input ?? '');
    child.once('error', fail);
    child.once('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

export interface Running {
  child: ChildProcess;
  output(): string;
  /** SIGTERM to the whole process group (npm, the launcher, its apps and database); resolves on exit. */
  stop(): Promise<void>;
}

/** Starts a long-running command in its own process group and resolves once `ready` appears in its output. */
export function startUntil(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp; timeoutMs: number },
): Promise<Running> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const running: Running = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        const kill = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
        await exited;
        clearTimeout(kill);
      }
    },
  };
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      void running.stop();
      fail(new Error(`not ready within ${options.timeoutMs / 1000} s:\n${output.slice(-4000)}`));
    }, options.timeoutMs);
    const onData = (chunk: string) => {
      output += chunk;
      if (options.ready.test(output)) {
        clearTimeout(timer);
        done(running);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`exited (${signal ?? code}) before ready:\n${output.slice(-4000)}`));
    });
  });
}
