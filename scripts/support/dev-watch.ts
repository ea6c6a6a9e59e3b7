/**
 * `npm run start:dev`: TypeScript's own watch mode over what `npm run build` compiles (libs/auth's
 * package, then tsconfig.build.json with its @app/* paths rewritten as tsc-alias does), in this
 * process. After each build without errors, the apps whose code changed are restarted, and only
 * those: an app is affected when a changed .js file is among the files its entry requires, directly
 * or not (libs/platform reaches every app; apps/order-service only order-service).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { prepareSingleFileReplaceTscAliasPaths } from 'tsc-alias';
import * as ts from 'typescript';
import type { AppLauncher, AppSpec } from './launcher';

const QUIET_MS = 300;
/** "File change detected. Starting incremental compilation..." */
const FILE_CHANGE_DETECTED = 6032;

/** The built files an entry loads from this repository (relative requires and workspace packages), itself included. */
export function requiredFiles(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(entry)];
  while (pending.length) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let code: string;
    try {
      code = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const requireHere = createRequire(file);
    for (const [, specifier] of code.matchAll(/require\("([^"]+)"\)/g)) {
      if (!specifier!.startsWith('.') && !specifier!.startsWith('@nest-oauth-m2m/')) continue;
      try {
        const target = requireHere.resolve(specifier!);
        if (!target.includes(`${'/'}node_modules${'/'}`)) pending.push(target);
      } catch {
        // a JSON file or an optional module: nothing of ours to follow
      }
    }
  }
  return seen;
}

interface WatchedProject {
  /** Resolves after the first build. */
  firstBuild: Promise<void>;
  close(): void;
}

/** One `tsc --watch` on `configPath`: emitted files are compared and, when new, written and reported. */
function watchProject(
  configPath: string,
  hooks: { transform?: (code: string, path: string) => string; onWritten: (path: string) => void; onBuilding: () => void; onBuilt: (errors: number) => void; write: (line: string) => void },
): WatchedProject {
  let firstBuilt: () => void;
  const firstBuild = new Promise<void>((done) => (firstBuilt = done));
  const system: ts.System = {
    ...ts.sys,
    writeFile(path, data, writeByteOrderMark) {
      const code = hooks.transform && path.endsWith('.js') ? hooks.transform(data, path) : data;
      let current: string | undefined;
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        current = undefined;
      }
      if (current === code) return;
      ts.sys.writeFile(path, code, writeByteOrderMark);
      hooks.onWritten(resolve(path));
    },
  };
  const label = relative(process.cwd(), configPath) || configPath;
  const host = ts.createWatchCompilerHost(
    configPath,
    { preserveWatchOutput: true },
    system,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    (diagnostic) => hooks.write(`[build] ${ts.formatDiagnostic(diagnostic, { getCanonicalFileName: (name) => name, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n' })}`),
    (diagnostic, _newLine, _options, errorCount) => {
      if (diagnostic.code === FILE_CHANGE_DETECTED) hooks.onBuilding();
      // The end of a build ("Found N errors. Watching for file changes.") comes with its error count.
      if (errorCount !== undefined) {
        if (errorCount) hooks.write(`[build] ${label}: ${errorCount} error(s); the apps keep running the last good build\n`);
        hooks.onBuilt(errorCount ?? 0);
        firstBuilt();
      }
    },
  );
  const program = ts.createWatchProgram(host);
  return { firstBuild, close: () => program.close() };
}

export interface DevWatch {
  /** The apps are up: from now on a good build restarts the ones it reaches. */
  appsStarted(): void;
  close(): void;
}

/**
 * Watches and rebuilds libs/auth and the repository; restarts the affected apps of `launcher` after
 * each good build. Resolves once the first build is done.
 */
export async function watchBuild(root: string, apps: AppSpec[], launcher: AppLauncher, write: (line: string) => void): Promise<DevWatch> {
  const changed = new Set<string>();
  const errors = new Map<string, number>();
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let restarting = Promise.resolve();

  const restartAffected = async () => {
    const files = [...changed].filter((file) => file.endsWith('.js'));
    changed.clear();
    if (!started || files.length === 0) return;
    const affected = apps.filter((app) => {
      const loaded = requiredFiles(app.entry);
      return files.some((file) => loaded.has(file));
    });
    if (affected.length === 0) return write(`[build] ${files.length} file(s) rebuilt; no app loads them\n`);
    const startedAt = Date.now();
    write(`[build] ${files.map((file) => relative(root, file)).slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}: restarting ${affected.map((app) => app.name).join(', ')}\n`);
    try {
      await Promise.all(affected.map((app) => launcher.restart(app.name)));
      write(`ready: ${affected.map((app) => app.name).join(', ')} restarted in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      write(`[build] restart failed: ${(error as Error).message}; fix it and save again\n`);
    }
  };
  const project = (name: string) => ({
    onWritten: (path: string) => changed.add(path),
    onBuilding: () => clearTimeout(timer),
    onBuilt: (count: number) => {
      errors.set(name, count);
      if ([...errors.values()].some(Boolean)) return;
      clearTimeout(timer);
      // libs/auth's new declarations start a second build of the apps: restart once, after both.
      timer = setTimeout(() => (restarting = restarting.then(restartAffected)), QUIET_MS);
    },
    write,
  });

  const auth = watchProject(join(root, 'libs/auth/tsconfig.build.json'), project('libs/auth'));
  await auth.firstBuild;
  const replaceAliases = await prepareSingleFileReplaceTscAliasPaths({ configFile: join(root, 'tsconfig.build.json') });
  const main = watchProject(join(root, 'tsconfig.build.json'), {
    ...project('main'),
    transform: (code, path) => replaceAliases({ fileContents: code, filePath: path }),
  });
  await main.firstBuild;
  clearTimeout(timer);
  changed.clear();
  return {
    appsStarted: () => {
      started = true;
      // What was rebuilt while they started may not be what they loaded.
      restarting = restarting.then(restartAffected);
    },
    close: () => {
      clearTimeout(timer);
      auth.close();
      main.close();
    },
  };
}
