/**
 * `.env.example` is where a newcomer learns the configuration, so every environment variable the
 * apps, libraries and scripts read must be named there (set, or commented out with its default).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const SCANNED = ['apps', 'libs', 'scripts'];
const NOT_SCANNED = new Set(['test', 'node_modules', 'example', 'dist']);
// Node's and the system's own variables, not the project's configuration (USER: the login the CLI's
// audit events name as actor; NODE_OPTIONS and GLIBC_TUNABLES: read by runtime.ts only to add the
// apps' own settings to them for the launchers).
const NOT_CONFIGURATION = new Set(['NODE_ENV', 'NODE_OPTIONS', 'GLIBC_TUNABLES', 'USER']);
// `process.env.X`, `process.env['X']`, `env.X` (a ProcessEnv passed in), `config.get('X')` and
// `…FromEnv('X')` (OpenTelemetry's readers, used by the tracing start).
const READS = [
  /\benv\.([A-Z][A-Z0-9_]+)/g,
  /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
  /\.(?:get|getOrThrow)(?:<[^>]*>)?\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
  /FromEnv\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // Not the platform's configuration: tests, dependencies, and libs/auth/example (the package README's
    // code, a consumer's hypothetical billing-service configured by that consumer) or a package build.
    if (entry.isDirectory()) return NOT_SCANNED.has(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) && !/\.(spec|e2e-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

function variablesRead(): Map<string, string> {
  const readers = new Map<string, string>();
  for (const file of SCANNED.flatMap((dir) => sourceFiles(join(root, dir)))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of READS) {
      for (const [, name] of text.matchAll(pattern)) {
        if (!NOT_CONFIGURATION.has(name!) && !readers.has(name!)) readers.set(name!, relative(root, file));
      }
    }
  }
  return readers;
}

function variablesDocumented(): Set<string> {
  const text = readFileSync(join(root, '.env.example'), 'utf8');
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map(([, name]) => name!));
}

describe('.env.example', () => {
  it('names every variable the code reads', () => {
    const documented = variablesDocumented();
    const missing = [...variablesRead()].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (read in ${file})`);
    expect(missing).toEqual([]);
  });

  it('finds the reads it is meant to find', () => {
    // Guards the scan itself: variables known to be read in each style must be found.
    const read = variablesRead();
    for (const name of ['DATABASE_URL', 'ISSUER', 'REDIS_URL', 'EMBEDDED_PG_PORT', 'DEMO_AUTH_SERVER_URL', 'OTEL_PROPAGATORS']) expect(read.has(name)).toBe(true);
  });
});
