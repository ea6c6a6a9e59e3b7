import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requiredFiles } from './dev-watch';

describe('start:dev: which built files an app loads', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dev-watch-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("follows the app's relative requires, transitively, and nothing under node_modules", () => {
    const write = (path: string, code: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), code);
    };
    write('dist/apps/orders/src/main.js', 'const a = require("./orders.module");\nconst pg = require("pg");');
    write('dist/apps/orders/src/orders.module.js', 'require("../../../libs/platform/src");');
    write('dist/libs/platform/src/index.js', 'require("./logging");');
    write('dist/libs/platform/src/logging.js', 'require("node:fs");');
    write('dist/apps/users/src/main.js', 'require("./users.module");');
    write('dist/apps/users/src/users.module.js', '');
    write('node_modules/pg/index.js', 'require("./lib");');
    const loaded = requiredFiles(join(dir, 'dist/apps/orders/src/main.js'));
    expect([...loaded].map((file) => file.slice(dir.length + 1)).sort()).toEqual([
      'dist/apps/orders/src/main.js',
      'dist/apps/orders/src/orders.module.js',
      'dist/libs/platform/src/index.js',
      'dist/libs/platform/src/logging.js',
    ]);
  });
});
