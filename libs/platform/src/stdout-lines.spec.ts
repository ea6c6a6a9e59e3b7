import { transformSync } from '@swc/core';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchedStdout } from './stdout-lines';

/** This module, compiled as it is built, for a child process that ends in a given way. */
function childEnding(ending: string): { stdout: string; status: number | null } {
  const ts = readFileSync(join(__dirname, 'stdout-lines.ts'), 'utf8');
  // Compiled alone, so it must stand alone.
  if (/^import /m.test(ts)) throw new Error('stdout-lines.ts gained an import: compile its dependencies for the child too');
  const source = transformSync(ts, {
    filename: 'stdout-lines.ts',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  }).code;
  const script = `${source}\nconst out = exports.batchedStdout();\nout.write('first\\n');\nout.write('second\\n');\n${ending}`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { stdout: child.stdout, status: child.status };
}

describe('batchedStdout (the JSON log destination)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes the lines of one turn in one write, in order, before the next turn', async () => {
    const writes: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => writes.push(String(chunk)) > 0);
    const out = batchedStdout();
    out.write('{"n":1}\n');
    out.write('{"n":2}\n');
    expect(writes).toEqual([]);
    await new Promise((turn) => setImmediate(turn));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n']);
    out.write('{"n":3}\n');
    out.flushSync();
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n', '{"n":3}\n']);
  });

  it.each([
    ['process.exit in the same turn', 'process.exit(3);', 3],
    ['an uncaught exception in the same turn', "throw new Error('boom');", 1],
    ['the event loop running dry', '', 0],
  ])('loses no line when the process ends by %s', (_name, ending, status) => {
    expect(childEnding(ending)).toEqual({ stdout: 'first\nsecond\n', status });
  });
});
