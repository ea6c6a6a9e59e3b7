/**
 * The built apps do not load @nestjs/swagger until an OpenAPI document is built (issue 28: it costs
 * each process ~13 MB of RSS; libs/platform/src/api-docs/openapi-decorators.ts). Checked in a plain
 * `node` process on the build, as `npm start` runs it, so a third-party module that requires the
 * package on its own (as @nestjs/terminus' @HealthCheck() does) is caught too.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

const LOADED_ENTRIES = [
  'dist/libs/platform/src/index.js',
  'dist/apps/auth-server/src/bootstrap.js',
  'dist/apps/user-service/src/user-service.module.js',
  'dist/apps/order-service/src/order-service.module.js',
];

/** Loads every app's modules in one process and says how many of @nestjs/swagger's files it holds, before and after openApi(). */
function swaggerFilesLoaded(): { beforeDocument: number; afterDocument: number; modules: number } {
  const script = `
    require('reflect-metadata');
    const swaggerFiles = () => Object.keys(require.cache).filter((file) => file.includes('/node_modules/@nestjs/swagger/')).length;
    for (const entry of ${JSON.stringify(LOADED_ENTRIES)}) require(require('node:path').resolve(entry));
    const beforeDocument = swaggerFiles();
    const modules = Object.keys(require.cache).length;
    require(require('node:path').resolve('dist/libs/platform/src/api-docs/openapi-decorators.js')).openApi();
    process.stdout.write('\\nRESULT ' + JSON.stringify({ beforeDocument, afterDocument: swaggerFiles(), modules }) + '\\n');
  `;
  // Loading the modules may log (Nest's warnings): the result is its own line.
  const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const result = /^RESULT (.*)$/m.exec(output);
  if (!result) throw new Error(`no result in: ${output}`);
  return JSON.parse(result[1]) as { beforeDocument: number; afterDocument: number; modules: number };
}

describe('the built apps and @nestjs/swagger', () => {
  it('every app module loads without it; building a document loads it', () => {
    const loaded = swaggerFilesLoaded();
    // The apps' modules were loaded (hundreds of files), and the check sees the package once it is loaded.
    expect(loaded.modules).toBeGreaterThan(500);
    expect(loaded).toMatchObject({ beforeDocument: 0, afterDocument: expect.any(Number) });
    expect(loaded.afterDocument).toBeGreaterThan(0);
  });
});
