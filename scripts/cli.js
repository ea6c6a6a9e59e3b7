#!/usr/bin/env node
// `npm run cli -- …`: compiles first when the sources are newer than dist (build output goes to
// stderr, so `npm run -s cli -- … --json` stays pure JSON), then runs the operator CLI.
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const entry = join(root, 'dist/apps/auth-server/src/cli/main.js');

function newestSource(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = ['apps', 'libs', 'scripts'].map((dir) => join(root, dir));
if (!existsSync(entry) || Math.max(...sources.map(newestSource)) > statSync(entry).mtimeMs) {
  execSync('npm run -s build', { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
}
require(entry);
