// Copies non-TypeScript files the apps read at run time (folders named `assets` under apps/*/src)
// next to their compiled code in dist/, which tsc alone does not do; and the scaffold's templates
// (scripts/new-service/files, TypeScript that the build does not compile), which
// dist/scripts/new-service.js renders.
'use strict';
const { cpSync, readdirSync, rmSync, statSync } = require('node:fs');
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

// Replaced, not merged: a template removed from the sources must not linger in dist/.
const templates = join('scripts', 'new-service', 'files');
rmSync(join('dist', templates), { recursive: true, force: true });
cpSync(templates, join('dist', templates), { recursive: true });
