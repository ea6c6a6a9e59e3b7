import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleKind, transpileModule } from 'typescript';

/** The module as the apps run it, compiled to CommonJS for a plain `node` child (Jest has its own module loader). */
const moduleSource = transpileModule(readFileSync(join(__dirname, 'lazy-nest-timestamps.ts'), 'utf8'), { compilerOptions: { module: ModuleKind.CommonJS } }).outputText;

interface Outcome {
  builtWhileLoading: number;
  restored: boolean;
  builtAfterLogging: number;
  printed: string;
  expectedTimestamp: string;
}

/**
 * In a fresh process: counts the DateTimeFormats built while the module loads @nestjs/common, then
 * logs one readable line through Nest's ConsoleLogger at a fixed clock.
 */
function run(): Outcome {
  const script = `
    const Real = Intl.DateTimeFormat;
    let built = 0;
    const Counting = function DateTimeFormat(locales, options) { built++; return new Real(locales, options); };
    Counting.prototype = Real.prototype;
    Intl.DateTimeFormat = Counting;
    const loaded = { exports: {} };
    new Function('exports', 'require', 'module', process.argv[1])(loaded.exports, require, loaded);
    const builtWhileLoading = built;
    const restored = Intl.DateTimeFormat === Counting;
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    Date.now = () => now;
    let printed = '';
    process.stdout.write = (chunk) => { printed += chunk; return true; };
    const { ConsoleLogger } = require('@nestjs/common');
    new ConsoleLogger('spec', { colors: false }).log('hello');
    const expectedTimestamp = new Real(undefined, { year: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', day: '2-digit', month: '2-digit' }).format(now);
    process.stderr.write(JSON.stringify({ builtWhileLoading, restored, builtAfterLogging: built, printed, expectedTimestamp }));
  `;
  const child = spawnSync(process.execPath, ['-e', script, moduleSource], { cwd: join(__dirname, '../../..'), encoding: 'utf8', timeout: 30_000 });
  if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stderr) as Outcome;
}

describe('loadNestCommonWithLazyTimestamps', () => {
  const outcome = run();

  it('loads @nestjs/common without building a DateTimeFormat, and leaves Intl.DateTimeFormat as it was', () => {
    expect(outcome.builtWhileLoading).toBe(0);
    expect(outcome.restored).toBe(true);
  });

  it("builds the real formatter on the first readable line, whose timestamp is Nest's own format", () => {
    expect(outcome.builtAfterLogging).toBe(1);
    expect(outcome.printed).toContain(outcome.expectedTimestamp);
    expect(outcome.printed).toContain('[spec] hello');
  });
});
