import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_GLIBC_TUNABLES, APP_NODE_OPTIONS, withAppRuntime } from './runtime';

const ROOT = join(__dirname, '..', '..', '..');

describe('the runtime every app gets (node flags, malloc settings)', () => {
  it('adds to what the environment already has, keeping the rest', () => {
    expect(withAppRuntime({ A: '1' })).toEqual({ A: '1', NODE_OPTIONS: APP_NODE_OPTIONS, GLIBC_TUNABLES: APP_GLIBC_TUNABLES });
    expect(withAppRuntime({ NODE_OPTIONS: '--enable-source-maps', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({
      NODE_OPTIONS: `--enable-source-maps ${APP_NODE_OPTIONS}`,
      GLIBC_TUNABLES: `glibc.malloc.arena_max=2:${APP_GLIBC_TUNABLES}`,
    });
  });

  it('the Docker image sets the same', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ENV NODE_OPTIONS="${APP_NODE_OPTIONS}"`);
    expect(dockerfile).toContain(`ENV GLIBC_TUNABLES="${APP_GLIBC_TUNABLES}"`);
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
