/**
 * `npm start` as a developer and their tools run it (issue 25):
 * - one configuration story: the embedded database named only in `.env` (EMBEDDED_PG_PORT,
 *   EMBEDDED_PG_DIR) is the one `npm start` runs and the one the CLI then uses;
 * - process hygiene: SIGTERM or SIGINT to npm's process (an IDE's stop button, `kill $!`), SIGTERM
 *   to the launcher, SIGKILL to the launcher: each time no process of it and no bound port is left.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { CheckoutCopy } from '../scaffold/support/checkout-copy';
import { run, Running } from '../scaffold/support/commands';
import { freePort } from '../support/ports';
import { APPS, builtCopy, developerEnv, killAll, leftBehind, ProcessInfo, processTree, startPlatform } from './support/platform';

const ROOT = resolve(__dirname, '../..');

describe('npm start: one configuration story, and nothing left behind whoever is stopped', () => {
  let checkout: CheckoutCopy;
  let env: NodeJS.ProcessEnv;
  let ports: number[];
  let pgPort: number;
  let pgDir: string;
  let tree: ProcessInfo[] = [];

  /** Starts `npm start` (without its prestart build: the copy is built) and records its processes. */
  async function start(): Promise<{ platform: Running; launcher: ProcessInfo }> {
    const platform = await startPlatform(checkout.dir, env, ['start', '--ignore-scripts']);
    tree = processTree(platform.child.pid!);
    const launcher = tree.find((info) => /^\S*node\s.*dist\/scripts\/start\.js/.test(info.args));
    expect(launcher).toBeDefined();
    // npm, the launcher (npm's shell execs it), the reaper, three apps and the postmaster (with its children).
    expect(tree.filter((info) => info.args.includes('dist/apps/')).length).toBe(APPS.length);
    expect(tree.some((info) => info.args.includes('support/reaper.js'))).toBe(true);
    expect(tree.some((info) => info.args.includes(`postgres -D ${pgDir}`))).toBe(true);
    return { platform, launcher: launcher! };
  }

  async function expectNothingLeft(): Promise<void> {
    const left = await leftBehind(
      tree.map((info) => info.pid),
      ports,
      60_000,
    );
    expect(left).toEqual({ processes: [], ports: [] });
  }

  beforeAll(async () => {
    checkout = builtCopy(ROOT);
    const developer = await developerEnv();
    env = developer.env;
    pgPort = await freePort();
    pgDir = join(checkout.dir, '.data', 'pg-from-dotenv');
    ports = [...Object.values(developer.ports), pgPort];
    // Only in .env: neither the environment nor .env.example names them.
    writeFileSync(join(checkout.dir, '.env'), `EMBEDDED_PG_PORT=${pgPort}\nEMBEDDED_PG_DIR=${pgDir}\n`, { mode: 0o600 });
  });

  afterEach(() => killAll(tree.map((info) => info.pid)));
  afterAll(() => checkout?.remove());

  it('npm start and the CLI use the database .env names; SIGTERM to the npm process then stops everything', async () => {
    const { platform } = await start();
    expect(platform.output()).toContain(`database: embedded PostgreSQL in ${pgDir} (127.0.0.1:${pgPort})`);
    const client = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/platform` });
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory').finally(() => client.end());
    expect(rows[0]!.data_directory).toBe(pgDir);

    // The CLI, from the same folder: the same cluster (it reuses only this folder's), with the
    // clients npm start's auth-server seeded in it.
    const cli = await run('npm', ['run', '-s', 'cli', '--', 'clients', 'list', '--json'], { cwd: checkout.dir, env });
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: `database: postgres://postgres:***@127.0.0.1:${pgPort}/platform (embedded, this checkout)\n` });
    expect((JSON.parse(cli.stdout) as { client_id: string }[]).map((c) => c.client_id)).toContain('order-service');

    // Told another port for the same folder (the mismatch .env used to cause): why, and what to do.
    const mismatch = await run('npm', ['run', '-s', 'cli', '--', 'clients', 'list'], { cwd: checkout.dir, env: { ...env, EMBEDDED_PG_PORT: String(await freePort()) } });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain(`error: the embedded PostgreSQL of ${pgDir} already runs on port ${pgPort} (pid `);
    expect(mismatch.stderr).toMatch(/\n {2}hint: npm start and the CLI read EMBEDDED_PG_PORT from the environment, else \.env, else \.env\.example/);

    process.kill(platform.child.pid!, 'SIGTERM');
    await expectNothingLeft();
    expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false); // a clean shutdown, not a crash
  });

  it('the CLI that cannot start its database says what PostgreSQL said, and what to do', async () => {
    const broken = join(checkout.dir, '.data', 'broken');
    mkdirSync(broken, { recursive: true, mode: 0o755 });
    chmodSync(broken, 0o755); // as root, the server runs as the postgres user
    writeFileSync(join(broken, 'PG_VERSION'), '18\n'); // looks initialised, holds no configuration
    const port = await freePort();
    const cli = await run('npm', ['run', '-s', 'cli', '--', 'clients', 'list'], { cwd: checkout.dir, env: { ...env, EMBEDDED_PG_DIR: broken, EMBEDDED_PG_PORT: String(port) } });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(new RegExp(`^error: embedded PostgreSQL could not start in ${broken} on port ${port}: .*postgresql\\.conf`, 'm'));
    expect(cli.stderr).toMatch(/\n {2}hint: check that EMBEDDED_PG_DIR is writable and no other PostgreSQL uses it, or set DATABASE_URL/);
    expect(cli.stderr).not.toContain('TypeError');
  });

  it('SIGINT to the npm process alone (not its group, as Ctrl-C would) stops everything', async () => {
    const { platform } = await start();
    process.kill(platform.child.pid!, 'SIGINT');
    await expectNothingLeft();
    expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false);
  });

  it('SIGTERM to the launcher stops everything', async () => {
    const { launcher } = await start();
    process.kill(launcher.pid, 'SIGTERM');
    await expectNothingLeft();
    expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false);
  });

  it('SIGKILL to the launcher: the apps stop themselves, the reaper stops PostgreSQL', async () => {
    const { launcher } = await start();
    process.kill(launcher.pid, 'SIGKILL');
    await expectNothingLeft();
    expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false);
  });
});
