// Copies non-TypeScript files the apps read at run time (folders named `assets` under apps/*/src)
// next to their compiled code in dist/, which tsc alone does not do.
'use strict';
const { cpSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

function copyAssetFolders(folder) {
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry === 'assets') cpSync(path, join('dist', path), { recursive: true });
    else copyAssetFolders(path);
  }
}

for (const app of readdirSync('apps')) copyAssetFolders(join('apps', app, 'src'));
