import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transpileModule, ModuleKind, ScriptTarget } from 'typescript';
import { AppLauncher, appColour, discoverApps, PALETTE_SIZE, portVariable, RESET } from './launcher';

const ROOT = resolve(__dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.once('error', fail);
  });
}

/** A tiny app as a developer would add it: its folder with src/main.ts (and app.json), built into dist/. */
function addTinyApp(root: string, name: string, descriptor?: object): void {
  const source = `
import { createServer } from 'node:http';
const port = Number(process.env.${portVariable(name)});
const server = createServer((request, response) => {
  response.writeHead(request.url === '/health/live' ? 200 : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ app: '${name}', pid: process.pid }));
});
server.listen(port, '127.0.0.1', () => console.log('${name} listening on ' + port));
process.once('SIGTERM', () => server.close(() => { console.log('${name} stopped'); process.exit(0); }));
`;
  mkdirSync(join(root, 'apps', name, 'src'), { recursive: true });
  writeFileSync(join(root, 'apps', name, 'src', 'main.ts'), source);
  if (descriptor) writeFileSync(join(root, 'apps', name, 'app.json'), JSON.stringify(descriptor));
  // What npm run build does to it: apps/<name>/src/main.ts → dist/apps/<name>/src/main.js.
  mkdirSync(join(root, 'dist', 'apps', name, 'src'), { recursive: true });
  const { outputText } = transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 } });
  writeFileSync(join(root, 'dist', 'apps', name, 'src', 'main.js'), outputText);
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

describe('npm start launcher', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'launcher-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds the three apps of this repository with their default ports, and <NAME>_PORT overrides them', () => {
    expect(discoverApps(ROOT, {}).map(({ name, port, readyPath }) => ({ name, port, readyPath }))).toEqual([
      { name: 'auth-server', port: 3000, readyPath: '/health/live' },
      { name: 'user-service', port: 3001, readyPath: '/health/live' },
      { name: 'order-service', port: 3002, readyPath: '/health/live' },
    ]);
    const apps = discoverApps(ROOT, { AUTH_SERVER_PORT: '4100', ORDER_SERVICE_PORT: '' });
    expect(apps.find((app) => app.name === 'auth-server')).toMatchObject({ port: 4100, entry: join(ROOT, 'dist/apps/auth-server/src/main.js') });
    expect(apps.find((app) => app.name === 'order-service')?.port).toBe(3002);
  });

  it('starts a new app folder under apps/ with no other edit: discovered, run, coloured, ready, stopped', async () => {
    const port = await freePort();
    addTinyApp(root, 'tiny-probe', { port, describe: 'added by the test' });
    mkdirSync(join(root, 'apps', 'not-an-app', 'docs'), { recursive: true }); // no src/main.ts: ignored
    const apps = discoverApps(root, {});
    expect(apps).toEqual([
      { name: 'tiny-probe', port, readyPath: '/health/live', describe: 'added by the test', entry: join(root, 'dist/apps/tiny-probe/src/main.js') },
    ]);

    const lines: string[] = [];
    const unexpected: string[] = [];
    const launcher = new AppLauncher(apps, {
      env: { PATH: process.env.PATH },
      write: (line) => lines.push(line),
      onUnexpectedExit: (app, reason) => unexpected.push(`${app.name}: ${reason}`),
    });
    try {
      await launcher.start();
      const response = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(response.status).toBe(200);
      const { pid } = (await response.json()) as { pid: number };
      expect(pid).not.toBe(process.pid);
      const listening = `${appColour(0)}[tiny-probe]${RESET} tiny-probe listening on ${port}\n`;
      await eventually(() => lines.includes(listening), 'the prefixed log line'); // it may trail the first answer
      await launcher.stop();
      expect(() => process.kill(pid, 0)).toThrow(); // the process is gone
      const stopped = `${appColour(0)}[tiny-probe]${RESET} tiny-probe stopped\n`;
      await eventually(() => lines.includes(stopped), 'the stop line');
      expect(unexpected).toEqual([]);
    } finally {
      await launcher.stop();
    }
  });

  it('takes the port from <NAME>_PORT when the app has no app.json, and says what is missing otherwise', async () => {
    addTinyApp(root, 'billing-service');
    expect(() => discoverApps(root, {})).toThrow('billing-service: no port; set BILLING_SERVICE_PORT or "port" in apps/billing-service/app.json');
    expect(discoverApps(root, { BILLING_SERVICE_PORT: '4555' })[0]).toMatchObject({ name: 'billing-service', port: 4555, describe: '' });
    expect(() => discoverApps(root, { BILLING_SERVICE_PORT: 'x' })).toThrow(/port must be 1-65535/);
  });

  it('refuses a malformed app.json with the file named', () => {
    addTinyApp(root, 'broken', {});
    writeFileSync(join(root, 'apps', 'broken', 'app.json'), '{ port: 1 }');
    expect(() => discoverApps(root, {})).toThrow(/apps\/broken\/app\.json: not valid JSON/);
    writeFileSync(join(root, 'apps', 'broken', 'app.json'), JSON.stringify({ port: 4000, readyPath: 'health' }));
    expect(() => discoverApps(root, {})).toThrow(/"readyPath" must be a path/);
  });

  it('fails clearly when an app was not built', async () => {
    addTinyApp(root, 'unbuilt', { port: 4001 });
    rmSync(join(root, 'dist'), { recursive: true });
    const launcher = new AppLauncher(discoverApps(root, {}), { env: {}, write: () => undefined, onUnexpectedExit: () => undefined });
    await expect(launcher.start()).rejects.toThrow(/unbuilt: .*dist\/apps\/unbuilt\/src\/main\.js not found; run npm run build/);
  });

  it('gives every app a colour whatever their number, distinct for the first 126', () => {
    const colours = Array.from({ length: PALETTE_SIZE }, (_, index) => appColour(index));
    expect(new Set(colours).size).toBe(PALETTE_SIZE);
    expect(PALETTE_SIZE).toBeGreaterThanOrEqual(126);
    expect(colours.slice(0, 3)).toEqual(['\x1b[36m', '\x1b[35m', '\x1b[33m']);
    expect(appColour(1000)).toMatch(/^\x1b\[[\d;]+m$/);
  });
});
