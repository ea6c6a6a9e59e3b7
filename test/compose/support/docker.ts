/**
 * Thin wrappers over the docker and compose command lines, as a user would type them.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../support/ports';

export const ROOT = join(__dirname, '..', '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller says what it means). */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; signal?: AbortSignal; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 15 * 60_000, signal: options.signal },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && typeof error.code !== 'number' ? `\n${error.message}` : '') });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command with its output going to ours (long steps the reader should see progress of). */
export function runInherited(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export async function must(command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${(result.stderr || result.stdout).trim().split('\n').slice(-30).join('\n')}`);
  }
  return result.stdout;
}

/** Compose v2 (`docker compose`) where present, else docker-compose 1.x. */
export async function findCompose(): Promise<{ command: string; prefix: string[]; version: string } | undefined> {
  const v2 = await run('docker', ['compose', 'version', '--short']);
  if (v2.code === 0) return { command: 'docker', prefix: ['compose'], version: `docker compose ${v2.stdout.trim()}` };
  const v1 = await run('docker-compose', ['version', '--short']);
  if (v1.code === 0) return { command: 'docker-compose', prefix: [], version: `docker-compose ${v1.stdout.trim()}` };
  return undefined;
}

/** A host port nothing listens on (all interfaces, as docker publishes). */
export const freeHostPort = (): Promise<number> => freePort('0.0.0.0');

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Progress lines, outside Jest's console capture so they read as a log of the run. */
export function say(text: string): void {
  process.stdout.write(`compose-check: ${text}\n`);
}
