#!/usr/bin/env node
// Runs a compiled entry point (`node scripts/run-built.js dist/…/main.js args…`), compiling first
// when the TypeScript sources are newer than it. Build output goes to stderr, so
// `npm run -s cli -- … --json` stays pure JSON.
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const [entryArg, ...args] = process.argv.slice(2);
if (!entryArg) {
  process.stderr.write('usage: run-built.js <dist entry> [args…]\n');
  process.exit(2);
}
const entry = resolve(root, entryArg);

function newestSource(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = ['apps', 'libs', 'scripts', 'bench'].map((dir) => join(root, dir));
if (!existsSync(entry) || Math.max(...sources.map(newestSource)) > statSync(entry).mtimeMs) {
  execSync('npm run -s build', { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
}
process.argv = [process.argv[0], entry, ...args];
require(entry);
