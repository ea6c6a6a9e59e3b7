/**
 * The built apps do not load @nestjs/swagger until an OpenAPI document is built (issue 28: ~13 MB of
 * RSS; libs/platform/src/api-docs/openapi-decorators.ts). Checked in a plain `node` process on the
 * build, loading every module an app's main.js loads, in main.js's order, without calling main(), so
 * a third-party module that requires the package on its own (as @nestjs/terminus' @HealthCheck()
 * did) is caught too.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const APPS = ['auth-server', 'user-service', 'order-service'];

interface Loaded {
  modules: number;
  swaggerFiles: number;
  swaggerFilesAfterDocument: number;
}

function loadedBy(app: string): Loaded {
  const script = `
    const { readFileSync } = require('node:fs');
    const { dirname, resolve } = require('node:path');
    const main = resolve('dist/apps/${app}/src/main.js');
    const specifiers = [...readFileSync(main, 'utf8').matchAll(/require\\("([^"]+)"\\)/g)].map((match) => match[1]);
    for (const specifier of specifiers) require(specifier.startsWith('.') ? resolve(dirname(main), specifier) : specifier);
    const swaggerFiles = () => Object.keys(require.cache).filter((file) => file.includes('/node_modules/@nestjs/swagger/')).length;
    const loaded = {
      modules: Object.keys(require.cache).length,
      swaggerFiles: swaggerFiles(),
    };
    require(resolve('dist/libs/platform/src/api-docs/openapi-decorators.js')).openApi();
    process.stdout.write('\\nRESULT ' + JSON.stringify({ ...loaded, swaggerFilesAfterDocument: swaggerFiles() }) + '\\n');
  `;
  // Loading the modules may log (Nest's warnings): the result is its own line.
  const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const result = /^RESULT (.*)$/m.exec(output);
  if (!result) throw new Error(`no result in: ${output}`);
  return JSON.parse(result[1]) as Loaded;
}

describe.each(APPS)('the built %s and @nestjs/swagger', (app) => {
  it('its modules load without it; building a document loads it', () => {
    const loaded = loadedBy(app);
    // The app's modules were loaded (hundreds of files), and the check sees the package once it is loaded.
    expect(loaded.modules).toBeGreaterThan(300);
    expect(loaded.swaggerFiles).toBe(0);
    expect(loaded.swaggerFilesAfterDocument).toBeGreaterThan(0);
  });
});
