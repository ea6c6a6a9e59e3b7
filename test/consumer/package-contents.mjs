// Is @nest-oauth-m2m/auth ready to publish? `npm publish --dry-run` as a maintainer runs it before the
// first publish (run by test/consumer/run.sh; needs no registry login): it ships only what a consumer
// needs, says where it comes from, and its README gives today's install paths, never the registry's
// as if it worked today.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGE_DIR = join(ROOT, 'libs', 'auth');
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');

// The build (runtime code and its type declarations) and the documents; nothing else.
const SHIPPED = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE)$|^dist\/.+\.(js|d\.ts)$/;
// What must never be in the tarball: tests, sources, examples (their example secrets), local state.
const NEVER = /(\.|-)spec\.|(^|\/)test\/|^src\/|^example\/|(^|\/)\.env|\.tsbuildinfo$|\.map$|(^|\/)node_modules\//;

const publish = spawnSync('npm', ['publish', '-w', manifest.name, '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' });
const report = publish.status === 0 ? JSON.parse(publish.stdout.slice(publish.stdout.indexOf('{')))[manifest.name] : undefined;
const files = (report?.files ?? []).map((file) => file.path);

test('npm publish --dry-run succeeds, to the public registry with public access', () => {
  assert.equal(publish.status, 0, publish.stderr);
  assert.match(publish.stderr, /Publishing to https:\/\/registry\.npmjs\.org\/ with tag latest and public access \(dry-run\)/);
  assert.equal(report.id, `${manifest.name}@${manifest.version}`);
});

test('the tarball holds only what a consumer needs: the build, README, CHANGELOG, package.json', () => {
  assert.ok(files.length > 10, `only ${files.length} files`);
  assert.deepEqual(files.filter((file) => !SHIPPED.test(file)), []);
  assert.deepEqual(files.filter((file) => NEVER.test(file)), []);
  // Every entry point the manifest names is in it.
  const entryPoints = [manifest.main, manifest.types, ...Object.values(manifest.exports['.']), 'README.md', 'CHANGELOG.md', 'package.json'];
  for (const entry of entryPoints) assert.ok(files.includes(entry.replace(/^\.\//, '')), `${entry} is not in the tarball`);
});

test('no file of it holds a development secret (the examples\' "change-me" placeholders)', () => {
  const withPlaceholders = files.filter((file) => /change-me|-secret-change|dev-[a-z-]*-secret/i.test(readFileSync(join(PACKAGE_DIR, file), 'utf8')));
  assert.deepEqual(withPlaceholders, []);
});

test('publish metadata: publishConfig, repository (with its folder), license, engines', () => {
  assert.deepEqual(manifest.publishConfig, { access: 'public', registry: 'https://registry.npmjs.org/' });
  assert.equal(manifest.repository.type, 'git');
  assert.equal(manifest.repository.directory, 'libs/auth');
  assert.match(manifest.repository.url, /^git\+https:\/\/.+\.git$/);
  assert.equal(manifest.license, 'MIT');
  assert.equal(manifest.engines.node, '>=20.19.0');
  assert.ok(!manifest.private, 'a private package cannot be published');
});

test("the README gives today's install paths (tarball, copied folder) and the registry's only as the future one", () => {
  assert.match(readme, /npm pack -w @nest-oauth-m2m\/auth/);
  assert.match(readme, /npm install --install-links \.\.\/copied\/libs\/auth/);
  // Each registry install command (a command line, not the prose naming the 404) sits under the "once it is published" paragraph.
  const lines = readme.split('\n');
  const registryInstalls = lines.flatMap((line, index) => (/^\s*npm (install|i) @nest-oauth-m2m\/auth/.test(line) ? [index] : []));
  assert.ok(registryInstalls.length > 0);
  for (const index of registryInstalls) {
    const context = lines.slice(Math.max(0, index - 4), index).join('\n');
    assert.match(context, /Once it is published\*\* \(not yet\)/, `line ${index + 1} offers the registry install as if it worked today`);
  }
  assert.match(readme, /not on the npm registry yet/);
});

test('the README states the Node requirement truthfully: its engines floor, and Node 22 with Nest 12', () => {
  assert.match(readme, /Node 20\.19 or later \(its `engines`\)/);
  assert.match(readme, /With Nest 12, Node 22 or later/);
  const rootEngines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
  assert.ok(readme.includes(rootEngines), `the README does not name this repository's own range ${rootEngines}`);
});
