import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

interface Project {
  type: 'application' | 'library';
  root: string;
  sourceRoot: string;
  entryFile: string;
  compilerOptions: { tsConfigPath: string; assets?: { include: string; outDir: string }[] };
}
const nestCli = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as { monorepo: boolean; projects: Record<string, Project> };
const projects = Object.entries(nestCli.projects);

/** A project's tsconfig, as the Nest CLI's tsc builder reads it. */
function configOf(tsConfigPath: string): ts.ParsedCommandLine {
  return ts.getParsedCommandLineOfConfigFile(join(ROOT, tsConfigPath), { noEmit: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  })!;
}

let previous: ts.Program | undefined;
/** What `nest build <app>` type-checks (reusing the previous program's parsed files: the apps share libs and node_modules). */
function programOf(tsConfigPath: string): ts.Program {
  const config = configOf(tsConfigPath);
  previous = ts.createProgram({ rootNames: config.fileNames, options: config.options, oldProgram: previous });
  return previous;
}

const isTestFile = (file: string) => /\.(e2e-)?spec\.ts$|(^|\/)test\//.test(file);

describe('nest-cli.json: a monorepo the Nest CLI can build', () => {
  it('lists every app and lib of the repository, with paths that exist', () => {
    expect(nestCli.monorepo).toBe(true);
    // Every folder npm start runs (apps/<name>/src/main.ts), a scaffolded service included.
    const apps = readdirSync(join(ROOT, 'apps')).filter((name) => existsSync(join(ROOT, 'apps', name, 'src', 'main.ts')));
    expect(apps).toEqual(expect.arrayContaining(['auth-server', 'order-service', 'user-service']));
    expect(projects.filter(([, p]) => p.type === 'application').map(([name]) => name).sort()).toEqual(apps.sort());
    // libs/auth is not a Nest CLI library: it is the npm workspace package @nest-oauth-m2m/auth, built
    // by its own tsconfig.build.json (`npm run build -w @nest-oauth-m2m/auth`, see the test below).
    expect(projects.filter(([, p]) => p.type === 'library').map(([name]) => name).sort()).toEqual(['database', 'platform', 'user-directory']);
    for (const [name, project] of projects) {
      const folder = project.type === 'application' ? 'apps' : 'libs';
      expect({ name, root: project.root, sourceRoot: project.sourceRoot }).toEqual({ name, root: `${folder}/${name}`, sourceRoot: `${folder}/${name}/src` });
      expect(existsSync(join(ROOT, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
      expect(project.compilerOptions.tsConfigPath).toBe(`${project.root}/tsconfig.${project.type === 'application' ? 'app' : 'lib'}.json`);
    }
  });

  // `nest start <app>` runs <outDir>/<sourceRoot>/<entryFile>.js: the same dist/apps/<app>/src/main.js
  // that npm run build, npm start, the Dockerfile and the bench use.
  it.each(projects.filter(([, p]) => p.type === 'application'))('%s builds into dist/apps/<app>/src, assets included', (name, project) => {
    const { options } = configOf(project.compilerOptions.tsConfigPath);
    expect(relative(ROOT, options.outDir!)).toBe('dist');
    expect(relative(ROOT, options.rootDir!)).toBe('');
    expect(project.compilerOptions.assets).toEqual([{ include: '**/assets/**/*', outDir: `dist/apps/${name}/src` }]);
  });

  it.each(projects.filter(([, p]) => p.type === 'application').map(([name, p]) => [name, p.compilerOptions.tsConfigPath]))(
    '%s: its tsconfig compiles with no errors and without spec files, e2e tests or jest types',
    (_name, tsConfigPath) => {
      const program = programOf(tsConfigPath);
      const files = program
        .getSourceFiles()
        .map((file) => relative(ROOT, file.fileName))
        .filter((file) => !file.startsWith('node_modules/'));
      expect(files.filter(isTestFile)).toEqual([]);
      expect(program.getCompilerOptions().types).toEqual(['node']);
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    },
    120_000,
  );

  // The libs compile as part of each app above; their own tsconfigs only have to leave tests out.
  it.each(projects.filter(([, p]) => p.type === 'library').map(([name, p]) => [name, p.compilerOptions.tsConfigPath]))(
    '%s: its tsconfig leaves spec files and test folders out',
    (_name, tsConfigPath) => {
      const config = configOf(tsConfigPath);
      expect(config.errors).toEqual([]);
      expect(config.fileNames.length).toBeGreaterThan(0);
      expect(config.fileNames.map((file) => relative(ROOT, file)).filter(isTestFile)).toEqual([]);
    },
  );

  it('libs/auth, the workspace package, has its own build that leaves spec files and test folders out', () => {
    const config = configOf('libs/auth/tsconfig.build.json');
    expect(config.errors).toEqual([]);
    expect(relative(ROOT, config.options.outDir!)).toBe('libs/auth/dist');
    expect(config.fileNames.length).toBeGreaterThan(0);
    expect(config.fileNames.map((file) => relative(ROOT, file)).filter(isTestFile)).toEqual([]);
  });
});
