import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleKind, transpileModule } from 'typescript';

/** The module as the apps run it, compiled to CommonJS for a plain `node` child. */
const moduleSource = transpileModule(readFileSync(join(__dirname, 'idle-heap-release.ts'), 'utf8'), { compilerOptions: { module: ModuleKind.CommonJS } }).outputText;

/**
 * Each case runs in its own process, so that Jest's heap and event loop are not in the figures: a
 * heap grown by ~40 MB of garbage, then an idle or a busy event loop.
 */
function run(scenario: string): { releases: number; committedBeforeMb: number; committedAfterMb: number; gcExposed: boolean } {
  const script = `
    const loaded = { exports: {} };
    new Function('exports', 'require', 'module', process.argv[1])(loaded.exports, require, loaded);
    const { releaseHeapWhenIdle } = loaded.exports;
    const { getHeapStatistics } = require('node:v8');
    const committedMb = () => getHeapStatistics().total_heap_size / 2 ** 20;
    // ~40 MB of objects that survive long enough to reach the old generation, then become garbage.
    let keep = [];
    for (let i = 0; i < 400000; i++) keep.push({ i, text: 'entry ' + i });
    keep = null;
    const committedBeforeMb = committedMb();
    const release = releaseHeapWhenIdle({ checkEveryMs: 100 });
    const scenario = ${JSON.stringify(scenario)};
    const until = Date.now() + 2000;
    const spin = () => { const end = Date.now() + 9; while (Date.now() < end); if (Date.now() < until) setImmediate(spin); };
    if (scenario === 'busy') spin();
    setTimeout(() => {
      release.stop();
      process.stdout.write(JSON.stringify({ releases: release.releases, committedBeforeMb, committedAfterMb: committedMb(), gcExposed: typeof globalThis.gc === 'function' }));
      process.exit(0);
    }, 1500);`;
  const child = spawnSync(process.execPath, ['-e', script, moduleSource], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

describe('releaseHeapWhenIdle', () => {
  it('gives an idle app\'s grown heap back once, and leaves `gc` unexposed to the app', () => {
    const idle = run('idle');
    // One release: after it, the heap has not grown again, so an idle spell costs one collection.
    expect(idle.releases).toBe(1);
    expect(idle.committedAfterMb).toBeLessThan(idle.committedBeforeMb - 15);
    expect(idle.gcExposed).toBe(false);
  });

  it('does nothing while the event loop is busy', () => {
    const busy = run('busy');
    expect(busy.releases).toBe(0);
  });
});
