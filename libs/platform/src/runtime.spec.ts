import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_GLIBC_TUNABLES, APP_NODE_OPTIONS, APP_V8_FLAGS, appV8Flags, withAppRuntime } from './runtime';

const ROOT = join(__dirname, '..', '..', '..');

describe('the runtime every app gets (node flags, malloc settings)', () => {
  it('adds to what the environment already has, keeping the rest', () => {
    expect(withAppRuntime({ A: '1' })).toEqual({ A: '1', NODE_OPTIONS: APP_NODE_OPTIONS, GLIBC_TUNABLES: APP_GLIBC_TUNABLES });
    expect(withAppRuntime({ NODE_OPTIONS: '--enable-source-maps', GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' })).toEqual({
      NODE_OPTIONS: `--enable-source-maps ${APP_NODE_OPTIONS}`,
      GLIBC_TUNABLES: `glibc.malloc.tcache_count=0:${APP_GLIBC_TUNABLES}`,
    });
  });

  it('the Docker image sets the same', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ENV NODE_OPTIONS="${APP_NODE_OPTIONS}"`);
    expect(dockerfile).toContain(`ENV GLIBC_TUNABLES="${APP_GLIBC_TUNABLES}"`);
  });

  it('applies each V8 flag where V8 has it, and this runtime takes them without a word', () => {
    expect(appV8Flags('11.3.244.8-node.33')).toEqual(['--no-wasm-dynamic-tiering', '--no-wasm-tier-up']);
    expect(appV8Flags('13.6.233.17-node.63')).toEqual(APP_V8_FLAGS.map(({ flag }) => flag));
    // This runtime (.ci/run runs the tests under Node 20 and Node 24) lists each flag it gets, and
    // takes them at run time with nothing on stderr ("unrecognized flag" otherwise).
    const flags = appV8Flags(process.versions.v8);
    expect(flags.length).toBeGreaterThan(0);
    const known = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    for (const flag of flags) expect(known).toContain(`--${flag.replace(/^--(no-)?/, '')} `);
    const set = spawnSync(process.execPath, ['-e', `for (const f of ${JSON.stringify(flags)}) require('node:v8').setFlagsFromString(f)`], { encoding: 'utf8' });
    expect(set.stderr).toBe('');
  });

  it("keeps the first fetch's HTTP parser off V8's optimizing compiler (no ~25 MB moment)", () => {
    // A process's first responses through fetch, with the app's settings and without: without them
    // V8 recompiles undici's WebAssembly parser, and peak RSS jumps for about a second (Node 20 and 24).
    const script = `
      const flags = JSON.parse(process.argv[1]);
      for (const f of flags) require('node:v8').setFlagsFromString(f);
      const http = require('node:http');
      const peakMb = () => Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      const server = http.createServer((_q, r) => r.end('{"keys":[]}')).listen(0, async () => {
        const url = 'http://127.0.0.1:' + server.address().port + '/';
        for (let i = 0; i < 200; i++) await (await fetch(url)).text();
        await new Promise((done) => setTimeout(done, 1500));
        for (let i = 0; i < 200; i++) await (await fetch(url)).text();
        process.stdout.write(JSON.stringify({ peakMb: peakMb(), peakMalloced: require('node:v8').getHeapStatistics().peak_malloced_memory / 2 ** 20 }));
        server.close();
      });`;
    const run = (flags: string[]) => JSON.parse(spawnSync(process.execPath, ['-e', script, JSON.stringify(flags)], { encoding: 'utf8' }).stdout) as { peakMb: number; peakMalloced: number };
    const without = run([]);
    const withSettings = run(appV8Flags(process.versions.v8));
    // V8's compiler memory at its peak (measured: ~31 MB without, 3-4 with), and the process's peak RSS (14-20 MB lower).
    expect(without.peakMalloced).toBeGreaterThan(15);
    expect(withSettings.peakMalloced).toBeLessThan(8);
    expect(withSettings.peakMb).toBeLessThan(without.peakMb - 8);
  });

  // glibc only: another C library ignores the tunable (and keeps or returns the block its own way).
  const onGlibc = spawnSync('ldd', ['--version'], { encoding: 'utf8' }).stdout?.includes('GLIBC') ? it : it.skip;
  onGlibc('gives a freed 16 MiB block (a password hash) back to the system', () => {
    // The auth-server's case: scrypt allocates 128·N·r = 16 MiB on libuv's pool and frees it; the
    // second hash reuses the freed block unless it was a mapping of its own.
    const script = `
      const { scryptSync } = require('node:crypto');
      const rssMb = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      const hash = () => scryptSync('pw', 'salt', 32, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
      hash(); const before = rssMb(); hash(); hash(); process.stdout.write(String(rssMb() - before));`;
    const grownMb = (env: NodeJS.ProcessEnv) => Number(spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).stdout);
    const { GLIBC_TUNABLES: _ignored, ...inherited } = process.env;
    const kept = grownMb(inherited);
    expect(grownMb(withAppRuntime(inherited))).toBeLessThan(4);
    expect(kept).toBeGreaterThan(12);
  });
});
