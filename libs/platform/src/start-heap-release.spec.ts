import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleKind, transpileModule } from 'typescript';

/** The module as the apps run it, compiled to CommonJS for a plain `node` child. */
const moduleSource = transpileModule(readFileSync(join(__dirname, 'start-heap-release.ts'), 'utf8'), { compilerOptions: { module: ModuleKind.CommonJS } }).outputText;

interface Outcome {
  releasedAtMs: number | null;
  heapPagesBeforeMb: number;
  heapPagesAfterReleaseMb: number;
  gcCalls: number;
  gcExposed: boolean;
}

/**
 * Each case runs in its own process, so that Jest's heap and event loop are not in the figures: a heap
 * grown by ~40 MB of garbage (a start's leftovers), then an idle event loop or one busy for its first
 * second; at 1.5 s the heap grows again and stays idle for 0.5 s.
 */
function run(scenario: 'idle' | 'busy' | 'counted'): Outcome {
  const script = `
    const loaded = { exports: {} };
    new Function('exports', 'require', 'module', process.argv[1])(loaded.exports, require, loaded);
    const { releaseStartHeapWhenIdle } = loaded.exports;
    const { getHeapStatistics } = require('node:v8');
    const heapPagesMb = () => getHeapStatistics().total_heap_size / 2 ** 20;
    let keep = [];
    for (let i = 0; i < 400000; i++) keep.push({ i, text: 'entry ' + i });
    keep = null;
    // 'counted': the process runs with --expose-gc (the release then uses that gc), counted here.
    let gcCalls = 0;
    if (${JSON.stringify(scenario)} === 'counted') { const real = globalThis.gc; globalThis.gc = (options) => { gcCalls++; return real(options); }; }
    const started = Date.now();
    const heapPagesBeforeMb = heapPagesMb();
    const release = releaseStartHeapWhenIdle({ checkEveryMs: 100 });
    let releasedAtMs = null, heapPagesAfterReleaseMb = NaN;
    const watch = setInterval(() => {
      if (releasedAtMs === null && release.released) { releasedAtMs = Date.now() - started; heapPagesAfterReleaseMb = heapPagesMb(); }
    }, 20);
    const until = Date.now() + 1000;
    const spin = () => { const end = Date.now() + 9; while (Date.now() < end); if (Date.now() < until) setImmediate(spin); };
    if (${JSON.stringify(scenario)} === 'busy') spin();
    setTimeout(() => {
      // The heap grows again: a release is for the start's leftovers, once.
      let again = [];
      for (let i = 0; i < 400000; i++) again.push({ i, text: 'again ' + i });
      again = null;
      setTimeout(() => {
        clearInterval(watch);
        release.stop();
        process.stdout.write(JSON.stringify({ releasedAtMs, heapPagesBeforeMb, heapPagesAfterReleaseMb, gcCalls, gcExposed: typeof globalThis.gc === 'function' }));
        process.exit(0);
      }, 500);
    }, 1500);`;
  const child = spawnSync(process.execPath, [...(scenario === 'counted' ? ['--expose-gc'] : []), '-e', script, moduleSource], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as Outcome;
}

describe('releaseStartHeapWhenIdle', () => {
  it("gives back the start's heap at the first idle check, once, and leaves `gc` unexposed to the app", () => {
    const idle = run('idle');
    expect(idle.releasedAtMs).not.toBeNull();
    expect(idle.releasedAtMs!).toBeLessThan(1000);
    expect(idle.heapPagesAfterReleaseMb).toBeLessThan(idle.heapPagesBeforeMb - 15);
    expect(idle.gcExposed).toBe(false);
    // The heap grown again and idle for 14 more checks: one collection in all.
    expect(run('counted').gcCalls).toBe(1);
  });

  it('waits while the event loop is busy, and releases once it is not', () => {
    const busy = run('busy');
    expect(busy.releasedAtMs).not.toBeNull();
    expect(busy.releasedAtMs!).toBeGreaterThanOrEqual(1000);
    expect(busy.releasedAtMs!).toBeLessThan(1500);
    expect(busy.heapPagesAfterReleaseMb).toBeLessThan(busy.heapPagesBeforeMb - 15);
  });
});

describe('releaseStartHeapNow', () => {
  it('gives back the heap at once, without exposing `gc` to the app', () => {
    const script = `
      const loaded = { exports: {} };
      new Function('exports', 'require', 'module', process.argv[1])(loaded.exports, require, loaded);
      const { getHeapStatistics } = require('node:v8');
      const heapPagesMb = () => getHeapStatistics().total_heap_size / 2 ** 20;
      let keep = [];
      for (let i = 0; i < 400000; i++) keep.push({ i, text: 'entry ' + i });
      keep = null;
      const heapPagesBeforeMb = heapPagesMb();
      setTimeout(() => {
        loaded.exports.releaseStartHeapNow();
        // Read on the next turn, as the idle release's figures are: V8 unmaps the freed pages in a task.
        setTimeout(() => process.stdout.write(JSON.stringify({ heapPagesBeforeMb, heapPagesAfterMb: heapPagesMb(), gcExposed: typeof globalThis.gc === 'function' })), 50);
      }, 50);`;
    const child = spawnSync(process.execPath, ['-e', script, moduleSource], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    const outcome = JSON.parse(child.stdout) as { heapPagesBeforeMb: number; heapPagesAfterMb: number; gcExposed: boolean };
    expect(outcome.heapPagesAfterMb).toBeLessThan(outcome.heapPagesBeforeMb - 15);
    expect(outcome.gcExposed).toBe(false);
  });
});
